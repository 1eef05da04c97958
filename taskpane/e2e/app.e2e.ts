// End-to-end: the web app (/app/) as bob, a user without an app role, against the real binary in local
// mode: personal options (with his mailbox's health) in the app and in the taskpane's Settings, a filter
// built with the condition builder and previewed, an account's timeline after tracking an email about it,
// My tracking, a stale save, and the admin console out of reach. Screenshots under e2e/output/app-*/.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { eventually } from './harness.ts';
import { bob, call, inSession, open, shown, signIn, startRig, text, type Rig, type Session } from './web.ts';

let rig: Rig;

beforeAll(async () => {
  rig = await startRig('app');
});

afterAll(async () => {
  await rig?.stop();
});

interface Me {
  options: { syncIntervalMinutes: number; autoTrack: string };
}

interface Contact {
  name: string;
  fields: { email?: string; lastName?: string };
}

/** sandboxAs opens the Outlook sandbox signed in as bob, with the taskpane up. */
async function sandboxAsBob(s: Session): Promise<Page> {
  const page = await s.context.newPage();
  await page.goto(`${rig.svc.base}/dev/outlook`);
  await page.locator('[data-testid="item"]').first().waitFor();
  await page.locator('[data-testid="user-switch"]').selectOption(bob);
  await page.locator('[data-testid="item"][data-subject="Service contract questions"]').waitFor();
  await page.frameLocator('[data-testid="taskpane-frame"]').locator('[data-testid="tracking-state"]').waitFor();
  return page;
}

describe('the web app as bob', () => {
  it('changes his options in the web app and in the taskpane, and /me shows them', () =>
    inSession(rig, 'app-options', async (s) => {
      await signIn(s, bob);
      const screen = await open(s, '#/options', 'options');
      // His mailbox's health (GET /me/mailbox): the demo mailbox has not synchronized yet.
      const health = screen.locator('[data-testid="my-mailbox"]');
      await health.locator('dl.facts').waitFor();
      expect(await text(health)).toContain('Last synchronizednever');
      await s.shots.take(s.page, 'options');
      await screen.locator('[data-testid="interval"]').fill('30');
      await screen.locator('[data-testid="autotrack-all"]').check();
      await screen.locator('[data-testid="save-options"]').click();
      await eventually('saved', async () => ((await text(screen.locator('[data-testid="options-status"]'))) === 'Saved.' ? true : undefined));
      await s.shots.take(s.page, 'saved');
      expect((await call<Me>(rig, bob, 'GET', '/me')).body.options).toEqual({ syncIntervalMinutes: 30, autoTrack: 'all' });

      const sandbox = await sandboxAsBob(s);
      const pane = sandbox.frameLocator('[data-testid="taskpane-frame"]');
      await pane.locator('[data-testid="settings-button"]').click();
      await pane.locator('[data-testid="interval"]').waitFor();
      expect(await pane.locator('[data-testid="interval"]').inputValue()).toBe('30');
      await pane.locator('[data-testid="interval"]').fill('45');
      await pane.locator('[data-testid="autotrack-leads_contacts_accounts"]').check();
      await pane.locator('[data-testid="save-options"]').click();
      await eventually('saved in the pane', async () => ((await text(pane.locator('[data-testid="options-status"]'))) === 'Saved.' ? true : undefined));
      await s.shots.take(sandbox, 'taskpane-settings');
      expect((await call<Me>(rig, bob, 'GET', '/me')).body.options).toEqual({ syncIntervalMinutes: 45, autoTrack: 'leads_contacts_accounts' });
    }));

  it('builds a contact filter with a nested group; an invalid value shows its 422 on its row', () =>
    inSession(rig, 'app-filter', async (s) => {
      s.expect(422);
      await signIn(s, bob);
      const screen = await open(s, '#/filters/new', 'filter-new');
      await screen.locator('[data-testid="filter-name"]').fill('e2e Adventure Works contacts');
      // ownerId eq @me, and (email contains adventure, or accountId eq "not-an-id").
      await screen.locator('[data-testid="add-condition"]').first().click();
      await screen.locator('[data-testid="add-group"]').first().click();
      const inner = screen.locator('[data-testid="group"] [data-testid="group"]');
      const first = inner.locator('[data-testid="condition"]').first();
      await first.locator('[data-role="field"]').selectOption('email');
      await first.locator('[data-role="op"]').selectOption('contains');
      await first.locator('[data-role="value"]').fill('adventure');
      await inner.locator('[data-testid="add-condition"]').click();
      const second = inner.locator('[data-testid="condition"]').nth(1);
      await second.locator('[data-role="field"]').selectOption('accountId');
      await second.locator('[data-role="value"]').selectOption('id');
      await second.locator('[data-role="id"]').fill('not-an-id');
      await s.shots.take(s.page, 'built');

      await screen.locator('[data-testid="save-filter"]').click();
      const rowError = second.locator('.field-error');
      await rowError.waitFor({ state: 'visible' });
      expect(await second.getAttribute('data-pointer')).toBe('/conditions/and/1/or/1');
      expect(await text(rowError)).toBe('must be an id (a UUID) or @me');
      await s.shots.take(s.page, 'invalid-row');

      await second.locator('[data-role="field"]').selectOption('lastName');
      await second.locator('[data-role="value"]').fill('Natarajan');

      // The preview counts what the filter picks for bob now: his own contacts (he reads only his) whose
      // email holds "adventure" or whose last name is Natarajan, worked out here from GET /records.
      const mine = await call<{ items: Contact[] }>(rig, bob, 'GET', '/records/contact?limit=100');
      const picked = mine.body.items.filter((c) => (c.fields.email ?? '').toLowerCase().includes('adventure') || c.fields.lastName === 'Natarajan');
      expect(picked.length).toBeGreaterThan(0);
      await screen.locator('[data-testid="preview-filter"]').click();
      const count = screen.locator('[data-testid="preview-count"]');
      await count.waitFor();
      expect(await text(count)).toBe(`This filter picks ${picked.length} record${picked.length === 1 ? '' : 's'} for you now.`);
      const items = await screen.locator('[data-testid="preview-item"]').allTextContents();
      expect(items).toEqual(picked.map((c) => c.name));
      await s.shots.take(s.page, 'preview');

      await screen.locator('[data-testid="save-filter"]').click();
      await s.page.waitForURL(/#\/filters\/[0-9a-f-]{36}$/);
      await shown(s.page, 'filter');
      await s.shots.take(s.page, 'saved');

      const filters = await call<{ items: { name: string; recordType: string; conditions: unknown }[] }>(rig, bob, 'GET', '/sync-filters');
      const saved = filters.body.items.find((f) => f.name === 'e2e Adventure Works contacts');
      expect(saved?.recordType).toBe('contact');
      expect(saved?.conditions).toEqual({
        and: [
          { field: 'ownerId', op: 'eq', value: '@me' },
          {
            or: [
              { field: 'email', op: 'contains', value: 'adventure' },
              { field: 'lastName', op: 'eq', value: 'Natarajan' },
            ],
          },
        ],
      });
    }));

  it("shows an account's timeline after an email about it was tracked; a second tab's stale save gets the conflict", () =>
    inSession(rig, 'app-record', async (s) => {
      s.expect(409);
      // Track bob's email regarding Adventure Works Cycles from the sandbox.
      const sandbox = await sandboxAsBob(s);
      const pane = sandbox.frameLocator('[data-testid="taskpane-frame"]');
      await sandbox.locator('[data-testid="item"][data-subject="Service contract questions"]').click();
      await eventually('the pane to show the email', async () =>
        (await text(pane.locator('[data-role="subject"]'))) === 'Service contract questions' ? true : undefined,
      );
      await pane.locator('[data-testid="search-input"]').pressSequentially('adventure');
      await pane.locator('[data-testid="search-result"]', { hasText: 'Adventure Works Cycles' }).click();
      await pane.locator('[data-testid="track-button"]:not([disabled])').click();
      await eventually('tracked', async () => ((await text(pane.locator('[data-testid="tracking-state"]'))) === 'Tracked' ? true : undefined));
      await sandbox.close();

      await signIn(s, bob);
      const list = await open(s, '#/records/account', 'records');
      await list.getByRole('link', { name: 'Adventure Works Cycles' }).click();
      let record = await shown(s.page, 'record');
      const item = record.locator('[data-testid="timeline-item"]', { hasText: 'Service contract questions' });
      await item.waitFor();
      await s.shots.take(s.page, 'account');
      const accountUrl = s.page.url();

      await item.getByRole('link').click();
      const activity = await shown(s.page, 'activity');
      await activity.locator('[data-testid="party-record"][data-type="contact"]').first().waitFor();
      expect(await text(activity.locator('[data-testid="activity-body"]'))).toContain('Adventure Works service contract');
      expect(await text(activity.locator('[data-testid="activity-facts"]'))).toContain('you');
      await s.shots.take(s.page, 'activity');
      await s.page.goBack();
      record = await shown(s.page, 'record');

      // A second tab opens the same account before the first saves.
      const second = await s.context.newPage();
      second.on('dialog', (d) => void d.accept());
      await second.goto(accountUrl);
      const other = await shown(second, 'record');

      await record.locator('input[name="phone"]').fill('+1 206 555 0101');
      await record.locator('[data-testid="save-record"]').click();
      await eventually('saved', async () => ((await text(s.page.locator('[data-testid="record-status"]'))) === 'Saved.' ? true : undefined));
      expect(await text(s.page.locator('[data-testid="record-meta"]'))).toContain('Version 2');

      await other.locator('input[name="website"]').fill('https://stale.example.test');
      await other.locator('[data-testid="save-record"]').click();
      const stale = other.locator('[data-testid="stale"]');
      await stale.waitFor();
      expect(await text(stale)).toContain('Someone else changed this record');
      expect(await other.locator('input[name="website"]').inputValue()).toBe('https://stale.example.test');
      await s.shots.take(second, 'stale');
      await stale.locator('[data-testid="reload"]').click();
      await eventually('the reloaded record', async () => ((await other.locator('input[name="phone"]').inputValue()) === '+1 206 555 0101' ? true : undefined));
      await s.shots.take(second, 'reloaded');

      // My tracking lists the click, done, regarding the account.
      const tracking = await open(s, '#/tracking', 'tracking');
      const row = tracking.locator('[data-testid="tracking-row"][data-state="done"]').first();
      await row.waitFor();
      expect(await text(row)).toContain('Adventure Works Cycles');
      await s.shots.take(s.page, 'my-tracking');
    }));

  it('cannot reach the admin console: no link, and a typed address shows the 403', () =>
    inSession(rig, 'app-forbidden', async (s) => {
      s.expect(403);
      await signIn(s, bob);
      await open(s, '#/records/account', 'records');
      expect(await s.page.locator('[data-testid^="nav-admin"]').count()).toBe(0);
      const screen = await open(s, '#/admin/mailboxes', 'admin-mailboxes');
      const problem = screen.locator('[data-testid="problem"]');
      await problem.waitFor();
      expect(await problem.getAttribute('data-kind')).toBe('forbidden');
      expect(await text(problem)).toContain('CRM.Admin');
      await s.shots.take(s.page, 'forbidden');
    }));
});
