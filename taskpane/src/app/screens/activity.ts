// An activity's page: its subject, times, what it is regarding, its parties with the records they
// resolved to (linked), its body, and who tracked it and when. #/activities/{id}

import type { Activity, Party } from '../../api.ts';
import { label } from '../../messages.ts';
import { h, replace, when } from '../dom.ts';
import { t } from '../messages.ts';
import { href } from '../router.ts';
import type { Screen, ScreenDeps } from '../screen.ts';
import { load, pageHead } from '../ui.ts';

/** bodyText is an activity's body as plain text: an HTML body is parsed (never run) and its text taken. */
export function bodyText(body: string | undefined): string {
  const b = body ?? '';
  if (!/<[a-z!/][^>]*>/i.test(b)) return b;
  const doc = new DOMParser().parseFromString(b, 'text/html');
  for (const br of doc.querySelectorAll('br')) br.replaceWith('\n');
  for (const block of doc.querySelectorAll('p, div, li, tr, h1, h2, h3, h4')) block.append('\n');
  return (doc.body.textContent ?? '').replace(/\n{3,}/g, '\n\n').trim();
}

/** mount shows the route's activity. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  let destroyed = false;
  void load(
    root,
    deps,
    () => deps.api.activity(deps.route.params.id),
    (a) => {
      if (!destroyed) show(a);
    },
  );

  function partyRow(p: Party): HTMLElement {
    const role = t.activity.roles[p.role] ?? p.role;
    const who = p.name && p.name !== p.address ? `${p.name} <${p.address}>` : p.address;
    const target = p.record
      ? h('a', { href: href('records', p.record.type, p.record.id), 'data-testid': 'party-record', 'data-type': p.record.type }, label(p.record.type))
      : h('span', { class: 'hint' }, t.activity.notInCrm);
    const row = h(
      'li',
      { class: 'party', 'data-testid': 'party' },
      h('span', { class: 'role' }, role),
      h('span', { class: 'address' }, who),
      h('span', { 'aria-hidden': 'true' }, ' → '),
      target,
    );
    if (p.record) {
      // The record's name, best effort: the link shows its type until then.
      const link = target as HTMLAnchorElement;
      deps.api.getRecord(p.record.type, p.record.id).then(
        (r) => (link.textContent = `${label(p.record!.type)}: ${r.name}`),
        () => undefined,
      );
    }
    return row;
  }

  function show(a: Activity): void {
    const facts: [string, HTMLElement | string][] = [];
    if (a.regarding)
      facts.push([
        t.activity.regarding,
        h('a', { href: href('records', a.regarding.type, a.regarding.id), 'data-testid': 'regarding' }, a.regarding.name || a.regarding.id),
      ]);
    if (a.start) facts.push([a.type === 'email' ? (a.direction === 'outgoing' ? t.activity.sent : t.activity.received) : t.activity.start, when(a.start)]);
    if (a.end) facts.push([t.activity.end, when(a.end)]);
    if (a.due) facts.push([t.activity.due, when(a.due)]);
    if (a.status) facts.push([t.activity.status, a.status]);
    if (a.direction) facts.push([t.activity.directionLabel, t.activity.direction[a.direction] ?? a.direction]);
    // Who tracked it and when; an item a synchronization filter pushed to Outlook was not tracked.
    const tracked = (a.links ?? []).filter((l) => l.reason !== 'filter');
    if (tracked.length)
      facts.push([
        t.activity.trackedBy,
        h(
          'ul',
          { class: 'trackers', role: 'list' },
          tracked.map((l) =>
            h(
              'li',
              { 'data-testid': 'tracker' },
              t.activity.trackedByAt(l.userId === deps.me.userId ? t.activity.you : l.userName || t.activity.anotherUser(l.userId), when(l.trackedAt)),
            ),
          ),
        ),
      ]);
    if (a.createdAt) facts.push([t.activity.inCrmSince, when(a.createdAt)]);
    const body = bodyText(a.body);
    replace(
      root,
      pageHead(a.subject || t.common.none),
      h('p', { class: 'hint' }, t.timeline.kinds[a.type] ?? a.type),
      h(
        'dl',
        { class: 'facts', 'data-testid': 'activity-facts' },
        facts.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
      ),
      h(
        'section',
        { 'aria-labelledby': 'parties-title' },
        h('h2', { id: 'parties-title' }, t.activity.parties),
        h('ul', { class: 'parties', role: 'list' }, (a.parties ?? []).map(partyRow)),
      ),
      h(
        'section',
        { 'aria-labelledby': 'body-title' },
        h('h2', { id: 'body-title' }, t.activity.body),
        body ? h('div', { class: 'body', 'data-testid': 'activity-body' }, body) : h('p', { class: 'hint' }, t.activity.noBody),
      ),
    );
  }

  return {
    destroy: () => {
      destroyed = true;
    },
  };
}
