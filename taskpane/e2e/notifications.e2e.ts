// End-to-end: near-real-time synchronization in local mode. The demo mailbox (graphfake) posts change
// notifications to crmsync's own loopback address; in the sandbox, mail sent with New message reaches
// alice's Inbox and shows "Tracked to CRM" moments later, a Reply goes out, and an appointment created
// through the API appears in her calendar, all without pressing Synchronize. Screenshots in
// e2e/output/notifications-*.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { binary, devToken, eventually, launchBrowser, outputDir, Screenshots, startService, workDir, type Service } from './harness.ts';

const alice = 'alice@contoso.test';
const bob = 'bob@contoso.test';

let dir = '';
let svc: Service | undefined;
let browser: Browser | undefined;
let token = '';

beforeAll(async () => {
  dir = workDir();
  const bin = await binary(dir);
  // The subscription scheduler looks every 2 seconds rather than 30, so the test need not wait for it.
  svc = await startService(bin, dir, join(outputDir, 'crmsync-notifications.log'), { CRMSYNC_SCHEDULE_INTERVAL: '2s' });
  token = await devToken(svc, alice);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await svc?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function base(): string {
  if (!svc) throw new Error('crmsync is not running');
  return svc.base;
}

/** call calls crmsync's API as alice. */
async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base()}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

interface Mailbox {
  upn: string;
  notifications: { state: string; polling: string; subscriptions: { resource: string; state: string }[] };
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.protocol === 'data:' || url.protocol === 'blob:';
}

interface Session {
  context: BrowserContext;
  page: Page;
  shots: Screenshots;
  console: string[];
  offsite: string[];
}

async function inSandbox(test: string, fn: (s: Session) => Promise<void>): Promise<void> {
  if (!browser) throw new Error('Chromium is not running');
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const offsite: string[] = [];
  await context.route(
    (url) => !isLoopback(url),
    (route) => {
      offsite.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  const page = await context.newPage();
  const console: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') console.push(m.text());
  });
  page.on('pageerror', (e) => console.push(String(e)));
  const s: Session = { context, page, shots: new Screenshots(test), console, offsite };
  try {
    await page.goto(`${base()}/dev/outlook`);
    await page.locator('[data-testid="item"]').first().waitFor();
    await page.frameLocator('[data-testid="taskpane-frame"]').locator('[data-testid="tracking-state"]').waitFor();
    await fn(s);
    expect(offsite, 'requests beyond loopback').toEqual([]);
    expect(console, 'errors in the browser console').toEqual([]);
  } catch (e) {
    await s.shots.take(page, 'failure').catch(() => undefined);
    const err = e instanceof Error ? e : new Error(String(e));
    err.message += `\nbrowser console: ${console.join('\n') || '(empty)'}`;
    throw err;
  } finally {
    if (console.length > 0) writeFileSync(join(s.shots.dir, 'console.txt'), console.join('\n') + '\n');
    await context.close().catch(() => undefined);
  }
}

const row = (s: Session, subject: string) => s.page.locator(`[data-testid="item"][data-subject="${subject}"]`);

/** compose sends a new message from one of the sandbox's senders to alice. */
async function compose(s: Session, from: string, subject: string, body: string, shot = ''): Promise<void> {
  await s.page.locator('[data-testid="new-message"]').click();
  const dialog = s.page.locator('[data-testid="compose-dialog"]');
  await dialog.waitFor();
  await s.page.locator('[data-testid="compose-from"]').selectOption(from);
  expect(await s.page.locator('[data-testid="compose-to"]').inputValue()).toBe(alice);
  await s.page.locator('[data-testid="compose-subject"]').fill(subject);
  await s.page.locator('[data-testid="compose-body"]').fill(body);
  if (shot) await s.shots.take(s.page, shot);
  await s.page.locator('[data-testid="compose-send"]').click();
  await dialog.waitFor({ state: 'hidden' });
}

describe('near-real-time synchronization in the sandbox', () => {
  it('tracks mail sent with New message, and sends a reply', () =>
    inSandbox('notifications-mail', async (s) => {
      // Alice's automatic tracking picks email from CRM leads, contacts and accounts.
      await call('PUT', '/me/options', { autoTrack: 'leads_contacts_accounts' });
      // The open taskpane asked for a synchronization, which keeps alice's token for her mailbox's
      // subscriptions: they are made within the scheduler's next runs, one resource after another (the
      // mailbox is active from the first), so wait for all four.
      const mailbox = await eventually(
        "alice's change-notification subscriptions",
        async () => {
          const list = await call<{ items: Mailbox[] }>('GET', '/admin/mailboxes');
          const m = list.items.find((i) => i.upn === alice);
          return m?.notifications.state === 'active' && m.notifications.subscriptions.length === 4 ? m : undefined;
        },
        30_000,
      );
      expect(mailbox.notifications.polling).toBe('backstop');
      expect(mailbox.notifications.subscriptions.map((x) => x.resource).sort()).toEqual(['contacts', 'events', 'inbox', 'tasks']);
      await s.shots.take(s.page, 'sandbox');

      // Marco is a CRM contact too, but on alice's never-track list: his email is left alone.
      await call('POST', '/never-track', { value: 'marco.rossi@northwindtraders.test' });
      const ignored = 'Northwind newsletter: spring catalogue';
      await compose(s, 'marco.rossi@northwindtraders.test', ignored, 'Our new catalogue is out.');
      const subject = 'Order 1001: ten e-bikes for the Seattle office';
      await compose(s, 'dana.whitfield@fabrikam.test', subject, 'Hello Alice, please confirm the delivery date. Dana', 'new-message');

      // The message arrives, and a moment later shows that crmsync tracked it: nobody pressed anything.
      await row(s, subject).waitFor({ timeout: 10_000 });
      await s.shots.take(s.page, 'arrived');
      await row(s, subject).locator('[data-testid="tracked-category"]').waitFor({ timeout: 20_000 });
      await s.shots.take(s.page, 'tracked');
      const activities = await call<{ items: { subject: string; type: string }[] }>('GET', '/activities');
      expect(activities.items.find((a) => a.subject === subject)).toMatchObject({ type: 'email' });
      const metrics = await (await fetch(`${base()}/metrics`)).text();
      expect(metrics).toMatch(/crmsync_graph_notifications_total\{outcome="accepted"\} [1-9]/);
      // The pass that tracked Dana's email had Marco's before it, and left it.
      expect(await row(s, ignored).locator('[data-testid="tracked-category"]').count()).toBe(0);
      expect(activities.items.find((a) => a.subject === ignored)).toBeUndefined();

      // The taskpane says why before a click tracks it anyway.
      await row(s, ignored).click();
      const pane = s.page.frameLocator('[data-testid="taskpane-frame"]');
      await pane.locator('[data-testid="never-track"]:not([hidden])').waitFor();
      expect(await pane.locator('[data-testid="never-track"]').textContent()).toContain('marco.rossi@northwindtraders.test');
      await s.shots.take(s.page, 'never-track');
      await pane.locator('[data-testid="track-button"]:not([disabled])').click();
      await row(s, ignored).locator('[data-testid="tracked-category"]').waitFor({ timeout: 20_000 });
      await s.shots.take(s.page, 'tracked-by-click');

      // Reply.
      await row(s, subject).click();
      await s.page.locator('[data-testid="reply"]:not([disabled])').click();
      await s.page.locator('[data-testid="compose-body"]').fill('Confirmed for Thursday. Alice');
      await s.shots.take(s.page, 'reply');
      await s.page.locator('[data-testid="compose-send"]').click();
      await s.page.locator('[data-testid="compose-dialog"]').waitFor({ state: 'hidden' });
      expect(await s.page.locator('[data-role="list-status"]').textContent()).toBe('Reply sent.');
      await s.shots.take(s.page, 'replied');
    }));

  it('shows a CRM appointment in the calendar without pressing anything', () =>
    inSandbox('notifications-calendar', async (s) => {
      await s.page.locator('[data-testid="folder"][data-folder="calendar"]').click();
      await s.page.locator('[data-role="list-title"]', { hasText: 'Calendar' }).waitFor();
      const start = new Date(Date.now() + 2 * 24 * 60 * 60 * 1000);
      start.setUTCHours(15, 0, 0, 0);
      const end = new Date(start.getTime() + 60 * 60 * 1000);
      const subject = 'Fabrikam fleet review';
      await call('POST', '/activities', {
        type: 'appointment',
        subject,
        body: 'Review the renewal terms.',
        start: start.toISOString(),
        end: end.toISOString(),
        location: 'Teams',
        status: 'scheduled',
        parties: [{ role: 'required', address: bob }],
      });
      await row(s, subject).waitFor({ timeout: 20_000 });
      await row(s, subject).click();
      await s.shots.take(s.page, 'appointment');
      // A new meeting that alice owns invites its attendee: bob gets the request.
      expect(await s.page.locator('[data-role="reading"]').textContent()).toContain(bob);
    }));
});
