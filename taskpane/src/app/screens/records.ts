// Records by type: every built-in and custom type, searched by name or email address, sorted by name or by
// the last update, and paged with the API's cursor (Load more). #/records/{type}?q=…&sort=updated

import type { CrmRecord, EntityType, Page } from '../../api.ts';
import type { RecordSort } from '../../api/endpoints.ts';
import { h, replace, uid, when } from '../dom.ts';
import { t } from '../messages.ts';
import { href } from '../router.ts';
import type { Screen, ScreenDeps } from '../screen.ts';
import { emptyView, load, loadingView, pageHead, problemView } from '../ui.ts';

/** How long typing in the search must pause before it runs. */
export const searchDelayMs = 300;
/** How many records a page holds. */
export const pageSize = 25;

/** byUpdated orders records newest first; the API's order (name) is kept for ties. */
export function byUpdated(a: CrmRecord, b: CrmRecord): number {
  return (b.updatedAt ?? '').localeCompare(a.updatedAt ?? '');
}

/** firstEmail is the value of a record's first email field the caller may read, for the list. */
function firstEmail(type: EntityType, r: CrmRecord): string {
  for (const f of type.fields) {
    const v = r.fields?.[f.name];
    if (f.kind === 'email' && typeof v === 'string' && v) return v;
  }
  return '';
}

/** mount shows the records of the route's type. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  let destroyed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  void load(
    root,
    deps,
    () => deps.types(),
    (types) => {
      if (destroyed) return;
      const type = types.find((x) => x.name === deps.route.params.type);
      if (!type) {
        const first = types.find((x) => x.name === 'account') ?? types[0];
        if (first && !deps.route.params.type) deps.go(href('records', first.name), { replace: true });
        else replace(root, pageHead(t.common.notFound), emptyView(t.common.notFound));
        return;
      }
      show(types, type);
    },
  );

  function show(types: EntityType[], type: EntityType): void {
    const q = deps.route.query;
    let search = q.get('q') ?? '';
    let sort: RecordSort = q.get('sort') === 'updated' ? 'updated' : 'name';
    let rows: CrmRecord[] = [];
    let next = '';
    let seq = 0;
    const typeId = uid('type');
    const searchId = uid('search');
    const sortId = uid('sort');
    const typeSelect = h(
      'select',
      { id: typeId, class: 'text', 'data-testid': 'type-select', onchange: () => deps.go(href('records', typeSelect.value)) },
      types.map((x) => h('option', { value: x.name, selected: x.name === type.name }, x.pluralName || x.displayName)),
    );
    const searchBox = h('input', {
      id: searchId,
      class: 'text',
      type: 'search',
      value: search,
      placeholder: t.records.searchPlaceholder,
      'data-testid': 'records-search',
      oninput: () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          search = searchBox.value.trim();
          remember();
          void read(false);
        }, searchDelayMs);
      },
    });
    const sortSelect = h(
      'select',
      {
        id: sortId,
        class: 'text',
        'data-testid': 'records-sort',
        onchange: () => {
          sort = sortSelect.value === 'updated' ? 'updated' : 'name';
          remember();
          void read(false);
        },
      },
      h('option', { value: 'name', selected: sort === 'name' }, t.records.byName),
      h('option', { value: 'updated', selected: sort === 'updated' }, t.records.byUpdated),
    );
    const list = h('div', { class: 'list', 'aria-live': 'polite' });
    replace(
      root,
      pageHead(
        t.records.title(type.pluralName || type.displayName),
        h(
          'a',
          { class: 'button accent', href: href('records', type.name, 'new'), 'data-testid': 'new-record' },
          t.records.newRecord(type.displayName.toLowerCase()),
        ),
      ),
      h(
        'div',
        { class: 'toolbar', role: 'search' },
        h('div', { class: 'form-field' }, h('label', { for: typeId }, t.records.type), typeSelect),
        h('div', { class: 'form-field grow' }, h('label', { for: searchId }, t.records.search), searchBox),
        h('div', { class: 'form-field' }, h('label', { for: sortId }, t.records.sort), sortSelect),
      ),
      list,
    );

    /** remember puts the search and sort in the address, for a link or a reload. */
    function remember(): void {
      deps.go(href('records', type.name, { q: search || undefined, sort: sort === 'updated' ? 'updated' : undefined }), { silent: true });
    }

    async function read(more: boolean): Promise<void> {
      const mine = ++seq;
      if (!more) replace(list, loadingView());
      let page: Page<CrmRecord>;
      try {
        page = await deps.api.listRecords(type.name, { search: search || undefined, sort, limit: pageSize, cursor: more ? next : undefined });
      } catch (e) {
        if (mine !== seq || destroyed) return;
        replace(
          list,
          problemView(e, deps, () => void read(more)),
        );
        return;
      }
      if (mine !== seq || destroyed) return;
      rows = more ? [...rows, ...page.items] : page.items;
      next = page.nextCursor;
      render();
    }

    function render(): void {
      if (rows.length === 0) {
        const label = type.pluralName || type.displayName;
        replace(list, emptyView(search ? t.records.noMatch(search) : t.records.none(label)));
        return;
      }
      const shown = sort === 'updated' ? [...rows].sort(byUpdated) : rows;
      replace(
        list,
        h(
          'table',
          { class: 'table', 'data-testid': 'records-table' },
          h('caption', { class: 'visually-hidden' }, type.pluralName),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { scope: 'col' }, t.records.name),
              h('th', { scope: 'col', class: 'wide-only' }, t.records.email),
              h('th', { scope: 'col' }, t.records.updated),
            ),
          ),
          h(
            'tbody',
            null,
            shown.map((r) =>
              h(
                'tr',
                { 'data-testid': 'record-row', 'data-id': r.id },
                h('td', null, h('a', { href: href('records', r.type, r.id) }, r.name || r.id)),
                h('td', { class: 'wide-only hint' }, firstEmail(type, r)),
                h('td', { class: 'nowrap' }, when(r.updatedAt)),
              ),
            ),
          ),
        ),
        h(
          'div',
          { class: 'list-foot' },
          h(
            'span',
            { class: 'hint', 'data-testid': 'records-count' },
            t.records.count(rows.length, next !== ''),
            sort === 'updated' && next ? ` ${t.records.sortedLoaded}` : '',
          ),
          next ? h('button', { type: 'button', class: 'button', 'data-testid': 'load-more', onclick: () => void read(true) }, t.common.loadMore) : null,
        ),
      );
    }

    void read(false);
  }

  return {
    destroy(): void {
      destroyed = true;
      clearTimeout(timer);
    },
  };
}
