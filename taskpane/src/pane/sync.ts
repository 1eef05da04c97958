// Synchronize now (client mode). Shown once /me says client mode. One POST /sync when the pane opens, then
// one every interval while it stays open and visible (a hidden pane waits, and catches up when shown again
// if one came due); the button asks at once and the interval counts from there. A 409 means the tenant
// synchronizes on the server now: the button goes and the timer stops. Without /me the section stays hidden.

import { ApiError, type Me } from '../api.ts';
import { clock } from '../clock.ts';
import { paneText as t, readableError } from '../messages.ts';
import type { PaneContext } from './state.ts';

export { clock };
import { setDisabled } from './view.ts';

/** The interval of the automatic synchronization when /me gives none, as the server's default. */
export const defaultSyncIntervalMinutes = 15;
/** The longest interval the server allows. */
export const maxSyncIntervalMinutes = 1440;

/** syncIntervalMs is the user's interval in milliseconds: whole minutes, at least 1, at most a day. */
export function syncIntervalMs(me: Pick<Me, 'options'> | null | undefined): number {
  const given = me?.options?.syncIntervalMinutes;
  const minutes = typeof given === 'number' && Number.isFinite(given) ? Math.round(given) : defaultSyncIntervalMinutes;
  return Math.min(Math.max(minutes, 1), maxSyncIntervalMinutes) * 60_000;
}

/** The synchronization of a mounted pane. */
export interface Sync {
  /** start begins synchronizing for the caller, in client mode only. */
  start(me: Me): void;
  /** setInterval takes a new interval, after the user changed it in Settings. */
  setInterval(me: Me): void;
  destroy(): void;
}

/** mountSync wires the Synchronize now section. */
export function mountSync(ctx: PaneContext): Sync {
  const { el, state, deps } = ctx;
  let on = false;
  let every = syncIntervalMs(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let busy = false;
  /** When the last request went out (Date.now()); 0: none yet. */
  let last = 0;

  const hiddenPage = () => document.visibilityState === 'hidden';

  function status(message: string, kind: 'busy' | 'requested' | 'error' | ''): void {
    el.syncStatus.textContent = message;
    if (kind) el.syncStatus.dataset.state = kind;
    else delete el.syncStatus.dataset.state;
  }

  function stop(): void {
    on = false;
    clearTimeout(timer);
    timer = undefined;
    el.sync.hidden = true;
    status('', '');
  }

  /** schedule sets the timer for the next automatic request, in ms; none while the page is hidden. */
  function schedule(delay: number): void {
    clearTimeout(timer);
    timer = undefined;
    if (!on || state.destroyed || hiddenPage()) return;
    timer = setTimeout(() => void synchronize(), Math.max(delay, 0));
  }

  async function synchronize(): Promise<void> {
    if (!on || state.destroyed) return;
    if (busy) {
      // The last request is taking longer than the interval: try again an interval from now.
      schedule(every);
      return;
    }
    busy = true;
    last = Date.now();
    schedule(every);
    setDisabled(el.syncNow, true);
    status(t.synchronizing, 'busy');
    try {
      const r = await deps.api.synchronize();
      if (state.destroyed || !on) return;
      const at = clock(r.requestedAt);
      status(at ? t.syncRequestedAt(at) : t.syncRequested, 'requested');
    } catch (e) {
      if (state.destroyed || !on) return;
      if (e instanceof ApiError && e.status === 409) {
        // The tenant moved to server mode since the pane opened.
        stop();
        return;
      }
      status(t.syncFailed(readableError(e, 'sync')), 'error');
    } finally {
      busy = false;
      if (!state.destroyed) setDisabled(el.syncNow, false);
    }
  }

  function onVisibility(): void {
    if (!on || state.destroyed) return;
    if (hiddenPage()) {
      clearTimeout(timer);
      timer = undefined;
      return;
    }
    const due = last === 0 ? 0 : last + every - Date.now();
    if (due <= 0) void synchronize();
    else schedule(due);
  }

  el.syncNow.addEventListener('click', () => {
    if (el.syncNow.hasAttribute('disabled')) return;
    void synchronize();
  });
  document.addEventListener('visibilitychange', onVisibility);

  return {
    start(me: Me): void {
      if (me?.syncMode !== 'client' || state.destroyed) return;
      on = true;
      every = syncIntervalMs(me);
      el.sync.hidden = false;
      if (hiddenPage()) return; // the first request goes when the pane is shown
      void synchronize();
    },
    setInterval(me: Me): void {
      every = syncIntervalMs(me);
      if (on && last !== 0) schedule(last + every - Date.now());
    },
    destroy(): void {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
