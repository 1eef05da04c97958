// Synchronization filters: the user's own online and offline filters (create, edit, enable, disable,
// delete) beside the system filters, read-only to users (#/filters); and the system filters for CRM.Admin
// (#/admin/filters).

import type { Condition, EntityType, SyncFilter } from '../../api.ts';
import { h, replace } from '../dom.ts';
import { t } from '../messages.ts';
import { href } from '../router.ts';
import { isAdmin, type Screen, type ScreenDeps } from '../screen.ts';
import { emptyView, load, pageHead, problemText, setStatus, statusLine } from '../ui.ts';
import { activityTypes } from './filter-fields.ts';

/** summary says a filter's conditions in a line: ownerId eq @me and (status eq active or …). */
export function summary(c: Condition | undefined, top = true): string {
  if (!c) return t.filters.everyRecord;
  if ('and' in c || 'or' in c) {
    const op = 'and' in c ? 'and' : 'or';
    const members = ('and' in c ? c.and : c.or) ?? [];
    if (members.length === 0) return top ? t.filters.everyRecord : '()';
    const inner = members.map((m) => summary(m, false)).join(` ${op} `);
    return top ? inner : `(${inner})`;
  }
  const v = 'value' in c && c.value !== undefined ? ` ${Array.isArray(c.value) ? `[${c.value.join(', ')}]` : String(c.value)}` : '';
  return `${c.field} ${t.builder.ops[c.op] ?? c.op}${v}`;
}

/** mount lists the filters. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  const system = deps.route.name === 'admin-filters';
  let destroyed = false;
  const read = () => Promise.all([deps.api.syncFilters(), deps.types()]);
  const refresh = () =>
    load(root, deps, read, ([page, types]) => {
      if (!destroyed) show(page.items, types);
    });
  void refresh();

  function typeName(types: EntityType[], name: string): string {
    return types.find((x) => x.name === name)?.displayName ?? (activityTypes.includes(name as 'task') ? t.filters.activityTypes[name] : name);
  }

  function show(all: SyncFilter[], types: EntityType[]): void {
    const status = statusLine('filters-status');
    const editable = (f: SyncFilter) => f.scope === 'user' || isAdmin(deps.me);
    const link = (f: SyncFilter) => (f.scope === 'system' && system ? href('admin', 'filters', f.id) : href('filters', f.id));

    async function act(f: SyncFilter, change: () => Promise<unknown>): Promise<void> {
      setStatus(status, t.common.saving, 'busy');
      try {
        await change();
        if (!destroyed) await refresh();
      } catch (e) {
        if (!destroyed) setStatus(root.querySelector<HTMLElement>('[data-testid="filters-status"]') ?? status, `${f.name}: ${problemText(e)}`, 'error');
      }
    }

    const table = (filters: SyncFilter[], caption: string) =>
      filters.length === 0
        ? emptyView(t.filters.none)
        : h(
            'div',
            { class: 'table-scroll' },
            h(
              'table',
              { class: 'table', 'data-testid': 'filters-table' },
              h('caption', null, caption),
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  [t.filters.name, t.filters.recordType, t.filters.kind, t.filters.enabled, t.filters.conditions, ''].map((c) => h('th', { scope: 'col' }, c)),
                ),
              ),
              h(
                'tbody',
                null,
                filters.map((f) =>
                  h(
                    'tr',
                    { 'data-testid': 'filter-row', 'data-id': f.id, 'data-scope': f.scope },
                    h('td', null, h('a', { href: link(f) }, f.name)),
                    h('td', null, typeName(types, f.recordType)),
                    h('td', null, f.kind === 'offline' ? t.filters.offline : t.filters.online),
                    h('td', null, f.enabled ? t.common.yes : t.common.no),
                    h('td', { class: 'conditions-summary' }, summary(f.conditions)),
                    h(
                      'td',
                      { class: 'row-actions' },
                      editable(f)
                        ? [
                            h(
                              'button',
                              {
                                type: 'button',
                                class: 'button',
                                'data-testid': f.enabled ? 'disable-filter' : 'enable-filter',
                                onclick: () =>
                                  void act(f, () =>
                                    deps.api.replaceSyncFilter(f.id, {
                                      name: f.name,
                                      recordType: f.recordType,
                                      kind: f.kind,
                                      enabled: !f.enabled,
                                      conditions: f.conditions,
                                    }),
                                  ),
                              },
                              f.enabled ? t.filters.disable : t.filters.enable,
                            ),
                            h(
                              'button',
                              {
                                type: 'button',
                                class: 'button subtle',
                                'data-testid': 'delete-filter',
                                onclick: () => deps.confirm(t.filters.deleteConfirm(f.name)) && void act(f, () => deps.api.deleteSyncFilter(f.id)),
                              },
                              t.common.delete,
                            ),
                          ]
                        : h('span', { class: 'hint' }, t.filters.readOnly),
                    ),
                  ),
                ),
              ),
            ),
          );

    const mine = all.filter((f) => f.scope === 'user');
    const systems = all.filter((f) => f.scope === 'system');
    const newHash = system ? href('admin', 'filters', 'new') : href('filters', 'new');
    replace(
      root,
      pageHead(
        system ? t.filters.systemTitle : t.filters.title,
        h('a', { class: 'button accent', href: newHash, 'data-testid': 'new-filter' }, t.filters.newFilter),
      ),
      h('p', { class: 'hint' }, system ? t.filters.systemIntro : t.filters.intro),
      status,
      system ? null : table(mine, t.filters.mine),
      table(systems, t.filters.system),
    );
  }

  return {
    destroy: () => {
      destroyed = true;
    },
  };
}
