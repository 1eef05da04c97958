import { afterEach, describe, expect, it } from 'vitest';
import { all, json, me, mountScreen, problem, q, settle, submit, types, typeInto, type Mounted } from '../../../testing/app.ts';
import * as type from './type.ts';
import * as typeList from './types.ts';

let m: Mounted | undefined;
afterEach(() => {
  m?.screen?.destroy?.();
  m?.root.remove();
});

const admin = me({ roles: ['user', 'CRM.Admin'] });
const form = () => q<HTMLFormElement>(m!.root, 'type-form');

describe('record types', () => {
  it('lists built-in and custom types', async () => {
    m = mountScreen(typeList, '#/admin/types', {
      me: admin,
      routes: {
        'GET /entity-types': {
          items: [...types, { name: 'project', displayName: 'Project', pluralName: 'Projects', builtIn: false, fields: [] }],
          nextCursor: '',
        },
      },
    });
    await settle();
    expect(all(m.root, 'type-row').map((r) => [r.dataset.name, r.querySelector('.tag')!.textContent])).toEqual([
      ['account', 'built-in'],
      ['contact', 'built-in'],
      ['project', 'custom'],
    ]);
    expect(m.deps.typesChanged).toHaveBeenCalled();
  });

  it('creates a custom type with an email field, saying what an email field does', async () => {
    m = mountScreen(type, '#/admin/types/new', { me: admin, routes: { 'POST /entity-types': (req) => json(201, req.body as object) } });
    await settle();
    typeInto(q<HTMLInputElement>(m.root, 'type-name'), 'project');
    typeInto(q<HTMLInputElement>(m.root, 'type-display'), 'Project');
    expect(q(m.root, 'email-note').hidden).toBe(true);
    q(m.root, 'add-field').click();
    const row = all(m.root, 'field-row')[0];
    typeInto(row.querySelector<HTMLInputElement>('[data-role="name"]')!, 'sponsorEmail');
    typeInto(row.querySelector<HTMLSelectElement>('[data-role="kind"]')!, 'email');
    expect(q(m.root, 'email-note').hidden).toBe(false);
    submit(form());
    await settle();
    expect(m.server.called('POST /entity-types')[0].body).toMatchObject({
      name: 'project',
      displayName: 'Project',
      nameFrom: [],
      fields: [{ name: 'sponsorEmail', displayName: 'sponsorEmail', kind: 'email', required: false, secured: false, builtIn: false }],
    });
    expect(m.deps.typesChanged).toHaveBeenCalled();
    expect(m.deps.go).toHaveBeenCalledWith('#/admin/types/project', { replace: true });
  });

  it('keeps built-in fields and shows a refused field on its row', async () => {
    m = mountScreen(type, '#/admin/types/contact', {
      me: admin,
      routes: {
        'GET /entity-types/contact': types[1],
        'PUT /entity-types/contact': problem(422, 'the record type is not valid', [{ field: 'fields[4].name', message: 'must be 1 to 40 letters' }]),
      },
    });
    await settle();
    const builtIn = all(m.root, 'field-row')[0];
    expect(builtIn.querySelector<HTMLInputElement>('[data-role="name"]')!.readOnly).toBe(true);
    expect(builtIn.querySelector<HTMLSelectElement>('[data-role="kind"]')!.disabled).toBe(true);
    expect(m.root.querySelector('[data-testid="delete-type"]')).toBeNull(); // built-in types stay
    q(m.root, 'add-field').click();
    typeInto(all(m.root, 'field-row')[4].querySelector<HTMLInputElement>('[data-role="name"]')!, '9bad');
    submit(form());
    await settle();
    expect(all(m.root, 'field-row')[4].querySelector('.field-error')!.textContent).toBe('must be 1 to 40 letters');
    expect(type.errorRow('fields[4].kind')).toBe('fields[4]');
  });
});
