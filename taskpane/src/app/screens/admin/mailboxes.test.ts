import { afterEach, describe, expect, it, vi } from 'vitest';
import { all, me, mountScreen, problem, q, settle, typeInto, type Mounted } from '../../../testing/app.ts';
import * as mailboxes from './mailboxes.ts';

let m: Mounted | undefined;
afterEach(() => {
  m?.screen?.destroy?.();
  m?.root.remove();
  vi.useRealTimers();
});

const box = (upn: string, over: object = {}) => ({
  userId: `u-${upn.split('@')[0]}`,
  upn,
  enabled: true,
  nextSyncAt: null,
  lastSyncAt: null,
  lastSuccessAt: null,
  consecutiveFailures: 0,
  backoffUntil: null,
  itemsIn: 0,
  itemsOut: 0,
  notifications: { state: 'active', polling: 'backstop', subscriptions: [] },
  ...over,
});
const list = [
  box('alice@contoso.test'),
  box('bob@contoso.test', {
    consecutiveFailures: 3,
    alert: 'Graph answered 500',
    notifications: { state: 'failing', reason: 'Graph refused to renew', polling: 'interval', subscriptions: [] },
  }),
  box('carol@contoso.test', { enabled: false, disabledReason: 'disabled by an administrator' }),
];
const admin = me({ roles: ['user', 'CRM.Admin'] });
const upns = () => all(m!.root, 'mailbox-row').map((r) => r.dataset.upn);

describe('mailboxes', () => {
  it('filters failing and disabled mailboxes, and searches by user', async () => {
    m = mountScreen(mailboxes, '#/admin/mailboxes?show=failing', { me: admin, routes: { 'GET /admin/mailboxes': { items: list, nextCursor: '' } } });
    await settle();
    expect(upns()).toEqual(['bob@contoso.test']);
    expect(q(m.root, 'alert').textContent).toContain('Graph answered 500');
    expect(q(m.root, 'mailbox-row').textContent).toContain('Failing (Graph refused to renew): polling at the user’s interval');
    q<HTMLInputElement>(m.root, 'show-disabled').click();
    expect(upns()).toEqual(['carol@contoso.test']);
    q<HTMLInputElement>(m.root, 'show-all').click();
    typeInto(q<HTMLInputElement>(m.root, 'mailbox-search'), 'ALI');
    expect(upns()).toEqual(['alice@contoso.test']);
    expect(m.deps.go).toHaveBeenLastCalledWith('#/admin/mailboxes?q=ALI', { silent: true });
  });

  it('tests and enables a selection, with the outcome per mailbox', async () => {
    m = mountScreen(mailboxes, '#/admin/mailboxes', {
      me: admin,
      routes: {
        'GET /admin/mailboxes': { items: list, nextCursor: '' },
        'POST /admin/mailboxes/u-bob/test-enable': box('bob@contoso.test'),
        'POST /admin/mailboxes/u-carol/test-enable': problem(422, 'the mailbox could not be opened: consent was revoked'),
      },
    });
    await settle();
    expect(q<HTMLButtonElement>(m.root, 'enable-selected').disabled).toBe(true);
    for (const r of all(m.root, 'mailbox-row').slice(1)) r.querySelector<HTMLInputElement>('input[type="checkbox"]')!.click();
    expect(q(m.root, 'selection').textContent).toBe('2 selected');
    q(m.root, 'enable-selected').click();
    await settle();
    const [, bob, carol] = all(m.root, 'mailbox-row');
    expect(bob.querySelector('[data-testid="outcome"]')!.textContent).toBe('Enabled.');
    expect(bob.dataset.failing).toBe('false');
    expect(carol.querySelector('[data-testid="outcome"]')!.textContent).toBe('The mailbox could not be opened: consent was revoked');
    expect(carol.dataset.enabled).toBe('false');
  });

  it('keeps a mailbox acted on in view, with its outcome, until the filter changes', async () => {
    m = mountScreen(mailboxes, '#/admin/mailboxes?show=failing', {
      me: admin,
      routes: { 'GET /admin/mailboxes': { items: list, nextCursor: '' }, 'POST /admin/mailboxes/u-bob/disable': box('bob@contoso.test', { enabled: false }) },
    });
    await settle();
    q(m.root, 'disable').click();
    await settle();
    expect(upns()).toEqual(['bob@contoso.test']);
    expect(q(m.root, 'outcome').textContent).toBe('Disabled.');
    q<HTMLInputElement>(m.root, 'show-all').click();
    q<HTMLInputElement>(m.root, 'show-failing').click();
    expect(upns()).toEqual([]);
    expect(q(m.root, 'empty').textContent).toBe('No mailbox matches.');
  });

  it('reads the list again by itself while open, and stops when left', async () => {
    vi.useFakeTimers();
    m = mountScreen(mailboxes, '#/admin/mailboxes', { me: admin, routes: { 'GET /admin/mailboxes': { items: list, nextCursor: '' } } });
    await vi.advanceTimersByTimeAsync(1);
    const reads = () => m!.server.called('GET /admin/mailboxes').length;
    expect(reads()).toBe(1);
    await vi.advanceTimersByTimeAsync(mailboxes.refreshMs);
    expect(reads()).toBe(2);
    m.screen!.destroy!();
    await vi.advanceTimersByTimeAsync(mailboxes.refreshMs * 3);
    expect(reads()).toBe(2);
  });

  it('says it needs CRM.Admin when the API refuses', async () => {
    m = mountScreen(mailboxes, '#/admin/mailboxes', {
      routes: { 'GET /admin/mailboxes': problem(403, 'this needs the CRM.Admin role', undefined, 'forbidden') },
    });
    await settle();
    expect(q(m.root, 'problem').dataset.kind).toBe('forbidden');
    expect(q(m.root, 'problem').textContent).toContain('this needs the CRM.Admin role');
  });
});
