// A record's fields as form controls: one control per field kind, the values they hold in the API's
// form, and field security (a field the caller may not read is absent; one they may not change is
// read-only).

import type { CrmRecord, EntityField, EntityType } from '../../api.ts';
import { h, uid } from '../dom.ts';
import { t } from '../messages.ts';
import { fieldBox } from '../ui.ts';

/** How a field shows: editable, read-only, or not at all. */
export type FieldMode = 'edit' | 'read' | 'hidden';

/**
 * fieldMode applies field security as far as the client can know it: a secured field the record came
 * without is hidden (the API leaves out what the caller may not read), and a field whose access says no
 * update (or no create, for a new record) is read-only.
 */
export function fieldMode(f: EntityField, record: CrmRecord | null): FieldMode {
  if (f.access && !f.access.read) return 'hidden';
  if (record && f.secured && !(f.name in (record.fields ?? {}))) return 'hidden';
  if (f.access && !(record ? f.access.update : f.access.create)) return 'read';
  return 'edit';
}

/** toInput turns an API value into what the field's control shows. */
export function toInput(f: EntityField, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (f.kind === 'boolean') return v === true ? 'true' : v === false ? 'false' : '';
  if (f.kind === 'datetime' && typeof v === 'string') {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) return v;
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
  return String(v);
}

/** fromInput turns what a control holds into the API's value; null for an empty control. */
export function fromInput(f: EntityField, s: string): FieldInput {
  const v = s.trim();
  if (v === '') return null;
  switch (f.kind) {
    case 'number': {
      const n = Number(v);
      return Number.isFinite(n) ? n : v; // the API says what is wrong with a value that is no number
    }
    case 'boolean':
      return v === 'true';
    case 'datetime': {
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? v : d.toISOString().replace('.000Z', 'Z');
    }
  }
  return v;
}

const inputTypes: Partial<Record<EntityField['kind'], string>> = {
  email: 'email',
  phone: 'tel',
  url: 'url',
  number: 'number',
  date: 'date',
  datetime: 'datetime-local',
};

/** control makes the form control for a field, named after it. */
function control(f: EntityField, value: string, readOnly: boolean): HTMLInputElement | HTMLSelectElement {
  if (f.kind === 'choice' || f.kind === 'boolean') {
    const options: [string, string][] =
      f.kind === 'boolean'
        ? [
            ['true', t.record.yes],
            ['false', t.record.no],
          ]
        : (f.choices ?? []).map((c) => [c, c]);
    return h(
      'select',
      { name: f.name, disabled: readOnly, required: f.required },
      h('option', { value: '' }, t.record.choose),
      options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
    );
  }
  return h('input', {
    name: f.name,
    type: inputTypes[f.kind] ?? 'text',
    value,
    readonly: readOnly,
    required: f.required,
    maxlength: f.maxLength || undefined,
    step: f.kind === 'number' ? 'any' : undefined,
    autocomplete: 'off',
  });
}

/** fieldControls renders the form's fields for a record (null: a new one) of a type, in the type's order. */
export function fieldControls(type: EntityType, record: CrmRecord | null): HTMLElement[] {
  const out: HTMLElement[] = [];
  const derived = (type.nameFrom ?? []).length > 0;
  if (!derived) {
    const name = h('input', { name: '__name', type: 'text', value: record?.name ?? '', required: true, autocomplete: 'off' });
    out.push(fieldBox({ field: 'name', label: t.record.name, control: name, id: uid('name') }));
  }
  for (const f of type.fields) {
    const mode = fieldMode(f, record);
    if (mode === 'hidden') continue;
    const c = control(f, toInput(f, record?.fields?.[f.name]), mode === 'read');
    const hint = mode === 'read' ? t.record.readOnlyHint : f.kind === 'reference' ? t.record.referenceHint((f.targets ?? []).join(' or ')) : undefined;
    const box = fieldBox({ field: f.name, label: f.displayName || f.name, control: c, hint, id: uid(`f-${f.name}`) });
    if (mode === 'read') {
      box.classList.add('read-only');
      box.querySelector('label')?.append(h('span', { class: 'tag' }, t.record.readOnly));
    }
    if (f.required) box.querySelector('label')?.append(h('span', { class: 'required', 'aria-hidden': 'true' }, ' *'));
    out.push(box);
  }
  return out;
}

/** A field's value as a form sends it: the API's value, or null to clear it. */
export type FieldInput = string | number | boolean | null;

/** What a record form holds: the name (when it is typed) and the fields' values. */
export interface FormValues {
  name?: string;
  fields: Record<string, FieldInput>;
}

/** formValues reads what the user may change: the name (when it is typed) and the editable fields. */
export function formValues(form: HTMLElement, type: EntityType, record: CrmRecord | null): FormValues {
  const fields: Record<string, FieldInput> = {};
  for (const f of type.fields) {
    if (fieldMode(f, record) !== 'edit') continue;
    const c = form.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${f.name}"]`);
    if (c) fields[f.name] = fromInput(f, c.value);
  }
  const name = form.querySelector<HTMLInputElement>('[name="__name"]');
  return { name: name ? name.value.trim() : undefined, fields };
}

/** changes is what a save sends: the name if changed, and each field whose value differs (null clears it). */
export function changes(type: EntityType, record: CrmRecord, now: FormValues): FormValues {
  const fields: Record<string, FieldInput> = {};
  for (const [k, v] of Object.entries(now.fields)) {
    const before = record.fields?.[k] ?? null;
    const f = type.fields.find((x) => x.name === k);
    const same = f ? toInput(f, before) === toInput(f, v) : before === v;
    if (!same) fields[k] = v;
  }
  const out: FormValues = { fields };
  if (now.name !== undefined && now.name !== record.name) out.name = now.name;
  return out;
}

/** fieldOfError maps a validation error's field (fields.email, /fields/email, name) to the form's. */
export function fieldOfError(field: string): string {
  return field.replace(/^\//, '').replace(/^fields[./]/, '');
}
