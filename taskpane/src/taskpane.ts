// The taskpane screen: the open item's tracking state, what it is regarding, who its parties resolved
// to, a search to pick the regarding record, and Track / Set Regarding / Untrack with live progress.
// It re-renders when a pinned taskpane moves to another item. In a client-mode tenant it also keeps the
// user's mailbox synchronizing while it is open (pane/sync.ts). With an offline cache (offline.ts) it keeps
// the user's offline records up to date in the background, searches them when crmsync cannot be reached,
// and keeps Track / Set Regarding clicks made meanwhile (pane/queue.ts). The header's Settings button opens
// the personal options (pane/settings.ts).
//
// The parts share one small state object (pane/state.ts); this module only puts them together.

import { createApi, type ApiClient, type Me } from './api.ts';
import { createTokenSource, loadConfig } from './auth.ts';
import { label, paneText } from './messages.ts';
import { OfflineCache } from './offline.ts';
import { officeAdapter } from './office.ts';
import { mountActions } from './pane/actions.ts';
import { loadItem, renderItem } from './pane/item.ts';
import { mountOfflineQueue } from './pane/queue.ts';
import { mountSearch } from './pane/search.ts';
import { mountSettings } from './pane/settings.ts';
import { newState, type PaneContext, type TaskpaneDeps } from './pane/state.ts';
import { mountSync } from './pane/sync.ts';
import { mountView } from './pane/view.ts';
import './taskpane.css';

export type { TaskpaneDeps } from './pane/state.ts';
export { clock, defaultSyncIntervalMinutes, syncIntervalMs } from './pane/sync.ts';

/** What the pane says of a click kept for later. */
export const queuedText = paneText.queued;
/** The note beside results that came from the offline records. */
export const offlineSearchText = paneText.offlineSearch;

/** A mounted taskpane. */
export interface Taskpane {
  /** load reads the open item again and shows it (what an item change does). */
  load(): Promise<void>;
  destroy(): void;
}

/** mountTaskpane renders the screen into root and shows the open item. */
export function mountTaskpane(root: HTMLElement, deps: TaskpaneDeps): Taskpane {
  const state = newState();
  const el = mountView(root);
  const ctx: PaneContext = {
    deps,
    state,
    el,
    render: () => renderItem(ctx),
    showError(message: string): void {
      el.error.textContent = message;
      el.error.hidden = message === '';
    },
    stale: (g) => g !== state.gen || state.destroyed,
  };

  const search = mountSearch(ctx);
  const actions = mountActions(ctx, search);
  const sync = mountSync(ctx);

  /** gotMe takes the first answer of /me: synchronization in client mode. */
  function gotMe(me: Me): void {
    if (state.caller || state.destroyed) return;
    state.caller = me;
    sync.start(me);
  }
  const queue = mountOfflineQueue(ctx, actions, gotMe);
  mountSettings(ctx, (me) => sync.setInterval(me));

  deps.api.me().then(
    (me) => {
      gotMe(me);
      void queue.connect();
    },
    () => undefined, // without /me the pane still tracks; it just offers no synchronization
  );

  deps.api.entityTypes().then(
    (types) => {
      for (const type of types) state.typeLabels.set(type.name, type.displayName || label(type.name));
      if (!state.destroyed) {
        ctx.render();
        search.renderResults();
      }
    },
    () => undefined, // the type names only look nicer
  );

  return {
    load: () =>
      loadItem(ctx, {
        resetSearch: search.reset,
        abortFollow: actions.abortFollow,
        followInBackground: actions.followInBackground,
      }),
    destroy(): void {
      state.destroyed = true;
      state.gen++;
      search.destroy();
      sync.destroy();
      queue.destroy();
      actions.abortFollow();
      root.replaceChildren();
    },
  };
}

/** start is the page's entry: it waits for Office, signs in, mounts the screen and follows item changes. */
export async function start(root: HTMLElement = document.getElementById('app') ?? document.body): Promise<Taskpane> {
  void import('./fluent.ts').then((f) => f.registerFluent());
  let api: ApiClient;
  try {
    await officeAdapter.ready();
    const config = await loadConfig();
    const tokens = createTokenSource({ config, office: officeAdapter });
    api = createApi({ base: config.apiBase, token: () => tokens.token(), invalidateToken: () => tokens.invalidate() });
  } catch (e) {
    // Without Office or the sign-in settings nothing works: the screen shows why.
    api = new Proxy({} as ApiClient, { get: () => () => Promise.reject(e) });
  }
  // Without IndexedDB (a locked-down browser) the pane works online only.
  const offline = typeof indexedDB === 'undefined' ? undefined : new OfflineCache();
  const pane = mountTaskpane(root, { api, office: officeAdapter, offline });
  await officeAdapter.onItemChanged(() => void pane.load()).catch(() => undefined);
  await pane.load();
  return pane;
}
