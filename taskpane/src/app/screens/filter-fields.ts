// What the condition builder offers: the fields a filter on a record type may name, the operators valid
// for each field's kind, and the conversion of what the user typed into the filter language's values. It
// follows the language as internal/crm/filter.go defines it.

import type { EntityField, EntityType, FieldKind } from '../../api.ts';
import { t } from '../messages.ts';

/** The language's limits: groups nest at most this deep (the outermost counts), and hold this many comparisons. */
export const maxDepth = 4;
export const maxLeaves = 50;

/** The operators that take no value. */
export const valueless = new Set(['null', 'not-null']);

/** A field the builder offers. */
export interface FilterField {
  name: string;
  label: string;
  kind: FieldKind;
  choices?: string[];
  /** owner and reference fields take @me, the user the filter runs for. */
  me: boolean;
}

/** The activity types a filter may choose besides record types. */
export const activityTypes = ['appointment', 'task'] as const;

const common: FilterField[] = [
  { name: 'ownerId', label: t.builder.standard.ownerId, kind: 'reference', me: true },
  { name: 'name', label: t.builder.standard.name, kind: 'text', me: false },
  { name: 'createdAt', label: t.builder.standard.createdAt, kind: 'datetime', me: false },
  { name: 'updatedAt', label: t.builder.standard.updatedAt, kind: 'datetime', me: false },
];

const a = t.builder.activityFields;
const activityFields: Record<string, FilterField[]> = {
  appointment: [
    { name: 'subject', label: a.subject, kind: 'text', me: false },
    { name: 'body', label: a.body, kind: 'text', me: false },
    { name: 'status', label: a.status, kind: 'text', me: false },
    { name: 'regardingType', label: a.regardingType, kind: 'text', me: false },
    { name: 'regardingId', label: a.regardingId, kind: 'reference', me: true },
    { name: 'start', label: a.start, kind: 'datetime', me: false },
    { name: 'end', label: a.end, kind: 'datetime', me: false },
  ],
};
activityFields.task = [
  ...activityFields.appointment.filter((f) => f.name !== 'start' && f.name !== 'end'),
  { name: 'due', label: a.due, kind: 'datetime', me: false },
];

function fromEntity(f: EntityField): FilterField {
  return { name: f.name, label: f.displayName || f.name, kind: f.kind, choices: f.choices, me: f.kind === 'reference' };
}

/** filterFields lists the fields a filter on recordType may name: the common ones, then the type's own. */
export function filterFields(recordType: string, types: EntityType[]): FilterField[] {
  const own = activityFields[recordType] ?? (types.find((x) => x.name === recordType)?.fields ?? []).map(fromEntity);
  return [...common, ...own.filter((f) => !common.some((c) => c.name === f.name))];
}

/** operatorsFor lists the operators valid for a field's kind, as the language allows them. */
export function operatorsFor(kind: FieldKind): string[] {
  switch (kind) {
    case 'text':
    case 'email':
    case 'phone':
    case 'url':
      return ['eq', 'ne', 'in', 'contains', 'null', 'not-null'];
    case 'choice':
    case 'reference':
      return ['eq', 'ne', 'in', 'null', 'not-null'];
    case 'boolean':
      return ['eq', 'ne', 'null', 'not-null'];
    case 'number':
      return ['eq', 'ne', 'in', 'gt', 'lt', 'null', 'not-null'];
    case 'date':
    case 'datetime':
      return ['eq', 'ne', 'in', 'gt', 'lt', 'on-or-after', 'null', 'not-null'];
  }
  return ['eq', 'ne', 'null', 'not-null'];
}

/** toValue converts one typed value into the language's: a number, true/false, a time in UTC, or the text. */
export function toValue(kind: FieldKind, raw: string): string | number | boolean {
  const s = raw.trim();
  switch (kind) {
    case 'number': {
      const n = Number(s);
      return s !== '' && Number.isFinite(n) ? n : s; // the API names what is wrong with the rest
    }
    case 'boolean':
      return s === 'true' ? true : s === 'false' ? false : s;
    case 'datetime': {
      if (/^\d{4}-\d\d-\d\d$/.test(s)) return s; // a day: on-or-after takes one
      const d = new Date(s);
      return Number.isNaN(d.getTime()) ? s : d.toISOString().replace('.000Z', 'Z');
    }
  }
  return s;
}

/** fromValue shows a value of the language in the control for its kind. */
export function fromValue(kind: FieldKind, v: unknown): string {
  if (v === undefined || v === null) return '';
  if (kind === 'datetime' && typeof v === 'string' && v.includes('T')) {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) {
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    }
  }
  return String(v);
}
