import { afterEach, describe, expect, it } from 'vitest';
import type { EntityType } from '../../api.ts';
import { all, me, mountScreen, problem, q, settle, types, typeInto, type Mounted } from '../../testing/app.ts';
import * as fields from './fields.ts';

let m: Mounted | undefined;
afterEach(() => {
  m?.screen?.destroy?.();
  m?.root.remove();
});

const mapping = (itemKind: string, crmField: string, direction: string, fixed = false) => ({
  itemKind,
  crmField,
  outlookField: crmField,
  direction,
  fixed,
  allowedDirections: fixed ? [direction] : ['none', 'to_outlook', 'to_crm', 'two_way'],
});
const maps = [
  mapping('appointment', 'start', 'two_way', true),
  mapping('contact', 'email', 'two_way'),
  mapping('contact', 'accountId', 'to_outlook'),
  mapping('email', 'body', 'to_crm'),
];
const row = (kind: string, field: string) => m!.root.querySelector<HTMLElement>(`[data-testid="mapping"][data-kind="${kind}"][data-field="${field}"]`)!;

describe('synchronized fields', () => {
  it('draws each direction as an arrow, per item kind, fixed ones locked with the reason', async () => {
    m = mountScreen(fields, '#/fields', { routes: { 'GET /field-mappings': { items: maps, nextCursor: '' } } });
    await settle();
    expect(all(m.root, 'direction').map((d) => [d.dataset.direction, d.getAttribute('aria-label'), d.querySelector('.arrow')!.textContent])).toEqual([
      ['two_way', 'Both ways', '↔'],
      ['two_way', 'Both ways', '↔'],
      ['to_outlook', 'CRM to Outlook', '→'],
      ['to_crm', 'Outlook to CRM', '←'],
    ]);
    expect(row('appointment', 'start').querySelector('[data-testid="fixed"]')).toBeTruthy();
    expect(q(m.root, 'fixed-why').textContent).toContain('Fixed');
    expect(m.root.querySelectorAll('select')).toHaveLength(0); // users read it
  });

  it('marks a field the user’s field security hides, when the API says', async () => {
    const hidden: EntityType[] = structuredClone(types);
    hidden[1].fields[2].access = { read: false, create: false, update: false };
    m = mountScreen(fields, '#/fields', {
      routes: { 'GET /field-mappings': { items: maps, nextCursor: '' }, 'GET /entity-types': { items: hidden, nextCursor: '' } },
    });
    await settle();
    expect(row('contact', 'email').querySelector('[data-testid="hidden-field"]')).toBeTruthy();
    expect(row('contact', 'accountId').querySelector('[data-testid="hidden-field"]')).toBeNull();
  });

  it('lets admins change directions, fixed ones locked, sending only what changed', async () => {
    m = mountScreen(fields, '#/admin/fields', {
      me: me({ roles: ['user', 'CRM.Admin'] }),
      routes: {
        'GET /field-mappings': { items: maps, nextCursor: '' },
        'PUT /field-mappings': { items: maps.map((x) => (x.crmField === 'email' ? { ...x, direction: 'none' } : x)), nextCursor: '' },
      },
    });
    await settle();
    expect(row('appointment', 'start').querySelector('select')).toBeNull();
    typeInto(row('contact', 'email').querySelector('select')!, 'none');
    expect(row('contact', 'email').querySelector<HTMLElement>('[data-testid="direction"]')!.dataset.direction).toBe('none');
    expect(m.screen!.dirty!()).toBe(true);
    q(m.root, 'save-mappings').click();
    await settle();
    expect(m.server.called('PUT /field-mappings')[0].body).toEqual([{ itemKind: 'contact', crmField: 'email', direction: 'none' }]);
    expect(q(m.root, 'fields-status').textContent).toBe('Saved.');
    expect(m.screen!.dirty!()).toBe(false);
  });

  it('shows why a change was refused', async () => {
    m = mountScreen(fields, '#/admin/fields', {
      me: me({ roles: ['user', 'CRM.Admin'] }),
      routes: { 'GET /field-mappings': { items: maps, nextCursor: '' }, 'PUT /field-mappings': problem(422, 'contact accountId cannot be two_way') },
    });
    await settle();
    typeInto(row('contact', 'accountId').querySelector('select')!, 'two_way');
    q(m.root, 'save-mappings').click();
    await settle();
    expect(q(m.root, 'fields-status').textContent).toBe('Contact accountId cannot be two_way');
    expect(q(m.root, 'fields-status').dataset.state).toBe('error');
  });
});
