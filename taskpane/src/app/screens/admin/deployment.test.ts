import { afterEach, describe, expect, it } from 'vitest';
import { all, me, mountScreen, problem, q, settle, type Mounted } from '../../../testing/app.ts';
import * as deployment from './deployment.ts';

let m: Mounted | undefined;
afterEach(() => {
  m?.screen?.destroy?.();
  m?.root.remove();
});

const admin = me({ roles: ['user', 'CRM.Admin'] });
const values = {
  publicUrl: 'https://crm.example.com',
  clientId: '6f1c0000-0000-0000-0000-000000000001',
  applicationIdUri: 'api://crm.example.com/6f1c0000-0000-0000-0000-000000000001',
  redirectUris: ['https://crm.example.com/app/', 'brk-multihub://crm.example.com'],
  graphPermissions: [{ name: 'Mail.ReadWrite', type: 'Delegated', why: 'Track reads and stamps email' }],
  syncMode: 'client',
  manifestUrls: { xml: '/manifest.xml', json: '/manifest.json' },
};

describe('deployment', () => {
  it('shows the values an admin needs and checks the public URL and credentials', async () => {
    m = mountScreen(deployment, '#/admin/deployment', {
      me: admin,
      routes: {
        'GET /admin/deployment': values,
        'POST /admin/deployment/check': {
          checks: [
            { name: 'public URL', ok: true, detail: '' },
            { name: 'Graph credentials', ok: false, detail: 'AADSTS7000215: invalid client secret' },
          ],
        },
      },
    });
    await settle();
    const shown = q(m.root, 'deployment').textContent!;
    for (const v of [values.applicationIdUri, 'https://crm.example.com/app/', 'brk-multihub://crm.example.com']) expect(shown).toContain(v);
    expect(m.root.textContent).toContain('Mail.ReadWrite');
    q(m.root, 'check').click();
    await settle();
    expect(all(m.root, 'check-result').map((c) => c.dataset.ok)).toEqual(['true', 'false']);
    expect(all(m.root, 'check-result')[1].textContent).toContain('invalid client secret');
  });

  it('shows the problem of a refused request', async () => {
    m = mountScreen(deployment, '#/admin/deployment', { me: admin, routes: { 'GET /admin/deployment': problem(403, 'this needs the CRM.Admin role') } });
    await settle();
    expect(q(m.root, 'problem').dataset.kind).toBe('forbidden');
  });
});
