// End-to-end: the web app's admin console as alice (CRM.Admin) against the real binary in local mode —
// a field's direction seen by bob, a custom type with an email field that a tracked email resolves to, a
// failing mailbox brought back with Test & enable — and the app's pages at 360 px and 1280 px, light and
// dark. Screenshots under e2e/output/admin-*/ and pages-*/.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './harness.ts';
import { alice, bob, call, faults, inSession, open, shown, signIn, startRig, text, type Rig } from './web.ts';

let rig: Rig;

beforeAll(async () => {
  rig = await startRig('admin');
});

afterAll(async () => {
  await faults(rig, 'DELETE').catch(() => undefined);
  await rig?.stop();
});

const newsletter = 'Cycling Trade Weekly: battery prices fall, new EU rules and more';
const newsletterFrom = 'news@cyclingtradeweekly.test';

describe('the admin console as alice', () => {
  it("sets a contact field's direction to none, and bob's Synchronized fields show it", async () => {
    await inSession(rig, 'admin-field-direction', async (s) => {
      await signIn(s, alice);
      const screen = await open(s, '#/admin/fields', 'admin-fields');
      const phone = screen.locator('[data-testid="mapping"][data-kind="contact"][data-field="phone"]');
      await phone.locator('[data-testid="direction-select"]').selectOption('none');
      await screen.locator('[data-testid="save-mappings"]').click();
      await eventually('saved', async () => ((await text(screen.locator('[data-testid="fields-status"]'))) === 'Saved.' ? true : undefined));
      await s.shots.take(s.page, 'alice-sets-none');
      // Fixed mappings have no control.
      const fixed = screen.locator('[data-testid="mapping"][data-fixed="true"]').first();
      expect(await fixed.locator('select').count()).toBe(0);
    });
    await inSession(rig, 'admin-field-direction-bob', async (s) => {
      await signIn(s, bob);
      const screen = await open(s, '#/fields', 'fields');
      const phone = screen.locator('[data-testid="mapping"][data-kind="contact"][data-field="phone"] [data-testid="direction"]');
      expect(await phone.getAttribute('data-direction')).toBe('none');
      expect(await screen.locator('select').count()).toBe(0);
      await s.shots.take(s.page, 'bob-sees-none');
    });
  });

  it('creates a custom type with an email field and a record of it; a tracked email from that address resolves to it', () =>
    inSession(rig, 'admin-custom-type', async (s) => {
      await signIn(s, alice);
      const form = await open(s, '#/admin/types/new', 'admin-type-new');
      await form.locator('[data-testid="type-name"]').fill('publisher');
      await form.locator('[data-testid="type-display"]').fill('Publisher');
      await form.locator('[data-testid="type-plural"]').fill('Publishers');
      await form.locator('[data-testid="add-field"]').click();
      const row = form.locator('[data-testid="field-row"]').last();
      await row.locator('[data-role="name"]').fill('newsEmail');
      await row.locator('[data-role="label"]').fill('News email');
      await row.locator('[data-role="kind"]').selectOption('email');
      expect(await form.locator('[data-testid="email-note"]').isVisible()).toBe(true);
      await s.shots.take(s.page, 'type-form');
      await form.locator('[data-testid="save-type"]').click();
      await s.page.waitForURL(/#\/admin\/types\/publisher$/);

      const create = await open(s, '#/records/publisher/new', 'record-new');
      await create.locator('input[name="__name"]').fill('Cycling Trade Weekly');
      await create.locator('input[name="newsEmail"]').fill(newsletterFrom);
      await create.locator('[data-testid="save-record"]').click();
      await s.page.waitForURL(/#\/records\/publisher\/[0-9a-f-]{36}$/);
      await shown(s.page, 'record');
      await s.shots.take(s.page, 'record');
      const recordId = s.page.url().split('/').pop();

      // Track the newsletter from alice's mailbox in the sandbox.
      const sandbox = await s.context.newPage();
      await sandbox.goto(`${rig.svc.base}/dev/outlook`);
      const pane = sandbox.frameLocator('[data-testid="taskpane-frame"]');
      await pane.locator('[data-testid="tracking-state"]').waitFor();
      await sandbox.locator(`[data-testid="item"][data-subject="${newsletter}"]`).click();
      await eventually('the pane to show the email', async () => ((await text(pane.locator('[data-role="subject"]'))) === newsletter ? true : undefined));
      await pane.locator('[data-testid="track-button"]:not([disabled])').click();
      await eventually('tracked', async () => ((await text(pane.locator('[data-testid="tracking-state"]'))) === 'Tracked' ? true : undefined));
      await sandbox.close();

      // The publisher's timeline has it as a party; the activity links the sender to the publisher.
      await s.page.reload();
      const again = await shown(s.page, 'record');
      const item = again.locator('[data-testid="timeline-item"]', { hasText: 'Cycling Trade Weekly' });
      await item.waitFor();
      await item.getByRole('link').click();
      const activity = await shown(s.page, 'activity');
      const party = activity.locator('[data-testid="party-record"][data-type="publisher"]');
      await party.waitFor();
      expect(await party.getAttribute('href')).toBe(`#/records/publisher/${recordId}`);
      await s.shots.take(s.page, 'resolved');
    }));

  it("sees bob's mailbox failing after a Graph fault, and Test & enable brings it back once cleared", () =>
    inSession(rig, 'admin-mailboxes', async (s) => {
      await signIn(s, alice);
      await faults(rig, 'POST', { route: '*', status: 500, times: 0 });
      try {
        expect((await call(rig, bob, 'POST', '/sync')).status).toBe(202);
        const screen = await open(s, '#/admin/mailboxes?show=failing', 'admin-mailboxes');
        const row = screen.locator(`[data-testid="mailbox-row"][data-upn="${bob}"]`);
        await eventually('bob failing', async () => {
          await screen.locator('[data-testid="refresh"]').click();
          return (await row.count()) === 1 ? true : undefined;
        });
        expect(await row.getAttribute('data-failing')).toBe('true');
        expect(await text(row.locator('[data-testid="alert"]'))).toContain('500');
        await s.shots.take(s.page, 'failing');
      } finally {
        await faults(rig, 'DELETE');
      }
      const screen = await shown(s.page, 'admin-mailboxes');
      const row = screen.locator(`[data-testid="mailbox-row"][data-upn="${bob}"]`);
      await row.locator('[data-testid="test-enable"]').click();
      await eventually('enabled', async () => ((await text(row.locator('[data-testid="outcome"]'))) === 'Enabled.' ? true : undefined));
      expect(await row.getAttribute('data-failing')).toBe('false');
      await s.shots.take(s.page, 'enabled');
      await screen.locator('[data-testid="show-all"]').check();
      await screen.locator('[data-testid="show-failing"]').check();
      expect(await screen.locator(`[data-testid="mailbox-row"][data-upn="${bob}"]`).count()).toBe(0);
      const boxes = await call<{ items: { upn: string; enabled: boolean; consecutiveFailures: number }[] }>(rig, alice, 'GET', '/admin/mailboxes');
      expect(boxes.body.items.find((m) => m.upn === bob)).toMatchObject({ enabled: true, consecutiveFailures: 0 });
    }));
});

describe('the settings and the deployment as alice', () => {
  it('changes a setting, sent as a merge (PATCH), and GET /admin/settings shows it', () =>
    inSession(rig, 'admin-settings', async (s) => {
      const before = (await call<Record<string, unknown>>(rig, alice, 'GET', '/admin/settings')).body;
      await signIn(s, alice);
      const screen = await open(s, '#/admin/settings', 'admin-settings');
      await screen.locator('[data-testid="min-interval"]').fill('10');
      await screen.locator('[data-testid="trackSentItems"]').click();
      await screen.locator('[data-testid="save-settings"]').click();
      await eventually('saved', async () => ((await text(screen.locator('[data-testid="settings-status"]'))) === 'Saved.' ? true : undefined));
      await s.shots.take(s.page, 'saved');
      const after = (await call<Record<string, unknown>>(rig, alice, 'GET', '/admin/settings')).body;
      expect(after).toEqual({ ...before, minSyncIntervalMinutes: 10, trackSentItems: !before.trackSentItems });
      // Put it back for the other tests of this file.
      expect((await call(rig, alice, 'PUT', '/admin/settings', before)).status).toBe(200);
    }));

  it('shows the deployment values and checks the public URL and Graph', () =>
    inSession(rig, 'admin-deployment', async (s) => {
      await signIn(s, alice);
      const screen = await open(s, '#/admin/deployment', 'admin-deployment');
      const values = screen.locator('[data-testid="deployment"]');
      await values.waitFor();
      expect(await text(values)).toContain('api://localhost:8443/');
      expect(await screen.locator('a[href$="/manifest.json"]').count()).toBe(1);
      expect(await text(screen)).toContain('Mail.ReadWrite');
      await screen.locator('[data-testid="check"]').click();
      const results = screen.locator('[data-testid="check-result"]');
      await eventually('the checks', async () => ((await results.count()) === 2 ? true : undefined));
      expect(await results.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.ok))).toEqual(['true', 'true']);
      expect(await text(results.first())).toContain('local mode');
      await s.shots.take(s.page, 'checked');
    }));
});

describe("the app's pages at 360 px and 1280 px, light and dark", () => {
  const pages: [string, string][] = [
    ['#/records/contact', 'records'],
    ['#/options', 'options'],
    ['#/filters/new', 'filter-new'],
    ['#/fields', 'fields'],
    ['#/admin/mailboxes', 'admin-mailboxes'],
    ['#/admin/security', 'admin-security'],
    ['#/admin/types', 'admin-types'],
    ['#/tracking', 'tracking'],
    ['#/admin/deployment', 'admin-deployment'],
  ];
  for (const width of [360, 1280]) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`${width} px, ${colorScheme}`, () =>
        inSession(
          rig,
          `pages-${width}-${colorScheme}`,
          async (s) => {
            await signIn(s, alice);
            for (const [hash, screen] of pages) {
              await open(s, hash, screen);
              const overflow = await s.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
              expect(overflow, `${hash} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
              await s.shots.take(s.page, screen);
            }
            if (width === 360) {
              await s.page.locator('[data-testid="menu"]').click();
              await s.page.locator('#rail').waitFor({ state: 'visible' });
              await s.shots.take(s.page, 'menu');
            }
          },
          { width, colorScheme },
        ));
    }
  }
});
