// Tests of the taskpane: the offline records and queued clicks.

import { describe, expect, it, vi, afterEach, beforeEach } from 'vitest';
import { ApiError, type OfflinePage } from '../api.ts';
import { IDBFactory } from 'fake-indexeddb';
import { OfflineCache } from '../offline.ts';
import { offlineSearchText, queuedText } from '../taskpane.ts';
import { deferred, fabrikam, fakeApi, flush, marco, me, northwind, request, restId, trackedItem, untrackedItem } from '../testing/fakes.ts';
import { $, $$, disabled, forgetPane, input, key, root, setup, text, type, usePane } from '../testing/pane.ts';

usePane();
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
    const api = fakeApi({
      searchRecords: vi.fn(async () => Promise.reject(new ApiError({ status: 500, detail: 'the index is rebuilding', path: '/records', method: 'GET' }))),
    });
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
    expect(api.track).toHaveBeenLastCalledWith(
      expect.objectContaining({ itemId: restId('ews-1'), itemType: 'message', internetMessageId: '<m1@northwind.test>' }),
    );
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
    await cache.enqueue(
      { action: 'setRegarding', itemId: 'other-item', body: { itemType: 'message', regarding: { type: 'account', id: 'acc-2' } }, queuedAt: '' },
      mailbox,
    );
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
    forgetPane();
    window.dispatchEvent(new Event('online'));
    await flush();
    expect(api.me).toHaveBeenCalledTimes(1);
  });
});
