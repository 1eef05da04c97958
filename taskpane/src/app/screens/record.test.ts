import { afterEach, describe, expect, it } from 'vitest';
import type { EntityType } from '../../api.ts';
import { all, json, mountScreen, problem, q, settle, submit, types, typeInto, unreachable, type Mounted } from '../../testing/app.ts';
import * as record from './record.ts';
import { changes, fieldMode, fromInput, toInput } from './record-fields.ts';

const account = {
  id: 'a1',
  type: 'account',
  name: 'Fabrikam',
  ownerId: 'u-bob',
  fields: { email: 'info@fabrikam.test', phone: '+1 425 555 0100', rating: 'a' },
  version: 3,
  createdAt: '2026-02-01T00:00:00Z',
  updatedAt: '2026-03-01T00:00:00Z',
};
const noActivities = { items: [], nextCursor: '' };
const routes = { 'GET /records/account/a1': account, 'GET /activities': noActivities };

let m: Mounted | undefined;
afterEach(() => {
  m?.screen?.destroy?.();
  m?.root.remove();
});

const input = (name: string) => m!.root.querySelector<HTMLInputElement>(`[name="${name}"]`);
const form = () => q<HTMLFormElement>(m!.root, 'record-form');

describe('field security on the form', () => {
  const [acct] = types;
  const f = (name: string) => acct.fields.find((x) => x.name === name)!;
  it('hides a secured field the record came without, keeps one it came with', () => {
    expect(fieldMode(f('creditLimit'), account)).toBe('hidden');
    expect(fieldMode(f('rating'), account)).toBe('edit');
    expect(fieldMode(f('creditLimit'), null)).toBe('edit');
  });
  it('makes read-only a field the caller may read but not change, when the API says', () => {
    expect(fieldMode({ ...f('rating'), access: { read: true, create: true, update: false } }, account)).toBe('read');
    expect(fieldMode({ ...f('rating'), access: { read: true, create: false, update: true } }, null)).toBe('read');
    expect(fieldMode({ ...f('email'), access: { read: false, create: false, update: false } }, account)).toBe('hidden');
  });
  it('converts values both ways by kind', () => {
    expect(fromInput({ ...f('email'), kind: 'number' }, ' 42 ')).toBe(42);
    expect(fromInput({ ...f('email'), kind: 'boolean' }, 'false')).toBe(false);
    expect(fromInput(f('email'), '  ')).toBeNull();
    expect(toInput({ ...f('email'), kind: 'boolean' }, true)).toBe('true');
    const when = '2026-01-31T09:30:00Z';
    expect(fromInput({ ...f('email'), kind: 'datetime' }, toInput({ ...f('email'), kind: 'datetime' }, when))).toBe(when);
  });
  it('sends only what changed, null for a cleared field', () => {
    expect(changes(acct, account, { name: 'Fabrikam', fields: { email: 'info@fabrikam.test', phone: null, rating: 'b' } })).toEqual({
      fields: { phone: null, rating: 'b' },
    });
  });
});

describe('the record screen', () => {
  it('shows the fields by field security, and the timeline', async () => {
    m = mountScreen(record, '#/records/account/a1', { routes });
    await settle();
    expect(m.root.querySelector('h1')!.textContent).toBe('Fabrikam');
    expect(input('__name')!.value).toBe('Fabrikam');
    expect(input('email')!.value).toBe('info@fabrikam.test');
    expect(input('creditLimit')).toBeNull(); // secured, and not in the record: hidden from bob
    expect(m.root.querySelector<HTMLSelectElement>('[name="rating"]')!.value).toBe('a');
    expect(q(m.root, 'record-meta').textContent).toContain('Version 3');
    expect(q(m.root, 'empty').textContent).toContain('No tracked email');
  });

  it('shows a read-only field as read-only when the API gives the caller’s access', async () => {
    const ro: EntityType[] = structuredClone(types);
    ro[0].fields[3].access = { read: true, create: false, update: false };
    m = mountScreen(record, '#/records/account/a1', { routes: { ...routes, 'GET /entity-types': { items: ro, nextCursor: '' } } });
    await settle();
    expect(m.root.querySelector<HTMLSelectElement>('[name="rating"]')!.disabled).toBe(true);
    expect(m.root.querySelector('[data-field="rating"]')!.textContent).toContain('read-only');
  });

  it('saves the changes with the version read, and shows the new version', async () => {
    m = mountScreen(record, '#/records/account/a1', {
      routes: {
        ...routes,
        'PATCH /records/account/a1': (req) => ({ ...account, fields: { ...account.fields, ...(req.body as { fields: object }).fields }, version: 4 }),
      },
    });
    await settle();
    typeInto(input('phone')!, '+1 425 555 0199');
    expect(m.screen!.dirty!()).toBe(true);
    submit(form());
    await settle();
    expect(m.server.called('PATCH /records/account/a1')[0].body).toEqual({ fields: { phone: '+1 425 555 0199' }, version: 3 });
    expect(q(m.root, 'record-status').textContent).toBe('Saved.');
    expect(q(m.root, 'record-meta').textContent).toContain('Version 4');
    expect(m.screen!.dirty!()).toBe(false);
  });

  it('says someone else changed it on a stale save, keeps the input, and reloads on request', async () => {
    m = mountScreen(record, '#/records/account/a1', {
      routes: { ...routes, 'PATCH /records/account/a1': problem(409, 'you sent version 3, it is at version 4 now', undefined, 'conflict') },
    });
    await settle();
    typeInto(input('phone')!, 'mine');
    submit(form());
    await settle();
    expect(q(m.root, 'stale').textContent).toContain('Someone else changed this record');
    expect(input('phone')!.value).toBe('mine');
    m.server.on('GET /records/account/a1', { ...account, fields: { ...account.fields, phone: 'theirs' }, version: 4 });
    q(m.root, 'reload').click();
    await settle();
    expect(m.deps.confirm).toHaveBeenCalled(); // the typed change would be lost
    expect(input('phone')!.value).toBe('theirs');
    expect(q(m.root, 'record-meta').textContent).toContain('Version 4');
  });

  it('shows each validation error beside its field', async () => {
    m = mountScreen(record, '#/records/account/a1', {
      routes: {
        ...routes,
        'PATCH /records/account/a1': problem(422, 'the Account is not valid', [
          { field: 'fields.email', message: 'must be an email address' },
          { field: 'fields.nope', message: 'no such field' },
        ]),
      },
    });
    await settle();
    typeInto(input('email')!, 'not-an-email');
    submit(form());
    await settle();
    expect(q(m.root, 'error-email').textContent).toBe('must be an email address');
    expect(q(m.root, 'error-email').hidden).toBe(false);
    expect(input('email')!.getAttribute('aria-invalid')).toBe('true');
    expect(q(m.root, 'record-status').textContent).toContain('fields.nope: no such field');
  });

  it('keeps what was typed when crmsync cannot be reached, and sends it again', async () => {
    m = mountScreen(record, '#/records/account/a1', { routes: { ...routes, 'PATCH /records/account/a1': unreachable } });
    await settle();
    typeInto(input('phone')!, 'typed');
    submit(form());
    await settle();
    expect(q(m.root, 'problem').dataset.kind).toBe('unreachable');
    expect(input('phone')!.value).toBe('typed');
    m.server.on('PATCH /records/account/a1', { ...account, version: 4 });
    q(m.root, 'retry').click();
    await settle();
    expect(m.server.called('PATCH /records/account/a1')).toHaveLength(2);
    expect(m.server.called('PATCH /records/account/a1')[1].body).toMatchObject({ fields: { phone: 'typed' } });
  });

  it('says what role an update needs', async () => {
    m = mountScreen(record, '#/records/account/a1', {
      routes: { ...routes, 'PATCH /records/account/a1': problem(403, 'you may not update the field rating', undefined, 'forbidden') },
    });
    await settle();
    typeInto(m.root.querySelector<HTMLSelectElement>('[name="rating"]')!, 'b');
    submit(form());
    await settle();
    expect(q(m.root, 'problem').textContent).toContain('you may not update the field rating');
  });

  it('shows the problem of a record it cannot read', async () => {
    m = mountScreen(record, '#/records/account/zz', { routes: { 'GET /activities': noActivities } });
    await settle();
    expect(q(m.root, 'problem').dataset.kind).toBe('notFound');
  });

  it('creates a record of any type and goes to its page', async () => {
    m = mountScreen(record, '#/records/contact/new', {
      routes: { 'POST /records/contact': json(201, { id: 'c9', type: 'contact', name: 'Ana Silva', fields: {}, version: 1 }) },
    });
    await settle();
    expect(input('__name')).toBeNull(); // a contact's name is made from its first and last name
    typeInto(input('firstName')!, 'Ana');
    typeInto(input('lastName')!, 'Silva');
    submit(form());
    await settle();
    expect(m.server.called('POST /records/contact')[0].body).toEqual({ fields: { firstName: 'Ana', lastName: 'Silva' } });
    expect(m.deps.go).toHaveBeenCalledWith('#/records/contact/c9', { replace: true });
  });

  it('deletes with the version after asking', async () => {
    m = mountScreen(record, '#/records/account/a1', { routes: { ...routes, 'DELETE /records/account/a1': json(204, null) } });
    await settle();
    q(m.root, 'delete-record').click();
    await settle();
    expect(m.server.called('DELETE /records/account/a1')[0].query.get('version')).toBe('3');
    expect(m.deps.go).toHaveBeenCalledWith('#/records/account', { replace: true });
  });
});

describe('the timeline', () => {
  const act = (id: string, createdAt: string, over: object = {}) => ({ id, type: 'email', subject: id, createdAt, regarding: null, parties: [], ...over });
  it('merges what regards the record and where it is a party, newest first, once each', async () => {
    const both = act('both', '2026-01-01T00:00:00Z', {
      regarding: { type: 'account', id: 'a1', name: 'Fabrikam' },
      parties: [{ role: 'to', address: 'y', name: '', record: { type: 'account', id: 'a1' } }],
    });
    m = mountScreen(record, '#/records/account/a1', {
      routes: {
        'GET /records/account/a1': account,
        'GET /activities': (req) =>
          req.query.get('regarding') === 'account:a1'
            ? { items: [act('about', '2026-01-02T00:00:00Z', { regarding: { type: 'account', id: 'a1', name: 'Fabrikam' } }), both], nextCursor: '' }
            : {
                items: [act('party', '2026-01-03T00:00:00Z', { parties: [{ role: 'from', address: 'x', name: '', record: { type: 'account', id: 'a1' } }] }), both],
                nextCursor: '',
              },
      },
    });
    await settle();
    expect(m.server.called('GET /activities').map((c) => c.query.get('party') ?? c.query.get('regarding'))).toEqual(['account:a1', 'account:a1']);
    const items = all(m.root, 'timeline-item');
    expect(items.map((i) => i.dataset.id)).toEqual(['party', 'about', 'both']);
    expect(items[0].querySelector('a')!.getAttribute('href')).toBe('#/activities/party');
  });
});
