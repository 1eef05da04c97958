// The taskpane screen: the open item's tracking state, what it is regarding, who its parties resolved
// to, a search to pick the regarding record, and Track / Set Regarding / Untrack with live progress.
// It re-renders when a pinned taskpane moves to another item. In a client-mode tenant it also keeps the
// user's mailbox synchronizing while it is open: POST /sync when it opens, then at the user's interval,
// and a "Synchronize now" button; in server mode the server synchronizes and the button is not shown.
// With an offline cache (offline.ts) it keeps the user's offline records up to date in the background,
// searches them when crmsync cannot be reached, and keeps Track / Set Regarding clicks made meanwhile,
// sending them when the pane next opens or the browser comes back online.

import {
  ApiError,
  createApi,
  isOpen,
  type ApiClient,
  type CrmRecord,
  type ItemTracking,
  type Me,
  type Party,
  type TrackBody,
  type TrackRequest,
  type TrackState,
} from './api.ts';
import { createTokenSource, loadConfig } from './auth.ts';
import { failureText, readableError } from './messages.ts';
import { OfflineCache, type Queued, type QueuedAction } from './offline.ts';
import { officeAdapter, type CurrentItem, type OfficeAdapter } from './office.ts';
import './taskpane.css';

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
}

/** What the pane says of a click kept for later. */
export const queuedText = 'Saved — will be sent when crmsync can be reached';
/** The note beside results that came from the offline records. */
export const offlineSearchText = 'offline — from your offline records';

/** The interval of the automatic synchronization when /me gives none, as the server's default. */
export const defaultSyncIntervalMinutes = 15;
/** The longest interval the server allows. */
const maxSyncIntervalMinutes = 1440;

/** syncIntervalMs is the user's interval in milliseconds: whole minutes, at least 1, at most a day. */
export function syncIntervalMs(me: Pick<Me, 'options'> | null | undefined): number {
  const given = me?.options?.syncIntervalMinutes;
  const minutes = typeof given === 'number' && Number.isFinite(given) ? Math.round(given) : defaultSyncIntervalMinutes;
  return Math.min(Math.max(minutes, 1), maxSyncIntervalMinutes) * 60_000;
}

/** clock is a time as HH:MM in the user's time zone, or '' for a time that does not parse. */
export function clock(rfc3339: string): string {
  const t = new Date(rfc3339);
  if (Number.isNaN(t.getTime())) return '';
  return `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}`;
}

/** A mounted taskpane. */
export interface Taskpane {
  /** load reads the open item again and shows it (what an item change does). */
  load(): Promise<void>;
  destroy(): void;
}

type Action = 'track' | 'setRegarding' | 'untrack';

const markup = `
<main class="pane" aria-busy="false">
  <header class="head">
    <img class="logo" src="/taskpane/icons/icon-32.png" alt="" width="20" height="20">
    <h1>crmsync</h1>
  </header>
  <section class="sync" data-testid="sync" aria-label="Synchronization" hidden>
    <fluent-button appearance="outline" data-testid="sync-now" aria-label="Synchronize now">Synchronize now</fluent-button>
    <span class="sync-status" data-testid="sync-status" role="status"></span>
  </section>
  <p class="subject" data-role="subject"></p>

  <section class="status" aria-label="Tracking">
    <fluent-badge class="state" data-testid="tracking-state" data-state="untracked" aria-live="polite">Not tracked</fluent-badge>
    <div class="progress" data-role="progress-row" hidden>
      <fluent-progress-ring class="ring" data-role="ring"></fluent-progress-ring>
      <span data-testid="progress" aria-live="polite"></span>
    </div>
    <p class="queued" data-testid="queued" role="status" hidden></p>
  </section>

  <dl class="facts">
    <dt>Regarding</dt>
    <dd><span data-testid="regarding"></span><span class="kind" data-role="regarding-type"></span><span class="none" data-role="regarding-none">—</span></dd>
    <dt data-role="contact-label" hidden>CRM contact</dt>
    <dd data-role="contact" hidden></dd>
  </dl>

  <div class="error" data-testid="error" role="alert" hidden></div>

  <fluent-divider></fluent-divider>

  <section class="search" aria-label="Regarding record">
    <label for="crmsync-search" class="label">Set regarding</label>
    <p id="crmsync-search-offline" class="hint offline-note" data-testid="search-offline" hidden></p>
    <div class="combobox">
      <input id="crmsync-search" data-testid="search-input" type="text" autocomplete="off" spellcheck="false"
        placeholder="Search accounts, contacts, leads…" role="combobox" aria-autocomplete="list"
        aria-expanded="false" aria-controls="crmsync-results" aria-describedby="crmsync-search-offline">
      <div id="crmsync-results" class="listbox" role="listbox" aria-label="Records" hidden></div>
    </div>
    <p class="hint" data-role="search-status" aria-live="polite"></p>
  </section>

  <section class="actions">
    <fluent-button appearance="accent" data-testid="track-button">Track</fluent-button>
    <fluent-button data-testid="set-regarding-button" disabled>Set Regarding</fluent-button>
    <fluent-button data-testid="untrack-button" disabled>Untrack</fluent-button>
  </section>

  <fluent-divider></fluent-divider>

  <section class="parties-section" aria-label="Parties">
    <h2>Parties</h2>
    <ul class="parties" data-testid="parties"></ul>
    <p class="hint" data-role="parties-hint"></p>
  </section>
</main>`;

const roleLabels: Record<string, string> = {
  from: 'From',
  sender: 'From',
  to: 'To',
  cc: 'Cc',
  bcc: 'Bcc',
  organizer: 'Organizer',
  required: 'Required',
  optional: 'Optional',
};

function label(name: string): string {
  return name ? name[0].toUpperCase() + name.slice(1) : name;
}

/** mountTaskpane renders the screen into root and shows the open item. */
export function mountTaskpane(root: HTMLElement, deps: TaskpaneDeps): Taskpane {
  const { api, office, offline } = deps;
  const debounceMs = deps.debounceMs ?? 250;
  root.innerHTML = markup;
  const q = <T extends Element = HTMLElement>(sel: string): T => {
    const el = root.querySelector<T>(sel);
    if (!el) throw new Error(`taskpane markup lacks ${sel}`);
    return el;
  };
  const el = {
    pane: q('.pane'),
    subject: q('[data-role="subject"]'),
    state: q('[data-testid="tracking-state"]'),
    progressRow: q('[data-role="progress-row"]'),
    ring: q('[data-role="ring"]'),
    progress: q('[data-testid="progress"]'),
    queued: q('[data-testid="queued"]'),
    searchOffline: q('[data-testid="search-offline"]'),
    regarding: q('[data-testid="regarding"]'),
    regardingType: q('[data-role="regarding-type"]'),
    regardingNone: q('[data-role="regarding-none"]'),
    contactLabel: q('[data-role="contact-label"]'),
    contact: q('[data-role="contact"]'),
    error: q('[data-testid="error"]'),
    input: q<HTMLInputElement>('[data-testid="search-input"]'),
    listbox: q('.listbox'),
    searchStatus: q('[data-role="search-status"]'),
    track: q('[data-testid="track-button"]'),
    setRegarding: q('[data-testid="set-regarding-button"]'),
    untrack: q('[data-testid="untrack-button"]'),
    parties: q('[data-testid="parties"]'),
    partiesHint: q('[data-role="parties-hint"]'),
    sync: q('[data-testid="sync"]'),
    syncNow: q('[data-testid="sync-now"]'),
    syncStatus: q('[data-testid="sync-status"]'),
  };

  // What is shown. gen grows with every item change so that answers about the previous item are dropped.
  let gen = 0;
  let item: CurrentItem | null = null;
  let tracking: ItemTracking | null = null;
  let pending: { action: Action; state: TrackState | '' } | null = null;
  let progress: TrackState | '' = '';
  /** The open item has a click waiting for crmsync to be reachable. */
  let queuedHere = false;
  let loading = false;
  let picked: CrmRecord | null = null;
  let results: CrmRecord[] = [];
  let active = -1;
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  let searchSeq = 0;
  let searchAbort: AbortController | undefined;
  let watchAbort: AbortController | undefined;
  const typeLabels = new Map<string, string>();
  const recordNames = new Map<string, string>();
  let destroyed = false;

  const typeLabel = (type: string) => typeLabels.get(type) ?? label(type);

  function setDisabled(button: HTMLElement, disabled: boolean): void {
    button.toggleAttribute('disabled', disabled);
    button.setAttribute('aria-disabled', String(disabled));
  }

  function showError(message: string): void {
    el.error.textContent = message;
    el.error.hidden = message === '';
  }

  function stateText(): string {
    if (pending) {
      return pending.action === 'untrack' ? 'Untracking…' : 'Tracking…';
    }
    return tracking?.tracked ? 'Tracked' : 'Not tracked';
  }

  function render(): void {
    const busy = pending !== null || loading;
    el.pane.setAttribute('aria-busy', String(busy));
    el.subject.textContent = item ? item.subject || '(no subject)' : 'Select an item to see whether it is tracked.';

    const state = stateText();
    el.state.textContent = state;
    el.state.dataset.state = pending ? 'pending' : tracking?.tracked ? 'tracked' : 'untracked';
    el.state.setAttribute('appearance', tracking?.tracked && !pending ? 'accent' : 'neutral');

    el.progress.textContent = progress;
    el.progressRow.hidden = progress === '';
    el.ring.hidden = !(pending && (progress === 'queued' || progress === 'processing' || progress === ''));
    el.queued.textContent = queuedHere ? queuedText : '';
    el.queued.hidden = !queuedHere;

    const regarding = tracking?.tracked ? tracking.activity?.regarding ?? null : null;
    el.regarding.textContent = regarding?.name ?? '';
    el.regardingType.textContent = regarding ? typeLabel(regarding.type) : '';
    el.regardingNone.hidden = regarding !== null;
    const contact = tracking?.tracked ? tracking.record : null;
    el.contactLabel.hidden = el.contact.hidden = !contact;
    el.contact.textContent = contact?.name ?? '';

    renderParties();

    const tracked = tracking?.tracked === true;
    setDisabled(el.track, !item || busy || tracked);
    setDisabled(el.setRegarding, !item || busy || !picked || item.itemType === 'contact');
    setDisabled(el.untrack, !item || busy || !tracked);
    el.input.disabled = item?.itemType === 'contact';
  }

  function renderParties(): void {
    const parties: Party[] = (tracking?.tracked && tracking.activity?.parties) || [];
    el.parties.replaceChildren(
      ...parties.map((p) => {
        const li = document.createElement('li');
        li.dataset.testid = 'party';
        li.className = 'party';
        const who = document.createElement('span');
        who.className = 'who';
        const role = document.createElement('span');
        role.className = 'role';
        role.textContent = roleLabels[p.role] ?? label(p.role);
        const address = document.createElement('span');
        address.className = 'address';
        address.textContent = p.name && p.name !== p.address ? `${p.name} <${p.address}>` : p.address;
        who.append(role, address);
        const arrow = document.createElement('span');
        arrow.className = 'arrow';
        arrow.setAttribute('aria-hidden', 'true');
        arrow.textContent = '→';
        const rec = document.createElement('span');
        rec.className = 'record';
        if (p.record) {
          li.dataset.recordType = p.record.type;
          li.dataset.recordId = p.record.id;
          const name = recordNames.get(`${p.record.type}/${p.record.id}`);
          rec.textContent = name ? `${typeLabel(p.record.type)}: ${name}` : typeLabel(p.record.type);
        } else {
          rec.classList.add('missing');
          rec.textContent = 'not in CRM';
        }
        li.append(who, arrow, rec);
        return li;
      }),
    );
    el.partiesHint.textContent =
      parties.length > 0 ? '' : tracking?.tracked ? 'No parties.' : 'Parties show once the item is tracked.';
  }

  // The names of the records parties resolved to, looked up once each, best effort.
  function lookUpPartyNames(): void {
    const g = gen;
    for (const p of tracking?.activity?.parties ?? []) {
      const key = p.record ? `${p.record.type}/${p.record.id}` : '';
      if (!p.record || recordNames.has(key)) continue;
      recordNames.set(key, '');
      api.getRecord(p.record.type, p.record.id).then(
        (r) => {
          recordNames.set(key, r.name);
          if (g === gen && !destroyed) renderParties();
        },
        () => undefined,
      );
    }
  }

  // ---- search

  function renderResults(): void {
    const open = results.length > 0;
    el.listbox.replaceChildren(
      ...results.map((r, i) => {
        const opt = document.createElement('div');
        opt.id = `crmsync-option-${i}`;
        opt.className = 'option';
        opt.setAttribute('role', 'option');
        opt.dataset.testid = 'search-result';
        opt.dataset.recordId = r.id;
        opt.dataset.recordType = r.type;
        opt.setAttribute('aria-selected', String(i === active));
        const name = document.createElement('span');
        name.className = 'name';
        name.textContent = r.name;
        const type = document.createElement('span');
        type.className = 'kind';
        type.textContent = typeLabel(r.type);
        opt.append(name, type);
        // mousedown would blur the input before the click lands.
        opt.addEventListener('mousedown', (e) => e.preventDefault());
        opt.addEventListener('click', () => pick(r));
        return opt;
      }),
    );
    el.listbox.hidden = !open;
    el.input.setAttribute('aria-expanded', String(open));
    if (active >= 0 && open) {
      el.input.setAttribute('aria-activedescendant', `crmsync-option-${active}`);
      el.listbox.children[active]?.scrollIntoView?.({ block: 'nearest' });
    } else {
      el.input.removeAttribute('aria-activedescendant');
    }
  }

  function clearResults(): void {
    searchAbort?.abort();
    searchSeq++;
    results = [];
    active = -1;
    showOfflineNote(false);
    renderResults();
  }

  function showOfflineNote(on: boolean): void {
    el.searchOffline.textContent = on ? offlineSearchText : '';
    el.searchOffline.hidden = !on;
  }

  /**
   * searchOffline searches the offline records, or gives null when there are none to search: no cache, or
   * one holding records fetched for another mailbox than the one open (another user's: never shown).
   */
  async function searchOffline(text: string): Promise<CrmRecord[] | null> {
    if (!offline) return null;
    try {
      if (!(await offline.holds(office.userEmail()))) return null;
      return await offline.search(text);
    } catch (e) {
      console.debug('crmsync: the offline records cannot be searched', e);
      return null;
    }
  }

  function pick(r: CrmRecord): void {
    picked = r;
    el.input.value = r.name;
    el.searchStatus.textContent = `Picked ${typeLabel(r.type).toLowerCase()} ${r.name}.`;
    clearResults();
    render();
  }

  function clearSearch(): void {
    clearTimeout(searchTimer);
    el.input.value = '';
    picked = null;
    el.searchStatus.textContent = '';
    clearResults();
    render();
  }

  async function runSearch(): Promise<void> {
    const text = el.input.value.trim();
    searchAbort?.abort();
    const seq = ++searchSeq;
    showOfflineNote(false);
    if (!text) {
      results = [];
      active = -1;
      el.searchStatus.textContent = '';
      renderResults();
      return;
    }
    const ctrl = new AbortController();
    searchAbort = ctrl;
    try {
      const page = await api.searchRecords(text, { limit: 10, signal: ctrl.signal });
      if (seq !== searchSeq || destroyed) return;
      results = page.items ?? [];
      active = -1;
      el.searchStatus.textContent = results.length === 0 ? `No records match “${text}”.` : `${results.length} found.`;
      renderResults();
    } catch (e) {
      if (seq !== searchSeq || ctrl.signal.aborted || destroyed) return;
      if (e instanceof ApiError && e.network) {
        // crmsync cannot be reached: the offline records answer, if there are any.
        const found = await searchOffline(text);
        if (seq !== searchSeq || destroyed) return;
        if (found) {
          results = found;
          active = -1;
          el.searchStatus.textContent = found.length === 0 ? `No offline records match “${text}”.` : `${found.length} found.`;
          showOfflineNote(true);
          renderResults();
          return;
        }
      }
      results = [];
      renderResults();
      showError(readableError(e, 'search'));
    }
  }

  el.input.addEventListener('input', () => {
    if (picked && el.input.value !== picked.name) {
      picked = null;
      el.searchStatus.textContent = '';
      render();
    }
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => void runSearch(), debounceMs);
  });

  el.input.addEventListener('keydown', (e: KeyboardEvent) => {
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        e.preventDefault();
        if (results.length === 0) return;
        const step = e.key === 'ArrowDown' ? 1 : -1;
        active = active < 0 ? (step > 0 ? 0 : results.length - 1) : (active + step + results.length) % results.length;
        renderResults();
        return;
      }
      case 'Enter': {
        if (results.length === 0) return;
        e.preventDefault();
        pick(results[active >= 0 ? active : 0]);
        return;
      }
      case 'Escape':
        e.preventDefault();
        clearSearch();
        return;
    }
  });

  el.input.addEventListener('blur', () => {
    // Let a click on an option land first.
    setTimeout(() => {
      if (!destroyed && document.activeElement !== el.input && results.length > 0) {
        results = [];
        active = -1;
        renderResults();
      }
    }, 150);
  });

  // ---- clicks

  async function follow(g: number, action: Action, first: TrackRequest): Promise<void> {
    const onState = (r: TrackRequest) => {
      if (g !== gen || destroyed) return;
      progress = r.state;
      if (pending) pending.state = r.state;
      render();
    };
    onState(first);
    let final = first;
    if (isOpen(first)) {
      watchAbort?.abort();
      const ctrl = new AbortController();
      watchAbort = ctrl;
      final = await api.watch(first.id, onState, { signal: ctrl.signal, pollMs: deps.pollMs });
    }
    if (g !== gen || destroyed) return;
    if (final.state === 'failed') {
      pending = null;
      showError(failureText(final.error));
      render();
      return;
    }
    // Done: show what it did at once, then read the item's tracking again for the whole picture.
    if (action === 'untrack') {
      tracking = { itemId: final.itemId, tracked: false, activity: null, record: null, pending: null };
    } else {
      tracking = { itemId: final.itemId, tracked: true, itemType: final.itemType, activity: final.activity, record: final.record, pending: null };
      if (picked && final.regarding && picked.id === final.regarding.id) {
        el.input.value = '';
        picked = null;
        el.searchStatus.textContent = '';
      }
    }
    pending = null;
    render();
    lookUpPartyNames();
    try {
      const fresh = await api.itemTracking(final.itemId);
      if (g !== gen || destroyed) return;
      tracking = fresh;
      render();
      lookUpPartyNames();
    } catch {
      // what the click returned is shown already
    }
  }

  async function click(action: Action): Promise<void> {
    if (!item || pending) return;
    const g = gen;
    const current = item;
    const regarding = picked ? { type: picked.type, id: picked.id } : undefined;
    pending = { action, state: '' };
    progress = '';
    showError('');
    render();
    /** What is being sent, while it is: a failure to reach crmsync then keeps it for later. */
    let sending: { itemId: string; body: TrackBody } | undefined;
    try {
      let itemId = current.itemId;
      if (current.mode === 'compose') {
        // A draft or a meeting being organized has an id only once saved: save it first.
        itemId = await office.saveItem();
        if (g !== gen) return;
        item = { ...current, itemId };
      }
      if (!itemId) {
        throw new Error('Outlook gave no id for this item; save it and try again');
      }
      const body: TrackBody = {
        itemType: current.itemType,
        internetMessageId: current.internetMessageId,
        conversationId: current.conversationId,
        regarding: current.itemType === 'contact' ? undefined : regarding,
      };
      let req: TrackRequest;
      sending = { itemId, body };
      if (action === 'track') {
        req = await api.track({ itemId, ...body });
      } else if (action === 'setRegarding') {
        req = await api.setRegarding(itemId, body);
      } else {
        req = await api.untrack(itemId);
      }
      sending = undefined;
      if (g !== gen || destroyed) return;
      if (action !== 'untrack') {
        queuedHere = false;
        void offline?.forget(itemId, action).catch(() => undefined); // sent now: a copy kept earlier is not needed
      }
      await follow(g, action, req);
    } catch (e) {
      if (g !== gen || destroyed || (e as Error)?.name === 'AbortError') return;
      if (sending && action !== 'untrack' && e instanceof ApiError && e.network) {
        // crmsync cannot be reached: keep the click and send it when it can (Track is idempotent).
        const kept = await keep(action, sending);
        if (g !== gen || destroyed) return;
        if (kept) {
          pending = null;
          queuedHere = true;
          render();
          return;
        }
      }
      pending = null;
      // progress changes in follow, out of the compiler's sight.
      const following = (progress as TrackState | '') !== '';
      if (following) progress = 'failed';
      showError(readableError(e, following ? 'watch' : action));
      render();
    }
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

  const onClick = (button: HTMLElement, action: Action) =>
    button.addEventListener('click', () => {
      if (button.hasAttribute('disabled')) return;
      void click(action);
    });
  onClick(el.track, 'track');
  onClick(el.setRegarding, 'setRegarding');
  onClick(el.untrack, 'untrack');

  // ---- synchronization (client mode)
  //
  // Shown once /me says client mode. One POST /sync when the pane opens, then one every interval while it
  // stays open and visible (a hidden pane waits, and catches up when shown again if one came due); the
  // button asks at once and the interval counts from there. A 409 means the tenant synchronizes on the
  // server now: the button goes and the timer stops. Without /me the section stays hidden.

  let syncOn = false;
  let syncEvery = syncIntervalMs(null);
  let syncTimer: ReturnType<typeof setTimeout> | undefined;
  let syncing = false;
  /** When the last request went out (Date.now()); 0: none yet. */
  let lastSync = 0;

  const hiddenPage = () => document.visibilityState === 'hidden';

  function syncStatus(message: string, state: 'busy' | 'requested' | 'error' | ''): void {
    el.syncStatus.textContent = message;
    if (state) el.syncStatus.dataset.state = state;
    else delete el.syncStatus.dataset.state;
  }

  function stopSync(): void {
    syncOn = false;
    clearTimeout(syncTimer);
    syncTimer = undefined;
    el.sync.hidden = true;
    syncStatus('', '');
  }

  /** scheduleSync sets the timer for the next automatic request, in ms; none while the page is hidden. */
  function scheduleSync(delay: number): void {
    clearTimeout(syncTimer);
    syncTimer = undefined;
    if (!syncOn || destroyed || hiddenPage()) return;
    syncTimer = setTimeout(() => void synchronize(), Math.max(delay, 0));
  }

  async function synchronize(): Promise<void> {
    if (!syncOn || destroyed) return;
    if (syncing) {
      // The last request is taking longer than the interval: try again an interval from now.
      scheduleSync(syncEvery);
      return;
    }
    syncing = true;
    lastSync = Date.now();
    scheduleSync(syncEvery);
    setDisabled(el.syncNow, true);
    syncStatus('Synchronizing…', 'busy');
    try {
      const r = await api.synchronize();
      if (destroyed || !syncOn) return;
      const at = clock(r.requestedAt);
      syncStatus(at ? `Synchronization requested at ${at}` : 'Synchronization requested', 'requested');
    } catch (e) {
      if (destroyed || !syncOn) return;
      if (e instanceof ApiError && e.status === 409) {
        // The tenant moved to server mode since the pane opened.
        stopSync();
        return;
      }
      syncStatus(`Synchronization failed: ${readableError(e, 'sync')}`, 'error');
    } finally {
      syncing = false;
      if (!destroyed) setDisabled(el.syncNow, false);
    }
  }

  function onVisibility(): void {
    if (!syncOn || destroyed) return;
    if (hiddenPage()) {
      clearTimeout(syncTimer);
      syncTimer = undefined;
      return;
    }
    const due = lastSync === 0 ? 0 : lastSync + syncEvery - Date.now();
    if (due <= 0) void synchronize();
    else scheduleSync(due);
  }

  el.syncNow.addEventListener('click', () => {
    if (el.syncNow.hasAttribute('disabled')) return;
    void synchronize();
  });
  document.addEventListener('visibilitychange', onVisibility);

  /** The caller, once /me answered. */
  let caller: Me | null = null;

  /** gotMe takes the first answer of /me: synchronization in client mode. */
  function gotMe(me: Me): void {
    if (caller || destroyed) return;
    caller = me;
    if (me?.syncMode !== 'client') return;
    syncOn = true;
    syncEvery = syncIntervalMs(me);
    el.sync.hidden = false;
    if (hiddenPage()) return; // the first request goes when the pane is shown
    void synchronize();
  }

  api.me().then(
    (me) => {
      gotMe(me);
      void connect();
    },
    () => undefined, // without /me the pane still tracks; it just offers no synchronization
  );

  // ---- offline records and queued clicks
  //
  // Once /me has named the user (when the pane opens, or when the browser comes back online if /me could
  // not answer before): tell the cache who it is — privacy: another user's records and queued clicks are
  // deleted then (OfflineCache.signIn), before anything is read or sent — send the queued clicks, then
  // bring the records up to date. All in the background; a failure is only logged.

  let connecting: Promise<void> | undefined;
  let connectAgain = false;

  function connect(): Promise<void> {
    if (!offline || destroyed) return Promise.resolve();
    if (connecting) {
      connectAgain = true;
      return connecting;
    }
    connecting = (async () => {
      do {
        connectAgain = false;
        await connectOnce(offline);
      } while (connectAgain && !destroyed);
    })().finally(() => (connecting = undefined));
    return connecting;
  }

  async function connectOnce(cache: OfflineCache): Promise<void> {
    try {
      if (!caller) gotMe(await api.me());
      if (!caller || destroyed) return;
      await cache.signIn({ tenantId: caller.tenantId, userId: caller.userId, mailbox: office.userEmail() });
      if (destroyed) return;
      await cache.replay(api, { sent: replayed, dropped: refused });
      if (destroyed) return;
      await cache.refresh(api);
    } catch (e) {
      console.debug('crmsync: offline records not brought up to date', e);
    }
  }

  /** replayed shows a queued click that was sent, when it is the open item's, with the usual progress. */
  function replayed(c: Queued, r: TrackRequest): void {
    if (destroyed || !item || item.itemId !== c.itemId) return;
    queuedHere = false;
    if (pending) {
      render(); // a click on it is being followed already
      return;
    }
    const g = gen;
    pending = { action: c.action, state: '' };
    progress = '';
    showError('');
    render();
    void follow(g, c.action, r).catch((e: unknown) => {
      if (g !== gen || destroyed || (e as Error)?.name === 'AbortError') return;
      pending = null;
      progress = 'failed';
      showError(readableError(e, 'watch'));
      render();
    });
  }

  /** refused shows why a queued click was refused for good, when it is the open item's. */
  function refused(c: Queued, e: unknown): void {
    if (destroyed || !item || item.itemId !== c.itemId) return;
    queuedHere = false;
    showError(readableError(e, c.action));
    render();
  }

  const onOnline = () => void connect();
  window.addEventListener('online', onOnline);

  // ---- the item

  async function load(): Promise<void> {
    const g = ++gen;
    watchAbort?.abort();
    clearTimeout(searchTimer);
    el.input.value = '';
    picked = null;
    el.searchStatus.textContent = '';
    clearResults();
    pending = null;
    progress = '';
    queuedHere = false;
    tracking = null;
    item = null;
    loading = true;
    showError('');
    render();
    try {
      const current = await office.currentItem();
      if (g !== gen || destroyed) return;
      item = current;
      if (current?.itemId && offline) {
        // A click kept from before: say so until it is sent.
        offline.queued(current.itemId).then(
          (q) => {
            if (g !== gen || destroyed || q.length === 0 || pending) return;
            queuedHere = true;
            render();
          },
          () => undefined,
        );
      }
      if (current?.itemId) {
        const t = await api.itemTracking(current.itemId);
        if (g !== gen || destroyed) return;
        tracking = t;
        lookUpPartyNames();
        if (t.pending && isOpen(t.pending)) {
          // A click from the ribbon (or before the pane was opened) is still being worked: follow it.
          const action: Action = t.pending.action === 'untrack' ? 'untrack' : t.pending.action === 'set_regarding' ? 'setRegarding' : 'track';
          pending = { action, state: t.pending.state };
          // Followed in the background: the item is shown now.
          void follow(g, action, t.pending).catch((e: unknown) => {
            if (g !== gen || destroyed || (e as Error)?.name === 'AbortError') return;
            pending = null;
            progress = 'failed';
            showError(readableError(e, 'watch'));
            render();
          });
        }
      }
    } catch (e) {
      if (g !== gen || destroyed || (e as Error)?.name === 'AbortError') return;
      pending = null;
      showError(readableError(e, 'load'));
    } finally {
      if (g === gen && !destroyed) {
        loading = false;
        render();
      }
    }
  }

  api.entityTypes().then(
    (types) => {
      for (const t of types) typeLabels.set(t.name, t.displayName || label(t.name));
      if (!destroyed) {
        render();
        renderResults();
      }
    },
    () => undefined, // the type names only look nicer
  );

  return {
    load,
    destroy(): void {
      destroyed = true;
      gen++;
      clearTimeout(searchTimer);
      clearTimeout(syncTimer);
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('online', onOnline);
      searchAbort?.abort();
      watchAbort?.abort();
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
