import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type CrmRecord, type OfflinePage } from './api.ts';
import { maxOfflineRecords, OfflineCache, type OfflineUser } from './offline.ts';
import { request } from './testing/fakes.ts';

const alice: OfflineUser = { tenantId: 't1', userId: 'u1', mailbox: 'alice@contoso.test' };
const bob: OfflineUser = { tenantId: 't1', userId: 'u2', mailbox: 'bob@contoso.test' };

function rec(id: string, name: string, over: Partial<CrmRecord> = {}): CrmRecord {
  return { id, type: 'account', name, ownerId: 'u1', fields: {}, version: 1, createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z', ...over };
}

const fabrikam = rec('acc-1', 'Fabrikam, Inc.', { fields: { city: 'Redmond', employees: 120 } });
const northwind = rec('acc-2', 'Northwind Traders', { fields: { city: 'Seattle' } });
const marco = rec('con-1', 'Marco Rossi', { type: 'contact', fields: { email: 'marco.rossi@northwindtraders.test' } });

function page(over: Partial<OfflinePage> = {}): OfflinePage {
  return { items: [], removed: [], cursor: 'c-end', reset: false, more: false, ...over };
}

/** offlineApi answers GET /offline from a table: since (or '' for none) → answer or error. */
function offlineApi(answers: Record<string, OfflinePage | Error | (() => OfflinePage | Promise<OfflinePage>)>) {
  const offline = vi.fn(async (opts: { since?: string; limit?: number } = {}) => {
    const a = answers[opts.since ?? ''];
    if (a === undefined) throw new Error(`no answer for since=${opts.since}`);
    if (a instanceof Error) throw a;
    return typeof a === 'function' ? a() : a;
  });
  return { offline };
}

const network = () => new ApiError({ status: 0, detail: 'crmsync cannot be reached', network: true, path: '/offline', method: 'GET' });
const names = (rs: CrmRecord[]) => rs.map((r) => r.name);

let cache: OfflineCache;
let factory: IDBFactory;

beforeEach(() => {
  factory = new IDBFactory();
  cache = new OfflineCache({ indexedDB: factory });
});

afterEach(async () => {
  await cache.close();
});

describe('refresh', () => {
  it('a full refresh fills the cache and the search finds by name and by string field, ignoring case', async () => {
    await cache.signIn(alice);
    const api = offlineApi({ '': page({ items: [fabrikam, northwind, marco], reset: true, cursor: 'c1' }) });
    expect(await cache.refresh(api)).toEqual({ full: true, pages: 1, items: 3, removed: 0 });
    expect(api.offline).toHaveBeenCalledWith({ since: undefined, limit: undefined });
    expect(names(await cache.search('FAB'))).toEqual(['Fabrikam, Inc.']);
    expect(names(await cache.search('seattle'))).toEqual(['Northwind Traders']);
    expect(names(await cache.search('northwind'))).toEqual(['Northwind Traders', 'Marco Rossi']); // name first, then a field
    expect(names(await cache.search('120'))).toEqual([]); // only string fields
    expect(names(await cache.search('  '))).toEqual([]);
    expect(await cache.search('rossi')).toEqual([marco]); // the shape the regarding search uses
  });

  it('an incremental refresh upserts items and deletes removed, from the kept cursor', async () => {
    await cache.signIn(alice);
    const renamed = { ...northwind, name: 'Northwind Traders Ltd', version: 2 };
    const api = offlineApi({
      '': page({ items: [fabrikam, northwind, marco], reset: true, cursor: 'c1' }),
      c1: page({ items: [renamed, rec('acc-3', 'Contoso Pharmaceuticals')], removed: [{ type: 'contact', id: 'con-1' }, { type: 'lead', id: 'never-held' }], cursor: 'c2' }),
      c2: page({ cursor: 'c3' }),
    });
    await cache.refresh(api);
    expect(await cache.refresh(api)).toEqual({ full: false, pages: 1, items: 2, removed: 2 });
    expect(api.offline).toHaveBeenLastCalledWith({ since: 'c1', limit: undefined });
    expect(await cache.count()).toBe(3);
    expect(names(await cache.search('northwind'))).toEqual(['Northwind Traders Ltd']);
    expect(await cache.search('marco')).toEqual([]);
    expect(names(await cache.search('contoso'))).toEqual(['Contoso Pharmaceuticals']);
    await cache.refresh(api);
    expect(api.offline).toHaveBeenLastCalledWith({ since: 'c2', limit: undefined });
  });

  it('an answer with reset replaces the cache', async () => {
    await cache.signIn(alice);
    const api = offlineApi({
      '': page({ items: [fabrikam, northwind], reset: true, cursor: 'c1' }),
      // the filters changed on the server: a full set comes back for the old cursor
      c1: page({ items: [marco], reset: true, cursor: 'c2' }),
    });
    await cache.refresh(api);
    expect(await cache.refresh(api)).toMatchObject({ full: true, items: 1 });
    expect(await cache.count()).toBe(1);
    expect(await cache.search('fab')).toEqual([]);
    expect(names(await cache.search('marco'))).toEqual(['Marco Rossi']);
  });

  it('pages until more is false, and keeps only the last cursor', async () => {
    await cache.signIn(alice);
    const api = offlineApi({
      '': page({ items: [fabrikam], reset: true, more: true, cursor: 'p1' }),
      p1: page({ items: [northwind], more: true, cursor: 'p2' }),
      p2: page({ items: [marco], cursor: 'done' }),
      done: page({ cursor: 'done2' }),
    });
    expect(await cache.refresh(api)).toEqual({ full: true, pages: 3, items: 3, removed: 0 });
    expect(api.offline.mock.calls.map((c) => c[0]?.since)).toEqual([undefined, 'p1', 'p2']);
    expect(await cache.count()).toBe(3); // the later answers of a full pass add, they do not replace
    await cache.refresh(api);
    expect(api.offline).toHaveBeenLastCalledWith({ since: 'done', limit: undefined });
  });

  it('sends its page size as the limit', async () => {
    await cache.close();
    cache = new OfflineCache({ indexedDB: factory, pageSize: 200 });
    await cache.signIn(alice);
    const api = offlineApi({ '': page({ reset: true }) });
    await cache.refresh(api);
    expect(api.offline).toHaveBeenCalledWith({ since: undefined, limit: 200 });
  });

  it('after a full pass cut short, the next refresh is full again; an incremental one cut short starts from the old cursor', async () => {
    await cache.signIn(alice);
    const answers: Parameters<typeof offlineApi>[0] = {
      '': page({ items: [fabrikam], reset: true, more: true, cursor: 'p1' }),
      p1: network(),
    };
    const api = offlineApi(answers);
    await expect(cache.refresh(api)).rejects.toMatchObject({ network: true });
    expect(await cache.count()).toBe(1); // what came is searchable meanwhile
    answers.p1 = page({ items: [northwind], cursor: 'c1' });
    await cache.refresh(api);
    expect(api.offline.mock.calls.map((c) => c[0]?.since)).toEqual([undefined, 'p1', undefined, 'p1']);
    answers.c1 = page({ items: [marco], more: true, cursor: 'q1' });
    answers.q1 = network();
    await expect(cache.refresh(api)).rejects.toMatchObject({ network: true });
    answers.q1 = page({ cursor: 'c2' });
    await cache.refresh(api);
    expect(api.offline.mock.calls.slice(4).map((c) => c[0]?.since)).toEqual(['c1', 'q1', 'c1', 'q1']);
    expect(await cache.count()).toBe(3);
  });

  it('starts over in full once when the server refuses the cursor (400)', async () => {
    await cache.signIn(alice);
    const answers: Parameters<typeof offlineApi>[0] = { '': page({ items: [fabrikam], reset: true, cursor: 'c1' }) };
    const api = offlineApi(answers);
    await cache.refresh(api);
    answers.c1 = new ApiError({ status: 400, detail: 'The cursor is not valid', path: '/offline', method: 'GET' });
    answers[''] = page({ items: [northwind], reset: true, cursor: 'c9' });
    expect(await cache.refresh(api)).toMatchObject({ full: true, items: 1 });
    expect(names(await cache.search('n'))).toEqual(['Northwind Traders']);
  });

  it('shares one run between concurrent calls', async () => {
    await cache.signIn(alice);
    const api = offlineApi({ '': page({ items: [fabrikam], reset: true }) });
    const [a, b] = await Promise.all([cache.refresh(api), cache.refresh(api)]);
    expect(a).toBe(b);
    expect(api.offline).toHaveBeenCalledTimes(1);
  });

  it('waits for the user: no refresh or replay before signIn', async () => {
    const api = offlineApi({ '': page() });
    await expect(cache.refresh(api)).rejects.toThrow(/user/);
    await expect(cache.replay({ track: vi.fn(), setRegarding: vi.fn() })).rejects.toThrow(/user/);
    expect(api.offline).not.toHaveBeenCalled();
  });

  it(`keeps the ${maxOfflineRecords.toLocaleString('en')} most recently updated records`, async () => {
    await cache.signIn(alice);
    const at = (i: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();
    const all = Array.from({ length: maxOfflineRecords + 20 }, (_, i) => rec(`acc-${i}`, `Account ${String(i).padStart(5, '0')}`, { updatedAt: at(i) }));
    const api = offlineApi({
      '': page({ items: all.slice(0, 1000), reset: true, more: true, cursor: 'p1' }),
      p1: page({ items: all.slice(1000), cursor: 'c1' }),
      c1: page({ items: [{ ...all[3], name: 'Account 00003 renamed', updatedAt: at(99_999) }], cursor: 'c2' }),
    });
    await cache.refresh(api);
    expect(await cache.count()).toBe(maxOfflineRecords);
    expect(await cache.search('Account 00019')).toEqual([]); // among the 20 oldest, dropped
    expect(names(await cache.search('Account 00020'))).toEqual(['Account 00020']);
    // A change makes a dropped record the newest: it comes back, and the oldest kept goes.
    await cache.refresh(api);
    expect(await cache.count()).toBe(maxOfflineRecords);
    expect(names(await cache.search('Account 00003'))).toEqual(['Account 00003 renamed']);
    expect(await cache.search('Account 00020')).toEqual([]);
  });
});

describe('search', () => {
  it('gives at most 25, names starting with the text first, then by name, of the types asked for', async () => {
    await cache.signIn(alice);
    const many = Array.from({ length: 40 }, (_, i) => rec(`acc-${i}`, `Blue ${String(i).padStart(2, '0')}`));
    const api = offlineApi({ '': page({ items: [rec('con-9', 'Navy blue', { type: 'contact' }), ...many, marco], reset: true }) });
    await cache.refresh(api);
    const found = await cache.search('blue');
    expect(found).toHaveLength(25);
    expect(found[0].name).toBe('Blue 00');
    expect(found[24].name).toBe('Blue 24');
    expect(names(await cache.search('blue', ['contact']))).toEqual(['Navy blue']);
    expect(await cache.search('blue', ['lead'])).toEqual([]);
  });
});

describe('privacy', () => {
  it('clears the records, the cursor and the queue when another user signs in', async () => {
    expect(await cache.signIn(alice)).toBe(false);
    const api = offlineApi({ '': page({ items: [fabrikam], reset: true, cursor: 'c1' }), c1: page({ cursor: 'c2' }) });
    await cache.refresh(api);
    await cache.enqueue({ action: 'track', itemId: 'item-1', body: { itemType: 'message' }, queuedAt: '2025-05-06T07:08:09Z' }, alice.mailbox);
    expect(await cache.signIn(alice)).toBe(false); // the same user again keeps everything
    await cache.refresh(api);
    expect(api.offline).toHaveBeenLastCalledWith({ since: 'c1', limit: undefined });

    expect(await cache.signIn(bob)).toBe(true);
    expect(await cache.count()).toBe(0);
    expect(await cache.queued()).toEqual([]);
    expect(await cache.holds(alice.mailbox)).toBe(false);
    await cache.refresh(offlineApi({ '': page({ items: [northwind], reset: true }) }));
    expect(names(await cache.search('n'))).toEqual(['Northwind Traders']);
  });

  it('a user in another tenant with the same id is another user', async () => {
    await cache.signIn(alice);
    await cache.refresh(offlineApi({ '': page({ items: [fabrikam], reset: true }) }));
    expect(await cache.signIn({ ...alice, tenantId: 't2' })).toBe(true);
    expect(await cache.count()).toBe(0);
  });

  it('holds records only for the mailbox they were fetched for', async () => {
    expect(await cache.holds(alice.mailbox)).toBe(false);
    await cache.signIn(alice);
    expect(await cache.holds(alice.mailbox)).toBe(true);
    expect(await cache.holds(bob.mailbox)).toBe(false);
    // Another instance (the pane opened again, offline) sees the same owner.
    const again = new OfflineCache({ indexedDB: factory });
    expect(await again.holds(alice.mailbox)).toBe(true);
    await again.close();
  });

  it('does not apply an answer that arrives after another user signed in', async () => {
    await cache.signIn(alice);
    const other = new OfflineCache({ indexedDB: factory });
    const api = offlineApi({
      '': async () => {
        await other.signIn(bob);
        return page({ items: [fabrikam], reset: true });
      },
    });
    await expect(cache.refresh(api)).rejects.toThrow(/changed hands/);
    expect(await other.count()).toBe(0);
    expect(await other.holds(bob.mailbox)).toBe(true);
    await other.close();
  });

  it("a click queued from another mailbox deletes the previous user's records", async () => {
    await cache.signIn(alice);
    await cache.refresh(offlineApi({ '': page({ items: [fabrikam], reset: true }) }));
    await cache.enqueue({ action: 'track', itemId: 'bob-item', body: { itemType: 'message' }, queuedAt: '2025-05-06T07:08:09Z' }, bob.mailbox);
    expect(await cache.count()).toBe(0);
    expect(await cache.holds(alice.mailbox)).toBe(false);
    // bob's click waits for bob: signing in as bob keeps it.
    expect(await cache.signIn(bob)).toBe(false);
    expect((await cache.queued()).map((c) => c.itemId)).toEqual(['bob-item']);
  });

  it('clear deletes everything', async () => {
    await cache.signIn(alice);
    await cache.refresh(offlineApi({ '': page({ items: [fabrikam], reset: true }) }));
    await cache.enqueue({ action: 'track', itemId: 'i', body: { itemType: 'message' }, queuedAt: '' }, alice.mailbox);
    await cache.clear();
    expect(await cache.count()).toBe(0);
    expect(await cache.queued()).toEqual([]);
    expect(await cache.holds(alice.mailbox)).toBe(false);
  });
});

describe('queued clicks', () => {
  const click = (itemId: string, action: 'track' | 'setRegarding' = 'track', regarding?: { type: string; id: string }) => ({
    action,
    itemId,
    body: { itemType: 'message' as const, internetMessageId: `<${itemId}@test>`, regarding },
    queuedAt: '2025-05-06T07:08:09Z',
  });

  it('keeps one click per item and action, the last, in order', async () => {
    await cache.enqueue(click('i1'), alice.mailbox);
    await cache.enqueue(click('i2'), alice.mailbox);
    await cache.enqueue(click('i1', 'track', { type: 'account', id: 'acc-1' }), alice.mailbox);
    await cache.enqueue(click('i2', 'setRegarding', { type: 'account', id: 'acc-2' }), alice.mailbox);
    const q = await cache.queued();
    expect(q.map((c) => [c.itemId, c.action, c.body.regarding?.id])).toEqual([
      ['i2', 'track', undefined],
      ['i1', 'track', 'acc-1'],
      ['i2', 'setRegarding', 'acc-2'],
    ]);
    expect((await cache.queued('i2')).map((c) => c.action)).toEqual(['track', 'setRegarding']);
    await cache.forget('i2', 'track');
    expect((await cache.queued('i2')).map((c) => c.action)).toEqual(['setRegarding']);
  });

  it('replays in order and empties the queue', async () => {
    await cache.signIn(alice);
    await cache.enqueue(click('i1', 'track', { type: 'account', id: 'acc-1' }), alice.mailbox);
    await cache.enqueue(click('i2', 'setRegarding', { type: 'account', id: 'acc-2' }), alice.mailbox);
    const api = { track: vi.fn(async () => request({ id: 'r1' })), setRegarding: vi.fn(async () => request({ id: 'r2', action: 'set_regarding' })) };
    const sent = vi.fn();
    expect(await cache.replay(api, { sent })).toEqual({ sent: 2, left: 0 });
    expect(api.track).toHaveBeenCalledWith({ itemId: 'i1', itemType: 'message', internetMessageId: '<i1@test>', regarding: { type: 'account', id: 'acc-1' } });
    expect(api.setRegarding).toHaveBeenCalledWith('i2', { itemType: 'message', internetMessageId: '<i2@test>', regarding: { type: 'account', id: 'acc-2' } });
    expect(sent.mock.calls.map(([c, r]) => [c.itemId, r.id])).toEqual([
      ['i1', 'r1'],
      ['i2', 'r2'],
    ]);
    expect(await cache.queued()).toEqual([]);
  });

  it('stops at a click that still cannot be sent, keeping it and those after; drops one refused for good', async () => {
    await cache.signIn(alice);
    await cache.enqueue(click('gone'), alice.mailbox);
    await cache.enqueue(click('i1'), alice.mailbox);
    await cache.enqueue(click('i2'), alice.mailbox);
    const gone = new ApiError({ status: 404, detail: 'your mailbox has no message with this id', path: '/track', method: 'POST' });
    const api = {
      track: vi.fn(async (b: { itemId?: string }) => {
        if (b.itemId === 'gone') throw gone;
        if (b.itemId === 'i1') throw network();
        return request();
      }),
      setRegarding: vi.fn(),
    };
    const dropped = vi.fn();
    expect(await cache.replay(api, { dropped })).toEqual({ sent: 0, left: 2 });
    expect(dropped).toHaveBeenCalledWith(expect.objectContaining({ itemId: 'gone' }), gone);
    expect(api.track).toHaveBeenCalledTimes(2);
    expect((await cache.queued()).map((c) => c.itemId)).toEqual(['i1', 'i2']);
    api.track.mockImplementation(async () => request());
    expect(await cache.replay(api)).toEqual({ sent: 2, left: 0 });
  });

  it.each([
    ['a server error', new ApiError({ status: 503, detail: 'busy', path: '/track', method: 'POST' })],
    ['a refused token', new ApiError({ status: 401, detail: 'expired', path: '/track', method: 'POST' })],
    ['a sign-in failure', new Error('Office could not sign you in')],
  ])('keeps a click after %s', async (_name, err) => {
    await cache.signIn(alice);
    await cache.enqueue(click('i1'), alice.mailbox);
    expect(await cache.replay({ track: vi.fn(async () => Promise.reject(err)), setRegarding: vi.fn() })).toEqual({ sent: 0, left: 1 });
    expect(await cache.queued()).toHaveLength(1);
  });

  it('survives the pane closing: a new instance replays what the last one queued', async () => {
    await cache.enqueue(click('i1'), alice.mailbox);
    await cache.close();
    cache = new OfflineCache({ indexedDB: factory });
    await cache.signIn(alice);
    const api = { track: vi.fn(async () => request()), setRegarding: vi.fn() };
    expect(await cache.replay(api)).toEqual({ sent: 1, left: 0 });
  });
});

describe('without IndexedDB', () => {
  it('fails each call, so the caller can ignore it', async () => {
    const none = new OfflineCache({ indexedDB: undefined, name: 'x' });
    // globalThis.indexedDB is not defined under jsdom
    await expect(none.search('a')).rejects.toThrow(/IndexedDB/);
    await expect(none.signIn(alice)).rejects.toThrow(/IndexedDB/);
  });
});
