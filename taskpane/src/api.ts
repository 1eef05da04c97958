// A typed client for crmsync's API (/api/v1). Problems (application/problem+json) become ApiError with
// the server's readable detail; a network failure becomes an ApiError with network set.

import type { ItemType } from './office.ts';

/** A record of some type, by id. */
export interface RecordRef {
  type: string;
  id: string;
}

/** The record an activity is about, with its name. */
export interface Regarding extends RecordRef {
  name?: string;
}

/** A sender, recipient or attendee, and the record its address resolved to (null: not in CRM). */
export interface Party {
  role: string;
  address: string;
  name: string;
  record: RecordRef | null;
}

/** A CRM activity (email, appointment or task). */
export interface Activity {
  id: string;
  type: string;
  subject: string;
  regarding: Regarding | null;
  parties: Party[] | null;
  internetMessageId?: string;
  conversationId?: string;
}

/** A CRM record. */
export interface CrmRecord {
  id: string;
  type: string;
  name: string;
  ownerId?: string;
  fields?: Record<string, unknown>;
  version?: number;
  createdAt?: string;
  updatedAt?: string;
}

/** A record type. */
export interface EntityType {
  name: string;
  displayName: string;
  pluralName: string;
  builtIn: boolean;
}

/** A page of a list. */
export interface Page<T> {
  items: T[];
  nextCursor: string;
}

/** The states of a Track, Set Regarding or Untrack click. */
export type TrackState = 'queued' | 'processing' | 'done' | 'failed';

/** A click being worked (GET /track/{id}). */
export interface TrackRequest {
  id: string;
  state: TrackState;
  action: string;
  itemId: string;
  itemType: string;
  regarding: RecordRef | null;
  activity: Activity | null;
  record: CrmRecord | null;
  error?: string;
  updatedAt?: string;
}

/** Whether an Outlook item is tracked (GET /items/{id}/tracking). */
export interface ItemTracking {
  itemId: string;
  tracked: boolean;
  itemType?: string;
  activity: Activity | null;
  record: CrmRecord | null;
  pending: TrackRequest | null;
  reason?: string;
}

/**
 * How the tenant synchronizes mailboxes: client — only while the user has the add-in open, which asks
 * with POST /sync; server — in the background, where POST /sync is refused (409).
 */
export type SyncMode = 'client' | 'server';

/** The caller's personal options, the tenant's defaults where they chose none. */
export interface MyOptions {
  syncIntervalMinutes: number;
  autoTrack: string;
}

/** The caller (GET /me). */
export interface Me {
  userId: string;
  tenantId: string;
  upn: string;
  displayName?: string;
  roles: string[];
  syncMode: SyncMode;
  options: MyOptions;
}

/** A manual synchronization the server accepted (POST /sync, 202). */
export interface SyncRequested {
  mailbox: string;
  queued: boolean;
  /** When the server recorded the request, RFC 3339. */
  requestedAt: string;
}

/**
 * One answer of GET /offline: the records the user's offline filters pick. reset: a full set (the cache is
 * replaced); otherwise upsert items and delete removed. While more is true, ask again with cursor; keep the
 * cursor of the answer with more false for the next incremental call.
 */
export interface OfflinePage {
  items: CrmRecord[];
  removed: RecordRef[];
  cursor: string;
  reset: boolean;
  more: boolean;
}

/** What a Track or Set Regarding click sends. */
export interface TrackBody {
  itemId?: string;
  itemType: ItemType;
  internetMessageId?: string;
  conversationId?: string;
  regarding?: RecordRef;
}

/** A field error of a validation problem. */
export interface FieldError {
  field: string;
  message: string;
}

/** ApiError is a failed call: the problem's detail, its field errors, or that crmsync cannot be reached. */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly errors: FieldError[];
  readonly network: boolean;
  /** The path of the call, e.g. /track, so the screen can say what a 404 means there. */
  readonly path: string;
  readonly method: string;
  constructor(init: { status: number; detail: string; errors?: FieldError[]; network?: boolean; path: string; method: string }) {
    const errors = init.errors ?? [];
    const fields = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    super(fields ? `${init.detail} (${fields})` : init.detail);
    this.name = 'ApiError';
    this.status = init.status;
    this.detail = init.detail;
    this.errors = errors;
    this.network = init.network ?? false;
    this.path = init.path;
    this.method = init.method;
  }
}

/** WatchOptions tune watch. */
export interface WatchOptions {
  signal?: AbortSignal;
  /** How often to poll GET /track/{id} when the event stream is not available; 500 ms by default. */
  pollMs?: number;
}

/** ApiClient is what the screens use. */
export interface ApiClient {
  me(): Promise<Me>;
  entityTypes(): Promise<EntityType[]>;
  searchRecords(search: string, opts?: { type?: string; limit?: number; signal?: AbortSignal }): Promise<Page<CrmRecord>>;
  getRecord(type: string, id: string): Promise<CrmRecord>;
  track(body: TrackBody): Promise<TrackRequest>;
  trackRequest(id: string): Promise<TrackRequest>;
  itemTracking(itemId: string): Promise<ItemTracking>;
  setRegarding(itemId: string, body: TrackBody): Promise<TrackRequest>;
  untrack(itemId: string): Promise<TrackRequest>;
  /**
   * synchronize asks for the caller's mailbox to synchronize now (client mode). In server mode the
   * server refuses it: an ApiError with status 409.
   */
  synchronize(): Promise<SyncRequested>;
  /** offline reads the records kept for use without a connection: all of them, or the changes since a cursor. */
  offline(opts?: { since?: string; limit?: number }): Promise<OfflinePage>;
  /**
   * watch follows a click until it is done or failed, calling onState for each state seen, and returns
   * the last. It reads the server-sent events of /track/{id}/events with fetch (EventSource cannot send
   * the Authorization header) and polls GET /track/{id} when the stream is not available or ends early.
   */
  watch(id: string, onState: (r: TrackRequest) => void, opts?: WatchOptions): Promise<TrackRequest>;
}

/** ApiDeps is what createApi needs. */
export interface ApiDeps {
  /** The API's base, e.g. /api/v1. */
  base: string;
  token(): Promise<string>;
  /** Called when the API refuses a token, before the one retry with a fresh token. */
  invalidateToken?(): void;
  fetch?: typeof fetch;
}

/** isOpen reports whether a click is still being worked. */
export function isOpen(r: Pick<TrackRequest, 'state'>): boolean {
  return r.state === 'queued' || r.state === 'processing';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function problemOf(res: Response, method: string, path: string): Promise<ApiError> {
  let detail = '';
  let errors: FieldError[] = [];
  try {
    const body = (await res.json()) as { detail?: unknown; title?: unknown; errors?: unknown };
    detail = typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : '';
    if (Array.isArray(body.errors)) {
      errors = body.errors
        .filter((e): e is FieldError => typeof e?.field === 'string' && typeof e?.message === 'string')
        .map((e) => ({ field: e.field, message: e.message }));
    }
  } catch {
    // not JSON: a proxy's error page
  }
  return new ApiError({ status: res.status, detail: detail || `crmsync answered HTTP ${res.status}`, errors, path, method });
}

/**
 * parseEvents splits server-sent event text into complete events, returning them and the unfinished
 * rest. Events are separated by a blank line; data lines are joined with newlines.
 */
export function parseEvents(text: string): { events: { event: string; data: string }[]; rest: string } {
  const normalized = text.replace(/\r\n?/g, '\n');
  const blocks = normalized.split('\n\n');
  const rest = blocks.pop() ?? '';
  const events: { event: string; data: string }[] = [];
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) {
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) {
        value = value.slice(1);
      }
      if (field === 'event') {
        event = value;
      } else if (field === 'data') {
        data.push(value);
      }
    }
    if (data.length > 0) {
      events.push({ event, data: data.join('\n') });
    }
  }
  return { events, rest };
}

/** createApi builds the client. */
export function createApi(deps: ApiDeps): ApiClient {
  const base = deps.base.replace(/\/+$/, '');
  const doFetch: typeof fetch = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function send(method: string, path: string, init: { body?: unknown; signal?: AbortSignal; accept?: string } = {}): Promise<Response> {
    let retried = false;
    for (;;) {
      const headers: Record<string, string> = {
        Accept: init.accept ?? 'application/json',
        Authorization: `Bearer ${await deps.token()}`,
      };
      if (init.body !== undefined) {
        headers['Content-Type'] = 'application/json';
      }
      let res: Response;
      try {
        res = await doFetch(base + path, {
          method,
          headers,
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          signal: init.signal,
        });
      } catch (e) {
        if (init.signal?.aborted) {
          throw e;
        }
        throw new ApiError({ status: 0, detail: 'crmsync cannot be reached', network: true, path, method });
      }
      if (res.status === 401 && !retried && deps.invalidateToken) {
        // The cached token may have been revoked or expired early: one more try with a fresh one.
        retried = true;
        deps.invalidateToken();
        continue;
      }
      if (!res.ok) {
        throw await problemOf(res, method, path);
      }
      return res;
    }
  }

  async function json<T>(method: string, path: string, init?: { body?: unknown; signal?: AbortSignal }): Promise<T> {
    const res = await send(method, path, init);
    return (await res.json()) as T;
  }

  const enc = encodeURIComponent;

  async function streamEvents(id: string, onState: (r: TrackRequest) => void, signal: AbortSignal | undefined): Promise<TrackRequest | null> {
    let res: Response;
    try {
      res = await send('GET', `/track/${enc(id)}/events`, { signal, accept: 'text/event-stream' });
    } catch (e) {
      if (signal?.aborted) {
        throw e;
      }
      if (e instanceof ApiError && (e.status === 401 || e.status === 404)) {
        throw e; // polling would fail the same way
      }
      return null;
    }
    if (!res.body || !(res.headers.get('Content-Type') ?? '').includes('text/event-stream')) {
      return null;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    let last: TrackRequest | null = null;
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          if (signal?.aborted) {
            throw e;
          }
          return last; // the connection dropped: poll from here
        }
        if (chunk.done) {
          return last;
        }
        const parsed = parseEvents(buffered + decoder.decode(chunk.value, { stream: true }));
        buffered = parsed.rest;
        for (const ev of parsed.events) {
          if (ev.event !== 'state' && ev.event !== 'message') {
            continue;
          }
          let r: TrackRequest;
          try {
            r = JSON.parse(ev.data) as TrackRequest;
          } catch {
            continue;
          }
          last = r;
          onState(r);
          if (!isOpen(r)) {
            return r;
          }
        }
      }
    } finally {
      reader.cancel().catch(() => undefined);
    }
  }

  return {
    me: () => json<Me>('GET', '/me'),
    entityTypes: async () => (await json<Page<EntityType>>('GET', '/entity-types')).items ?? [],
    searchRecords: (search, opts = {}) => {
      const q = new URLSearchParams({ search });
      if (opts.type) q.set('type', opts.type);
      if (opts.limit) q.set('limit', String(opts.limit));
      return json<Page<CrmRecord>>('GET', `/records?${q}`, { signal: opts.signal });
    },
    getRecord: (type, id) => json<CrmRecord>('GET', `/records/${enc(type)}/${enc(id)}`),
    track: (body) => json<TrackRequest>('POST', '/track', { body }),
    trackRequest: (id) => json<TrackRequest>('GET', `/track/${enc(id)}`),
    itemTracking: (itemId) => json<ItemTracking>('GET', `/items/${enc(itemId)}/tracking`),
    setRegarding: (itemId, body) => {
      const { itemId: _ignored, ...rest } = body;
      return json<TrackRequest>('PUT', `/items/${enc(itemId)}/tracking`, { body: rest });
    },
    untrack: (itemId) => json<TrackRequest>('DELETE', `/items/${enc(itemId)}/tracking`),
    synchronize: () => json<SyncRequested>('POST', '/sync'),
    offline: (opts = {}) => {
      const q = new URLSearchParams();
      if (opts.since) q.set('since', opts.since);
      if (opts.limit) q.set('limit', String(opts.limit));
      const query = q.toString();
      return json<OfflinePage>('GET', query ? `/offline?${query}` : '/offline');
    },

    async watch(id, onState, opts = {}) {
      const { signal } = opts;
      const pollMs = opts.pollMs ?? 500;
      let last = await streamEvents(id, onState, signal);
      if (last && !isOpen(last)) {
        return last;
      }
      // Polling: the stream was not there (a proxy that buffers, an old server) or ended early.
      for (;;) {
        if (last) {
          await sleep(pollMs, signal);
        }
        const r = await json<TrackRequest>('GET', `/track/${enc(id)}`, { signal });
        if (!last || r.state !== last.state || r.updatedAt !== last.updatedAt) {
          onState(r);
        }
        last = r;
        if (!isOpen(r)) {
          return r;
        }
      }
    },
  };
}
