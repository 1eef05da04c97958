// A record's page: its fields by field security, edited and saved with the version read (a stale save
// says someone else changed it and offers to reload), deleted, and its activity timeline below. The same
// module creates a record of any type: #/records/{type}/new.

import { ApiError, type CrmRecord, type EntityType } from '../../api.ts';
import { h, replace, when } from '../dom.ts';
import { t } from '../messages.ts';
import { href } from '../router.ts';
import type { Screen, ScreenDeps } from '../screen.ts';
import { emptyView, load, pageHead, problemKind, problemText, problemView, setStatus, showFieldErrors, statusLine } from '../ui.ts';
import { changes, fieldControls, fieldOfError, formValues, type FieldInput } from './record-fields.ts';
import { mountTimeline } from './timeline.ts';

/** mount shows the route's record, or a form for a new one. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  const { type: typeName, id } = deps.route.params;
  const creating = deps.route.name === 'record-new';
  let destroyed = false;
  let form: HTMLFormElement | undefined;
  let record: CrmRecord | null = null;
  let type: EntityType | undefined;
  let timeline: { destroy(): void } | undefined;

  const read = async (): Promise<[EntityType | undefined, CrmRecord | null]> => {
    const [types, rec] = await Promise.all([deps.types(), creating ? null : deps.api.getRecord(typeName, id)]);
    return [types.find((x) => x.name === typeName), rec];
  };
  void load(root, deps, read, ([ty, rec]) => {
    if (destroyed) return;
    if (!ty) {
      replace(root, pageHead(t.common.notFound), emptyView(t.common.notFound));
      return;
    }
    type = ty;
    record = rec;
    render();
  });

  function render(): void {
    if (!type) return;
    const ty = type;
    const status = statusLine('record-status');
    const problem = h('div', { class: 'form-problem', 'data-testid': 'form-problem' });
    const submit = h('button', { type: 'submit', class: 'button accent', 'data-testid': 'save-record' }, creating ? t.common.create : t.common.save);
    form = h(
      'form',
      { class: 'record-form', 'data-testid': 'record-form', novalidate: true, onsubmit: (e: Event) => (e.preventDefault(), void save()) },
      h('h2', null, t.record.fields),
      fieldControls(ty, record),
      problem,
      h('div', { class: 'form-actions' }, submit, status),
    );
    const title = creating ? t.record.newTitle(ty.displayName.toLowerCase()) : record?.name || ty.displayName;
    const actions = creating
      ? []
      : [h('button', { type: 'button', class: 'button', 'data-testid': 'delete-record', onclick: () => void remove() }, t.common.delete)];
    const meta = record
      ? h(
          'p',
          { class: 'meta hint', 'data-testid': 'record-meta' },
          `${ty.displayName} · ${t.record.version(record.version ?? 0)} · ${t.record.owner}: ${record.ownerId === deps.me.userId ? t.record.you : (record.ownerId ?? '')} · ${t.record.updated} ${when(record.updatedAt)}`,
        )
      : null;
    const derived = (ty.nameFrom ?? []).length ? h('p', { class: 'hint' }, t.record.nameDerived(ty.nameFrom!.join(', '))) : null;
    const timelineBox = h('section', { class: 'timeline', 'aria-labelledby': 'timeline-title' });
    replace(root, pageHead(title, ...actions), meta, derived, form, creating ? null : timelineBox);
    timeline?.destroy();
    if (record) timeline = mountTimeline(timelineBox, deps, { type: ty.name, id: record.id });

    async function save(): Promise<void> {
      if (!form || !type) return;
      replace(problem);
      setStatus(status, t.common.saving, 'busy');
      submit.disabled = true;
      const now = formValues(form, ty, record);
      try {
        if (!record) {
          const created = await deps.api.createRecord(ty.name, { name: now.name, fields: stripNulls(now.fields) });
          if (destroyed) return;
          record = created;
          setStatus(status, t.record.created201, 'done');
          deps.go(href('records', ty.name, created.id), { replace: true });
          return;
        }
        const patch = changes(ty, record, now);
        const saved = await deps.api.updateRecord(ty.name, record.id, { ...patch, version: record.version });
        if (destroyed) return;
        record = saved;
        render();
        setStatus(root.querySelector<HTMLElement>('[data-testid="record-status"]')!, t.common.saved, 'done');
      } catch (e) {
        if (destroyed) return;
        // What was typed stays in the form, whatever went wrong.
        setStatus(status, '', '');
        const rest = showFieldErrors(form, e, fieldOfError);
        const kind = problemKind(e);
        if (kind === 'conflict' && record) {
          replace(
            problem,
            h(
              'div',
              { class: 'state problem conflict', role: 'alert', 'data-testid': 'stale' },
              h('p', null, t.record.stale),
              h('button', { type: 'button', class: 'button', 'data-testid': 'reload', onclick: () => void reload() }, t.record.reload),
            ),
          );
        } else if (kind === 'invalid' && e instanceof ApiError && e.errors.length > 0) {
          if (rest.length) setStatus(status, t.common.fieldsNotShown(rest.join('; ')), 'error');
          else setStatus(status, problemText(e), 'error');
        } else {
          replace(
            problem,
            problemView(e, deps, () => void save()),
          );
        }
      } finally {
        submit.disabled = false;
      }
    }
  }

  /** reload reads the record again, dropping what was typed (after asking, if anything was). */
  async function reload(): Promise<void> {
    if (!type || !record) return;
    if (dirty() && !deps.confirm(t.common.leaveDirty)) return;
    const fresh = await deps.api.getRecord(type.name, record.id).catch((e: unknown) => {
      const box = root.querySelector<HTMLElement>('[data-testid="form-problem"]');
      if (box)
        replace(
          box,
          problemView(e, deps, () => void reload()),
        );
      return null;
    });
    if (!fresh || destroyed) return;
    record = fresh;
    render();
  }

  async function remove(): Promise<void> {
    if (!type || !record || !deps.confirm(t.record.deleteConfirm(record.name))) return;
    try {
      await deps.api.deleteRecord(type.name, record.id, record.version);
      if (destroyed) return;
      record = null;
      form = undefined;
      deps.go(href('records', type.name), { replace: true });
    } catch (e) {
      const box = root.querySelector<HTMLElement>('[data-testid="form-problem"]');
      if (box) replace(box, problemKind(e) === 'conflict' ? problemView(new Error(t.record.stale), deps) : problemView(e, deps, () => void remove()));
    }
  }

  function dirty(): boolean {
    if (!form || !type) return false;
    const now = formValues(form, type, record);
    if (!record) return now.name !== '' && now.name !== undefined ? true : Object.values(now.fields).some((v) => v !== null);
    const c = changes(type, record, now);
    return c.name !== undefined || Object.keys(c.fields).length > 0;
  }

  return {
    dirty,
    destroy(): void {
      destroyed = true;
      timeline?.destroy();
    },
  };
}

/** stripNulls leaves out the fields left empty in a new record. */
function stripNulls(fields: Record<string, FieldInput>): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string | number | boolean] => e[1] !== null));
}
