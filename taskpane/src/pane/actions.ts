// Track, Set Regarding and Untrack: sending a click, following it live until it is done or failed, and
// keeping it for later when crmsync cannot be reached.

import { ApiError, isOpen, type TrackBody, type TrackRequest, type TrackState } from '../api.ts';
import { failureText, paneText as t, readableError } from '../messages.ts';
import type { QueuedAction } from '../offline.ts';
import { lookUpPartyNames } from './item.ts';
import type { Search } from './search.ts';
import type { Action, PaneContext } from './state.ts';

/** The clicks of a mounted pane. */
export interface Actions {
  click(action: Action): Promise<void>;
  /** follow shows a sent click's progress until it ends, then the item as it now is. */
  follow(g: number, action: Action, first: TrackRequest): Promise<void>;
  /** followInBackground follows a click without waiting, showing a failure to follow it. */
  followInBackground(g: number, action: Action, first: TrackRequest): void;
  /** abortFollow stops following. */
  abortFollow(): void;
}

/** mountActions wires the three buttons. */
export function mountActions(ctx: PaneContext, search: Search): Actions {
  const { el, state, deps } = ctx;
  const { api, office, offline } = deps;
  let watchAbort: AbortController | undefined;

  async function follow(g: number, action: Action, first: TrackRequest): Promise<void> {
    const onState = (r: TrackRequest) => {
      if (ctx.stale(g)) return;
      state.progress = r.state;
      if (state.pending) state.pending.state = r.state;
      ctx.render();
    };
    onState(first);
    let final = first;
    if (isOpen(first)) {
      watchAbort?.abort();
      const ctrl = new AbortController();
      watchAbort = ctrl;
      final = await api.watch(first.id, onState, { signal: ctrl.signal, pollMs: deps.pollMs });
    }
    if (ctx.stale(g)) return;
    if (final.state === 'failed') {
      state.pending = null;
      ctx.showError(failureText(final.error));
      ctx.render();
      return;
    }
    // Done: show what it did at once, then read the item's tracking again for the whole picture.
    if (action === 'untrack') {
      state.tracking = { itemId: final.itemId, tracked: false, activity: null, record: null, pending: null };
    } else {
      state.tracking = { itemId: final.itemId, tracked: true, itemType: final.itemType, activity: final.activity, record: final.record, pending: null };
      if (state.picked && final.regarding && state.picked.id === final.regarding.id) {
        search.forgetPick();
      }
    }
    state.pending = null;
    ctx.render();
    lookUpPartyNames(ctx);
    try {
      const fresh = await api.itemTracking(final.itemId);
      if (ctx.stale(g)) return;
      state.tracking = fresh;
      ctx.render();
      lookUpPartyNames(ctx);
    } catch {
      // what the click returned is shown already
    }
  }

  function followInBackground(g: number, action: Action, first: TrackRequest): void {
    void follow(g, action, first).catch((e: unknown) => {
      if (ctx.stale(g) || (e as Error)?.name === 'AbortError') return;
      state.pending = null;
      state.progress = 'failed';
      ctx.showError(readableError(e, 'watch'));
      ctx.render();
    });
  }

  /** keep queues a click that could not reach crmsync; false when there is no queue or it failed. */
  async function keep(action: QueuedAction, what: { itemId: string; body: TrackBody }): Promise<boolean> {
    if (!offline) return false;
    try {
      await offline.enqueue({ action, itemId: what.itemId, body: what.body, queuedAt: new Date().toISOString() }, office.userEmail());
      return true;
    } catch (e) {
      console.debug('crmsync: the click could not be kept for later', e);
      return false;
    }
  }

  async function send(action: Action, itemId: string, body: TrackBody): Promise<TrackRequest> {
    if (action === 'track') return api.track({ itemId, ...body });
    if (action === 'setRegarding') return api.setRegarding(itemId, body);
    return api.untrack(itemId);
  }

  async function click(action: Action): Promise<void> {
    const current = state.item;
    if (!current || state.pending) return;
    const g = state.gen;
    const regarding = state.picked ? { type: state.picked.type, id: state.picked.id } : undefined;
    state.pending = { action, state: '' };
    state.progress = '';
    ctx.showError('');
    ctx.render();
    /** What is being sent, while it is: a failure to reach crmsync then keeps it for later. */
    let sending: { itemId: string; body: TrackBody } | undefined;
    try {
      let itemId = current.itemId;
      if (current.mode === 'compose') {
        // A draft or a meeting being organized has an id only once saved: save it first.
        itemId = await office.saveItem();
        if (g !== state.gen) return;
        state.item = { ...current, itemId };
      }
      if (!itemId) {
        throw new Error(t.noItemId);
      }
      const body: TrackBody = {
        itemType: current.itemType,
        internetMessageId: current.internetMessageId,
        conversationId: current.conversationId,
        regarding: current.itemType === 'contact' ? undefined : regarding,
      };
      sending = { itemId, body };
      const req = await send(action, itemId, body);
      sending = undefined;
      if (ctx.stale(g)) return;
      if (action !== 'untrack') {
        state.queuedHere = false;
        void offline?.forget(itemId, action).catch(() => undefined); // sent now: a copy kept earlier is not needed
      }
      await follow(g, action, req);
    } catch (e) {
      if (ctx.stale(g) || (e as Error)?.name === 'AbortError') return;
      if (sending && action !== 'untrack' && e instanceof ApiError && e.network) {
        // crmsync cannot be reached: keep the click and send it when it can (Track is idempotent).
        const kept = await keep(action, sending);
        if (ctx.stale(g)) return;
        if (kept) {
          state.pending = null;
          state.queuedHere = true;
          ctx.render();
          return;
        }
      }
      state.pending = null;
      // progress changes in follow, out of the compiler's sight.
      const following = (state.progress as TrackState | '') !== '';
      if (following) state.progress = 'failed';
      ctx.showError(readableError(e, following ? 'watch' : action));
      ctx.render();
    }
  }

  const onClick = (button: HTMLElement, action: Action) =>
    button.addEventListener('click', () => {
      if (button.hasAttribute('disabled')) return;
      void click(action);
    });
  onClick(el.track, 'track');
  onClick(el.setRegarding, 'setRegarding');
  onClick(el.untrack, 'untrack');

  return {
    click,
    follow,
    followInBackground,
    abortFollow: () => watchAbort?.abort(),
  };
}
