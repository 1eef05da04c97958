// A record type's editor (CRM.Admin): its names, which fields a record's name is made from, and its fields
// — built-in ones kept, custom ones added, changed and removed (an email field makes the type's records
// match senders for tracking). Built-in types keep their fields; custom types without records can be
// deleted. #/admin/types/{name}, #/admin/types/new

import type { EntityField, EntityType, FieldKind } from '../../../api.ts';
import { h, replace, uid } from '../../dom.ts';
import { t } from '../../messages.ts';
import { href } from '../../router.ts';
import type { Screen, ScreenDeps } from '../../screen.ts';
import { clearFieldErrors, fieldBox, formProblem, load, pageHead, problemText, setStatus, statusLine } from '../../ui.ts';

const kinds: FieldKind[] = ['text', 'email', 'phone', 'url', 'number', 'date', 'datetime', 'boolean', 'reference', 'choice'];

/** errorRow maps a validation error's field to the form's: fields[2].kind → fields[2]. */
export function errorRow(field: string): string {
  return field.replace(/^\//, '').replace(/^(fields\[\d+\])\..*$/, '$1');
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** mount edits the route's type, or a new one. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  const creating = deps.route.name === 'admin-type-new';
  let destroyed = false;
  let saved = '';
  let current = () => saved;
  const read = async () => (creating ? null : deps.api.entityType(deps.route.params.name));
  void load(root, deps, read, (ty) => {
    if (!destroyed) show(ty);
  });

  function show(original: EntityType | null): void {
    const type: EntityType = original ? structuredClone(original) : { name: '', displayName: '', pluralName: '', builtIn: false, nameFrom: [], fields: [] };
    const name = h('input', { type: 'text', name: 'name', value: type.name, readonly: !creating, required: true, 'data-testid': 'type-name' });
    const displayName = h('input', { type: 'text', name: 'displayName', value: type.displayName, required: true, 'data-testid': 'type-display' });
    const pluralName = h('input', { type: 'text', name: 'pluralName', value: type.pluralName, 'data-testid': 'type-plural' });
    const nameFrom = h('input', { type: 'text', name: 'nameFrom', value: (type.nameFrom ?? []).join(', '), 'data-testid': 'type-namefrom' });
    const fieldsBody = h('tbody');
    const status = statusLine('type-status');
    const note = h('p', { class: 'hint', 'data-testid': 'email-note' }, t.types.emailNote);

    function fieldRow(f: EntityField, i: number): HTMLElement {
      const locked = f.builtIn;
      const set = (k: keyof EntityField, v: unknown) => ((f as unknown as Record<string, unknown>)[k] = v);
      return h(
        'tr',
        { 'data-field': `fields[${i}]`, 'data-testid': 'field-row' },
        h(
          'td',
          null,
          h('input', {
            class: 'text',
            type: 'text',
            value: f.name,
            readonly: locked,
            'aria-label': t.types.fieldName,
            'data-role': 'name',
            oninput: (e: Event) => set('name', (e.target as HTMLInputElement).value.trim()),
          }),
        ),
        h(
          'td',
          null,
          h('input', {
            class: 'text',
            type: 'text',
            value: f.displayName,
            'aria-label': t.types.fieldLabel,
            'data-role': 'label',
            oninput: (e: Event) => set('displayName', (e.target as HTMLInputElement).value),
          }),
        ),
        h(
          'td',
          null,
          h(
            'select',
            {
              class: 'text',
              disabled: locked,
              'aria-label': t.types.kind,
              'data-role': 'kind',
              onchange: (e: Event) => (set('kind', (e.target as HTMLSelectElement).value), renderFields()),
            },
            kinds.map((k) => h('option', { value: k, selected: f.kind === k }, t.types.kinds[k])),
          ),
          f.kind === 'reference'
            ? h('input', {
                class: 'text',
                type: 'text',
                value: (f.targets ?? []).join(', '),
                disabled: locked,
                'aria-label': t.types.targets,
                placeholder: t.types.targets,
                oninput: (e: Event) => set('targets', list((e.target as HTMLInputElement).value)),
              })
            : null,
          f.kind === 'choice'
            ? h('input', {
                class: 'text',
                type: 'text',
                value: (f.choices ?? []).join(', '),
                disabled: locked,
                'aria-label': t.types.choices,
                placeholder: t.types.choices,
                oninput: (e: Event) => set('choices', list((e.target as HTMLInputElement).value)),
              })
            : null,
        ),
        h(
          'td',
          null,
          h('input', {
            type: 'checkbox',
            checked: f.required,
            disabled: locked,
            'aria-label': `${t.types.required}: ${f.name}`,
            onchange: (e: Event) => set('required', (e.target as HTMLInputElement).checked),
          }),
        ),
        h(
          'td',
          null,
          h('input', {
            type: 'checkbox',
            checked: f.secured,
            'aria-label': `${t.types.secured}: ${f.name}`,
            onchange: (e: Event) => set('secured', (e.target as HTMLInputElement).checked),
          }),
        ),
        h(
          'td',
          null,
          locked
            ? h('span', { class: 'tag' }, t.types.builtIn)
            : h(
                'button',
                {
                  type: 'button',
                  class: 'button subtle',
                  'aria-label': t.types.removeField(f.name),
                  onclick: () => (type.fields.splice(i, 1), renderFields()),
                },
                t.common.remove,
              ),
          h('p', { class: 'field-error', role: 'alert', hidden: true }),
        ),
      );
    }

    function renderFields(): void {
      replace(fieldsBody, type.fields.map(fieldRow));
      note.hidden = !type.fields.some((f) => f.kind === 'email');
    }

    const form = h(
      'form',
      { class: 'card', novalidate: true, 'data-testid': 'type-form', onsubmit: (e: Event) => (e.preventDefault(), void save()) },
      fieldBox({ field: 'name', label: t.types.name, control: name, hint: t.types.nameHint, id: uid('name') }),
      fieldBox({ field: 'displayName', label: t.types.displayName, control: displayName, id: uid('display') }),
      fieldBox({ field: 'pluralName', label: t.types.pluralName, control: pluralName, id: uid('plural') }),
      fieldBox({ field: 'nameFrom', label: t.types.nameFrom, control: nameFrom, hint: t.types.nameFromHint, id: uid('namefrom') }),
      h('h2', null, t.types.fields),
      h(
        'div',
        { class: 'table-scroll', 'data-field': 'fields' },
        h(
          'table',
          { class: 'table compact', 'data-testid': 'fields-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              [t.types.fieldName, t.types.fieldLabel, t.types.kind, t.types.required, t.types.secured, ''].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          fieldsBody,
        ),
        h('p', { class: 'field-error', role: 'alert', hidden: true }),
      ),
      note,
      h(
        'div',
        { class: 'form-actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'button',
            'data-testid': 'add-field',
            onclick: () => (type.fields.push({ name: '', displayName: '', kind: 'text', required: false, secured: false, builtIn: false }), renderFields()),
          },
          t.types.addField,
        ),
        h('button', { type: 'submit', class: 'button accent', 'data-testid': 'save-type' }, creating ? t.common.create : t.common.save),
        status,
      ),
    );
    const actions =
      !creating && !type.builtIn
        ? [h('button', { type: 'button', class: 'button', 'data-testid': 'delete-type', onclick: () => void remove() }, t.common.delete)]
        : [];
    replace(root, pageHead(creating ? t.types.newType : type.displayName, ...actions), form);
    renderFields();

    const body = (): EntityType => ({
      ...type,
      name: name.value.trim(),
      displayName: displayName.value.trim(),
      pluralName: pluralName.value.trim(),
      nameFrom: list(nameFrom.value),
      fields: type.fields.map((f) => ({ ...f, displayName: f.displayName || f.name })),
    });
    current = () => JSON.stringify(body());
    saved = current();

    async function save(): Promise<void> {
      clearFieldErrors(form);
      setStatus(status, t.common.saving, 'busy');
      try {
        const b = body();
        const answer = creating ? await deps.api.createEntityType(b) : await deps.api.updateEntityType(b.name, b);
        if (destroyed) return;
        deps.typesChanged();
        saved = current();
        setStatus(status, t.common.saved, 'done');
        if (creating) deps.go(href('admin', 'types', answer.name), { replace: true });
      } catch (e) {
        if (destroyed) return;
        formProblem(form, status, e, errorRow);
      }
    }

    async function remove(): Promise<void> {
      if (!deps.confirm(t.types.deleteConfirm(type.displayName))) return;
      try {
        await deps.api.deleteEntityType(type.name);
        if (destroyed) return;
        deps.typesChanged();
        saved = current();
        deps.go(href('admin', 'types'), { replace: true });
      } catch (e) {
        if (!destroyed) setStatus(status, problemText(e), 'error');
      }
    }
  }

  return {
    dirty: () => current() !== saved,
    destroy: () => {
      destroyed = true;
    },
  };
}
