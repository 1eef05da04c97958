// Personal options: the synchronization interval (from the tenant's minimum) and automatic email tracking
// (the form the taskpane's Settings shares), Synchronize now in client mode, and the mailbox's own health:
// last and next synchronization, items in and out, the last error in words. #/options

import type { Mailbox } from '../../api.ts';
import { clock } from '../../clock.ts';
import { mountOptionsForm } from '../../options.ts';
import { h, replace, when } from '../dom.ts';
import { t } from '../messages.ts';
import type { Screen, ScreenDeps } from '../screen.ts';
import { loadingView, pageHead, problemText, problemView, setStatus, statusLine } from '../ui.ts';

/** mailboxFacts lists a mailbox's health as term and value. */
export function mailboxFacts(m: Mailbox): [string, string][] {
  return [
    [t.options.lastSync, m.lastSyncAt ? when(m.lastSyncAt) : t.options.never],
    [t.options.nextSync, m.nextSyncAt ? when(m.nextSyncAt) : t.common.none],
    [t.options.lastSuccess, m.lastSuccessAt ? when(m.lastSuccessAt) : t.options.never],
    [t.options.itemsIn, String(m.itemsIn)],
    [t.options.itemsOut, String(m.itemsOut)],
    [t.options.lastError, m.lastError || m.alert || t.options.noError],
  ];
}

/** mount shows the user's options. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  let destroyed = false;
  const me = deps.me;
  const formBox = h('div');
  const health = h(
    'section',
    { class: 'card', 'aria-labelledby': 'mailbox-title', 'data-testid': 'my-mailbox' },
    h('h2', { id: 'mailbox-title' }, t.options.mailbox),
    loadingView(),
  );
  const syncStatus = statusLine('sync-status');
  const syncButton = h('button', { type: 'button', class: 'button', 'data-testid': 'sync-now', onclick: () => void synchronize() }, t.options.syncNow);
  replace(
    root,
    pageHead(t.options.title),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'sync-title' },
      h('h2', { id: 'sync-title' }, t.options.sync),
      h('p', { class: 'hint', 'data-testid': 'sync-mode' }, t.options.mode[me.syncMode] ?? me.syncMode),
      me.minSyncIntervalMinutes ? h('p', { class: 'hint' }, t.options.minimum(me.minSyncIntervalMinutes)) : null,
      formBox,
      me.syncMode === 'client' ? h('div', { class: 'form-actions' }, syncButton, syncStatus) : null,
    ),
    health,
  );
  const form = mountOptionsForm(formBox, {
    api: deps.api,
    me,
    idPrefix: 'app-options',
    onSaved: (options) => deps.meChanged({ ...me, options }),
  });

  async function synchronize(): Promise<void> {
    syncButton.disabled = true;
    setStatus(syncStatus, t.common.loading, 'busy');
    try {
      const r = await deps.api.synchronize();
      if (!destroyed) setStatus(syncStatus, t.options.syncRequested(clock(r.requestedAt)), 'done');
    } catch (e) {
      if (!destroyed) setStatus(syncStatus, problemText(e), 'error');
    } finally {
      syncButton.disabled = false;
    }
  }

  async function readHealth(): Promise<void> {
    try {
      const m = await deps.api.myMailbox();
      if (destroyed) return;
      replace(
        health,
        h('h2', { id: 'mailbox-title' }, t.options.mailbox),
        m.enabled ? null : h('p', { class: 'state problem', role: 'status' }, t.options.disabled(m.disabledReason || m.alert || '')),
        h(
          'dl',
          { class: 'facts' },
          mailboxFacts(m).map(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
        ),
      );
    } catch (e) {
      if (destroyed) return;
      replace(
        health,
        h('h2', { id: 'mailbox-title' }, t.options.mailbox),
        problemView(e, deps, () => void readHealth()),
      );
    }
  }

  void readHealth();
  return {
    dirty: () => form.dirty(),
    destroy: () => {
      destroyed = true;
    },
  };
}
