// The web app's test harness: a fake crmsync at the other end of fetch (routes by method and path,
// answering JSON or problems, recording every call), and a screen mounted over the real API client.

import { vi } from 'vitest';
import { createApi, type ApiClient, type EntityType, type Me } from '../api.ts';
import { parseHash } from '../app/router.ts';
import type { Screen, ScreenDeps, ScreenModule } from '../app/screen.ts';

/** A request the fake crmsync received. */
export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/** An answer: a Response, or a value, which is sent as 200 JSON. */
export type Answer = Response | object | string | number | boolean | null;

/** A route of the fake: a fixed answer or a function of the request. */
export type Route = Answer | ((req: Received) => Answer | Promise<Answer>);

/** json is a JSON answer with a status. */
export function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** problem is an RFC 9457 answer, as crmsync gives. */
export function problem(status: number, detail: string, errors?: { field: string; message: string }[], type = 'validation'): Response {
  return new Response(JSON.stringify({ type: `urn:crmsync:problem:${type}`, title: 'Problem', status, detail, errors, requestId: 'req-1' }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });
}

/** unreachable is what fetch does without a connection. */
export const unreachable = () => Promise.reject(new TypeError('Failed to fetch'));

/** A fake crmsync. */
export interface FakeServer {
  fetch: typeof fetch;
  calls: Received[];
  /** on sets (or replaces) a route: 'GET /records/account'. */
  on(route: string, answer: Route): void;
  /** called lists the calls of one route. */
  called(route: string): Received[];
}

/** fakeServer answers the routes given, and 404 for the rest, as crmsync does. */
export function fakeServer(routes: Record<string, Route> = {}): FakeServer {
  const table = new Map(Object.entries(routes));
  const calls: Received[] = [];
  const server: FakeServer = {
    calls,
    on: (route, answer) => void table.set(route, answer),
    called: (route) => calls.filter((c) => `${c.method} ${c.path}` === route),
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input), 'http://crmsync.test');
      const method = init?.method ?? 'GET';
      const path = url.pathname.replace(/^\/api\/v1/, '');
      const req: Received = { method, path, query: url.searchParams, body: init?.body ? JSON.parse(String(init.body)) : undefined };
      calls.push(req);
      const route = table.get(`${method} ${path}`);
      if (route === undefined) return problem(404, `there is nothing at ${path}`, undefined, 'not-found');
      const answer = typeof route === 'function' ? await (route as (r: Received) => Answer)(req) : route;
      return answer instanceof Response ? answer.clone() : json(200, answer);
    }) as typeof fetch,
  };
  return server;
}

/** The types a tenant has in the tests. */
export const types: EntityType[] = [
  {
    name: 'account',
    displayName: 'Account',
    pluralName: 'Accounts',
    builtIn: true,
    fields: [
      { name: 'email', displayName: 'Email', kind: 'email', required: false, secured: false, builtIn: true },
      { name: 'phone', displayName: 'Phone', kind: 'phone', required: false, secured: false, builtIn: true },
      { name: 'creditLimit', displayName: 'Credit limit', kind: 'number', required: false, secured: true, builtIn: false },
      { name: 'rating', displayName: 'Rating', kind: 'choice', required: false, secured: true, builtIn: false, choices: ['a', 'b'] },
    ],
  },
  {
    name: 'contact',
    displayName: 'Contact',
    pluralName: 'Contacts',
    builtIn: true,
    nameFrom: ['firstName', 'lastName'],
    fields: [
      { name: 'firstName', displayName: 'First name', kind: 'text', required: false, secured: false, builtIn: true },
      { name: 'lastName', displayName: 'Last name', kind: 'text', required: true, secured: false, builtIn: true },
      { name: 'email', displayName: 'Email', kind: 'email', required: false, secured: false, builtIn: true },
      { name: 'accountId', displayName: 'Account', kind: 'reference', required: false, secured: false, builtIn: true, targets: ['account'] },
    ],
  },
];

/** The signed-in user in the tests: bob, no app role. */
export function me(over: Partial<Me> = {}): Me {
  return {
    userId: 'u-bob',
    tenantId: 't1',
    tenantName: 'Contoso (demo)',
    upn: 'bob@contoso.test',
    displayName: 'Bob Kelly',
    roles: ['user'],
    syncMode: 'client',
    options: { syncIntervalMinutes: 15, autoTrack: 'responses' },
    minSyncIntervalMinutes: 5,
    ...over,
  };
}

/** A mounted screen and what it did. */
export interface Mounted {
  root: HTMLElement;
  screen: Screen | undefined;
  server: FakeServer;
  api: ApiClient;
  deps: ScreenDeps & { go: ReturnType<typeof vi.fn>; signIn: ReturnType<typeof vi.fn>; confirm: ReturnType<typeof vi.fn> };
}

/** mountScreen mounts a screen module for a hash over a fake crmsync (GET /entity-types answered by default). */
export function mountScreen(mod: ScreenModule, hash: string, opts: { routes?: Record<string, Route>; me?: Me; confirm?: boolean } = {}): Mounted {
  const server = fakeServer({ 'GET /entity-types': { items: types, nextCursor: '' }, ...opts.routes });
  const api = createApi({ base: '/api/v1', token: async () => 'token', fetch: server.fetch });
  const root = document.createElement('div');
  document.body.append(root);
  const deps = {
    api,
    me: opts.me ?? me(),
    route: parseHash(hash),
    go: vi.fn(),
    types: () => api.entityTypes(),
    typesChanged: vi.fn(),
    signIn: vi.fn(),
    confirm: vi.fn(() => opts.confirm ?? true),
    meChanged: vi.fn(),
  };
  const screen = mod.mount(root, deps) ?? undefined;
  return { root, screen, server, api, deps };
}

/** settle lets the fake's answers and the screen's renders run. */
export async function settle(times = 30): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 0));
}

/** q finds one element by its data-testid, or fails. */
export function q<T extends HTMLElement = HTMLElement>(root: ParentNode, testid: string): T {
  const el = root.querySelector<T>(`[data-testid="${testid}"]`);
  if (!el) throw new Error(`no [data-testid="${testid}"] in ${(root as HTMLElement).innerHTML?.slice(0, 400)}`);
  return el;
}

/** all finds every element with a data-testid. */
export function all<T extends HTMLElement = HTMLElement>(root: ParentNode, testid: string): T[] {
  return [...root.querySelectorAll<T>(`[data-testid="${testid}"]`)];
}

/** typeInto sets a control's value as typing would. */
export function typeInto(el: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, value: string): void {
  el.value = value;
  el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
}

/** submit submits a form as pressing Enter or its submit button would. */
export function submit(form: HTMLFormElement): void {
  form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
}
