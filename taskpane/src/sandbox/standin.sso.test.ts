import { afterEach, describe, expect, it, vi } from 'vitest';
import { getSsoToken } from '../office.ts';
import type { SandboxHost } from './protocol.ts';
import { installOfficeStandin } from './standin.ts';

afterEach(() => {
  delete (globalThis as Record<string, unknown>).Office;
  delete window.crmsyncSandbox;
  delete window.crmsyncStandin;
});

function jwt(expMs: number, sub: string): string {
  const enc = (v: object) => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${enc({ alg: 'RS256' })}.${enc({ sub, exp: Math.floor(expMs / 1000) })}.sig`;
}

// The add-in asks Office for its SSO token each time; Office keeps it meanwhile, and so must the sandbox's
// stand-in, or a pane that cannot reach crmsync could not even search its offline records.
describe("the stand-in's SSO token", () => {
  it('is kept per user until shortly before it expires, as Office keeps it', async () => {
    const host: SandboxHost = { user: 'alice@contoso.test', item: null, notify: vi.fn() };
    window.crmsyncSandbox = host;
    const fetchFn = vi.fn<typeof fetch>(async (input) => {
      const user = new URL(String(input), 'http://x').searchParams.get('user') ?? '';
      return new Response(JSON.stringify({ token: jwt(Date.now() + 60 * 60 * 1000, user) }), { status: 200 });
    });
    installOfficeStandin(window, fetchFn);
    const alice = await getSsoToken();
    expect(await getSsoToken()).toBe(alice);
    expect(fetchFn).toHaveBeenCalledTimes(1);
    host.user = 'bob@contoso.test';
    expect(await getSsoToken()).not.toBe(alice);
    expect(fetchFn).toHaveBeenCalledTimes(2);
  });

  it('is not kept when it names no expiry', async () => {
    window.crmsyncSandbox = { user: 'alice@contoso.test', item: null, notify: vi.fn() };
    const fetchFn = vi.fn<typeof fetch>(async () => new Response(JSON.stringify({ token: 'opaque' }), { status: 200 }));
    installOfficeStandin(window, fetchFn);
    await getSsoToken();
    await getSsoToken();
    expect(fetchFn).toHaveBeenCalledTimes(2);
  });
});
