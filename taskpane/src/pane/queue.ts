// The offline records and queued clicks. Once /me has named the user (when the pane opens, or when the
// browser comes back online if /me could not answer before): tell the cache who it is — privacy: another
// user's records and queued clicks are deleted then (OfflineCache.signIn), before anything is read or
// sent — send the queued clicks, then bring the records up to date. All in the background; a failure is
// only logged.

import type { Me, TrackRequest } from '../api.ts';
import { readableError } from '../messages.ts';
import type { OfflineCache, Queued } from '../offline.ts';
import type { Actions } from './actions.ts';
import type { PaneContext } from './state.ts';

/** The offline side of a mounted pane. */
export interface OfflineQueue {
  /** connect signs the cache in, sends the queued clicks and refreshes the records; once at a time. */
  connect(): Promise<void>;
  destroy(): void;
}

/** mountOfflineQueue follows the browser's connection; gotMe takes the first answer of /me. */
export function mountOfflineQueue(ctx: PaneContext, actions: Actions, gotMe: (me: Me) => void): OfflineQueue {
  const { state, deps } = ctx;
  let connecting: Promise<void> | undefined;
  let again = false;

  /** replayed shows a queued click that was sent, when it is the open item's, with the usual progress. */
  function replayed(c: Queued, r: TrackRequest): void {
    if (state.destroyed || !state.item || state.item.itemId !== c.itemId) return;
    state.queuedHere = false;
    if (state.pending) {
      ctx.render(); // a click on it is being followed already
      return;
    }
    state.pending = { action: c.action, state: '' };
    state.progress = '';
    ctx.showError('');
    ctx.render();
    actions.followInBackground(state.gen, c.action, r);
  }

  /** refused shows why a queued click was refused for good, when it is the open item's. */
  function refused(c: Queued, e: unknown): void {
    if (state.destroyed || !state.item || state.item.itemId !== c.itemId) return;
    state.queuedHere = false;
    ctx.showError(readableError(e, c.action));
    ctx.render();
  }

  async function connectOnce(cache: OfflineCache): Promise<void> {
    try {
      if (!state.caller) gotMe(await deps.api.me());
      const caller = state.caller;
      if (!caller || state.destroyed) return;
      await cache.signIn({ tenantId: caller.tenantId, userId: caller.userId, mailbox: deps.office.userEmail() });
      if (state.destroyed) return;
      await cache.replay(deps.api, { sent: replayed, dropped: refused });
      if (state.destroyed) return;
      await cache.refresh(deps.api);
    } catch (e) {
      console.debug('crmsync: offline records not brought up to date', e);
    }
  }

  function connect(): Promise<void> {
    const cache = deps.offline;
    if (!cache || state.destroyed) return Promise.resolve();
    if (connecting) {
      again = true;
      return connecting;
    }
    connecting = (async () => {
      do {
        again = false;
        await connectOnce(cache);
      } while (again && !state.destroyed);
    })().finally(() => (connecting = undefined));
    return connecting;
  }

  const onOnline = () => void connect();
  window.addEventListener('online', onOnline);

  return {
    connect,
    destroy: () => window.removeEventListener('online', onOnline),
  };
}
