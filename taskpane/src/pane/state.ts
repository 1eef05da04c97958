// The taskpane's state: one small object that every part of the pane reads and changes, and the context
// the parts share (what they were given, the elements, and how to show the state again).

import type { ApiClient, CrmRecord, ItemTracking, Me, TrackState } from '../api.ts';
import type { OfflineCache } from '../offline.ts';
import type { CurrentItem, OfficeAdapter } from '../office.ts';
import type { PaneElements } from './view.ts';

/** What the screen needs; tests pass fakes. */
export interface TaskpaneDeps {
  api: ApiClient;
  office: OfficeAdapter;
  /** How long typing must pause before the search runs; 250 ms by default. */
  debounceMs?: number;
  /** How often a click is polled when its event stream is not available; 500 ms by default. */
  pollMs?: number;
  /** The offline records and queued clicks; none: no offline search, a click without a connection fails. */
  offline?: OfflineCache;
  /** Where the web app is, for the Settings view's link; /app/ by default. */
  appUrl?: string;
}

/** The clicks the pane sends. */
export type Action = 'track' | 'setRegarding' | 'untrack';

/** PaneState is what the pane shows. */
export interface PaneState {
  /** Grows with every item change, so that answers about the previous item are dropped. */
  gen: number;
  destroyed: boolean;
  item: CurrentItem | null;
  tracking: ItemTracking | null;
  /** The item is being read. */
  loading: boolean;
  /** A click being sent or followed. */
  pending: { action: Action; state: TrackState | '' } | null;
  /** The last state the followed click reported. */
  progress: TrackState | '';
  /** The open item has a click waiting for crmsync to be reachable. */
  queuedHere: boolean;
  /** The open message's sender is on a never-track list: automatic tracking leaves it, a click tracks it. */
  neverTrack: boolean;
  /** The record picked in the search, for Track and Set Regarding. */
  picked: CrmRecord | null;
  /** The caller, once /me answered. */
  caller: Me | null;
  /** Record type names as the tenant names them. */
  typeLabels: Map<string, string>;
  /** Names of the records parties resolved to, by type/id; '' while looked up. */
  recordNames: Map<string, string>;
}

/** newState is the state of a pane that shows nothing yet. */
export function newState(): PaneState {
  return {
    gen: 0,
    destroyed: false,
    item: null,
    tracking: null,
    loading: false,
    pending: null,
    progress: '',
    queuedHere: false,
    neverTrack: false,
    picked: null,
    caller: null,
    typeLabels: new Map(),
    recordNames: new Map(),
  };
}

/** PaneContext is what the parts of the pane share. */
export interface PaneContext {
  deps: TaskpaneDeps;
  state: PaneState;
  el: PaneElements;
  /** render shows the state. */
  render(): void;
  /** showError shows a message in the error bar; '' hides it. */
  showError(message: string): void;
  /** stale reports whether an answer for generation g came too late: another item is shown, or the pane is gone. */
  stale(g: number): boolean;
}
