import { InteractionRequiredAuthError, type AuthenticationResult } from '@azure/msal-browser';
import { describe, expect, it, vi } from 'vitest';
import { AuthError, createTokenSource, expiryOf, loadConfig, refreshMarginMs, type NestableClient, type TaskpaneConfig } from './auth.ts';
import { OfficeError } from './office.ts';

const config: TaskpaneConfig = {
  clientId: '11111111-2222-3333-4444-555555555555',
  authority: 'https://login.microsoftonline.com/common',
  apiScope: 'api://crm.example.com/11111111-2222-3333-4444-555555555555/access_as_user',
  apiBase: '/api/v1',
  local: false,
};

/** jwt makes an unsigned token that expires at exp (ms). */
function jwt(expMs: number, sub = 'alice'): string {
  const enc = (v: object) => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${enc({ alg: 'none' })}.${enc({ sub, exp: Math.floor(expMs / 1000) })}.sig`;
}

function result(token: string, expiresOn: Date | null): AuthenticationResult {
  return { accessToken: token, expiresOn } as AuthenticationResult;
}

function setup(opts: { naa: boolean; local?: boolean; now?: number }) {
  let now = opts.now ?? Date.parse('2026-03-01T10:00:00Z');
  const client = {
    acquireTokenSilent: vi.fn<NestableClient['acquireTokenSilent']>(async () => result('naa-1', new Date(now + 60 * 60 * 1000))),
    acquireTokenPopup: vi.fn<NestableClient['acquireTokenPopup']>(async () => result('popup-1', new Date(now + 60 * 60 * 1000))),
  };
  const createNaa = vi.fn(async () => client);
  const office = {
    isSetSupported: vi.fn((name: string, version: string) => opts.naa && name === 'NestedAppAuth' && version === '1.1'),
    getSsoToken: vi.fn(async () => jwt(now + 60 * 60 * 1000)),
  };
  const tokens = createTokenSource({ config: { ...config, local: opts.local ?? false }, office, createNaa, now: () => now });
  return { tokens, client, createNaa, office, advance: (ms: number) => (now += ms) };
}

describe('loadConfig', () => {
  it('reads /taskpane/config.json', async () => {
    const fetchFn = vi.fn(async () => new Response(JSON.stringify({ ...config, apiBase: '' }), { headers: { 'Content-Type': 'application/json' } }));
    expect(await loadConfig(fetchFn)).toEqual(config);
    expect(fetchFn).toHaveBeenCalledWith('/taskpane/config.json', expect.anything());
  });

  it('says when crmsync cannot be reached', async () => {
    await expect(loadConfig(async () => Promise.reject(new TypeError('Failed to fetch')))).rejects.toThrow('crmsync cannot be reached');
  });
});

describe('nested app authentication', () => {
  it('is used when the host supports NestedAppAuth 1.1', async () => {
    const { tokens, createNaa, client, office } = setup({ naa: true });
    expect(await tokens.token()).toBe('naa-1');
    expect(createNaa).toHaveBeenCalledWith(expect.objectContaining({ clientId: config.clientId, authority: config.authority }));
    expect(client.acquireTokenSilent).toHaveBeenCalledWith({ scopes: [config.apiScope] });
    expect(office.getSsoToken).not.toHaveBeenCalled();
  });

  it('falls back to a popup when interaction is required', async () => {
    const { tokens, client } = setup({ naa: true });
    client.acquireTokenSilent.mockRejectedValueOnce(new InteractionRequiredAuthError('interaction_required', 'corr-1'));
    expect(await tokens.token()).toBe('popup-1');
    expect(client.acquireTokenPopup).toHaveBeenCalledWith({ scopes: [config.apiScope] });
  });

  it('asks the user to sign in again when the popup fails', async () => {
    const { tokens, client } = setup({ naa: true });
    client.acquireTokenSilent.mockRejectedValueOnce(new InteractionRequiredAuthError('interaction_required', 'corr-1'));
    client.acquireTokenPopup.mockRejectedValueOnce(new Error('user_cancelled'));
    await expect(tokens.token()).rejects.toThrow(/^Sign in again/);
  });

  it('does not open a popup for other errors', async () => {
    const { tokens, client } = setup({ naa: true });
    client.acquireTokenSilent.mockRejectedValueOnce(new Error('network_error'));
    await expect(tokens.token()).rejects.toBeInstanceOf(AuthError);
    expect(client.acquireTokenPopup).not.toHaveBeenCalled();
  });

  it('is not used in local mode, where the sandbox hands out tokens', async () => {
    const { tokens, createNaa, office } = setup({ naa: true, local: true });
    await tokens.token();
    expect(createNaa).not.toHaveBeenCalled();
    expect(office.getSsoToken).toHaveBeenCalled();
  });
});

describe('Office SSO fallback', () => {
  it('is used without NestedAppAuth', async () => {
    const { tokens, createNaa, office } = setup({ naa: false });
    expect(await tokens.token()).toMatch(/^ey/);
    expect(office.getSsoToken).toHaveBeenCalledTimes(1);
    expect(createNaa).not.toHaveBeenCalled();
  });

  it.each([
    [13001, /^Sign in again/],
    [13002, /^Sign in again/],
    [13003, /work or school account/],
    [13012, /cannot sign in to crmsync/],
    [13999, /error 13999/],
  ])('turns error %i into readable text', async (code, want) => {
    const { tokens, office } = setup({ naa: false });
    office.getSsoToken.mockRejectedValueOnce(new OfficeError('raw', code));
    const err = await tokens.token().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).message).toMatch(want);
    expect((err as AuthError).code).toBe(code);
  });
});

describe('the token cache', () => {
  it('keeps a token until 5 minutes before it expires', async () => {
    const { tokens, client, advance } = setup({ naa: true });
    await tokens.token();
    advance(60 * 60 * 1000 - refreshMarginMs - 1000);
    await tokens.token();
    expect(client.acquireTokenSilent).toHaveBeenCalledTimes(1);
    advance(2000);
    await tokens.token();
    expect(client.acquireTokenSilent).toHaveBeenCalledTimes(2);
  });

  it('reads the expiry of an SSO token from its exp claim', async () => {
    const { tokens, office, advance } = setup({ naa: false });
    await tokens.token();
    await tokens.token();
    expect(office.getSsoToken).toHaveBeenCalledTimes(1);
    advance(56 * 60 * 1000);
    await tokens.token();
    expect(office.getSsoToken).toHaveBeenCalledTimes(2);
  });

  it('does not cache a token whose expiry it cannot read', async () => {
    const { tokens, office } = setup({ naa: false });
    office.getSsoToken.mockResolvedValue('opaque');
    await tokens.token();
    await tokens.token();
    expect(office.getSsoToken).toHaveBeenCalledTimes(2);
  });

  it('forgets the token when invalidated', async () => {
    const { tokens, client } = setup({ naa: true });
    await tokens.token();
    tokens.invalidate();
    await tokens.token();
    expect(client.acquireTokenSilent).toHaveBeenCalledTimes(2);
  });

  it('asks once for concurrent callers', async () => {
    const { tokens, client } = setup({ naa: true });
    const got = await Promise.all([tokens.token(), tokens.token(), tokens.token()]);
    expect(got).toEqual(['naa-1', 'naa-1', 'naa-1']);
    expect(client.acquireTokenSilent).toHaveBeenCalledTimes(1);
  });
});

describe('expiryOf', () => {
  it('reads exp in milliseconds, 0 when there is none', () => {
    expect(expiryOf(jwt(1_800_000_000_000))).toBe(1_800_000_000_000);
    expect(expiryOf('not-a-jwt')).toBe(0);
    expect(expiryOf('a.!!!.c')).toBe(0);
  });
});
