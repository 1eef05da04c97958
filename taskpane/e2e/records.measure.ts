// Measured, not asserted: how long the web app's records list takes to be usable with 10,000 records in
// the tenant, against the same list with the demo's records only, in the same run, by Chromium's own
// timing, in local mode (SQLite). Three loads come first and are not counted (a fresh browser and service
// are slower at first); then the page is loaded several times, cold each time (a new browser context,
// nothing cached; the demo user already picked, as a returning user's browser remembers), and each
// figure is the median of the loads:
//   - domInteractive and loadEventEnd of the navigation (PerformanceNavigationTiming), and
//   - rows shown: when the first page of rows is in the document, from the navigation's start, marked by
//     a MutationObserver in the page itself (no polling from outside).
// Run: make build && cd taskpane && CRMSYNC_BIN=$PWD/../bin/crmsync npm run measure

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bob, call, newSession, startRig, type Rig } from './web.ts';

const records = 10_000;
const runs = 7;

let rig: Rig;

beforeAll(async () => {
  // The seeding sends 10,000 requests as one user: no rate limit for it.
  rig = await startRig('measure-records', { CRMSYNC_RATE_LIMIT: '0' });
});

/** seed adds n contacts of bob's through the API, 8 requests at a time. */
async function seed(n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const r = await call(rig, bob, 'POST', '/records/contact', {
        fields: { firstName: `Ada${String(i).padStart(5, '0')}`, lastName: 'Works', email: `c${i}@adventure-works.test` },
      });
      if (r.status !== 201) throw new Error(`seed ${i}: HTTP ${r.status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

afterAll(async () => {
  await rig?.stop();
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Timing {
  interactive: number;
  domInteractive: number;
  load: number;
}

/** measure loads the records list n times, cold, and returns each load's timing. */
async function measure(label: string, n = runs): Promise<Timing[]> {
  const figures: Timing[] = [];
  for (let i = 0; i < n; i++) {
    const s = await newSession(rig, `measure-records-${label}-${i}`);
    try {
      await s.context.addInitScript(([key, upn]) => localStorage.setItem(key, JSON.stringify({ upn, name: 'Bob Kelly' })), [
        'crmsync.app.localUser',
        bob,
      ]);
      await s.context.addInitScript(() => {
        const mark = () => {
          if (document.querySelector('[data-testid="record-row"]')) {
            (window as unknown as { rowsAt: number }).rowsAt = performance.now();
            return true;
          }
          return false;
        };
        new MutationObserver((_, o) => mark() && o.disconnect()).observe(document, { childList: true, subtree: true });
      });
      await s.page.goto(`${rig.svc.base}/app/#/records/contact`);
      await s.page.locator('[data-testid="record-row"]').first().waitFor();
      figures.push(
        await s.page.evaluate(() => {
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
          return { interactive: (window as unknown as { rowsAt: number }).rowsAt, domInteractive: nav.domInteractive, load: nav.loadEventEnd };
        }),
      );
      expect(s.errors).toEqual([]);
    } finally {
      await s.context.close();
    }
  }
  return figures;
}

describe('the records list', () => {
  it(`prints its timing with the demo's records, then with ${records} more`, async () => {
    await measure('warm-up', 3); // the first loads of a new browser and service are slower: not counted
    const baseline = await measure('demo');
    await seed(records);
    const seeded = await measure('10k');
    const line = (name: string, k: keyof Timing) => {
      const b = median(baseline.map((f) => f[k]));
      const m = median(seeded.map((f) => f[k]));
      return `  ${name.padEnd(15)} ${b.toFixed(0).padStart(5)} ms  ${m.toFixed(0).padStart(5)} ms  ×${(m / b).toFixed(2)}  (runs: ${seeded.map((f) => f[k].toFixed(0)).join(', ')})`;
    };
    console.log(`records list (#/records/contact, bob), medians of ${runs} cold loads: the demo's records, then ${records} more
  ${''.padEnd(15)}  demo     +${records}
${line('domInteractive', 'domInteractive')}
${line('loadEventEnd', 'load')}
${line('rows shown', 'interactive')}`);
  });
});
