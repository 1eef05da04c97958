// The offline cache: the records the user's offline sync filters pick (GET /offline), kept in IndexedDB so
// that the regarding search still answers when crmsync cannot be reached, and the Track / Set Regarding
// clicks made meanwhile, sent when it can be reached again.
//
// One database per origin holds one user's data: the records, the cursor of the last complete pass, and
// the queued clicks, with the owner (tenant, user, and the mailbox address Office gave) beside them.
// Privacy: everything is deleted as soon as another user is seen — by /me (signIn), or, before /me could
// answer, by a click queued from another mailbox (enqueue) — and the records are searched only for the
// mailbox they were fetched for (holds). Queued clicks are sent, and records fetched, only once /me has
// named the user in this session (signIn), so one user's clicks never go out with another's token.
//
// At most maxOfflineRecords records are kept: beyond that the least recently updated are dropped, so the
// cache holds the newest 5,000 of what the filters pick (a later change to a dropped record brings it back
// as the newest; a record dropped and never changed again comes back at the next full pass).

import { ApiError, type ApiClient, type CrmRecord, type OfflinePage, type RecordRef, type TrackBody, type TrackRequest } from './api.ts';

/** How many records the cache keeps at most. */
export const maxOfflineRecords = 5000;
/** How many records a search gives at most. */
export const maxOfflineResults = 25;
/** How many answers one refresh reads at most, a guard against a server that always says more. */
const maxPages = 1000;

/** Whose records these are: the user /me named and the mailbox Office gave ('' when it gives none). */
export interface OfflineUser {
  tenantId: string;
  userId: string;
  mailbox: string;
}

/** The clicks that are queued when crmsync cannot be reached. */
export type QueuedAction = 'track' | 'setRegarding';

/** A click waiting to be sent. */
export interface QueuedClick {
  action: QueuedAction;
  itemId: string;
  body: Omit<TrackBody, 'itemId'>;
  /** When it was clicked, RFC 3339. */
  queuedAt: string;
}

/** A queued click as stored, with its place in the queue. */
export interface Queued extends QueuedClick {
  key: number;
}

/** What a refresh did. */
export interface RefreshResult {
  /** The cache was replaced (no cursor yet, or the server reset it). */
  full: boolean;
  pages: number;
  items: number;
  removed: number;
}

/** What replay did: clicks sent, and clicks still waiting (crmsync could not be reached again). */
export interface ReplayResult {
  sent: number;
  left: number;
}

/** What the screen hears while the queue is replayed. */
export interface ReplayHooks {
  /** A click was accepted: r is the request to follow. */
  sent?(click: Queued, r: TrackRequest): void;
  /** A click was refused for good (e.g. the item is gone); it is dropped. */
  dropped?(click: Queued, err: unknown): void;
}

export interface OfflineCacheOptions {
  /** The IndexedDB to use; globalThis.indexedDB by default (tests pass fake-indexeddb's). */
  indexedDB?: IDBFactory;
  /** The database's name; crmsync-offline by default. */
  name?: string;
  maxRecords?: number;
  /** The limit sent with each GET /offline; the server's (1,000) when not set. */
  pageSize?: number;
}

interface Owner extends OfflineUser {
  /** The cursor of the last complete pass; none: the next refresh is a full one. */
  cursor?: string;
}

interface Entry {
  type: string;
  id: string;
  /** updatedAt in ms, for dropping the oldest beyond the cap; 0 when unknown. */
  at: number;
  record: CrmRecord;
}

const records = 'records';
const meta = 'meta';
const queue = 'queue';
const ownerKey = 'owner';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function completion(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new DOMException('the offline cache changed hands', 'AbortError'));
  });
}

function sameUser(a: Pick<OfflineUser, 'tenantId' | 'userId'> | null | undefined, b: Pick<OfflineUser, 'tenantId' | 'userId'>): boolean {
  return !!a && a.tenantId === b.tenantId && a.userId === b.userId;
}

function entryOf(r: CrmRecord): Entry | null {
  if (typeof r?.id !== 'string' || typeof r.type !== 'string' || !r.id || !r.type) return null;
  const record: CrmRecord = { ...r, name: typeof r.name === 'string' ? r.name : '' };
  return { type: r.type, id: r.id, at: Date.parse(r.updatedAt ?? '') || 0, record };
}

/** retryable reports whether a click that failed so may succeed later (it stays queued). */
function retryable(e: unknown): boolean {
  if (!(e instanceof ApiError)) return true; // sign-in trouble, a fetch that threw: try again later
  return e.network || e.status === 0 || e.status === 401 || e.status === 408 || e.status === 429 || e.status >= 500;
}

/** rank orders matches: the name starting with the text, then containing it, then a field containing it. */
function rank(r: CrmRecord, needle: string): number {
  const name = r.name.toLowerCase();
  if (name.startsWith(needle)) return 0;
  if (name.includes(needle)) return 1;
  for (const v of Object.values(r.fields ?? {})) {
    if (typeof v === 'string' && v.toLowerCase().includes(needle)) return 2;
  }
  return -1;
}

/** OfflineCache is the taskpane's offline records and queued clicks. */
export class OfflineCache {
  private readonly factory: IDBFactory | undefined;
  private readonly name: string;
  private readonly maxRecords: number;
  private readonly pageSize: number | undefined;
  private db: Promise<IDBDatabase> | undefined;
  /** The user /me named in this session; refresh and replay wait for it. */
  private user: OfflineUser | undefined;
  private refreshing: Promise<RefreshResult> | undefined;
  private replaying: Promise<ReplayResult> | undefined;

  constructor(opts: OfflineCacheOptions = {}) {
    this.factory = opts.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    this.name = opts.name ?? 'crmsync-offline';
    this.maxRecords = opts.maxRecords ?? maxOfflineRecords;
    this.pageSize = opts.pageSize;
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      if (!this.factory) {
        reject(new Error('IndexedDB is not available'));
        return;
      }
      const r = this.factory.open(this.name, 1);
      r.onupgradeneeded = () => {
        const db = r.result;
        db.createObjectStore(records, { keyPath: ['type', 'id'] }).createIndex('at', 'at');
        db.createObjectStore(meta);
        db.createObjectStore(queue, { keyPath: 'key', autoIncrement: true });
      };
      r.onsuccess = () => {
        const db = r.result;
        db.onversionchange = () => db.close(); // a newer page wants to upgrade: let it
        resolve(db);
      };
      r.onerror = () => reject(r.error);
      r.onblocked = () => reject(new Error('the offline cache is held open by an older crmsync'));
    });
    this.db.catch(() => (this.db = undefined)); // try again next time
    return this.db;
  }

  private async owner(): Promise<Owner | null> {
    const db = await this.open();
    return ((await request(db.transaction(meta).objectStore(meta).get(ownerKey))) as Owner | undefined) ?? null;
  }

  /**
   * signIn records who /me says is signed in. If the cache held another user's records and queued clicks,
   * they are deleted first (privacy: one user never sees, or sends, another's). It reports whether it
   * deleted anything. refresh and replay work only after it.
   */
  async signIn(user: OfflineUser): Promise<boolean> {
    const db = await this.open();
    const tx = db.transaction([records, meta, queue], 'readwrite');
    let cleared = false;
    const get = tx.objectStore(meta).get(ownerKey);
    get.onsuccess = () => {
      const was = get.result as Owner | undefined;
      const same = sameUser(was, user);
      if (was && !same) {
        tx.objectStore(records).clear();
        tx.objectStore(queue).clear();
        cleared = true;
      }
      const now: Owner = { tenantId: user.tenantId, userId: user.userId, mailbox: user.mailbox };
      if (same && was?.cursor) now.cursor = was.cursor;
      tx.objectStore(meta).put(now, ownerKey);
    };
    await completion(tx);
    this.user = { ...user };
    return cleared;
  }

  /** holds reports whether the cache holds records fetched for this mailbox (Office's address). */
  async holds(mailbox: string): Promise<boolean> {
    const o = await this.owner();
    return !!o && o.mailbox === mailbox;
  }

  /**
   * refresh brings the cache up to date with GET /offline: in full (replacing it) when it has no cursor or
   * the server resets it, else the changes since the cursor; answer after answer until more is false,
   * keeping that last cursor. A cursor the server refuses (400) is dropped for one full pass. A pass cut
   * short (an error) keeps what it applied; after a reset the cursor is already gone, so the next refresh
   * is full again. Concurrent calls share one run.
   */
  refresh(api: Pick<ApiClient, 'offline'>): Promise<RefreshResult> {
    this.refreshing ??= this.doRefresh(api).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async doRefresh(api: Pick<ApiClient, 'offline'>): Promise<RefreshResult> {
    const user = this.user;
    if (!user) throw new Error('the offline cache does not know the user yet');
    const owner = await this.owner();
    if (!sameUser(owner, user)) throw new Error('the offline cache changed hands');
    let since = owner?.cursor;
    const result: RefreshResult = { full: !since, pages: 0, items: 0, removed: 0 };
    let restarted = false;
    let first = true;
    for (;;) {
      if (result.pages >= maxPages) throw new Error(`crmsync kept saying more after ${maxPages} answers`);
      let page: OfflinePage;
      try {
        page = await api.offline({ since, limit: this.pageSize });
      } catch (e) {
        if (since && !restarted && e instanceof ApiError && e.status === 400) {
          // The server no longer takes our cursor: everything again.
          restarted = true;
          since = undefined;
          first = true;
          result.full = true;
          continue;
        }
        throw e;
      }
      if (page.more && !page.cursor) throw new Error('crmsync said more but gave no cursor');
      const reset = page.reset || (first && !since);
      if (reset) result.full = true;
      await this.apply(user, page, reset);
      result.pages++;
      result.items += page.items?.length ?? 0;
      result.removed += page.removed?.length ?? 0;
      if (!page.more) return result;
      since = page.cursor;
      first = false;
    }
  }

  /** apply writes one answer in one transaction, which aborts if the cache changed hands meanwhile. */
  private async apply(user: OfflineUser, page: OfflinePage, reset: boolean): Promise<void> {
    const db = await this.open();
    const tx = db.transaction([records, meta], 'readwrite');
    const recs = tx.objectStore(records);
    const get = tx.objectStore(meta).get(ownerKey);
    get.onsuccess = () => {
      const owner = get.result as Owner | undefined;
      if (!owner || !sameUser(owner, user)) {
        tx.abort();
        return;
      }
      const next: Owner = { ...owner };
      if (reset) {
        recs.clear();
        delete next.cursor; // until this pass is complete
      }
      for (const r of page.removed ?? ([] as RecordRef[])) {
        if (typeof r?.type === 'string' && typeof r.id === 'string') recs.delete([r.type, r.id]);
      }
      for (const r of page.items ?? []) {
        const e = entryOf(r);
        if (e) recs.put(e);
      }
      if (!page.more) next.cursor = page.cursor;
      tx.objectStore(meta).put(next, ownerKey);
      // Beyond the cap, the least recently updated go.
      const count = recs.count();
      count.onsuccess = () => {
        let extra = count.result - this.maxRecords;
        if (extra <= 0) return;
        const cur = recs.index('at').openCursor();
        cur.onsuccess = () => {
          const c = cur.result;
          if (!c || extra <= 0) return;
          c.delete();
          extra--;
          c.continue();
        };
      };
    };
    await completion(tx);
  }

  /**
   * search finds records whose name or any string field contains text, ignoring case, of the given types
   * (all when none): names starting with it first, then names containing it, then field matches, each by
   * name; at most 25, in the regarding search's shape.
   */
  async search(text: string, types?: string[]): Promise<CrmRecord[]> {
    const needle = text.trim().toLowerCase();
    if (!needle) return [];
    const db = await this.open();
    const all = (await request(db.transaction(records).objectStore(records).getAll())) as Entry[];
    const wanted = types && types.length > 0 ? new Set(types) : null;
    const found: { r: CrmRecord; rank: number }[] = [];
    for (const e of all) {
      if (wanted && !wanted.has(e.type)) continue;
      const n = rank(e.record, needle);
      if (n >= 0) found.push({ r: e.record, rank: n });
    }
    found.sort((a, b) => a.rank - b.rank || a.r.name.localeCompare(b.r.name) || a.r.type.localeCompare(b.r.type) || a.r.id.localeCompare(b.r.id));
    return found.slice(0, maxOfflineResults).map((f) => f.r);
  }

  /** count is how many records the cache holds. */
  async count(): Promise<number> {
    const db = await this.open();
    return request(db.transaction(records).objectStore(records).count());
  }

  /**
   * enqueue keeps a click for later, replacing an earlier one of the same action on the same item. mailbox
   * is Office's address: a click from another mailbox than the cache's deletes that other user's data first.
   */
  async enqueue(click: QueuedClick, mailbox: string): Promise<void> {
    const db = await this.open();
    const tx = db.transaction([records, meta, queue], 'readwrite');
    const q = tx.objectStore(queue);
    const get = tx.objectStore(meta).get(ownerKey);
    get.onsuccess = () => {
      const owner = get.result as Owner | undefined;
      if (owner && owner.mailbox !== mailbox) {
        tx.objectStore(records).clear();
        q.clear();
        tx.objectStore(meta).delete(ownerKey);
      }
      const all = q.getAll();
      all.onsuccess = () => {
        for (const c of all.result as Queued[]) {
          if (c.itemId === click.itemId && c.action === click.action) q.delete(c.key);
        }
        q.add({ action: click.action, itemId: click.itemId, body: click.body, queuedAt: click.queuedAt });
      };
    };
    await completion(tx);
    if (this.user && this.user.mailbox !== mailbox) this.user = undefined;
  }

  /** queued lists the waiting clicks in the order they were made, only those on itemId when given. */
  async queued(itemId?: string): Promise<Queued[]> {
    const db = await this.open();
    const all = (await request(db.transaction(queue).objectStore(queue).getAll())) as Queued[];
    return itemId === undefined ? all : all.filter((c) => c.itemId === itemId);
  }

  /** forget drops the waiting clicks of an action on an item (it was just sent directly). */
  async forget(itemId: string, action: QueuedAction): Promise<void> {
    for (const c of await this.queued(itemId)) {
      if (c.action === action) await this.remove(c.key);
    }
  }

  private async remove(key: number): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(queue, 'readwrite');
    tx.objectStore(queue).delete(key);
    await completion(tx);
  }

  /**
   * replay sends the waiting clicks in order (Track is idempotent per user, item and action, so a replay
   * that races the original is harmless). It stops at the first that fails in a way that may pass (no
   * connection, sign-in, 5xx), keeping it and those after; one refused for good is dropped. Concurrent
   * calls share one run.
   */
  replay(api: Pick<ApiClient, 'track' | 'setRegarding'>, hooks: ReplayHooks = {}): Promise<ReplayResult> {
    this.replaying ??= this.doReplay(api, hooks).finally(() => (this.replaying = undefined));
    return this.replaying;
  }

  private async doReplay(api: Pick<ApiClient, 'track' | 'setRegarding'>, hooks: ReplayHooks): Promise<ReplayResult> {
    if (!this.user) throw new Error('the offline cache does not know the user yet');
    const waiting = await this.queued();
    let sent = 0;
    for (const [i, c] of waiting.entries()) {
      let r: TrackRequest;
      try {
        r = c.action === 'track' ? await api.track({ itemId: c.itemId, ...c.body }) : await api.setRegarding(c.itemId, c.body);
      } catch (e) {
        if (retryable(e)) return { sent, left: waiting.length - i };
        await this.remove(c.key);
        hooks.dropped?.(c, e);
        continue;
      }
      await this.remove(c.key);
      sent++;
      hooks.sent?.(c, r);
    }
    return { sent, left: 0 };
  }

  /** clear deletes everything: records, cursor, owner and queued clicks. */
  async clear(): Promise<void> {
    const db = await this.open();
    const tx = db.transaction([records, meta, queue], 'readwrite');
    tx.objectStore(records).clear();
    tx.objectStore(meta).clear();
    tx.objectStore(queue).clear();
    await completion(tx);
    this.user = undefined;
  }

  /** close closes the database (tests; a page simply goes away). */
  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db) (await db.catch(() => null))?.close();
  }
}
