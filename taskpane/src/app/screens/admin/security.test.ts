import { afterEach, describe, expect, it } from 'vitest';
import { me, mountScreen, q, settle, typeInto, type Mounted } from '../../../testing/app.ts';
import * as security from './security.ts';

let m: Mounted | undefined;
afterEach(() => {
  m?.screen?.destroy?.();
  m?.root.remove();
});

const admin = me({ roles: ['user', 'CRM.Admin'] });
const defaults = ['read', 'create', 'update', 'delete'].flatMap((operation) => [
  { role: 'user', recordType: '*', operation, level: 'own' },
  { role: 'CRM.Manager', recordType: '*', operation, level: operation === 'read' ? 'all' : 'own' },
  { role: 'CRM.Admin', recordType: '*', operation, level: 'all' },
]);
const access = { items: [{ role: 'user', recordType: '*', operation: 'read', level: 'all' }], defaults };
const fieldSecurity = {
  items: [{ role: 'user', recordType: 'account', field: 'rating', read: true, create: false, update: false }],
  securedFields: [
    { recordType: 'account', field: 'rating' },
    { recordType: 'account', field: 'creditLimit' },
  ],
};

describe('security', () => {
  it('shows the level a type inherits from the stored every-type level or the default', () => {
    expect(security.inherited(access as never, 'user', 'read')).toBe('all');
    expect(security.inherited(access as never, 'user', 'update')).toBe('own');
  });

  it('stores an access level for a type and operation', async () => {
    m = mountScreen(security, '#/admin/security', {
      me: admin,
      routes: {
        'GET /admin/access': access,
        'GET /admin/field-security': fieldSecurity,
        'PUT /admin/access': (req) => ({ items: (req.body as { items: object[] }).items, defaults }),
      },
    });
    await settle();
    const cell = m.root.querySelector<HTMLSelectElement>('select[data-key="user|account|delete"]')!;
    expect(cell.options[cell.selectedIndex].textContent).toBe('default: Own');
    typeInto(cell, 'none');
    expect(m.screen!.dirty!()).toBe(true);
    q(m.root, 'save-access').click();
    await settle();
    expect(m.server.called('PUT /admin/access')[0].body).toEqual({
      items: [
        { role: 'user', recordType: '*', operation: 'read', level: 'all' },
        { role: 'user', recordType: 'account', operation: 'delete', level: 'none' },
      ],
    });
    expect(q(m.root, 'access-status').textContent).toBe('Saved.');
  });

  it('grants a role read on a secured field', async () => {
    m = mountScreen(security, '#/admin/security', {
      me: admin,
      routes: {
        'GET /admin/access': access,
        'GET /admin/field-security': fieldSecurity,
        'PUT /admin/field-security': (req) => ({ ...fieldSecurity, items: (req.body as { items: object[] }).items }),
      },
    });
    await settle();
    expect(q<HTMLInputElement>(m.root, 'grant-user-account-rating-read').checked).toBe(true);
    q<HTMLInputElement>(m.root, 'grant-CRM.Manager-account-creditLimit-read').click();
    q(m.root, 'save-profiles').click();
    await settle();
    expect(m.server.called('PUT /admin/field-security')[0].body).toEqual({
      items: [fieldSecurity.items[0], { role: 'CRM.Manager', recordType: 'account', field: 'creditLimit', read: true, create: false, update: false }],
    });
  });
});
