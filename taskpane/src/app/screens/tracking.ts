// My tracking: the user's recent Track, Set Regarding and Untrack clicks with their state and, for a failed
// one, the reason in words (GET /track?state=&cursor=). #/tracking?state=failed

import { isOpen, type Page, type TrackListItem, type TrackState } from '../../api.ts';
import { failureText } from '../../messages.ts';
import { h, replace, uid, when } from '../dom.ts';
import { t } from '../messages.ts';
import { href } from '../router.ts';
import type { Screen, ScreenDeps } from '../screen.ts';
import { emptyView, loadingView, pageHead, problemView } from '../ui.ts';

const states: TrackState[] = ['queued', 'processing', 'done', 'failed'];

/** How often the list is read again while a click in it is still being worked. */
export const refreshMs = 5000;

/** result says what a click came to: the record it is regarding, the contact it made, or why it failed. */
export function result(r: TrackListItem): string | HTMLElement {
  if (r.state === 'failed') return failureText(r.error);
  if (r.state !== 'done') return '';
  if (r.record) return h('a', { href: href('records', r.record.type, r.record.id) }, t.tracking.asContact(r.record.name));
  const regarding = r.activity?.regarding;
  if (regarding) return h('a', { href: href('records', regarding.type, regarding.id) }, t.tracking.regarding(regarding.name || regarding.id));
  if (r.activity) return h('a', { href: href('activities', r.activity.id) }, r.activity.subject);
  return '';
}

/** mount lists the user's clicks. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  const wanted = deps.route.query.get('state');
  const state = states.includes(wanted as TrackState) ? (wanted as TrackState) : undefined;
  let rows: TrackListItem[] = [];
  let next = '';
  let seq = 0;
  let destroyed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const selectId = uid('state');
  const select = h(
    'select',
    { id: selectId, class: 'text', 'data-testid': 'state-filter', onchange: () => deps.go(href('tracking', { state: select.value || undefined })) },
    h('option', { value: '' }, t.tracking.all),
    states.map((s) => h('option', { value: s, selected: s === state }, t.tracking.states[s])),
  );
  const list = h('div', { class: 'list', 'aria-live': 'polite' });
  replace(
    root,
    pageHead(t.tracking.title, h('button', { type: 'button', class: 'button', 'data-testid': 'refresh', onclick: () => void read(false) }, t.common.refresh)),
    h('p', { class: 'hint' }, t.tracking.intro),
    h('div', { class: 'toolbar' }, h('div', { class: 'form-field' }, h('label', { for: selectId }, t.tracking.state), select)),
    list,
  );

  async function read(more: boolean): Promise<void> {
    const mine = ++seq;
    clearTimeout(timer);
    if (!more && rows.length === 0) replace(list, loadingView());
    let page: Page<TrackListItem>;
    try {
      page = await deps.api.trackList({ state, limit: 25, cursor: more ? next : undefined });
    } catch (e) {
      if (mine === seq && !destroyed)
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
    if (rows.some(isOpen)) timer = setTimeout(() => void read(false), refreshMs);
  }

  function render(): void {
    if (rows.length === 0) {
      replace(list, emptyView(state ? t.tracking.noneInState : t.tracking.none));
      return;
    }
    replace(
      list,
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'table', 'data-testid': 'tracking-table' },
          h('caption', { class: 'visually-hidden' }, t.tracking.title),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              [t.tracking.when, t.tracking.action, t.tracking.item, t.tracking.state, t.tracking.result].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            null,
            rows.map((r) =>
              h(
                'tr',
                { 'data-testid': 'tracking-row', 'data-state': r.state },
                h('td', { class: 'nowrap' }, when(r.createdAt)),
                h('td', null, t.tracking.actions[r.action] ?? r.action),
                h('td', null, t.tracking.kinds[r.itemType] ?? r.itemType),
                h(
                  'td',
                  null,
                  h(
                    'fluent-badge',
                    { appearance: r.state === 'failed' ? 'accent' : 'neutral', class: `state-${r.state}` },
                    t.tracking.states[r.state] ?? r.state,
                  ),
                ),
                h('td', { class: r.state === 'failed' ? 'error-text' : '' }, result(r)),
              ),
            ),
          ),
        ),
      ),
      next ? h('button', { type: 'button', class: 'button', 'data-testid': 'load-more', onclick: () => void read(true) }, t.common.loadMore) : null,
    );
  }

  void read(false);
  return {
    destroy(): void {
      destroyed = true;
      clearTimeout(timer);
    },
  };
}
