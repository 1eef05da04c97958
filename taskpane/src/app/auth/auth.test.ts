import { describe, expect, it, vi } from 'vitest';
import { InteractionRequiredAuthError } from '@azure/msal-browser';
import { demoUsers, localSession, pickUser, userKey } from './local.ts';
import { msalConfiguration, msalSession, type MsalClient } from './msal.ts';
import { isAuthResponse } from './session.ts';

const jwt = (exp: number) => `x.${btoa(JSON.stringify({ exp })).replace(/=+$/, '')}.y`;

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
    clear: () => m.clear(),
    key: () => null,
    get length() {
      return m.size;
    },
  };
}

describe('local sign-in', () => {
  it('lists the demo users and signs in as the one picked, every tab alike', async () => {
    const fetch = vi.fn(
      async () => new Response(JSON.stringify({ items: [{ upn: 'bob@contoso.test', displayName: 'Bob Kelly', roles: [] }] })),
    ) as unknown as typeof globalThis.fetch;
    const users = await demoUsers({ fetch });
    const storage = memoryStorage();
    expect(localSession({ storage })).toBeNull();
    pickUser(users[0], { storage });
    expect(localSession({ storage })!.user).toEqual({ upn: 'bob@contoso.test', name: 'Bob Kelly' });
  });

  it('gets a development token, keeps it until shortly before it ends, and a fresh one after a refusal', async () => {
    const storage = memoryStorage();
    storage.setItem(userKey, JSON.stringify({ upn: 'bob@contoso.test', name: 'Bob' }));
    let now = 1_000_000;
    const fetch = vi.fn(async (url: string) => {
      expect(url).toBe('/dev/outlook/token?user=bob%40contoso.test');
      return new Response(JSON.stringify({ token: jwt(now / 1000 + 3600) }));
    }) as unknown as typeof globalThis.fetch;
    const s = localSession({ storage, fetch, now: () => now })!;
    const first = await s.token();
    expect(await s.token()).toBe(first);
    expect(fetch).toHaveBeenCalledTimes(1);
    now += 3600_000 - 30_000; // within a minute of its end
    await s.token();
    expect(fetch).toHaveBeenCalledTimes(2);
    s.invalidate();
    await s.token();
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('signs out by forgetting the user and its token', async () => {
    const storage = memoryStorage();
    storage.setItem(userKey, JSON.stringify({ upn: 'bob@contoso.test', name: 'Bob' }));
    const reload = vi.fn();
    await localSession({ storage, reload })!.signOut();
    expect(storage.getItem(userKey)).toBeNull();
    expect(reload).toHaveBeenCalled();
  });
});

describe('MSAL sign-in', () => {
  const config = {
    clientId: 'c1',
    authority: 'https://login.microsoftonline.com/common',
    apiScope: 'api://crm.example.com/c1/access_as_user',
    apiBase: '/api/v1',
    local: false,
  };
  const account = { username: 'bob@contoso.com', name: 'Bob Kelly', homeAccountId: 'h', environment: 'e', tenantId: 't', localAccountId: 'l' };
  function client(over: Partial<MsalClient> = {}): MsalClient {
    return {
      initialize: vi.fn(async () => undefined),
      handleRedirectPromise: vi.fn(async () => null),
      getActiveAccount: vi.fn(() => null),
      getAllAccounts: vi.fn(() => []),
      setActiveAccount: vi.fn(),
      loginRedirect: vi.fn(async () => undefined),
      acquireTokenSilent: vi.fn(async () => ({ accessToken: 'at' }) as never),
      acquireTokenRedirect: vi.fn(async () => undefined),
      logoutRedirect: vi.fn(async () => undefined),
      ...over,
    };
  }

  it('redirects to the app with the API scope, tokens cached for every tab', () => {
    const c = msalConfiguration(config, 'https://crm.example.com/app/');
    expect(c.auth).toMatchObject({ clientId: 'c1', redirectUri: 'https://crm.example.com/app/', postLogoutRedirectUri: 'https://crm.example.com/app/' });
    expect(c.cache?.cacheLocation).toBe('localStorage');
  });

  it('goes to Microsoft’s sign-in when nobody is signed in', async () => {
    const c = client();
    expect(await msalSession({ config, appUrl: 'https://crm.example.com/app/', create: () => c })).toBeNull();
    expect(c.loginRedirect).toHaveBeenCalledWith({ scopes: [config.apiScope] });
  });

  it('finishes a redirect sign-in, renews silently, and forces a refresh after a refusal', async () => {
    const c = client({ handleRedirectPromise: vi.fn(async () => ({ account }) as never) });
    const s = (await msalSession({ config, appUrl: 'https://crm.example.com/app/', create: () => c }))!;
    expect(s.user).toEqual({ upn: 'bob@contoso.com', name: 'Bob Kelly' });
    expect(await s.token()).toBe('at');
    expect(c.acquireTokenSilent).toHaveBeenLastCalledWith({ scopes: [config.apiScope], account, forceRefresh: false });
    s.invalidate();
    await s.token();
    expect(c.acquireTokenSilent).toHaveBeenLastCalledWith({ scopes: [config.apiScope], account, forceRefresh: true });
  });

  it('signs in again by redirect when a silent renewal needs the user', async () => {
    const c = client({
      getAllAccounts: vi.fn(() => [account as never]),
      acquireTokenSilent: vi.fn(async () => Promise.reject(new InteractionRequiredAuthError('login_required', 'the session ended'))),
    });
    const s = (await msalSession({ config, appUrl: 'https://crm.example.com/app/', create: () => c }))!;
    await expect(s.token()).rejects.toThrow();
    expect(c.acquireTokenRedirect).toHaveBeenCalledWith({ scopes: [config.apiScope], account });
  });

  it('signs out at Microsoft, which clears the cached tokens', async () => {
    const c = client({ getActiveAccount: vi.fn(() => account as never) });
    const s = (await msalSession({ config, appUrl: 'https://crm.example.com/app/', create: () => c }))!;
    await s.signOut();
    expect(c.logoutRedirect).toHaveBeenCalledWith({ account, postLogoutRedirectUri: 'https://crm.example.com/app/' });
  });
});

describe('sign-in answers', () => {
  it.each([
    [{ hash: '#code=abc&state=xyz', search: '' }, true],
    [{ hash: '#error=interaction_required&state=xyz', search: '' }, true],
    [{ hash: '', search: '?code=abc&state=xyz' }, true],
    [{ hash: '#/records/account?code=1&state=2', search: '' }, false],
    [{ hash: '#/records/account', search: '' }, false],
  ])('%o is an answer: %s', (loc, want) => expect(isAuthResponse(loc)).toBe(want));
});
