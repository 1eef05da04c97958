// Mailboxes (CRM.Admin): every mailbox's synchronization health, filtered (failing, disabled, all) and
// searched by user, with Test & enable and Disable per mailbox and for a selection, the outcome shown per
// mailbox. It reads the list again by itself while open. #/admin/mailboxes?show=failing&q=bob

import type { Mailbox } from '../../../api.ts';
import { h, replace, uid, when } from '../../dom.ts';
import { t } from '../../messages.ts';
import { href } from '../../router.ts';
import type { Screen, ScreenDeps } from '../../screen.ts';
import { emptyView, load, pageHead, problemText, problemView } from '../../ui.ts';

/** How often the list is read again while the screen is open. */
export const refreshMs = 15_000;

/** Which mailboxes are shown. */
export type Show = 'failing' | 'disabled' | 'all';

/** failing reports whether a mailbox's synchronization is going wrong now (its last error may be history). */
export function failing(m: Mailbox): boolean {
  return m.consecutiveFailures > 0 || !!m.alert;
}

/** shown filters mailboxes by state and by a search on the user. */
export function shown(all: Mailbox[], show: Show, search: string): Mailbox[] {
  const q = search.trim().toLowerCase();
  return all.filter((m) => (show === 'all' || (show === 'failing' ? failing(m) : !m.enabled)) && (!q || m.upn.toLowerCase().includes(q)));
}

/** mount shows the mailboxes. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  const q = deps.route.query;
  let show: Show = (['failing', 'disabled'] as const).find((s) => s === q.get('show')) ?? 'all';
  let search = q.get('q') ?? '';
  let all: Mailbox[] = [];
  /** The mailboxes shown now. */
  let visible: Mailbox[] = [];
  const selected = new Set<string>();
  /** The outcome of the last action per mailbox, shown in its row until the next. */
  const outcome = new Map<string, { ok: boolean; text: string }>();
  let busy = 0;
  let destroyed = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const table = h('div', { class: 'list', 'aria-live': 'polite' });
  /** A filter change starts afresh: mailboxes acted on stay shown, with their outcome, until then. */
  const restart = () => outcome.clear();
  const count = h('span', { class: 'hint', 'data-testid': 'selection' });

  void load(
    root,
    deps,
    () => deps.api.mailboxes(),
    (page) => {
      if (destroyed) return;
      all = page.items;
      frame();
      timer = setInterval(() => void refresh(), refreshMs);
    },
  );

  function remember(): void {
    deps.go(href('admin', 'mailboxes', { show: show === 'all' ? undefined : show, q: search || undefined }), { silent: true });
  }

  async function refresh(): Promise<void> {
    if (busy > 0 || destroyed) return; // an action is changing the list: its answers show
    try {
      all = (await deps.api.mailboxes()).items;
      if (!destroyed && busy === 0) render();
    } catch (e) {
      if (!destroyed)
        replace(
          table,
          problemView(e, deps, () => void refresh()),
        );
    }
  }

  async function act(ids: string[], action: 'enable' | 'disable'): Promise<void> {
    busy++;
    for (const id of ids) outcome.set(id, { ok: true, text: t.mailboxes.working });
    render();
    await Promise.all(
      ids.map(async (id) => {
        try {
          const m = action === 'enable' ? await deps.api.testEnableMailbox(id) : await deps.api.disableMailbox(id);
          all = all.map((x) => (x.userId === id ? m : x));
          outcome.set(id, { ok: true, text: action === 'enable' ? t.mailboxes.enabledOk : t.mailboxes.disabledOk });
        } catch (e) {
          outcome.set(id, { ok: false, text: problemText(e) });
        }
      }),
    );
    busy--;
    if (!destroyed) render();
  }

  function frame(): void {
    const searchId = uid('search');
    const radios = (['failing', 'disabled', 'all'] as const).map((s) =>
      h(
        'label',
        { class: 'choice inline' },
        h('input', {
          type: 'radio',
          name: 'show',
          value: s,
          checked: s === show,
          'data-testid': `show-${s}`,
          onchange: () => ((show = s), restart(), remember(), render()),
        }),
        t.mailboxes[s],
      ),
    );
    replace(
      root,
      pageHead(t.mailboxes.title, h('button', { type: 'button', class: 'button', 'data-testid': 'refresh', onclick: () => void refresh() }, t.common.refresh)),
      h('p', { class: 'hint' }, t.mailboxes.autoRefresh(refreshMs / 1000)),
      h(
        'div',
        { class: 'toolbar' },
        h('fieldset', { class: 'form-field' }, h('legend', null, t.mailboxes.show), h('div', { class: 'inline-choices' }, radios)),
        h(
          'div',
          { class: 'form-field grow' },
          h('label', { for: searchId }, t.mailboxes.search),
          h('input', {
            id: searchId,
            type: 'search',
            class: 'text',
            value: search,
            'data-testid': 'mailbox-search',
            oninput: (e: Event) => ((search = (e.target as HTMLInputElement).value), restart(), remember(), render()),
          }),
        ),
      ),
      h(
        'div',
        { class: 'toolbar selection-actions' },
        count,
        h(
          'button',
          { type: 'button', class: 'button', 'data-testid': 'enable-selected', onclick: () => void act([...selected], 'enable') },
          t.mailboxes.testEnable,
        ),
        h(
          'button',
          { type: 'button', class: 'button', 'data-testid': 'disable-selected', onclick: () => void act([...selected], 'disable') },
          t.mailboxes.disable,
        ),
      ),
      table,
    );
    render();
  }

  function render(): void {
    const rows = all.filter((m) => outcome.has(m.userId) || shown([m], show, search).length > 0);
    visible = rows;
    for (const id of selected) if (!rows.some((m) => m.userId === id)) selected.delete(id);
    if (rows.length === 0) {
      selectionChanged();
      replace(table, emptyView(t.mailboxes.none));
      return;
    }
    const allBox = h('input', {
      type: 'checkbox',
      'data-testid': 'select-all',
      onchange: (e: Event) => {
        const on = (e.target as HTMLInputElement).checked;
        for (const m of rows) on ? selected.add(m.userId) : selected.delete(m.userId);
        for (const c of table.querySelectorAll<HTMLInputElement>('input[data-role="select"]')) c.checked = on;
        selectionChanged();
      },
    });
    replace(
      table,
      h('label', { class: 'choice inline' }, allBox, t.mailboxes.selectAll),
      h('ul', { class: 'mailboxes', role: 'list', 'data-testid': 'mailboxes' }, rows.map(card)),
    );
    selectionChanged();
  }

  /** selectionChanged shows the selection's size and what can be done with it, leaving focus where it is. */
  function selectionChanged(): void {
    count.textContent = t.mailboxes.selected(selected.size);
    for (const b of root.querySelectorAll<HTMLButtonElement>('.selection-actions button')) b.disabled = selected.size === 0;
    const allBox = table.querySelector<HTMLInputElement>('[data-testid="select-all"]');
    if (allBox) allBox.checked = visible.length > 0 && visible.every((m) => selected.has(m.userId));
  }

  /** The mailbox's change notifications, why they fail, and whether it polls at its user's interval meanwhile. */
  function notificationsText(m: Mailbox): string {
    const n = m.notifications;
    const state = t.mailboxes.notificationStates[n.state] ?? n.state;
    const reason = n.state === 'failing' && n.reason ? ` (${n.reason})` : '';
    return `${state}${reason}: ${t.mailboxes.polling[n.polling] ?? n.polling}`;
  }

  function card(m: Mailbox): HTMLElement {
    const done = outcome.get(m.userId);
    const facts: [string, string][] = [
      [t.mailboxes.lastSync, when(m.lastSyncAt) || t.common.none],
      [t.mailboxes.nextSync, when(m.nextSyncAt) || t.common.none],
      [t.mailboxes.lastSuccess, when(m.lastSuccessAt) || t.common.none],
      [t.mailboxes.failures, String(m.consecutiveFailures)],
      [t.mailboxes.backoff, when(m.backoffUntil) || t.common.none],
      [t.mailboxes.items, `${m.itemsIn} / ${m.itemsOut}`],
      [t.mailboxes.notifications, notificationsText(m)],
    ];
    const problem = m.alert || m.lastError || '';
    return h(
      'li',
      { class: 'mailbox', 'data-testid': 'mailbox-row', 'data-upn': m.upn, 'data-failing': String(failing(m)), 'data-enabled': String(m.enabled) },
      h(
        'div',
        { class: 'mailbox-head' },
        h('input', {
          type: 'checkbox',
          'aria-label': t.mailboxes.select(m.upn),
          'data-role': 'select',
          checked: selected.has(m.userId),
          onchange: (e: Event) => ((e.target as HTMLInputElement).checked ? selected.add(m.userId) : selected.delete(m.userId), selectionChanged()),
        }),
        h('span', { class: 'upn' }, m.upn),
        h('fluent-badge', { appearance: m.enabled ? 'neutral' : 'accent' }, m.enabled ? t.mailboxes.enabled : t.mailboxes.off),
        h(
          'span',
          { class: 'row-actions' },
          h('button', { type: 'button', class: 'button', 'data-testid': 'test-enable', onclick: () => void act([m.userId], 'enable') }, t.mailboxes.testEnable),
          h(
            'button',
            { type: 'button', class: 'button subtle', 'data-testid': 'disable', onclick: () => void act([m.userId], 'disable') },
            t.mailboxes.disable,
          ),
        ),
      ),
      m.disabledReason ? h('p', { class: 'hint' }, m.disabledReason) : null,
      h(
        'dl',
        { class: 'facts' },
        facts.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))),
      ),
      problem ? h('p', { class: failing(m) ? 'alert error-text' : 'alert hint', 'data-testid': 'alert' }, `${t.mailboxes.alert}: ${problem}`) : null,
      done ? h('p', { class: done.ok ? 'hint' : 'error-text', role: 'status', 'data-testid': 'outcome' }, done.text) : null,
    );
  }

  return {
    destroy(): void {
      destroyed = true;
      clearInterval(timer);
    },
  };
}
