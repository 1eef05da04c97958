// A record's activity timeline: the tracked emails, appointments and tasks regarding it
// (GET /activities?regarding=type:id) or with it as a party (?party=type:id), newest first, each opening to
// the activity's page.

import type { Activity, Page, RecordRef } from '../../api.ts';
import { h, replace, when } from '../dom.ts';
import { t } from '../messages.ts';
import { href } from '../router.ts';
import type { ScreenDeps } from '../screen.ts';
import { emptyView, loadingView, problemView } from '../ui.ts';

/** How many activities of each kind a page holds. */
const pageSize = 25;

/** isParty reports whether a record is among an activity's parties. */
export function isParty(a: Activity, ref: RecordRef): boolean {
  return (a.parties ?? []).some((p) => p.record?.type === ref.type && p.record.id === ref.id);
}

/** isRegarding reports whether an activity is about a record. */
export function isRegarding(a: Activity, ref: RecordRef): boolean {
  return a.regarding?.type === ref.type && a.regarding.id === ref.id;
}

/** newestFirst orders activities by when they were created (tracked), newest first. */
export function newestFirst(a: Activity, b: Activity): number {
  return (b.createdAt ?? '').localeCompare(a.createdAt ?? '');
}

/** mountTimeline lists a record's activities in root: those regarding it and those with it as a party, once each. */
export function mountTimeline(root: HTMLElement, deps: Pick<ScreenDeps, 'api' | 'signIn'>, ref: RecordRef): { destroy(): void } {
  let destroyed = false;
  const key = `${ref.type}:${ref.id}`;
  const seen = new Map<string, Activity>();
  let regardingNext: string | undefined = '';
  let partyNext: string | undefined = '';
  const list = h('div', { class: 'timeline-list' }, loadingView());
  replace(root, h('h2', { id: 'timeline-title' }, t.timeline.title), list);

  async function read(): Promise<void> {
    const want = (cursor: string | undefined) => cursor !== undefined;
    let regarding: Page<Activity> | null = null;
    let party: Page<Activity> | null = null;
    try {
      [regarding, party] = await Promise.all([
        want(regardingNext) ? deps.api.activities({ regarding: key, limit: pageSize, cursor: regardingNext || undefined }) : null,
        want(partyNext) ? deps.api.activities({ party: key, limit: pageSize, cursor: partyNext || undefined }) : null,
      ]);
    } catch (e) {
      if (!destroyed)
        replace(
          list,
          problemView(e, deps, () => void read()),
        );
      return;
    }
    if (destroyed) return;
    for (const a of regarding?.items ?? []) seen.set(a.id, a);
    for (const a of party?.items ?? []) seen.set(a.id, a);
    regardingNext = regarding?.nextCursor || undefined;
    partyNext = party?.nextCursor || undefined;
    render();
  }

  function render(): void {
    const items = [...seen.values()].sort(newestFirst);
    if (items.length === 0) {
      replace(list, emptyView(t.timeline.none));
      return;
    }
    const more = regardingNext !== undefined || partyNext !== undefined;
    replace(
      list,
      h(
        'ol',
        { class: 'timeline-items', 'data-testid': 'timeline' },
        items.map((a) =>
          h(
            'li',
            { class: 'timeline-item', 'data-testid': 'timeline-item', 'data-id': a.id },
            h('fluent-badge', { appearance: 'neutral', class: `kind kind-${a.type}` }, t.timeline.kinds[a.type] ?? a.type),
            h('a', { href: href('activities', a.id), class: 'subject' }, a.subject || t.common.none),
            h(
              'span',
              { class: 'hint' },
              [when(a.start ?? a.due ?? a.createdAt), isRegarding(a, ref) ? t.timeline.regarding : null, isParty(a, ref) ? t.timeline.party : null]
                .filter(Boolean)
                .join(' · '),
            ),
          ),
        ),
      ),
      more ? h('button', { type: 'button', class: 'button', 'data-testid': 'timeline-more', onclick: () => void read() }, t.common.loadMore) : null,
    );
  }

  void read();
  return {
    destroy: () => {
      destroyed = true;
    },
  };
}
