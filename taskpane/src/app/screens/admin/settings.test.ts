import { afterEach, describe, expect, it } from 'vitest';
import { me, mountScreen, problem, q, settle, submit, typeInto, type Mounted } from '../../../testing/app.ts';
import * as settings from './settings.ts';

let m: Mounted | undefined;
afterEach(() => {
  m?.screen?.destroy?.();
  m?.root.remove();
});

const admin = me({ roles: ['user', 'CRM.Admin'] });
const current = { syncMode: 'client', defaultAutoTrack: 'responses', minSyncIntervalMinutes: 5, untrackDeletes: false, trackSentItems: true };
const form = () => q<HTMLFormElement>(m!.root, 'settings-form');

describe('admin settings', () => {
  it('explains each mode and sends only what changed, as a merge', async () => {
    m = mountScreen(settings, '#/admin/settings', {
      me: admin,
      routes: { 'GET /admin/settings': current, 'PATCH /admin/settings': (req) => ({ ...current, ...(req.body as object) }) },
    });
    await settle();
    expect(form().textContent).toContain('Synchronize now goes away');
    q<HTMLInputElement>(m.root, 'mode-server').click();
    typeInto(q<HTMLInputElement>(m.root, 'min-interval'), '10');
    expect(m.screen!.dirty!()).toBe(true);
    submit(form());
    await settle();
    expect(m.server.called('PATCH /admin/settings')[0].body).toEqual({ syncMode: 'server', minSyncIntervalMinutes: 10 });
    expect(q(m.root, 'settings-status').textContent).toBe('Saved.');
    expect(m.screen!.dirty!()).toBe(false);
  });

  it('shows a refused value beside its field', async () => {
    m = mountScreen(settings, '#/admin/settings', {
      me: admin,
      routes: {
        'GET /admin/settings': current,
        'PATCH /admin/settings': problem(422, 'the settings are not valid', [{ field: 'minSyncIntervalMinutes', message: 'must be from 1 to 1440' }]),
      },
    });
    await settle();
    typeInto(q<HTMLInputElement>(m.root, 'min-interval'), '0');
    submit(form());
    await settle();
    expect(q(m.root, 'error-minSyncIntervalMinutes').textContent).toBe('must be from 1 to 1440');
  });
});
