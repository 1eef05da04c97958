// A typed client for crmsync's API (/api/v1). Problems (application/problem+json) become ApiError with
// the server's readable detail; a network failure becomes an ApiError with network set.

import type {
  CrmRecord,
  EntityType,
  FieldError,
  ItemTracking,
  NeverTrackCheck,
  Me,
  OfflinePage,
  Page,
  SyncRequested,
  TrackBody,
  TrackRequest,
} from './api/types.ts';
import { crmEndpoints, type CrmEndpoints } from './api/endpoints.ts';

// The API's shapes live in one module (api/types.ts); they are re-exported here for the callers of the client.
export type * from './api/types.ts';

/** ApiError is a failed call: the problem's detail, its field errors, or that crmsync cannot be reached. */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly errors: FieldError[];
  readonly network: boolean;
  /** The path of the call, e.g. /track, so the screen can say what a 404 means there. */
  readonly path: string;
  readonly method: string;
  /** The problem's type, e.g. urn:crmsync:problem:conflict; '' when the answer was no problem. */
  readonly type: string;
  /** The request id the server logged the problem under, to quote when reporting it. */
  readonly requestId: string;
  constructor(init: {
    status: number;
    detail: string;
    errors?: FieldError[];
    network?: boolean;
    path: string;
    method: string;
    type?: string;
    requestId?: string;
  }) {
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
    this.type = init.type ?? '';
    this.requestId = init.requestId ?? '';
  }
}

/** WatchOptions tune watch. */
export interface WatchOptions {
  signal?: AbortSignal;
  /** How often to poll GET /track/{id} when the event stream is not available; 500 ms by default. */
  pollMs?: number;
}

/** ApiClient is what the screens use: the taskpane's calls here, the web app's in api/endpoints.ts. */
export interface ApiClient extends CrmEndpoints {
  me(): Promise<Me>;
  entityTypes(): Promise<EntityType[]>;
  searchRecords(search: string, opts?: { type?: string; limit?: number; signal?: AbortSignal }): Promise<Page<CrmRecord>>;
  getRecord(type: string, id: string): Promise<CrmRecord>;
  track(body: TrackBody): Promise<TrackRequest>;
  trackRequest(id: string): Promise<TrackRequest>;
  itemTracking(itemId: string): Promise<ItemTracking>;
  /** neverTrackCheck says whether the caller's automatic tracking never picks an address's email. */
  neverTrackCheck(address: string): Promise<NeverTrackCheck>;
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
  let type = '';
  let requestId = '';
  try {
    const body = (await res.json()) as { detail?: unknown; title?: unknown; errors?: unknown; type?: unknown; requestId?: unknown };
    detail = typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : '';
    type = typeof body.type === 'string' ? body.type : '';
    requestId = typeof body.requestId === 'string' ? body.requestId : '';
    if (Array.isArray(body.errors)) {
      errors = body.errors
        .filter((e): e is FieldError => typeof e?.field === 'string' && typeof e?.message === 'string')
        .map((e) => ({ field: e.field, message: e.message }));
    }
  } catch {
    // not JSON: a proxy's error page
  }
  return new ApiError({ status: res.status, detail: detail || `crmsync answered HTTP ${res.status}`, errors, path, method, type, requestId });
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
    if (res.status === 204) {
      return undefined as T; // a delete: no body
    }
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
    ...crmEndpoints(json),
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
    neverTrackCheck: (address) => json<NeverTrackCheck>('GET', `/never-track/check?${new URLSearchParams({ address })}`),
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
