import { afterEach, describe, expect, it } from 'vitest';
import { all, json, me, mountScreen, problem, q, settle, submit, typeInto, type Mounted } from '../../testing/app.ts';
import { filterFields, maxDepth, operatorsFor, toValue } from './filter-fields.ts';
import * as filter from './filter.ts';
import * as filters from './filters.ts';

let m: Mounted | undefined;
afterEach(() => {
  m?.screen?.destroy?.();
  m?.root.remove();
});

const conditions = { and: [{ field: 'ownerId', op: 'eq', value: '@me' }, { or: [{ field: 'email', op: 'contains', value: 'fab' }] }] };
const mine = {
  id: 'f1',
  userId: 'u-bob',
  name: 'My contacts',
  recordType: 'contact',
  kind: 'online',
  scope: 'user',
  enabled: true,
  default: true,
  conditions,
  createdAt: '',
  updatedAt: '',
};
const system = { ...mine, id: 's1', userId: undefined, name: 'Key accounts', recordType: 'account', scope: 'system', conditions: { and: [] } };

const form = () => m!.root.querySelector<HTMLFormElement>('form')!;
const rows = () => all(m!.root, 'condition');

describe('the filter language in the builder', () => {
  it('offers the operators valid for each kind', () => {
    expect(operatorsFor('text')).toContain('contains');
    expect(operatorsFor('reference')).not.toContain('contains');
    expect(operatorsFor('boolean')).toEqual(['eq', 'ne', 'null', 'not-null']);
    expect(operatorsFor('datetime')).toContain('on-or-after');
    expect(operatorsFor('number')).toContain('gt');
  });
  it('offers the common fields, the type’s own, and @me for owner and reference fields', () => {
    const fields = filterFields('contact', [
      {
        name: 'contact',
        displayName: 'Contact',
        pluralName: 'Contacts',
        builtIn: true,
        fields: [{ name: 'accountId', displayName: 'Account', kind: 'reference', required: false, secured: false, builtIn: true }],
      },
    ]);
    expect(fields.map((f) => [f.name, f.me])).toEqual([
      ['ownerId', true],
      ['name', false],
      ['createdAt', false],
      ['updatedAt', false],
      ['accountId', true],
    ]);
    expect(filterFields('task', []).map((f) => f.name)).toContain('due');
  });
  it('converts typed values into the language’s', () => {
    expect(toValue('number', '3.5')).toBe(3.5);
    expect(toValue('boolean', 'true')).toBe(true);
    expect(toValue('datetime', '2026-01-31')).toBe('2026-01-31');
    expect(toValue('datetime', 'nonsense')).toBe('nonsense');
  });
});

describe('the filter editor', () => {
  it('shows a filter’s nested conditions and saves them back as they were', async () => {
    m = mountScreen(filter, '#/filters/f1', {
      routes: { 'GET /sync-filters/f1': mine, 'PUT /sync-filters/f1': (req) => ({ ...mine, ...(req.body as object) }) },
    });
    await settle();
    expect(rows().map((r) => r.dataset.pointer)).toEqual(['/conditions/and/0', '/conditions/and/1/or/0']);
    expect(m.screen!.dirty!()).toBe(false);
    submit(form());
    await settle();
    expect(m.server.called('PUT /sync-filters/f1')[0].body).toEqual({ name: 'My contacts', recordType: 'contact', kind: 'online', enabled: true, conditions });
    expect(q(m.root, 'filter-status').textContent).toBe('Saved.');
  });

  it('builds nested groups up to the language’s limit', async () => {
    m = mountScreen(filter, '#/filters/new', { routes: { 'POST /sync-filters': (req) => json(201, { ...mine, id: 'f9', ...(req.body as object) }) } });
    await settle();
    expect(q(m.root, 'filter-type').querySelector('option:checked')!.textContent).toBe('Contact');
    // Each time, a group inside the innermost one (the last in document order).
    const own = (g: HTMLElement) => g.querySelector<HTMLButtonElement>(':scope > .group-actions [data-testid="add-group"]');
    for (let depth = 1; depth < maxDepth; depth++) own(all(m.root, 'group').at(-1)!)!.click();
    expect(all(m.root, 'group')).toHaveLength(maxDepth);
    expect(own(all(m.root, 'group').at(-1)!)).toBeNull(); // the deepest group cannot hold another
    expect(all(m.root, 'group').at(-1)!.textContent).toContain('Groups nest at most 4 deep.');
    typeInto(q<HTMLInputElement>(m.root, 'filter-name'), 'Deep');
    submit(form());
    await settle();
    const sent = m.server.called('POST /sync-filters')[0].body as { conditions: unknown };
    const me = { field: 'ownerId', op: 'eq', value: '@me' };
    expect(sent.conditions).toEqual({ and: [{ or: [me, { and: [me, { or: [me] }] }] }] });
    expect(m.deps.go).toHaveBeenCalledWith('#/filters/f9', { replace: true });
  });

  it('changes the operators and the value with the field, and sends in as an array', async () => {
    m = mountScreen(filter, '#/filters/new', { routes: { 'POST /sync-filters': (req) => json(201, { ...mine, ...(req.body as object) }) } });
    await settle();
    q(m.root, 'add-condition').click();
    const row = () => rows()[0];
    typeInto(row().querySelector<HTMLSelectElement>('[data-role="field"]')!, 'email');
    expect([...row().querySelectorAll<HTMLOptionElement>('[data-role="op"] option')].map((o) => o.value)).toContain('contains');
    typeInto(row().querySelector<HTMLSelectElement>('[data-role="op"]')!, 'in');
    typeInto(row().querySelector<HTMLTextAreaElement>('textarea')!, 'a@x.test\n\nb@x.test');
    typeInto(q<HTMLInputElement>(m.root, 'filter-name'), 'Two');
    submit(form());
    await settle();
    expect((m.server.called('POST /sync-filters')[0].body as { conditions: unknown }).conditions).toEqual({
      and: [{ field: 'email', op: 'in', value: ['a@x.test', 'b@x.test'] }],
    });
  });

  it("shows the API's 422 pointer on the row it names", async () => {
    m = mountScreen(filter, '#/filters/f1', {
      routes: {
        'GET /sync-filters/f1': mine,
        'PUT /sync-filters/f1': problem(422, 'the filter is not valid at /conditions/and/1/or/0/value', [
          { field: '/conditions/and/1/or/0/value', message: 'must be at most 400 characters' },
          { field: '/name', message: 'is required' },
        ]),
      },
    });
    await settle();
    submit(form());
    await settle();
    const bad = rows()[1];
    expect(bad.querySelector('.field-error')!.textContent).toBe('must be at most 400 characters');
    expect(rows()[0].querySelector<HTMLElement>('.field-error')!.hidden).toBe(true);
    expect(q(m.root, 'error-name').textContent).toBe('is required');
  });

  it('previews how many and which records the filter picks, and shows why it cannot', async () => {
    m = mountScreen(filter, '#/filters/f1', {
      routes: { 'GET /sync-filters/f1': mine, 'POST /sync-filters/preview': { count: 2, items: [{ id: 'c1', type: 'contact', name: 'Dana Whitfield' }] } },
    });
    await settle();
    q(m.root, 'preview-filter').click();
    await settle();
    expect(m.server.called('POST /sync-filters/preview')[0].body).toMatchObject({ recordType: 'contact', conditions });
    expect(q(m.root, 'preview-count').textContent).toBe('This filter picks 2 records for you now.');
    expect(all(m.root, 'preview-item')[0].querySelector('a')!.getAttribute('href')).toBe('#/records/contact/c1');
    // An appointment filter's items are activities: they open on the activity's page.
    m.server.on('POST /sync-filters/preview', () => ({ count: 1, items: [{ id: 'ap1', type: 'appointment', name: 'Quarterly review' }] }));
    q(m.root, 'preview-filter').click();
    await settle();
    expect(all(m.root, 'preview-item')[0].querySelector('a')!.getAttribute('href')).toBe('#/activities/ap1');
    m.server.on('POST /sync-filters/preview', problem(422, 'bad', [{ field: '/conditions/and/0/op', message: 'must be one of eq, ne' }]));
    q(m.root, 'preview-filter').click();
    await settle();
    expect(rows()[0].querySelector('.field-error')!.textContent).toBe('must be one of eq, ne');
    m.server.on('POST /sync-filters/preview', problem(403, 'a system filter applies to everyone: previewing one needs the CRM.Admin role'));
    q(m.root, 'preview-filter').click();
    await settle();
    expect(q(m.root, 'preview').textContent).toContain('CRM.Admin');
  });

  it('shows a system filter read-only to a user', async () => {
    m = mountScreen(filter, '#/filters/s1', { routes: { 'GET /sync-filters/s1': system } });
    await settle();
    expect(m.root.querySelector('[data-testid="save-filter"]')).toBeNull();
    expect(q<HTMLInputElement>(m.root, 'filter-name').readOnly).toBe(true);
  });

  it('creates a system filter in the admin console', async () => {
    m = mountScreen(filter, '#/admin/filters/new', {
      me: me({ roles: ['user', 'CRM.Admin'] }),
      routes: { 'POST /sync-filters': (req) => json(201, { ...system, id: 's2', ...(req.body as object) }) },
    });
    await settle();
    typeInto(q<HTMLInputElement>(m.root, 'filter-name'), 'All leads');
    submit(form());
    await settle();
    expect(m.server.called('POST /sync-filters')[0].body).toMatchObject({ scope: 'system', name: 'All leads' });
    expect(m.deps.go).toHaveBeenCalledWith('#/admin/filters/s2', { replace: true });
  });
});

describe('the filter list', () => {
  it('lists the user’s filters beside the system ones, read-only', async () => {
    m = mountScreen(filters, '#/filters', { routes: { 'GET /sync-filters': { items: [mine, system], nextCursor: '' } } });
    await settle();
    const [own, sys] = all(m.root, 'filter-row');
    expect(own.textContent).toContain('ownerId equals @me and (email contains fab)');
    expect(sys.textContent).toContain('every record of the type');
    expect(sys.textContent).toContain('read-only');
    expect(own.querySelector('a')!.getAttribute('href')).toBe('#/filters/f1');
  });

  it('disables and deletes one of the user’s filters', async () => {
    m = mountScreen(filters, '#/filters', {
      routes: { 'GET /sync-filters': { items: [mine], nextCursor: '' }, 'PUT /sync-filters/f1': mine, 'DELETE /sync-filters/f1': json(204, null) },
    });
    await settle();
    q(m.root, 'disable-filter').click();
    await settle();
    expect(m.server.called('PUT /sync-filters/f1')[0].body).toMatchObject({ enabled: false, conditions });
    q(m.root, 'delete-filter').click();
    await settle();
    expect(m.deps.confirm).toHaveBeenCalled();
    expect(m.server.called('DELETE /sync-filters/f1')).toHaveLength(1);
  });
});
