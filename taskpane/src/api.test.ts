import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, createApi, parseEvents, type TrackRequest } from './api.ts';
import { readableError } from './messages.ts';
import { request } from './testing/fakes.ts';

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

function setup(handler: Handler) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchFn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, init: init ?? {} });
    return handler(url, init ?? {});
  });
  let n = 0;
  const token = vi.fn(async () => `token-${++n}`);
  const invalidateToken = vi.fn();
  const api = createApi({ base: '/api/v1', token, invalidateToken, fetch: fetchFn as typeof fetch });
  return { api, calls, fetchFn, token, invalidateToken };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const problem = (status: number, body: object) =>
  new Response(JSON.stringify({ type: 'urn:crmsync:problem:x', title: 'T', status, ...body }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });

/** sse streams the chunks as a text/event-stream body. */
function sse(chunks: string[], opts: { thenError?: boolean } = {}): Response {
  const enc = new TextEncoder();
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (i < chunks.length) {
        ctrl.enqueue(enc.encode(chunks[i++]));
      } else if (opts.thenError) {
        ctrl.error(new TypeError('network error'));
      } else {
        ctrl.close();
      }
    },
  });
  return new Response(body, { headers: { 'Content-Type': 'text/event-stream' } });
}

const event = (r: TrackRequest) => `event: state\ndata: ${JSON.stringify(r)}\n\n`;

afterEach(() => {
  vi.useRealTimers();
});

describe('requests', () => {
  it('sends the bearer token and JSON', async () => {
    const { api, calls } = setup(() => json(request(), 202));
    await api.track({ itemId: 'AAMk', itemType: 'message', regarding: { type: 'account', id: 'a1' } });
    expect(calls[0].url).toBe('/api/v1/track');
    expect(calls[0].init.method).toBe('POST');
    expect(calls[0].init.headers).toMatchObject({ Authorization: 'Bearer token-1', 'Content-Type': 'application/json' });
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ itemId: 'AAMk', itemType: 'message', regarding: { type: 'account', id: 'a1' } });
  });

  it('searches across record types with a limit', async () => {
    const { api, calls } = setup(() => json({ items: [], nextCursor: '' }));
    await api.searchRecords('fab & co', { limit: 10 });
    expect(calls[0].url).toBe('/api/v1/records?search=fab+%26+co&limit=10');
  });

  it('escapes item ids in paths and leaves itemId out of a Set Regarding body', async () => {
    const { api, calls } = setup(() => json(request(), 202));
    await api.setRegarding('AA/kB+==', { itemId: 'AA/kB+==', itemType: 'message', regarding: { type: 'account', id: 'a1' } });
    expect(calls[0].url).toBe('/api/v1/items/AA%2FkB%2B%3D%3D/tracking');
    expect(calls[0].init.method).toBe('PUT');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ itemType: 'message', regarding: { type: 'account', id: 'a1' } });
  });

  it('reads the caller with GET /me: the sync mode and personal options', async () => {
    const me = {
      userId: 'u1',
      tenantId: 't1',
      upn: 'alice@contoso.test',
      roles: ['user', 'admin'],
      syncMode: 'client',
      options: { syncIntervalMinutes: 15, autoTrack: 'responses' },
    };
    const { api, calls } = setup(() => json(me));
    expect(await api.me()).toEqual(me);
    expect(calls[0].url).toBe('/api/v1/me');
    expect(calls[0].init.method).toBe('GET');
  });

  it('asks for a synchronization with POST /sync and no body', async () => {
    const accepted = { mailbox: 'alice@contoso.test', queued: true, requestedAt: '2025-05-06T07:08:09Z' };
    const { api, calls } = setup(() => json(accepted, 202));
    expect(await api.synchronize()).toEqual(accepted);
    expect(calls[0].url).toBe('/api/v1/sync');
    expect(calls[0].init.method).toBe('POST');
    expect(calls[0].init.body).toBeUndefined();
    expect(calls[0].init.headers).toMatchObject({ Authorization: 'Bearer token-1' });
  });

  it('reads the offline records with GET /offline, the cursor and limit escaped when given', async () => {
    const page = { items: [], removed: [], cursor: 'c1', reset: true, more: false };
    const { api, calls } = setup(() => json(page));
    expect(await api.offline()).toEqual(page);
    await api.offline({ since: 'ab+/c=', limit: 500 });
    expect(calls.map((c) => [c.init.method, c.url])).toEqual([
      ['GET', '/api/v1/offline'],
      ['GET', '/api/v1/offline?since=ab%2B%2Fc%3D&limit=500'],
    ]);
  });

  it('lists entity types from their page', async () => {
    const { api } = setup(() => json({ items: [{ name: 'account', displayName: 'Account' }], nextCursor: '' }));
    expect(await api.entityTypes()).toEqual([{ name: 'account', displayName: 'Account' }]);
  });
});

describe('errors', () => {
  it('turns problem+json into an ApiError with the detail and field errors', async () => {
    const { api } = setup(() =>
      problem(422, { detail: 'the click is not valid', errors: [{ field: 'regarding', message: 'there is no account with the id x that you can see' }] }),
    );
    const err = (await api.track({ itemId: 'x', itemType: 'message' }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.detail).toBe('the click is not valid');
    expect(err.errors).toEqual([{ field: 'regarding', message: 'there is no account with the id x that you can see' }]);
    expect(err.message).toBe('the click is not valid (regarding: there is no account with the id x that you can see)');
    expect(readableError(err, 'track')).toBe('The click is not valid (regarding: there is no account with the id x that you can see)');
  });

  it('keeps the status when the body is not JSON', async () => {
    const { api } = setup(() => new Response('<html>Bad gateway</html>', { status: 502 }));
    await expect(api.me()).rejects.toMatchObject({ status: 502, detail: 'crmsync answered HTTP 502' });
  });

  it('says crmsync cannot be reached on a network failure', async () => {
    const { api } = setup(() => Promise.reject(new TypeError('Failed to fetch')));
    const err = await api.me().catch((e: unknown) => e);
    expect(err).toMatchObject({ network: true, status: 0 });
    expect(readableError(err, 'load')).toBe('crmsync cannot be reached');
  });

  it('retries a refused token once with a fresh one', async () => {
    let n = 0;
    const { api, calls, invalidateToken } = setup(() => (++n === 1 ? problem(401, { detail: 'expired' }) : json({ userId: 'u1' })));
    expect(await api.me()).toEqual({ userId: 'u1' });
    expect(invalidateToken).toHaveBeenCalledTimes(1);
    expect(calls[1].init.headers).toMatchObject({ Authorization: 'Bearer token-2' });
  });

  it('gives up after the second 401', async () => {
    const { api, calls } = setup(() => problem(401, { detail: 'the token has expired', check: 'expired' }));
    const err = await api.me().catch((e: unknown) => e);
    expect(calls).toHaveLength(2);
    expect(readableError(err, 'load')).toBe('Sign in again');
  });

  it('gives a refused synchronization (server mode) as a 409 with the reason', async () => {
    const { api } = setup(() => problem(409, { detail: 'synchronization runs on the server in this organisation' }));
    const err = (await api.synchronize().catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, method: 'POST', path: '/sync', detail: 'synchronization runs on the server in this organisation' });
  });

  it('maps a 404 from /track to "not in your mailbox"', async () => {
    const { api } = setup(() => problem(404, { detail: 'your mailbox has no message with this id' }));
    const err = await api.track({ itemId: 'x', itemType: 'message' }).catch((e: unknown) => e);
    expect(readableError(err, 'track')).toBe('This item is not in your mailbox');
  });
});

describe('parseEvents', () => {
  it('splits complete events and keeps the rest', () => {
    const got = parseEvents('event: state\ndata: {"a":1}\n\n: comment\n\ndata: x\ndata: y\n\nevent: state\ndata: {"b"');
    expect(got.events).toEqual([
      { event: 'state', data: '{"a":1}' },
      { event: 'message', data: 'x\ny' },
    ]);
    expect(got.rest).toBe('event: state\ndata: {"b"');
  });

  it('accepts CRLF line ends', () => {
    expect(parseEvents('event: state\r\ndata: 1\r\n\r\n').events).toEqual([{ event: 'state', data: '1' }]);
  });
});

describe('watch', () => {
  it('follows the event stream, even when events are split across chunks', async () => {
    const queued = request({ state: 'queued' });
    const processing = request({ state: 'processing', updatedAt: '2' });
    const done = request({ state: 'done', updatedAt: '3' });
    const text = event(queued) + event(processing) + event(done);
    const { api, calls } = setup((url) => {
      expect(url).toBe('/api/v1/track/req-1/events');
      return sse([text.slice(0, 17), text.slice(17, 200), text.slice(200)]);
    });
    const seen: string[] = [];
    const final = await api.watch('req-1', (r) => seen.push(r.state));
    expect(seen).toEqual(['queued', 'processing', 'done']);
    expect(final.state).toBe('done');
    expect(calls).toHaveLength(1);
    expect(calls[0].init.headers).toMatchObject({ Accept: 'text/event-stream', Authorization: 'Bearer token-1' });
  });

  it('polls GET /track/{id} every 500 ms when the stream cannot be opened', async () => {
    vi.useFakeTimers();
    const states: TrackRequest['state'][] = ['queued', 'processing', 'processing', 'done'];
    let polls = 0;
    const { api, calls } = setup((url) => {
      if (url.endsWith('/events')) return Promise.reject(new TypeError('Failed to fetch'));
      return json(request({ state: states[polls], updatedAt: String(polls++) }));
    });
    const seen: string[] = [];
    const watching = api.watch('req-1', (r) => seen.push(r.state));
    await vi.advanceTimersByTimeAsync(0);
    expect(polls).toBe(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(polls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(polls).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    const final = await watching;
    expect(final.state).toBe('done');
    expect(seen).toEqual(['queued', 'processing', 'processing', 'done']);
    expect(calls.filter((c) => c.url === '/api/v1/track/req-1')).toHaveLength(4);
  });

  it('polls when the response is not an event stream (a buffering proxy)', async () => {
    const { api } = setup((url) => (url.endsWith('/events') ? json({}) : json(request({ state: 'failed', error: 'the item no longer exists in the mailbox' }))));
    const final = await api.watch('req-1', () => undefined);
    expect(final).toMatchObject({ state: 'failed', error: 'the item no longer exists in the mailbox' });
  });

  it('goes on polling when the stream ends before the click is done', async () => {
    vi.useFakeTimers();
    const { api } = setup((url) => (url.endsWith('/events') ? sse([event(request({ state: 'processing' }))], { thenError: true }) : json(request({ state: 'done', updatedAt: 'x' }))));
    const seen: string[] = [];
    const watching = api.watch('req-1', (r) => seen.push(r.state));
    await vi.advanceTimersByTimeAsync(600);
    expect((await watching).state).toBe('done');
    expect(seen).toEqual(['processing', 'done']);
  });

  it('stops when aborted', async () => {
    vi.useFakeTimers();
    const { api } = setup((url) => (url.endsWith('/events') ? json({}) : json(request({ state: 'queued' }))));
    const ctrl = new AbortController();
    const watching = api.watch('req-1', () => undefined, { signal: ctrl.signal });
    const outcome = watching.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1200);
    ctrl.abort(new DOMException('stop', 'AbortError'));
    expect(await outcome).toMatchObject({ name: 'AbortError' });
  });

  it('reports a refused token rather than polling', async () => {
    const { api, calls } = setup(() => problem(401, { detail: 'expired' }));
    await expect(api.watch('req-1', () => undefined)).rejects.toMatchObject({ status: 401 });
    expect(calls.every((c) => c.url.endsWith('/events'))).toBe(true);
  });
});
