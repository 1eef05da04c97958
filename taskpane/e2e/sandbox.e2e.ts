// End-to-end: the real crmsync binary in local mode, the sandbox page /dev/outlook in headless Chromium,
// and the real taskpane and function file framed in it. Each step leaves a screenshot under
// e2e/output/<test>/. The tests run in order: Set Regarding and Untrack work on the email Track tracked.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, FrameLocator, Locator, Page } from 'playwright-core';
import { binary, devToken, eventually, launchBrowser, outputDir, Screenshots, startService, workDir, type Service } from './harness.ts';

const alice = 'alice@contoso.test';
const getMessageRoute = 'GET /users/{user}/messages/{id}';

let dir = '';
let svc: Service | undefined;
let browser: Browser | undefined;
let token = '';

beforeAll(async () => {
  // Each test's screenshots replace its own folder (Screenshots); the web app's tests keep theirs.
  dir = workDir();
  const bin = await binary(dir);
  svc = await startService(bin, dir, join(outputDir, 'crmsync.log'));
  token = await devToken(svc, alice);
  browser = await launchBrowser();
});

afterAll(async () => {
  // Both always go, whatever failed.
  await browser?.close().catch(() => undefined);
  await svc?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function service(): Service {
  if (!svc) throw new Error('crmsync is not running');
  return svc;
}

/** api calls crmsync's API as alice. */
async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${service().base}/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** send calls crmsync's API as alice with a JSON body, and gives the status and the parsed answer. */
async function send<T>(method: 'PUT' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${service().base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

interface AdminSettings {
  syncMode: 'client' | 'server';
  defaultAutoTrack: string;
  minSyncIntervalMinutes: number;
  untrackDeletes: boolean;
  trackSentItems: boolean;
}

/** setSyncMode switches the demo tenant's synchronization mode (alice is an admin). */
async function setSyncMode(settings: AdminSettings, syncMode: AdminSettings['syncMode']): Promise<void> {
  const res = await send<AdminSettings>('PUT', '/admin/settings', { ...settings, syncMode });
  if (res.status !== 200 || res.body.syncMode !== syncMode) throw new Error(`PUT /admin/settings: HTTP ${res.status} ${JSON.stringify(res.body)}`);
}

async function faults(method: 'POST' | 'DELETE', body?: unknown): Promise<void> {
  const res = await fetch(`${service().base}/dev/outlook/faults`, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status !== 204) throw new Error(`${method} /dev/outlook/faults: HTTP ${res.status} ${await res.text()}`);
}

interface Activity {
  id: string;
  type: string;
  subject: string;
  regarding: { type: string; id: string; name?: string } | null;
}

interface ItemTracking {
  tracked: boolean;
  activity: Activity | null;
}

/** A sandbox page in its own browser context, and its screenshots. */
interface Session {
  context: BrowserContext;
  page: Page;
  pane: FrameLocator;
  shots: Screenshots;
  /** errors the pages logged to the console, which the test shows when it fails */
  console: string[];
  /** requests the pages tried to send beyond loopback, which are refused */
  offsite: string[];
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.protocol === 'data:' || url.protocol === 'blob:';
}

async function openSandbox(test: string): Promise<Session> {
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
  await page.goto(`${service().base}/dev/outlook`);
  await page.locator('[data-testid="item"]').first().waitFor();
  const pane = page.frameLocator('[data-testid="taskpane-frame"]');
  // The taskpane is up once it shows its state for "no item".
  await pane.locator('[data-testid="tracking-state"]').waitFor();
  return { context, page, pane, shots: new Screenshots(test), console, offsite };
}

async function text(l: Locator): Promise<string> {
  return ((await l.textContent()) ?? '').trim();
}

/** select clicks an item of the list and waits for the taskpane to show it, loaded. */
async function select(s: Session, subject: string): Promise<string> {
  const row = s.page.locator(`[data-testid="item"][data-subject="${subject}"]`);
  await row.click();
  await eventually(`the taskpane to show "${subject}"`, async () => {
    const shown = await text(s.pane.locator('[data-role="subject"]'));
    const busy = await s.pane.locator('.pane').getAttribute('aria-busy');
    return shown === subject && busy === 'false' ? true : undefined;
  });
  const id = await row.getAttribute('data-item-id');
  if (!id) throw new Error(`the row of "${subject}" has no item id`);
  return id;
}

/** settled waits for the taskpane's progress to read want ("done" or "failed") and the state to read state. */
async function settled(s: Session, want: string, state: string): Promise<void> {
  await eventually(`progress "${want}" and state "${state}"`, async () => {
    const progress = await text(s.pane.locator('[data-testid="progress"]'));
    const shown = await text(s.pane.locator('[data-testid="tracking-state"]'));
    if (progress === 'failed' && want !== 'failed') {
      throw new Error(`the click failed: ${await text(s.pane.locator('[data-testid="error"]'))}`);
    }
    return progress === want && shown === state ? true : undefined;
  });
}

/** inSandbox runs a test on a fresh sandbox page; a failure leaves a screenshot and the browser's errors. */
async function inSandbox(test: string, fn: (s: Session) => Promise<void>): Promise<void> {
  const s = await openSandbox(test);
  try {
    await fn(s);
    expect(s.offsite, 'requests beyond loopback').toEqual([]);
    expect(s.console.filter((m) => /Content Security Policy/i.test(m)), 'content security policy violations').toEqual([]);
  } catch (e) {
    await s.shots.take(s.page, 'failure').catch(() => undefined);
    const err = e instanceof Error ? e : new Error(String(e));
    err.message += `\nbrowser console: ${s.console.join('\n') || '(empty)'}`;
    throw err;
  } finally {
    if (s.console.length > 0) writeFileSync(join(s.shots.dir, 'console.txt'), s.console.join('\n') + '\n');
    await s.context.close().catch(() => undefined);
  }
}

describe('the Outlook sandbox', () => {
  let emailId = '';
  const email = 'Spring order arrived late';

  it('tracks an email from the taskpane', () =>
    inSandbox('track', async (s) => {
      await s.shots.take(s.page, 'sandbox');
      emailId = await select(s, email);
      expect(await text(s.pane.locator('[data-testid="tracking-state"]'))).toBe('Not tracked');
      await s.shots.take(s.page, 'selected');

      await s.pane.locator('[data-testid="track-button"]:not([disabled])').click();
      await settled(s, 'done', 'Tracked');
      // The parties resolve to the demo records once tracked.
      await s.pane.locator('[data-testid="party"][data-record-type="contact"]').first().waitFor();
      await s.shots.take(s.page, 'tracked');

      const page = await api<{ items: Activity[] }>('/activities');
      const activity = page.items.find((a) => a.subject === email);
      expect(activity, JSON.stringify(page.items)).toMatchObject({ type: 'email', subject: email });
    }));

  it('sets what the email is regarding through the search', () =>
    inSandbox('set-regarding', async (s) => {
      await select(s, email);
      expect(await text(s.pane.locator('[data-testid="tracking-state"]'))).toBe('Tracked');
      const input = s.pane.locator('[data-testid="search-input"]');
      await input.click();
      await input.pressSequentially('fabrikam');
      const account = s.pane.locator('[data-testid="search-result"]', { hasText: 'Fabrikam, Inc.' });
      await account.waitFor();
      await s.shots.take(s.page, 'search');

      // The keyboard: down the list until the account is the active option, then Enter.
      const count = await s.pane.locator('[data-testid="search-result"]').count();
      for (let i = 0; i < count && (await account.getAttribute('aria-selected')) !== 'true'; i++) {
        await input.press('ArrowDown');
      }
      expect(await account.getAttribute('aria-selected')).toBe('true');
      const accountId = await account.getAttribute('data-record-id');
      await input.press('Enter');
      await s.shots.take(s.page, 'picked');

      await s.pane.locator('[data-testid="set-regarding-button"]:not([disabled])').click();
      await eventually('the regarding record to show', async () =>
        (await text(s.pane.locator('[data-testid="regarding"]'))) === 'Fabrikam, Inc.' ? true : undefined,
      );
      await settled(s, 'done', 'Tracked');
      await s.shots.take(s.page, 'regarding-set');

      const tracking = await api<ItemTracking>(`/items/${encodeURIComponent(emailId)}/tracking`);
      expect(tracking.activity?.regarding).toMatchObject({ type: 'account', id: accountId });
      const regarding = await api<{ items: Activity[] }>(`/activities?regarding=account:${accountId}`);
      expect(regarding.items.map((a) => a.subject)).toContain(email);
    }));

  it('untracks the email', () =>
    inSandbox('untrack', async (s) => {
      await select(s, email);
      await s.pane.locator('[data-testid="untrack-button"]:not([disabled])').click();
      await settled(s, 'done', 'Not tracked');
      await s.shots.take(s.page, 'untracked');

      const tracking = await api<ItemTracking>(`/items/${encodeURIComponent(emailId)}/tracking`);
      expect(tracking.tracked).toBe(false);
    }));

  it('says so when the mailbox no longer has the item', () =>
    inSandbox('item-gone', async (s) => {
      try {
        const subject = 'Cycling Trade Weekly: battery prices fall, new EU rules and more';
        await select(s, subject);
        // The demo mailbox answers 404 when the service reads the message, as Graph does for a deleted one.
        await faults('POST', { route: getMessageRoute, status: 404, times: 5 });
        await s.pane.locator('[data-testid="track-button"]:not([disabled])').click();
        await settled(s, 'failed', 'Not tracked');
        const error = s.pane.locator('[data-testid="error"]');
        expect(await error.isVisible()).toBe(true);
        // The worker cannot tell a deleted item from another mailbox's: Graph answers 404 for both.
        expect((await text(error)).toLowerCase()).toContain('the item is not in your mailbox');
        await s.shots.take(s.page, 'failed');
      } finally {
        await faults('DELETE').catch(() => undefined);
      }
    }));

  it('tracks an email from the ribbon', () =>
    inSandbox('ribbon', async (s) => {
      const subject = 'E-bikes for our delivery team';
      await select(s, subject);
      await s.page.locator('[data-testid="ribbon-track"]:not([disabled])').click();
      const notification = s.page.locator('[data-testid="notification"]');
      const shown = await eventually('the notification', async () => {
        const t = await text(notification);
        return t.startsWith('Tracked to CRM') ? t : undefined;
      });
      expect(await notification.getAttribute('data-type')).toBe('informationalMessage');
      expect(shown).toMatch(/^Tracked to CRM/);
      // The pinned taskpane hears of it too.
      await settled(s, '', 'Tracked');
      await s.shots.take(s.page, 'notification');
    }));

  it("shows the calendar, and bob's mailbox signed in as bob", () =>
    inSandbox('calendar-and-bob', async (s) => {
      await s.page.locator('[data-testid="folder"][data-folder="calendar"]').click();
      await select(s, 'Fabrikam fleet renewal: quote review');
      expect(await text(s.pane.locator('[data-testid="tracking-state"]'))).toBe('Not tracked');
      await s.shots.take(s.page, 'calendar');

      await s.page.locator('[data-testid="user-switch"]').selectOption('bob@contoso.test');
      await s.page.locator('[data-testid="folder"][data-folder="inbox"]').click();
      await s.page.locator('[data-testid="item"][data-subject="Service contract questions"]').waitFor();
      // The frames load again for bob, whose token the taskpane now uses.
      await s.pane.locator('[data-testid="tracking-state"]').waitFor();
      await select(s, 'Service contract questions');
      expect(await text(s.pane.locator('[data-testid="error"]'))).toBe('');
      await s.shots.take(s.page, 'bob');
    }));

  it('synchronizes on demand in client mode; no Synchronize button in server mode', async () => {
    const settings = await api<AdminSettings>('/admin/settings');
    expect(settings.syncMode).toBe('client'); // the demo tenant's mode
    try {
      await inSandbox('synchronize', async (s) => {
        /** The POSTs to /api/v1/sync the taskpane sent, with their statuses. */
        const posts: number[] = [];
        s.page.on('response', (r) => {
          if (r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/sync') posts.push(r.status());
        });
        const button = s.pane.getByRole('button', { name: 'Synchronize now' });
        const status = s.pane.locator('[data-testid="sync-status"]');
        const requested = async () => {
          const t = await text(status);
          return /^Synchronization requested at \d\d:\d\d$/.test(t) ? t : undefined;
        };

        // Client mode: the pane asked once when it opened, and offers the button.
        await button.waitFor({ state: 'visible' });
        await eventually('the request made at open', requested);
        await s.shots.take(s.page, 'client-mode');

        const before = posts.length;
        const answered = s.page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/sync');
        await button.click();
        expect((await answered).status()).toBe(202);
        await eventually('the requested status after the click', requested);
        expect(posts.length).toBe(before + 1);
        await s.shots.take(s.page, 'requested');

        // The tenant moves to server mode while the pane is open: the next click gets 409 and the button goes.
        await setSyncMode(settings, 'server');
        const refused = await send<{ status: number; detail: string }>('POST', '/sync');
        expect(refused).toMatchObject({ status: 409, body: { detail: 'synchronization runs on the server in this organisation' } });
        await button.click();
        await eventually('the button to go after a 409', async () => ((await button.isVisible()) ? undefined : true));
        expect(posts.at(-1)).toBe(409);
        await s.shots.take(s.page, 'refused');

        // Opened again in server mode: no button, and no request.
        const sent = posts.length;
        const me = s.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/me' && r.request().frame().url().includes('/taskpane.html'));
        await s.page.reload();
        await s.page.locator('[data-testid="item"]').first().waitFor();
        await s.pane.locator('[data-testid="tracking-state"]').waitFor();
        expect(((await (await me).json()) as { syncMode: string }).syncMode).toBe('server');
        await select(s, 'Spring order arrived late');
        expect(await s.pane.locator('[data-testid="sync-now"]').isVisible()).toBe(false);
        expect(await s.pane.locator('[data-testid="track-button"]').isVisible()).toBe(true);
        expect(posts.length).toBe(sent);
        await s.shots.take(s.page, 'server-mode');
      });
    } finally {
      await setSyncMode(settings, 'client');
    }
  });

  it('searches the offline records and keeps a Track click while crmsync cannot be reached, sending it back online', async () => {
    // An offline filter for alice: every account she can read.
    const filter = await send<{ id: string }>('POST', '/sync-filters', { name: 'e2e offline accounts', recordType: 'account', kind: 'offline' });
    expect(filter.status).toBe(201);
    try {
      await inSandbox('offline', async (s) => {
        // The pane opened before the filter existed for this page: open it again so it fetches the records.
        const refreshed = s.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/offline');
        await s.page.reload();
        await s.pane.locator('[data-testid="tracking-state"]').waitFor();
        expect((await refreshed).status()).toBe(200);
        const frame = s.page.frames().find((f) => f.url().includes('/taskpane.html'));
        if (!frame) throw new Error('no taskpane frame');
        await eventually('the offline records to be stored', () =>
          frame.evaluate(async () => {
            // Opened only once the pane created it, so as not to create it without its stores.
            if (!(await indexedDB.databases()).some((d) => d.name === 'crmsync-offline')) return undefined;
            const db = await new Promise<IDBDatabase>((ok, fail) => {
              const r = indexedDB.open('crmsync-offline');
              r.onsuccess = () => ok(r.result);
              r.onerror = () => fail(r.error);
            });
            try {
              const n = await new Promise<number>((ok, fail) => {
                const r = db.transaction('records').objectStore('records').count();
                r.onsuccess = () => ok(r.result);
                r.onerror = () => fail(r.error);
              });
              return n > 0 ? n : undefined;
            } finally {
              db.close();
            }
          }),
        );
        const subject = 'Spring order arrived late';
        const itemId = await select(s, subject);
        expect(await text(s.pane.locator('[data-testid="tracking-state"]'))).toBe('Not tracked');

        // The connection goes.
        await s.context.setOffline(true);
        const input = s.pane.locator('[data-testid="search-input"]');
        await input.click();
        await input.pressSequentially('fabrikam');
        const account = s.pane.locator('[data-testid="search-result"]', { hasText: 'Fabrikam, Inc.' });
        await account.waitFor();
        const note = s.pane.locator('[data-testid="search-offline"]');
        expect(await note.isVisible()).toBe(true);
        expect(await text(note)).toBe('offline — from your offline records');
        expect(await s.pane.locator('[data-testid="error"]').isVisible()).toBe(false);
        await s.shots.take(s.page, 'offline-search');
        const accountId = await account.getAttribute('data-record-id');
        await account.click();

        await s.pane.locator('[data-testid="track-button"]:not([disabled])').click();
        const queued = s.pane.locator('[data-testid="queued"]');
        await queued.waitFor({ state: 'visible' });
        expect(await text(queued)).toBe('Saved — will be sent when crmsync can be reached');
        expect(await text(s.pane.locator('[data-testid="tracking-state"]'))).toBe('Not tracked');
        await s.shots.take(s.page, 'queued');

        // Back online: the browser says so, and the pane sends the click and follows it.
        await s.context.setOffline(false);
        await settled(s, 'done', 'Tracked');
        expect(await queued.isVisible()).toBe(false);
        await eventually('the regarding record to show', async () =>
          (await text(s.pane.locator('[data-testid="regarding"]'))) === 'Fabrikam, Inc.' ? true : undefined,
        );
        await s.shots.take(s.page, 'sent');
        const tracking = await api<ItemTracking>(`/items/${encodeURIComponent(itemId)}/tracking`);
        expect(tracking.tracked).toBe(true);
        expect(tracking.activity?.regarding).toMatchObject({ type: 'account', id: accountId });
      });
    } finally {
      await fetch(`${service().base}/api/v1/sync-filters/${filter.body.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
    }
  });
});
