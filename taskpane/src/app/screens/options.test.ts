import { afterEach, describe, expect, it } from 'vitest';
import { mountScreen, problem, q, settle, submit, typeInto, type Mounted, me } from '../../testing/app.ts';
import * as options from './options.ts';

let m: Mounted | undefined;
afterEach(() => {
  m?.screen?.destroy?.();
  m?.root.remove();
});

const mailbox = {
  userId: 'u-bob',
  upn: 'bob@contoso.test',
  enabled: true,
  nextSyncAt: '2026-12-06T05:00:00Z',
  lastSyncAt: '2026-12-06T04:45:00Z',
  lastSuccessAt: '2026-12-06T04:45:00Z',
  consecutiveFailures: 2,
  backoffUntil: null,
  itemsIn: 7,
  itemsOut: 3,
  lastError: 'Microsoft Graph answered 503',
};

describe('personal options', () => {
  it('saves the interval and automatic tracking, and tells the shell', async () => {
    m = mountScreen(options, '#/options', { routes: { 'GET /me/mailbox': mailbox, 'PUT /me/options': (req) => req.body } });
    await settle();
    typeInto(q<HTMLInputElement>(m.root, 'interval'), '60');
    q<HTMLInputElement>(m.root, 'autotrack-none').click();
    expect(m.screen!.dirty!()).toBe(true);
    submit(q<HTMLFormElement>(m.root, 'options-form'));
    await settle();
    expect(m.server.called('PUT /me/options')[0].body).toEqual({ syncIntervalMinutes: 60, autoTrack: 'none' });
    expect(m.deps.meChanged).toHaveBeenCalledWith(expect.objectContaining({ options: { syncIntervalMinutes: 60, autoTrack: 'none' } }));
    expect(m.screen!.dirty!()).toBe(false);
  });

  it('shows the tenant minimum when the API gives it, and a 422 beside the interval', async () => {
    m = mountScreen(options, '#/options', {
      me: me({ minSyncIntervalMinutes: 10 }),
      routes: {
        'GET /me/mailbox': mailbox,
        'PUT /me/options': problem(422, 'the options are not valid', [{ field: 'syncIntervalMinutes', message: 'must be a whole number of minutes from 10' }]),
      },
    });
    await settle();
    expect(m.root.textContent).toContain("Your organisation's minimum is 10 minutes.");
    typeInto(q<HTMLInputElement>(m.root, 'interval'), '12');
    submit(q<HTMLFormElement>(m.root, 'options-form'));
    await settle();
    expect(q(m.root, 'interval-error').textContent).toBe('must be a whole number of minutes from 10');
  });

  it("shows the mailbox's health with the last error in words", async () => {
    m = mountScreen(options, '#/options', { routes: { 'GET /me/mailbox': mailbox } });
    await settle();
    const health = q(m.root, 'my-mailbox').textContent!;
    expect(health).toContain('Items in7');
    expect(health).toContain('Last errorMicrosoft Graph answered 503');
  });

  it('shows the problem when the health cannot be read, and reads it again', async () => {
    m = mountScreen(options, '#/options', { routes: { 'GET /me/mailbox': problem(503, 'the database does not answer') } });
    await settle();
    expect(q(m.root, 'my-mailbox').querySelector('[data-testid="problem"]')).toBeTruthy();
    m.server.on('GET /me/mailbox', () => mailbox);
    q<HTMLButtonElement>(m.root, 'retry').click();
    await settle();
    expect(q(m.root, 'my-mailbox').textContent).toContain('Items in7');
  });

  it('synchronizes now in client mode, and has no button in server mode', async () => {
    m = mountScreen(options, '#/options', {
      routes: { 'GET /me/mailbox': mailbox, 'POST /sync': { mailbox: 'bob', queued: true, requestedAt: '2026-12-06T04:50:00Z' } },
    });
    await settle();
    q(m.root, 'sync-now').click();
    await settle();
    expect(m.server.called('POST /sync')).toHaveLength(1);
    expect(q(m.root, 'sync-status').textContent).toMatch(/^Synchronization requested at \d\d:\d\d\.$/);
    m.screen?.destroy?.();
    m.root.remove();
    m = mountScreen(options, '#/options', { me: me({ syncMode: 'server' }), routes: { 'GET /me/mailbox': mailbox } });
    await settle();
    expect(m.root.querySelector('[data-testid="sync-now"]')).toBeNull();
    expect(q(m.root, 'sync-mode').textContent).toContain('server mode');
  });
});
