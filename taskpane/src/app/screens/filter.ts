// A synchronization filter's editor: name, record type, online or offline, enabled, the condition builder,
// and a preview of how many and which records it picks for the user now. The user's own filters at
// #/filters/{id} and #/filters/new; system filters (CRM.Admin) at #/admin/filters/{id} and …/new, and
// read-only to everyone else.

import type { EntityType, FilterPreview, SyncFilter, SyncFilterInput } from '../../api.ts';
import { h, replace, uid } from '../dom.ts';
import { t } from '../messages.ts';
import { href } from '../router.ts';
import { isAdmin, type Screen, type ScreenDeps } from '../screen.ts';
import {
  clearFieldErrors,
  fieldBox,
  formProblem,
  load,
  pageHead,
  problemKind,
  problemText,
  problemView,
  setStatus,
  showFieldErrors,
  statusLine,
} from '../ui.ts';
import { mountBuilder, type Builder } from './builder.ts';
import { activityTypes, filterFields } from './filter-fields.ts';

/** rowOf maps an error's JSON pointer to the builder row or group it is about: /conditions/and/1/op → /conditions/and/1. */
export function rowOf(pointer: string): string {
  const p = pointer.startsWith('/') ? pointer : `/${pointer.replace(/\./g, '/')}`;
  if (!p.startsWith('/conditions')) return p.replace(/^\//, '');
  return p
    .replace(/\/value\/\d+$/, '')
    .replace(/\/(field|op|value)$/, '')
    .replace(/\/(and|or)$/, '');
}

/** mount edits the route's filter, or a new one. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  const system = deps.route.name.startsWith('admin-');
  const creating = deps.route.name.endsWith('-new');
  const listHash = system ? href('admin', 'filters') : href('filters');
  let destroyed = false;
  let saved = '';
  let current: () => string = () => saved;

  const read = async (): Promise<[EntityType[], SyncFilter | null]> => Promise.all([deps.types(), creating ? null : deps.api.syncFilter(deps.route.params.id)]);
  void load(root, deps, read, ([types, filter]) => {
    if (!destroyed) show(types, filter);
  });

  function show(types: EntityType[], filter: SyncFilter | null): void {
    const readOnly = filter !== null && filter.scope === 'system' && !isAdmin(deps.me);
    const recordTypes: [string, string][] = [
      ...types.map((x): [string, string] => [x.name, x.displayName]),
      ...activityTypes.map((a): [string, string] => [a, t.filters.activityTypes[a]]),
    ];
    const start: SyncFilterInput = filter
      ? { name: filter.name, recordType: filter.recordType, kind: filter.kind, enabled: filter.enabled, conditions: filter.conditions }
      : { name: '', recordType: types.find((x) => x.name === 'contact')?.name ?? recordTypes[0][0], kind: 'online', enabled: true, conditions: { and: [] } };
    const name = h('input', {
      type: 'text',
      name: 'name',
      value: start.name ?? '',
      required: true,
      readonly: readOnly,
      autocomplete: 'off',
      'data-testid': 'filter-name',
    });
    const recordType = h(
      'select',
      {
        name: 'recordType',
        disabled: readOnly || !creating,
        'data-testid': 'filter-type',
        onchange: () => builder.setFields(filterFields(recordType.value, types)),
      },
      recordTypes.map(([v, label]) => h('option', { value: v, selected: v === start.recordType }, label)),
    );
    const kind = h(
      'select',
      { name: 'kind', disabled: readOnly, 'data-testid': 'filter-kind' },
      h('option', { value: 'online', selected: start.kind === 'online' }, t.filters.online),
      h('option', { value: 'offline', selected: start.kind === 'offline' }, t.filters.offline),
    );
    const enabledId = uid('enabled');
    const enabled = h('input', { type: 'checkbox', id: enabledId, checked: start.enabled !== false, disabled: readOnly, 'data-testid': 'filter-enabled' });
    const builderBox = h('div', { class: 'builder', 'data-testid': 'builder' });
    const status = statusLine('filter-status');
    const preview = h('section', { class: 'preview', 'aria-live': 'polite', 'data-testid': 'preview' });
    const form = h(
      'form',
      { class: 'filter-form', novalidate: true, onsubmit: (e: Event) => (e.preventDefault(), void save()) },
      fieldBox({ field: 'name', label: t.filters.name, control: name, id: uid('name') }),
      fieldBox({ field: 'recordType', label: t.filters.recordType, control: recordType, id: uid('type') }),
      fieldBox({ field: 'kind', label: t.filters.kind, control: kind, id: uid('kind') }),
      h('div', { class: 'form-field', 'data-field': 'enabled' }, h('label', { class: 'choice', for: enabledId }, enabled, t.filters.enabled)),
      h(
        'fieldset',
        { class: 'form-field', 'data-field': 'conditions', disabled: readOnly },
        h('legend', null, t.filters.conditions),
        builderBox,
        h('p', { class: 'field-error', role: 'alert', hidden: true }),
      ),
      readOnly
        ? h('p', { class: 'hint' }, t.filters.readOnly)
        : h(
            'div',
            { class: 'form-actions' },
            h('button', { type: 'submit', class: 'button accent', 'data-testid': 'save-filter' }, creating ? t.common.create : t.common.save),
            h('button', { type: 'button', class: 'button', 'data-testid': 'preview-filter', onclick: () => void runPreview() }, t.filters.preview),
            status,
          ),
      preview,
    );
    const title = creating ? (system ? t.filters.newSystemTitle : t.filters.newTitle) : t.filters.editTitle(filter?.name ?? '');
    replace(root, pageHead(title, h('a', { href: listHash, class: 'button subtle' }, t.common.cancel)), form);
    const builder: Builder = mountBuilder(builderBox, start.conditions ?? undefined, filterFields(start.recordType, types), () => undefined);

    const body = (): SyncFilterInput => ({
      name: name.value.trim(),
      recordType: recordType.value,
      kind: kind.value === 'offline' ? 'offline' : 'online',
      enabled: enabled.checked,
      conditions: builder.value(),
      ...(creating && system ? { scope: 'system' as const } : {}),
    });
    current = () => JSON.stringify(body());
    saved = current();

    async function save(): Promise<void> {
      clearFieldErrors(form);
      setStatus(status, t.common.saving, 'busy');
      try {
        const f = creating ? await deps.api.createSyncFilter(body()) : await deps.api.replaceSyncFilter(filter!.id, body());
        if (destroyed) return;
        saved = current();
        setStatus(status, t.filters.savedFilter, 'done');
        if (creating) deps.go(system ? href('admin', 'filters', f.id) : href('filters', f.id), { replace: true });
      } catch (e) {
        if (destroyed) return;
        formProblem(form, status, e, rowOf);
        if (problemKind(e) === 'signin') replace(preview, problemView(e, deps));
      }
    }

    async function runPreview(): Promise<void> {
      clearFieldErrors(form);
      replace(preview, h('p', { class: 'hint' }, t.filters.previewing));
      let answer: FilterPreview;
      try {
        answer = await deps.api.previewSyncFilter(body());
      } catch (e) {
        if (destroyed) return;
        const rest = showFieldErrors(form, e, rowOf);
        replace(
          preview,
          problemKind(e) === 'invalid' && rest.length === 0 ? h('p', { class: 'field-error' }, problemText(e)) : problemView(e, deps, () => void runPreview()),
        );
        return;
      }
      if (destroyed) return;
      replace(
        preview,
        h('p', { 'data-testid': 'preview-count' }, t.filters.previewCount(answer.count)),
        answer.items.length ? h('p', { class: 'hint' }, t.filters.previewFirst(answer.items.length)) : null,
        h(
          'ul',
          { class: 'preview-items', role: 'list' },
          // An appointment or task filter previews activities, each in a record's shape.
          answer.items.map((r) =>
            h(
              'li',
              { 'data-testid': 'preview-item' },
              h('a', { href: (activityTypes as readonly string[]).includes(r.type) ? href('activities', r.id) : href('records', r.type, r.id) }, r.name),
            ),
          ),
        ),
      );
    }
  }

  return {
    dirty: () => current() !== saved,
    destroy: () => {
      destroyed = true;
    },
  };
}
