import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type OfflinePage, type TrackRequest } from './api.ts';
import { officeAdapter } from './office.ts';
import { IDBFactory } from 'fake-indexeddb';
import { OfflineCache } from './offline.ts';
import { clock, mountTaskpane, offlineSearchText, queuedText, syncIntervalMs, type Taskpane } from './taskpane.ts';
import {
  deferred,
  doneRequest,
  fabrikam,
  fakeApi,
  flush,
  installFakeOffice,
  marco,
  me,
  northwind,
  removeFakeOffice,
  request,
  restId,
  syncRequested,
  trackedItem,
  untrackedItem,
  type FakeItemInit,
} from './testing/fakes.ts';

let root: HTMLElement;
let pane: Taskpane | undefined;

beforeEach(() => {
  root = document.createElement('div');
  document.body.append(root);
});

afterEach(() => {
  pane?.destroy();
  pane = undefined;
  root.remove();
  removeFakeOffice();
  vi.useRealTimers();
});

async function setup(opts: { item?: FakeItemInit | null; api?: ReturnType<typeof fakeApi>; offline?: OfflineCache; debounceMs?: number } = {}) {
  const fake = installFakeOffice(opts.item === undefined ? {} : opts.item);
  const api = opts.api ?? fakeApi();
  pane = mountTaskpane(root, { api, office: officeAdapter, offline: opts.offline, debounceMs: opts.debounceMs });
  await officeAdapter.onItemChanged(() => void pane?.load());
  await pane.load();
  await flush();
  return { fake, api, pane };
}

const $ = (id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;
const $$ = (id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
const text = (id: string) => $(id).textContent ?? '';
const disabled = (id: string) => $(id).hasAttribute('disabled');
const input = () => $('search-input') as HTMLInputElement;

function type(value: string) {
  input().value = value;
  input().dispatchEvent(new Event('input', { bubbles: true }));
}

function key(k: string) {
  const e = new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true });
  input().dispatchEvent(e);
  return e;
}

describe('the DOM contract', () => {
  it('has every element the end-to-end test drives', async () => {
    await setup();
    for (const id of ['tracking-state', 'regarding', 'parties', 'search-input', 'track-button', 'set-regarding-button', 'untrack-button', 'progress', 'error', 'sync-now', 'sync-status', 'queued', 'search-offline']) {
      expect($$(id), id).toHaveLength(1);
    }
    expect(input().tagName).toBe('INPUT');
    expect(input().getAttribute('role')).toBe('combobox');
  });
});

describe('showing the item', () => {
  it('shows an untracked item', async () => {
    const { api } = await setup();
    expect(api.itemTracking).toHaveBeenCalledWith(restId('ews-1'));
    expect(text('tracking-state')).toBe('Not tracked');
    expect(text('regarding')).toBe('');
    expect($$('party')).toHaveLength(0);
    expect(text('progress')).toBe('');
    expect($('error').hidden).toBe(true);
    expect(disabled('track-button')).toBe(false);
    expect(disabled('set-regarding-button')).toBe(true);
    expect(disabled('untrack-button')).toBe(true);
  });

  it('shows a tracked item: regarding, and who the parties resolved to', async () => {
    const api = fakeApi({ itemTracking: vi.fn(async () => trackedItem()) });
    await setup({ api });
    expect(text('tracking-state')).toBe('Tracked');
    expect(text('regarding')).toBe('Fabrikam, Inc.');
    const parties = $$('party');
    expect(parties).toHaveLength(2);
    expect(parties[0].textContent).toContain('marco.rossi@northwindtraders.test');
    expect(parties[0].textContent).toContain('Contact: Marco Rossi');
    expect(parties[0].dataset.recordType).toBe('contact');
    expect(parties[1].textContent).toContain('stranger@example.test');
    expect(parties[1].textContent).toContain('not in CRM');
    expect(disabled('track-button')).toBe(true);
    expect(disabled('untrack-button')).toBe(false);
  });

  it('follows a click that is still being worked', async () => {
    const watched = deferred<TrackRequest>();
    const api = fakeApi({
      itemTracking: vi.fn(async () => untrackedItem({ pending: request({ state: 'processing' }) })),
      watch: vi.fn(() => watched.promise),
    });
    await setup({ api });
    expect(text('tracking-state')).toBe('Tracking…');
    expect(text('progress')).toBe('processing');
    expect(api.watch).toHaveBeenCalledWith('req-1', expect.any(Function), expect.anything());
  });

  it('shows nothing to do when a pinned pane has no item', async () => {
    const { api } = await setup({ item: null });
    expect(api.itemTracking).not.toHaveBeenCalled();
    expect(text('tracking-state')).toBe('Not tracked');
    expect(disabled('track-button')).toBe(true);
  });

  it('re-renders when the pinned pane moves to another item', async () => {
    const api = fakeApi({ itemTracking: vi.fn(async (id: string) => (id === restId('ews-2') ? trackedItem({ itemId: id }) : untrackedItem())) });
    const { fake } = await setup({ api });
    type('fab');
    expect(text('tracking-state')).toBe('Not tracked');
    fake.changeItem({ itemId: 'ews-2', subject: 'Another' });
    await flush();
    expect(api.itemTracking).toHaveBeenLastCalledWith(restId('ews-2'));
    expect(text('tracking-state')).toBe('Tracked');
    expect(text('regarding')).toBe('Fabrikam, Inc.');
    expect(input().value).toBe('');
  });
});

describe('the regarding search', () => {
  it('waits for typing to pause 250 ms, then searches across types', async () => {
    vi.useFakeTimers();
    const api = fakeApi({ searchRecords: vi.fn(async () => ({ items: [fabrikam, northwind], nextCursor: '' })) });
    await setup({ api });
    type('f');
    await vi.advanceTimersByTimeAsync(100);
    type('fa');
    await vi.advanceTimersByTimeAsync(100);
    type('fab');
    await vi.advanceTimersByTimeAsync(249);
    expect(api.searchRecords).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(api.searchRecords).toHaveBeenCalledTimes(1);
    expect(api.searchRecords).toHaveBeenCalledWith('fab', expect.objectContaining({ limit: 10 }));
    const options = $$('search-result');
    expect(options.map((o) => [o.dataset.recordId, o.dataset.recordType, o.getAttribute('role')])).toEqual([
      ['acc-1', 'account', 'option'],
      ['acc-2', 'account', 'option'],
    ]);
    expect(options[0].textContent).toContain('Fabrikam, Inc.');
    expect(input().getAttribute('aria-expanded')).toBe('true');
  });

  it('drops an answer that a newer search overtook', async () => {
    vi.useFakeTimers();
    const slow = deferred<{ items: (typeof fabrikam)[]; nextCursor: string }>();
    const api = fakeApi({
      searchRecords: vi.fn((q: string) => (q === 'fa' ? slow.promise : Promise.resolve({ items: [northwind], nextCursor: '' }))),
    });
    await setup({ api });
    type('fa');
    await vi.advanceTimersByTimeAsync(250);
    type('nor');
    await vi.advanceTimersByTimeAsync(250);
    slow.resolve({ items: [fabrikam], nextCursor: '' });
    await vi.advanceTimersByTimeAsync(0);
    expect($$('search-result').map((o) => o.dataset.recordId)).toEqual(['acc-2']);
  });

  async function withResults() {
    vi.useFakeTimers();
    const api = fakeApi({ searchRecords: vi.fn(async () => ({ items: [fabrikam, northwind], nextCursor: '' })) });
    const s = await setup({ api });
    type('a');
    await vi.advanceTimersByTimeAsync(250);
    return s;
  }

  const activeId = () => $$('search-result').find((o) => o.getAttribute('aria-selected') === 'true')?.dataset.recordId;

  it('moves the active option with ArrowDown and ArrowUp, wrapping', async () => {
    await withResults();
    expect(activeId()).toBeUndefined();
    expect(key('ArrowDown').defaultPrevented).toBe(true);
    expect(activeId()).toBe('acc-1');
    expect(input().getAttribute('aria-activedescendant')).toBe($$('search-result')[0].id);
    key('ArrowDown');
    expect(activeId()).toBe('acc-2');
    key('ArrowDown');
    expect(activeId()).toBe('acc-1');
    key('ArrowUp');
    expect(activeId()).toBe('acc-2');
  });

  it('picks the active option with Enter, which enables Set Regarding', async () => {
    await withResults();
    expect(disabled('set-regarding-button')).toBe(true);
    key('ArrowDown');
    key('ArrowDown');
    key('Enter');
    expect(input().value).toBe('Northwind Traders');
    expect($$('search-result')).toHaveLength(0);
    expect(input().getAttribute('aria-expanded')).toBe('false');
    expect(disabled('set-regarding-button')).toBe(false);
  });

  it('picks with a click', async () => {
    await withResults();
    $$('search-result')[0].click();
    expect(input().value).toBe('Fabrikam, Inc.');
    expect(disabled('set-regarding-button')).toBe(false);
  });

  it('clears with Escape', async () => {
    await withResults();
    key('Enter');
    expect(disabled('set-regarding-button')).toBe(false);
    key('Escape');
    expect(input().value).toBe('');
    expect($$('search-result')).toHaveLength(0);
    expect(disabled('set-regarding-button')).toBe(true);
  });

  it('forgets the pick when the text changes', async () => {
    await withResults();
    key('Enter');
    type('Fabrikam');
    expect(disabled('set-regarding-button')).toBe(true);
  });
});

describe('clicks', () => {
  function steppedWatch() {
    const steps: ((r: TrackRequest) => void)[] = [];
    const end = deferred<TrackRequest>();
    const watch = vi.fn((_id: string, onState: (r: TrackRequest) => void) => {
      steps.push(onState);
      return end.promise;
    });
    return { watch, state: (r: TrackRequest) => steps[0](r), end };
  }

  it('Track shows progress live until done, then the tracked item', async () => {
    const w = steppedWatch();
    const api = fakeApi({ track: vi.fn(async () => request({ state: 'queued' })), watch: w.watch });
    await setup({ api });
    $('track-button').click();
    await flush();
    expect(api.track).toHaveBeenCalledWith({
      itemId: restId('ews-1'),
      itemType: 'message',
      internetMessageId: '<m1@northwind.test>',
      conversationId: 'conv-1',
      regarding: undefined,
    });
    expect(text('tracking-state')).toBe('Tracking…');
    expect(text('progress')).toBe('queued');
    expect($('progress').closest('[hidden]')).toBeNull();
    expect(disabled('track-button')).toBe(true);
    w.state(request({ state: 'processing' }));
    expect(text('progress')).toBe('processing');
    api.itemTracking.mockResolvedValue(trackedItem());
    const done = doneRequest();
    w.state(done);
    w.end.resolve(done);
    await flush();
    expect(text('progress')).toBe('done');
    expect(text('tracking-state')).toBe('Tracked');
    expect(text('regarding')).toBe('Fabrikam, Inc.');
    expect($$('party')).toHaveLength(2);
    expect(disabled('untrack-button')).toBe(false);
  });

  it('Track sends the picked record as regarding', async () => {
    vi.useFakeTimers();
    const api = fakeApi({ searchRecords: vi.fn(async () => ({ items: [fabrikam], nextCursor: '' })) });
    await setup({ api });
    type('fab');
    await vi.advanceTimersByTimeAsync(250);
    key('Enter');
    $('track-button').click();
    await vi.advanceTimersByTimeAsync(0);
    expect(api.track).toHaveBeenCalledWith(expect.objectContaining({ regarding: { type: 'account', id: 'acc-1' } }));
  });

  it('Set Regarding sends the picked record for the item', async () => {
    vi.useFakeTimers();
    const api = fakeApi({
      itemTracking: vi.fn(async () => trackedItem()),
      searchRecords: vi.fn(async () => ({ items: [northwind], nextCursor: '' })),
    });
    await setup({ api });
    type('nor');
    await vi.advanceTimersByTimeAsync(250);
    key('Enter');
    $('set-regarding-button').click();
    await vi.advanceTimersByTimeAsync(0);
    expect(api.setRegarding).toHaveBeenCalledWith(restId('ews-1'), expect.objectContaining({ itemType: 'message', regarding: { type: 'account', id: 'acc-2' } }));
  });

  it('Untrack shows Untracking… until done', async () => {
    const w = steppedWatch();
    const api = fakeApi({ itemTracking: vi.fn(async () => trackedItem()), watch: w.watch });
    await setup({ api });
    $('untrack-button').click();
    await flush();
    expect(api.untrack).toHaveBeenCalledWith(restId('ews-1'));
    expect(text('tracking-state')).toBe('Untracking…');
    api.itemTracking.mockResolvedValue(untrackedItem());
    const done = request({ action: 'untrack', state: 'done' });
    w.state(done);
    w.end.resolve(done);
    await flush();
    expect(text('tracking-state')).toBe('Not tracked');
    expect(text('regarding')).toBe('');
    expect(text('progress')).toBe('done');
  });

  it('saves a compose item first, then tracks its id', async () => {
    const api = fakeApi();
    const { fake } = await setup({ item: { compose: true, savedId: 'ews-draft' }, api });
    expect(api.itemTracking).not.toHaveBeenCalled();
    $('track-button').click();
    await flush();
    expect(fake.saves).toBe(1);
    expect(api.track).toHaveBeenCalledWith(expect.objectContaining({ itemId: restId('ews-draft') }));
  });
});

describe('errors', () => {
  it.each([
    ['a refused token', new ApiError({ status: 401, detail: 'expired', path: '/track', method: 'POST' }), 'Sign in again'],
    ['an item the mailbox lacks', new ApiError({ status: 404, detail: 'your mailbox has no message with this id', path: '/track', method: 'POST' }), 'This item is not in your mailbox'],
    ['no network', new ApiError({ status: 0, detail: 'crmsync cannot be reached', network: true, path: '/track', method: 'POST' }), 'crmsync cannot be reached'],
    ['a fetch TypeError', new TypeError('Failed to fetch'), 'crmsync cannot be reached'],
  ])('shows %s readably', async (_name, err, want) => {
    const api = fakeApi({ track: vi.fn(async () => Promise.reject(err)) });
    await setup({ api });
    $('track-button').click();
    await flush();
    expect(text('error')).toBe(want);
    expect($('error').hidden).toBe(false);
    expect(text('tracking-state')).toBe('Not tracked');
    expect(disabled('track-button')).toBe(false);
  });

  it('says a draft must be saved first when the worker could not read it', async () => {
    const failed = request({ state: 'failed', error: 'Outlook could not give us this message: it is still a draft — save or send it first' });
    const api = fakeApi({
      watch: vi.fn(async (_id: string, onState: (r: TrackRequest) => void) => {
        onState(failed);
        return failed;
      }),
    });
    await setup({ api });
    $('track-button').click();
    await flush();
    expect(text('progress')).toBe('failed');
    expect(text('error')).toBe('Outlook could not give us this message: it is still a draft — save it first');
    expect(text('tracking-state')).toBe('Not tracked');
  });

  it('shows a failed click with the reason the server gave', async () => {
    const failed = request({ state: 'failed', error: 'the item no longer exists in the mailbox' });
    const api = fakeApi({ watch: vi.fn(async () => failed) });
    await setup({ api });
    $('track-button').click();
    await flush();
    expect(text('error')).toBe('The item no longer exists in the mailbox');
  });

  it('shows when crmsync cannot be reached on load, and clears the error on the next item', async () => {
    const api = fakeApi({
      itemTracking: vi
        .fn()
        .mockRejectedValueOnce(new ApiError({ status: 0, detail: 'crmsync cannot be reached', network: true, path: '/items', method: 'GET' }))
        .mockResolvedValue(untrackedItem()),
    });
    const { fake } = await setup({ api });
    expect(text('error')).toBe('crmsync cannot be reached');
    fake.changeItem({ itemId: 'ews-3' });
    await flush();
    expect(text('error')).toBe('');
    expect($('error').hidden).toBe(true);
  });

  it('shows when the save of a draft fails', async () => {
    const api = fakeApi();
    await setup({ item: { compose: true, saveError: 'The mailbox is full' }, api });
    $('track-button').click();
    await flush();
    expect(text('error')).toBe('Outlook could not save this draft: The mailbox is full');
    expect(api.track).not.toHaveBeenCalled();
  });
});

describe('synchronization', () => {
  const minute = 60_000;
  const conflict = () => new ApiError({ status: 409, detail: 'synchronization runs on the server in this organisation', path: '/sync', method: 'POST' });
  /** HH:MM of an RFC 3339 time in the local zone, independently of clock. */
  const hhmm = (iso: string) => new Date(iso).toTimeString().slice(0, 5);
  const shown = () => !$('sync').hidden && $('sync-now').closest('[hidden]') === null;

  let visibility: DocumentVisibilityState = 'visible';
  function setVisibility(v: DocumentVisibilityState) {
    visibility = v;
    document.dispatchEvent(new Event('visibilitychange'));
  }
  beforeEach(() => {
    visibility = 'visible';
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
  });
  afterEach(() => {
    delete (document as { visibilityState?: unknown }).visibilityState;
  });

  function clientMode(minutes: number, over: Parameters<typeof fakeApi>[0] = {}) {
    return fakeApi({ me: vi.fn(async () => me({ options: { syncIntervalMinutes: minutes, autoTrack: 'responses' } })), ...over });
  }

  it('in client mode shows Synchronize now and asks once when the pane opens', async () => {
    vi.useFakeTimers();
    const requested = syncRequested({ requestedAt: '2025-05-06T07:08:09Z' });
    const api = clientMode(15, { synchronize: vi.fn(async () => requested) });
    await setup({ api });
    expect(api.me).toHaveBeenCalledTimes(1);
    expect(shown()).toBe(true);
    expect(text('sync-now')).toBe('Synchronize now');
    expect($('sync-now').getAttribute('aria-label')).toBe('Synchronize now');
    expect($('sync-now').tagName).toBe('FLUENT-BUTTON');
    expect(api.synchronize).toHaveBeenCalledTimes(1);
    expect(text('sync-status')).toBe(`Synchronization requested at ${hhmm(requested.requestedAt)}`);
    expect($('sync-status').getAttribute('role')).toBe('status');
    expect(disabled('sync-now')).toBe(false);
  });

  it("asks again at the user's interval while the pane stays open", async () => {
    vi.useFakeTimers();
    const api = clientMode(5);
    const { fake } = await setup({ api });
    expect(api.synchronize).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5 * minute - 1);
    expect(api.synchronize).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(5 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(3);
    // A pinned pane moving to another item keeps the same rhythm: no extra request, no reset.
    await vi.advanceTimersByTimeAsync(2 * minute);
    fake.changeItem({ itemId: 'ews-2' });
    await vi.advanceTimersByTimeAsync(0);
    expect(api.synchronize).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(3 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(4);
    expect(api.me).toHaveBeenCalledTimes(1);
  });

  it('asks at once when the button is clicked, and counts the interval from the click', async () => {
    vi.useFakeTimers();
    const api = clientMode(5);
    await setup({ api });
    await vi.advanceTimersByTimeAsync(2 * minute);
    $('sync-now').click();
    await vi.advanceTimersByTimeAsync(0);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(3 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(2 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(3);
  });

  it('says Synchronizing… and disables the button while the request runs', async () => {
    vi.useFakeTimers();
    const answer = deferred<ReturnType<typeof syncRequested>>();
    const api = clientMode(15, { synchronize: vi.fn(() => answer.promise) });
    await setup({ api });
    expect(text('sync-status')).toBe('Synchronizing…');
    expect(disabled('sync-now')).toBe(true);
    $('sync-now').click();
    expect(api.synchronize).toHaveBeenCalledTimes(1);
    answer.resolve(syncRequested({ requestedAt: '2025-05-06T16:45:00Z' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(text('sync-status')).toBe(`Synchronization requested at ${hhmm('2025-05-06T16:45:00Z')}`);
    expect(disabled('sync-now')).toBe(false);
  });

  it.each([
    ['no network', new ApiError({ status: 0, detail: 'crmsync cannot be reached', network: true, path: '/sync', method: 'POST' }), 'Synchronization failed: crmsync cannot be reached'],
    ['a refused token', new ApiError({ status: 401, detail: 'expired', path: '/sync', method: 'POST' }), 'Synchronization failed: Sign in again'],
    ['a server error', new ApiError({ status: 500, detail: 'the database is not answering', path: '/sync', method: 'POST' }), 'Synchronization failed: The database is not answering'],
  ])('shows %s readably, leaves tracking alone and keeps repeating', async (_name, err, want) => {
    vi.useFakeTimers();
    const api = clientMode(5, { synchronize: vi.fn().mockRejectedValueOnce(err).mockResolvedValue(syncRequested()) });
    await setup({ api });
    expect(text('sync-status')).toBe(want);
    expect($('sync-status').dataset.state).toBe('error');
    expect(shown()).toBe(true);
    expect(disabled('sync-now')).toBe(false);
    expect($('error').hidden).toBe(true);
    expect(disabled('track-button')).toBe(false);
    await vi.advanceTimersByTimeAsync(5 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    expect(text('sync-status')).toBe(`Synchronization requested at ${hhmm(syncRequested().requestedAt)}`);
    expect($('sync-status').dataset.state).toBe('requested');
  });

  it('in server mode hides the button and never asks', async () => {
    vi.useFakeTimers();
    const api = fakeApi({ me: vi.fn(async () => me({ syncMode: 'server' })) });
    await setup({ api });
    expect(shown()).toBe(false);
    $('sync-now').click();
    await vi.advanceTimersByTimeAsync(24 * 60 * minute);
    setVisibility('hidden');
    setVisibility('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(api.synchronize).not.toHaveBeenCalled();
    expect(text('tracking-state')).toBe('Not tracked');
  });

  it('hides the button and stops repeating when the server answers 409 (the mode changed)', async () => {
    vi.useFakeTimers();
    const api = clientMode(5, { synchronize: vi.fn().mockResolvedValueOnce(syncRequested()).mockRejectedValue(conflict()) });
    await setup({ api });
    expect(shown()).toBe(true);
    await vi.advanceTimersByTimeAsync(5 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    expect(shown()).toBe(false);
    expect(text('sync-status')).toBe('');
    expect($('error').hidden).toBe(true);
    await vi.advanceTimersByTimeAsync(60 * minute);
    setVisibility('hidden');
    setVisibility('visible');
    await vi.advanceTimersByTimeAsync(60 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
  });

  it('hides the button when the first request already answers 409', async () => {
    vi.useFakeTimers();
    const api = clientMode(5, { synchronize: vi.fn(async () => Promise.reject(conflict())) });
    await setup({ api });
    expect(shown()).toBe(false);
    await vi.advanceTimersByTimeAsync(60 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(1);
  });

  it('leaves tracking working when /me fails, with no synchronization offered', async () => {
    vi.useFakeTimers();
    const api = fakeApi({
      me: vi.fn(async () => Promise.reject(new ApiError({ status: 500, detail: 'boom', path: '/me', method: 'GET' }))),
      itemTracking: vi.fn().mockResolvedValueOnce(untrackedItem()).mockResolvedValue(trackedItem()),
    });
    await setup({ api });
    expect(shown()).toBe(false);
    expect($('error').hidden).toBe(true);
    expect(text('tracking-state')).toBe('Not tracked');
    $('track-button').click();
    await vi.advanceTimersByTimeAsync(0);
    expect(api.track).toHaveBeenCalledTimes(1);
    expect(text('tracking-state')).toBe('Tracked');
    await vi.advanceTimersByTimeAsync(60 * minute);
    expect(api.synchronize).not.toHaveBeenCalled();
  });

  it('does not wait for /me to show the item', async () => {
    const slowMe = deferred<ReturnType<typeof me>>();
    const api = fakeApi({ me: vi.fn(() => slowMe.promise) });
    await setup({ api });
    expect(api.itemTracking).toHaveBeenCalledWith(restId('ews-1'));
    expect(text('tracking-state')).toBe('Not tracked');
    expect(shown()).toBe(false);
    slowMe.resolve(me());
    await flush();
    expect(shown()).toBe(true);
    expect(api.synchronize).toHaveBeenCalledTimes(1);
  });

  it('pauses while the pane is hidden and catches up when it is shown again', async () => {
    vi.useFakeTimers();
    const api = clientMode(5);
    await setup({ api });
    setVisibility('hidden');
    await vi.advanceTimersByTimeAsync(20 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(1);
    setVisibility('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    // Shown again before one came due: the timer resumes where it was.
    await vi.advanceTimersByTimeAsync(2 * minute);
    setVisibility('hidden');
    setVisibility('visible');
    await vi.advanceTimersByTimeAsync(3 * minute - 1);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(api.synchronize).toHaveBeenCalledTimes(3);
  });

  it('waits for a pane that opens hidden to be shown before the first request', async () => {
    vi.useFakeTimers();
    visibility = 'hidden';
    const api = clientMode(5);
    await setup({ api });
    expect(shown()).toBe(true);
    expect(api.synchronize).not.toHaveBeenCalled();
    setVisibility('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(api.synchronize).toHaveBeenCalledTimes(1);
  });

  it('stops when the pane is destroyed', async () => {
    vi.useFakeTimers();
    const api = clientMode(1);
    const s = await setup({ api });
    s.pane.destroy();
    pane = undefined;
    await vi.advanceTimersByTimeAsync(10 * minute);
    document.dispatchEvent(new Event('visibilitychange'));
    expect(api.synchronize).toHaveBeenCalledTimes(1);
  });

  it('does not stack requests when one outlasts the interval', async () => {
    vi.useFakeTimers();
    const slow = deferred<ReturnType<typeof syncRequested>>();
    const api = clientMode(1, { synchronize: vi.fn().mockReturnValueOnce(slow.promise).mockResolvedValue(syncRequested()) });
    await setup({ api });
    await vi.advanceTimersByTimeAsync(1.5 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(1);
    slow.resolve(syncRequested());
    await vi.advanceTimersByTimeAsync(0.5 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
  });
});

describe('syncIntervalMs and clock', () => {
  it.each([
    [15, 15],
    [5, 5],
    [1, 1],
    [0, 1],
    [0.2, 1],
    [-3, 1],
    [90, 90],
    [10_000, 1440],
    [Number.NaN, 15],
    [undefined, 15],
  ])('an interval of %s minutes runs every %s', (given, want) => {
    expect(syncIntervalMs({ options: { syncIntervalMinutes: given as number, autoTrack: 'none' } })).toBe(want * 60_000);
  });

  it('uses 15 minutes without /me or its options', () => {
    expect(syncIntervalMs(null)).toBe(15 * 60_000);
    expect(syncIntervalMs({} as never)).toBe(15 * 60_000);
  });

  it('gives HH:MM in the local zone, nothing for a bad time', () => {
    const t = new Date(2025, 4, 6, 9, 5, 30);
    expect(clock(t.toISOString())).toBe('09:05');
    expect(clock('not a time')).toBe('');
  });
});

describe('offline', () => {
  // IndexedDB is fake-indexeddb's, which runs on real timers: these tests do not fake them.
  const unreachable = (path: string, method = 'GET') => new ApiError({ status: 0, detail: 'crmsync cannot be reached', network: true, path, method });
  const mailbox = 'alice@contoso.test'; // what the fake Office gives
  let factory: IDBFactory;
  let cache: OfflineCache;
  let debug: ReturnType<typeof vi.spyOn>;

  beforeEach(() => {
    factory = new IDBFactory();
    cache = new OfflineCache({ indexedDB: factory });
    debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    await cache.close();
  });

  /** A cache filled for alice as an earlier session left it. */
  async function filled(records = [fabrikam, northwind, { ...marco, fields: { email: 'marco.rossi@northwindtraders.test' } }]) {
    const earlier = new OfflineCache({ indexedDB: factory });
    await earlier.signIn({ tenantId: 't1', userId: 'u1', mailbox });
    await earlier.refresh({ offline: async () => ({ items: records, removed: [], cursor: 'c1', reset: true, more: false }) });
    await earlier.close();
  }

  /** An API that cannot reach crmsync at all. */
  function offlineApi() {
    return fakeApi({
      me: vi.fn(async () => Promise.reject(unreachable('/me'))),
      itemTracking: vi.fn(async () => Promise.reject(unreachable('/items'))),
      searchRecords: vi.fn(async () => Promise.reject(unreachable('/records'))),
      track: vi.fn(async () => Promise.reject(unreachable('/track', 'POST'))),
      setRegarding: vi.fn(async () => Promise.reject(unreachable('/items', 'PUT'))),
      offline: vi.fn(async () => Promise.reject(unreachable('/offline'))),
      entityTypes: vi.fn(async () => Promise.reject(unreachable('/entity-types'))),
    });
  }

  it('refreshes the offline records in the background after /me, without holding up the item', async () => {
    const answer = deferred<OfflinePage>();
    const api = fakeApi({ offline: vi.fn(() => answer.promise) });
    await setup({ api, offline: cache });
    expect(text('tracking-state')).toBe('Not tracked');
    await vi.waitFor(() => expect(api.offline).toHaveBeenCalledWith({ since: undefined, limit: undefined }));
    expect(root.querySelector('.pane')!.getAttribute('aria-busy')).toBe('false');
    answer.resolve({ items: [fabrikam, northwind], removed: [], cursor: 'c1', reset: true, more: false });
    await vi.waitFor(async () => expect(await cache.count()).toBe(2));
    expect(api.me).toHaveBeenCalledTimes(1);
  });

  it('logs a failed refresh to console.debug and shows nothing', async () => {
    const api = fakeApi({ offline: vi.fn(async () => Promise.reject(new ApiError({ status: 500, detail: 'boom', path: '/offline', method: 'GET' }))) });
    await setup({ api, offline: cache });
    await vi.waitFor(() => expect(debug).toHaveBeenCalledWith(expect.stringContaining('offline'), expect.any(ApiError)));
    expect($('error').hidden).toBe(true);
  });

  it('searches the offline records when crmsync cannot be reached, with a note', async () => {
    await filled();
    await setup({ api: offlineApi(), offline: cache, debounceMs: 0 });
    expect(text('error')).toBe('crmsync cannot be reached'); // the item's tracking could not be read
    type('north');
    await vi.waitFor(() => expect($$('search-result')).toHaveLength(2));
    expect($$('search-result').map((o) => o.dataset.recordId)).toEqual([northwind.id, marco.id]);
    expect(text('search-offline')).toBe(offlineSearchText);
    expect($('search-offline').hidden).toBe(false);
    // An offline record can be picked like any other.
    $$('search-result')[0].click();
    expect(input().value).toBe('Northwind Traders');
    expect(disabled('set-regarding-button')).toBe(false);
  });

  it('says when no offline record matches, and drops the note once crmsync answers again', async () => {
    await filled();
    const api = offlineApi();
    await setup({ api, offline: cache, debounceMs: 0 });
    type('zzz');
    await vi.waitFor(() => expect($('search-offline').hidden).toBe(false));
    expect(root.querySelector('[data-role="search-status"]')!.textContent).toBe('No offline records match “zzz”.');
    api.searchRecords.mockResolvedValue({ items: [fabrikam], nextCursor: '' });
    type('fab');
    await vi.waitFor(() => expect($$('search-result')).toHaveLength(1));
    expect($('search-offline').hidden).toBe(true);
  });

  it("never shows another mailbox's offline records", async () => {
    const earlier = new OfflineCache({ indexedDB: factory });
    await earlier.signIn({ tenantId: 't1', userId: 'u2', mailbox: 'bob@contoso.test' });
    await earlier.refresh({ offline: async () => ({ items: [fabrikam], removed: [], cursor: 'c1', reset: true, more: false }) });
    await earlier.close();
    await setup({ api: offlineApi(), offline: cache, debounceMs: 0 });
    type('fab');
    await vi.waitFor(() => expect(text('error')).toBe('crmsync cannot be reached'));
    expect($$('search-result')).toHaveLength(0);
    expect($('search-offline').hidden).toBe(true);
  });

  it('shows other search failures as before, without the offline records', async () => {
    await filled();
    const api = fakeApi({ searchRecords: vi.fn(async () => Promise.reject(new ApiError({ status: 500, detail: 'the index is rebuilding', path: '/records', method: 'GET' }))) });
    await setup({ api, offline: cache, debounceMs: 0 });
    type('fab');
    await vi.waitFor(() => expect(text('error')).toBe('The index is rebuilding'));
    expect($$('search-result')).toHaveLength(0);
    expect($('search-offline').hidden).toBe(true);
  });

  it('clears the cache and the queue when /me names another user', async () => {
    await filled();
    await cache.enqueue({ action: 'track', itemId: 'alice-item', body: { itemType: 'message' }, queuedAt: '' }, mailbox);
    const api = fakeApi({
      me: vi.fn(async () => me({ userId: 'u2', upn: 'bob@contoso.test' })),
      offline: vi.fn(async () => ({ items: [northwind], removed: [], cursor: 'b1', reset: true, more: false })),
    });
    await setup({ api, offline: cache });
    await vi.waitFor(() => expect(api.offline).toHaveBeenCalled());
    await vi.waitFor(async () => expect(await cache.count()).toBe(1));
    expect(api.offline).toHaveBeenCalledWith({ since: undefined, limit: undefined }); // not alice's cursor
    expect(await cache.search('fab')).toEqual([]);
    expect(api.track).not.toHaveBeenCalled(); // alice's click is not sent as bob
    expect(await cache.queued()).toEqual([]);
  });

  it('keeps a Track click that cannot reach crmsync, and says so', async () => {
    await setup({ api: offlineApi(), offline: cache });
    $('track-button').click();
    await vi.waitFor(() => expect(text('queued')).toBe(queuedText));
    expect($('queued').hidden).toBe(false);
    expect($('error').hidden).toBe(true);
    expect(text('tracking-state')).toBe('Not tracked');
    expect(disabled('track-button')).toBe(false);
    expect(await cache.queued()).toEqual([
      expect.objectContaining({
        action: 'track',
        itemId: restId('ews-1'),
        body: { itemType: 'message', internetMessageId: '<m1@northwind.test>', conversationId: 'conv-1', regarding: undefined },
      }),
    ]);
  });

  it('keeps a Set Regarding click with its record', async () => {
    await filled();
    await setup({ api: offlineApi(), offline: cache, debounceMs: 0 });
    type('fab');
    await vi.waitFor(() => expect($$('search-result')).toHaveLength(1));
    key('Enter');
    $('set-regarding-button').click();
    await vi.waitFor(() => expect(text('queued')).toBe(queuedText));
    expect((await cache.queued()).map((c) => [c.action, c.body.regarding])).toEqual([['setRegarding', { type: 'account', id: fabrikam.id }]]);
  });

  it('does not keep an Untrack click', async () => {
    const api = offlineApi();
    api.itemTracking.mockResolvedValue(trackedItem());
    api.untrack.mockRejectedValue(unreachable('/items', 'DELETE'));
    await setup({ api, offline: cache });
    $('untrack-button').click();
    await vi.waitFor(() => expect(text('error')).toBe('crmsync cannot be reached'));
    expect($('queued').hidden).toBe(true);
    expect(await cache.queued()).toEqual([]);
  });

  it('sends the kept click when the browser comes back online, with the usual progress', async () => {
    const api = offlineApi();
    await setup({ api, offline: cache });
    $('track-button').click();
    await vi.waitFor(() => expect($('queued').hidden).toBe(false));
    // crmsync is back.
    const fresh = fakeApi();
    for (const k of ['me', 'itemTracking', 'offline'] as const) api[k].mockImplementation(fresh[k] as never);
    api.track.mockResolvedValue(request({ state: 'queued' }));
    api.itemTracking.mockResolvedValue(trackedItem());
    window.dispatchEvent(new Event('online'));
    await vi.waitFor(() => expect(text('tracking-state')).toBe('Tracked'));
    expect(api.track).toHaveBeenCalledTimes(2);
    expect(api.track).toHaveBeenLastCalledWith(expect.objectContaining({ itemId: restId('ews-1'), itemType: 'message', internetMessageId: '<m1@northwind.test>' }));
    expect(api.watch).toHaveBeenCalledWith('req-1', expect.any(Function), expect.anything());
    expect(text('progress')).toBe('done');
    expect(text('regarding')).toBe('Fabrikam, Inc.');
    expect($('queued').hidden).toBe(true);
    expect($('error').hidden).toBe(true);
    expect(await cache.queued()).toEqual([]);
    await vi.waitFor(() => expect(api.offline).toHaveBeenCalledTimes(1)); // and the records are refreshed
  });

  it('sends the kept clicks when the pane next opens', async () => {
    await cache.enqueue({ action: 'track', itemId: restId('ews-1'), body: { itemType: 'message' }, queuedAt: '' }, mailbox);
    await cache.enqueue({ action: 'setRegarding', itemId: 'other-item', body: { itemType: 'message', regarding: { type: 'account', id: 'acc-2' } }, queuedAt: '' }, mailbox);
    const api = fakeApi({ track: vi.fn(async () => request({ state: 'queued' })) });
    api.itemTracking.mockResolvedValueOnce(untrackedItem()).mockResolvedValue(trackedItem());
    await setup({ api, offline: cache });
    await vi.waitFor(() => expect(text('tracking-state')).toBe('Tracked'));
    expect(api.track).toHaveBeenCalledWith({ itemId: restId('ews-1'), itemType: 'message' });
    expect(api.setRegarding).toHaveBeenCalledWith('other-item', { itemType: 'message', regarding: { type: 'account', id: 'acc-2' } });
    expect(text('progress')).toBe('done');
    expect(await cache.queued()).toEqual([]);
  });

  it('says a click is kept for an item opened again while crmsync still cannot be reached', async () => {
    await cache.enqueue({ action: 'track', itemId: restId('ews-1'), body: { itemType: 'message' }, queuedAt: '' }, mailbox);
    const { fake } = await setup({ api: offlineApi(), offline: cache });
    await vi.waitFor(() => expect(text('queued')).toBe(queuedText));
    fake.changeItem({ itemId: 'ews-2' });
    await vi.waitFor(() => expect($('queued').hidden).toBe(true));
  });

  it('shows why a kept click was refused for good, and drops it', async () => {
    await cache.enqueue({ action: 'track', itemId: restId('ews-1'), body: { itemType: 'message' }, queuedAt: '' }, mailbox);
    const api = fakeApi({ track: vi.fn(async () => Promise.reject(new ApiError({ status: 404, detail: 'no such message', path: '/track', method: 'POST' }))) });
    await setup({ api, offline: cache });
    await vi.waitFor(() => expect(text('error')).toBe('This item is not in your mailbox'));
    expect($('queued').hidden).toBe(true);
    expect(await cache.queued()).toEqual([]);
  });

  it('stops listening for online when destroyed', async () => {
    const api = offlineApi();
    const s = await setup({ api, offline: cache });
    s.pane.destroy();
    pane = undefined;
    window.dispatchEvent(new Event('online'));
    await flush();
    expect(api.me).toHaveBeenCalledTimes(1);
  });
});
