// Security (CRM.Admin): access levels per role, record type and operation (a stored level overrides the
// default; '*' is every type), and the field security profiles: which role may read, create and update
// each secured field. #/admin/security

import type { AccessLevel, AccessLevelName, AccessLevels, EntityType, FieldPermission, FieldSecurity, Operation } from '../../../api.ts';
import { h, replace } from '../../dom.ts';
import { t } from '../../messages.ts';
import type { Screen, ScreenDeps } from '../../screen.ts';
import { load, pageHead, problemText, setStatus, statusLine } from '../../ui.ts';

const roles = ['user', 'CRM.Manager', 'CRM.Admin'];
/** Roles field security grants are given to; CRM.Admin has every grant. */
const grantRoles = ['user', 'CRM.Manager'];
const operations: Operation[] = ['read', 'create', 'update', 'delete'];
const levels: AccessLevelName[] = ['none', 'own', 'all'];
const activityTypes = ['email', 'appointment', 'task'];

/** inherited is the level a role has for an operation on a type without its own stored level. */
export function inherited(access: AccessLevels, role: string, op: Operation): AccessLevelName {
  const stored = access.items.find((l) => l.role === role && l.recordType === '*' && l.operation === op);
  const given = stored ?? access.defaults.find((l) => l.role === role && l.recordType === '*' && l.operation === op);
  return given?.level ?? 'none';
}

/** mount shows both tables. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  let destroyed = false;
  let dirtyAccess = false;
  let dirtyFields = false;
  void load(
    root,
    deps,
    () => Promise.all([deps.api.accessLevels(), deps.api.fieldSecurity(), deps.types()]),
    ([access, fields, types]) => {
      if (!destroyed) show(access, fields, types);
    },
  );

  function show(access: AccessLevels, security: FieldSecurity, types: EntityType[]): void {
    const accessBox = h('section', { class: 'card', 'aria-labelledby': 'access-title' });
    const fieldsBox = h('section', { class: 'card', 'aria-labelledby': 'profiles-title' });
    replace(root, pageHead(t.security.title), accessBox, fieldsBox);
    renderAccess(accessBox, access, types);
    renderProfiles(fieldsBox, security, types);
  }

  function renderAccess(box: HTMLElement, access: AccessLevels, types: EntityType[]): void {
    const stored = new Map(access.items.map((l) => [`${l.role}|${l.recordType}|${l.operation}`, l.level]));
    const status = statusLine('access-status');
    const rowTypes: [string, string][] = [
      ['*', t.security.anyType],
      ...types.map((x): [string, string] => [x.name, x.displayName]),
      ...activityTypes.map((a): [string, string] => [a, t.timeline.kinds[a] ?? a]),
    ];
    const cell = (role: string, type: string, op: Operation) => {
      const key = `${role}|${type}|${op}`;
      const fallback =
        type === '*'
          ? (access.defaults.find((l) => l.role === role && l.recordType === '*' && l.operation === op)?.level ?? 'none')
          : inherited(access, role, op);
      return h(
        'select',
        {
          class: 'text',
          'aria-label': `${role}, ${type === '*' ? t.security.anyType : type}, ${t.security.operations[op]}`,
          'data-key': key,
          onchange: (e: Event) => {
            const v = (e.target as HTMLSelectElement).value;
            if (v) stored.set(key, v as AccessLevelName);
            else stored.delete(key);
            dirtyAccess = true;
          },
        },
        h('option', { value: '', selected: !stored.has(key) }, t.security.defaultLevel(t.security.levels[fallback])),
        levels.map((l) => h('option', { value: l, selected: stored.get(key) === l }, t.security.levels[l])),
      );
    };
    replace(
      box,
      h('h2', { id: 'access-title' }, t.security.access),
      h('p', { class: 'hint' }, t.security.accessIntro),
      roles.map((role) =>
        h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'table compact', 'data-testid': `access-${role}` },
            h('caption', null, role),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', { scope: 'col' }, t.security.recordType),
                operations.map((op) => h('th', { scope: 'col' }, t.security.operations[op])),
              ),
            ),
            h(
              'tbody',
              null,
              rowTypes.map(([type, label]) =>
                h(
                  'tr',
                  null,
                  h('th', { scope: 'row' }, label),
                  operations.map((op) => h('td', null, cell(role, type, op))),
                ),
              ),
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'form-actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'button accent',
            'data-testid': 'save-access',
            onclick: async () => {
              const items: AccessLevel[] = [...stored].map(([k, level]) => {
                const [role, recordType, operation] = k.split('|');
                return { role: role as AccessLevel['role'], recordType, operation: operation as Operation, level };
              });
              setStatus(status, t.common.saving, 'busy');
              try {
                const answer = await deps.api.putAccessLevels(items);
                if (destroyed) return;
                dirtyAccess = false;
                renderAccess(box, answer, types);
                setStatus(box.querySelector<HTMLElement>('[data-testid="access-status"]')!, t.common.saved, 'done');
              } catch (e) {
                if (!destroyed) setStatus(status, problemText(e), 'error');
              }
            },
          },
          t.common.save,
        ),
        status,
      ),
    );
  }

  function renderProfiles(box: HTMLElement, security: FieldSecurity, types: EntityType[]): void {
    const grants = new Map<string, FieldPermission>(security.items.map((p) => [`${p.role}|${p.recordType}|${p.field}`, { ...p }]));
    const status = statusLine('profiles-status');
    const label = (type: string, field: string) => {
      const ty = types.find((x) => x.name === type);
      return `${ty?.displayName ?? type}: ${ty?.fields.find((f) => f.name === field)?.displayName ?? field}`;
    };
    const box3 = (role: string, type: string, field: string, what: 'read' | 'create' | 'update') => {
      const key = `${role}|${type}|${field}`;
      return h('input', {
        type: 'checkbox',
        checked: grants.get(key)?.[what] === true,
        'aria-label': `${role}, ${label(type, field)}, ${t.security.operations[what]}`,
        'data-testid': `grant-${role}-${type}-${field}-${what}`,
        onchange: (e: Event) => {
          const p = grants.get(key) ?? { role: role as FieldPermission['role'], recordType: type, field, read: false, create: false, update: false };
          p[what] = (e.target as HTMLInputElement).checked;
          grants.set(key, p);
          dirtyFields = true;
        },
      });
    };
    const body =
      security.securedFields.length === 0
        ? h('p', { class: 'hint' }, t.security.noSecured)
        : grantRoles.map((role) =>
            h(
              'table',
              { class: 'table compact', 'data-testid': `profile-${role}` },
              h('caption', null, role),
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  h('th', { scope: 'col' }, t.security.field),
                  (['read', 'create', 'update'] as const).map((w) => h('th', { scope: 'col' }, t.security.operations[w])),
                ),
              ),
              h(
                'tbody',
                null,
                security.securedFields.map((sf) =>
                  h(
                    'tr',
                    null,
                    h('th', { scope: 'row' }, label(sf.recordType, sf.field)),
                    (['read', 'create', 'update'] as const).map((w) => h('td', null, box3(role, sf.recordType, sf.field, w))),
                  ),
                ),
              ),
            ),
          );
    replace(
      box,
      h('h2', { id: 'profiles-title' }, t.security.profiles),
      h('p', { class: 'hint' }, t.security.profilesIntro),
      body,
      security.securedFields.length
        ? h(
            'div',
            { class: 'form-actions' },
            h(
              'button',
              {
                type: 'button',
                class: 'button accent',
                'data-testid': 'save-profiles',
                onclick: async () => {
                  setStatus(status, t.common.saving, 'busy');
                  try {
                    const answer = await deps.api.putFieldSecurity([...grants.values()].filter((p) => p.read || p.create || p.update));
                    if (destroyed) return;
                    dirtyFields = false;
                    renderProfiles(box, answer, types);
                    setStatus(box.querySelector<HTMLElement>('[data-testid="profiles-status"]')!, t.common.saved, 'done');
                  } catch (e) {
                    if (!destroyed) setStatus(status, problemText(e), 'error');
                  }
                },
              },
              t.common.save,
            ),
            status,
          )
        : null,
    );
  }

  return {
    dirty: () => dirtyAccess || dirtyFields,
    destroy: () => {
      destroyed = true;
    },
  };
}
