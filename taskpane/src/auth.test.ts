import { BrowserAuthError, InteractionRequiredAuthError, type AuthenticationResult } from '@azure/msal-browser';
import { describe, expect, it, vi } from 'vitest';
import { createApi } from './api.ts';
import {
  AuthError,
  authText,
  createTokenSource,
  expiryOf,
  loadConfig,
  refreshMarginMs,
  ssoFallbackCodes,
  ssoMessage,
  type NestableClient,
  type TaskpaneConfig,
} from './auth.ts';
import { OfficeError } from './office.ts';

const config: TaskpaneConfig = {
  clientId: '11111111-2222-3333-4444-555555555555',
  authority: 'https://login.microsoftonline.com/common',
  apiScope: 'api://crm.example.com/11111111-2222-3333-4444-555555555555/access_as_user',
  apiBase: '/api/v1',
  local: false,
};
const scopes = [config.apiScope];
const dialogUrl = 'https://crm.example.com/taskpane/auth.html';

/** jwt makes an unsigned token that expires at exp (ms). */
function jwt(expMs: number, sub = 'alice'): string {
  const enc = (v: object) => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${enc({ alg: 'none' })}.${enc({ sub, exp: Math.floor(expMs / 1000) })}.sig`;
}

function result(token: string, expiresOn: Date | null): AuthenticationResult {
  return { accessToken: token, expiresOn } as AuthenticationResult;
}

/** setup is a token source on a host that supports the given requirement sets ('NestedAppAuth 1.1', 'IdentityAPI 1.3'). */
function setup(opts: { sets?: string[]; local?: boolean; interactive?: boolean; dialog?: boolean } = {}) {
  let now = Date.parse('2026-03-01T10:00:00Z');
  const hour = () => new Date(now + 60 * 60 * 1000);
  let silent = 0;
  const client = {
    acquireTokenSilent: vi.fn<NestableClient['acquireTokenSilent']>(async () => result(`naa-${++silent}`, hour())),
    acquireTokenPopup: vi.fn<NestableClient['acquireTokenPopup']>(async () => result('popup-1', hour())),
  };
  const createNaa = vi.fn(async () => client);
  let sso = 0;
  let dialogs = 0;
  const sets = new Set(opts.sets ?? []);
  const office = {
    isSetSupported: vi.fn((name: string, version: string) => sets.has(`${name} ${version}`)),
    getSsoToken: vi.fn(async (_o?: { interactive?: boolean }) => jwt(now + 60 * 60 * 1000, `sso-${++sso}`)),
    openDialog:
      opts.dialog === false
        ? undefined
        : vi.fn(async (_url: string, _size: { height: number; width: number }) => JSON.stringify({ accessToken: `dialog-${++dialogs}`, expiresOn: hour().getTime() })),
  };
  const tokens = createTokenSource({
    config: { ...config, local: opts.local ?? false },
    office,
    createNaa,
    interactive: opts.interactive,
    dialogUrl,
    now: () => now,
  });
  return { tokens, client, createNaa, office, advance: (ms: number) => (now += ms) };
}

const naaHost = ['NestedAppAuth 1.1', 'IdentityAPI 1.3'];
const ssoHost = ['IdentityAPI 1.3'];
const popupBlocked = () => new BrowserAuthError('popup_window_error', 'Error opening popup window.');

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
    const { tokens, createNaa, client, office } = setup({ sets: naaHost });
    expect(await tokens.token()).toBe('naa-1');
    expect(createNaa).toHaveBeenCalledWith(expect.objectContaining({ clientId: config.clientId, authority: config.authority }));
    expect(client.acquireTokenSilent).toHaveBeenCalledWith({ scopes, forceRefresh: false });
    expect(office.getSsoToken).not.toHaveBeenCalled();
  });

  it.each([
    ['interaction required', () => new InteractionRequiredAuthError('interaction_required', 'corr-1')],
    ['any other silent failure', () => new Error('network_error')],
  ])('falls back to MSAL popup after %s', async (_name, failure) => {
    const { tokens, client, office } = setup({ sets: naaHost });
    client.acquireTokenSilent.mockRejectedValueOnce(failure());
    expect(await tokens.token()).toBe('popup-1');
    expect(client.acquireTokenPopup).toHaveBeenCalledWith({ scopes });
    expect(office.openDialog).not.toHaveBeenCalled();
  });

  it("falls back to Office's dialog when the host cannot show MSAL's popup", async () => {
    const { tokens, client, office } = setup({ sets: naaHost });
    client.acquireTokenSilent.mockRejectedValueOnce(new InteractionRequiredAuthError('interaction_required', 'corr-1'));
    client.acquireTokenPopup.mockRejectedValueOnce(popupBlocked());
    expect(await tokens.token()).toBe('dialog-1');
    expect(office.openDialog).toHaveBeenCalledWith(dialogUrl, { height: 60, width: 30 });
  });

  it('asks the user to sign in again when the popup fails otherwise', async () => {
    const { tokens, client } = setup({ sets: naaHost });
    client.acquireTokenSilent.mockRejectedValueOnce(new InteractionRequiredAuthError('interaction_required', 'corr-1'));
    client.acquireTokenPopup.mockRejectedValueOnce(new BrowserAuthError('user_cancelled', 'User cancelled the flow.'));
    await expect(tokens.token()).rejects.toThrow('Sign in again: the sign-in was cancelled');
  });

  it('never opens a popup or a dialog when not interactive (the function file)', async () => {
    const { tokens, client, office } = setup({ sets: naaHost, interactive: false });
    client.acquireTokenSilent.mockRejectedValueOnce(new InteractionRequiredAuthError('interaction_required', 'corr-1'));
    await expect(tokens.token()).rejects.toThrow(authText.openPane);
    expect(client.acquireTokenPopup).not.toHaveBeenCalled();
    expect(office.openDialog).not.toHaveBeenCalled();
  });

  it('is not used in local mode, where the sandbox hands out tokens', async () => {
    const { tokens, createNaa, office } = setup({ sets: naaHost, local: true });
    await tokens.token();
    expect(createNaa).not.toHaveBeenCalled();
    expect(office.getSsoToken).toHaveBeenCalled();
  });
});

describe('Office SSO', () => {
  it('is used without NestedAppAuth, when IdentityAPI 1.3 is there', async () => {
    const { tokens, createNaa, office } = setup({ sets: ssoHost });
    expect(expiryOf(await tokens.token())).toBeGreaterThan(0);
    expect(office.getSsoToken).toHaveBeenCalledWith({ interactive: true });
    expect(office.isSetSupported).toHaveBeenCalledWith('IdentityAPI', '1.3');
    expect(createNaa).not.toHaveBeenCalled();
  });

  it('is asked each time: its token is not kept in the page', async () => {
    const { tokens, office } = setup({ sets: ssoHost });
    const first = await tokens.token();
    const second = await tokens.token();
    expect(office.getSsoToken).toHaveBeenCalledTimes(2);
    expect(second).not.toBe(first);
  });

  it("gives way to Office's dialog without IdentityAPI 1.3", async () => {
    const { tokens, office } = setup({ sets: [] });
    expect(await tokens.token()).toBe('dialog-1');
    expect(office.getSsoToken).not.toHaveBeenCalled();
  });

  it.each([...ssoFallbackCodes])("falls back to Office's dialog after error %i", async (code) => {
    const { tokens, office } = setup({ sets: ssoHost });
    office.getSsoToken.mockRejectedValueOnce(new OfficeError('raw', code));
    expect(await tokens.token()).toBe('dialog-1');
    expect(office.openDialog).toHaveBeenCalledWith(dialogUrl, expect.anything());
    // The dialog stays the way in: Office SSO is not asked again.
    await tokens.token();
    expect(office.getSsoToken).toHaveBeenCalledTimes(1);
  });

  it.each([...ssoFallbackCodes])('says what error %i means when no dialog can help', async (code) => {
    const { tokens, office } = setup({ sets: ssoHost, dialog: false });
    office.getSsoToken.mockRejectedValueOnce(new OfficeError('raw', code));
    const err = (await tokens.token().catch((e: unknown) => e)) as AuthError;
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toBe(ssoMessage(code));
    expect(err.message).toContain(`error ${code}`);
    expect(err.code).toBe(code);
  });

  it('has its own sentence for each fallback code', () => {
    const sentences = new Set([...ssoFallbackCodes].map(ssoMessage));
    expect(sentences.size).toBe(ssoFallbackCodes.size);
    expect([...ssoFallbackCodes].sort()).toEqual([13000, 13003, 13005, 13007, 13012, 13013]);
  });

  it.each([
    [13001, /^Sign in to Outlook first/],
    [13002, /^Sign in again/],
    [13006, /sign out of Office/],
    [13999, /error 13999/],
  ])('turns error %i into readable text without a dialog', async (code, want) => {
    const { tokens, office } = setup({ sets: ssoHost });
    office.getSsoToken.mockRejectedValueOnce(new OfficeError('raw', code));
    const err = (await tokens.token().catch((e: unknown) => e)) as AuthError;
    expect(err.message).toMatch(want);
    expect(office.openDialog).not.toHaveBeenCalled();
  });

  it('says so when the user closes the sign-in window', async () => {
    const { tokens, office } = setup({ sets: ssoHost });
    office.getSsoToken.mockRejectedValueOnce(new OfficeError('raw', 13007));
    office.openDialog!.mockRejectedValueOnce(new OfficeError('the sign-in window was closed', 12006));
    await expect(tokens.token()).rejects.toThrow(authText.dialogClosed);
  });

  it('says what went wrong when the dialog answers with an error', async () => {
    const { tokens, office } = setup({ sets: [] });
    office.openDialog!.mockResolvedValueOnce(JSON.stringify({ error: 'AADSTS65001: consent required' }));
    await expect(tokens.token()).rejects.toThrow('Sign in again: AADSTS65001: consent required');
  });

  it('never prompts or opens a dialog when not interactive (the function file)', async () => {
    const { tokens, office } = setup({ sets: ssoHost, interactive: false });
    office.getSsoToken.mockRejectedValueOnce(new OfficeError('raw', 13001));
    await expect(tokens.token()).rejects.toThrow(authText.openPane);
    expect(office.getSsoToken).toHaveBeenCalledWith({ interactive: false });
    office.getSsoToken.mockRejectedValueOnce(new OfficeError('raw', 13007));
    await expect(tokens.token()).rejects.toThrow(authText.openPane);
    expect(office.openDialog).not.toHaveBeenCalled();
  });
});

describe('after the API refuses a token', () => {
  it('nested app authentication forces a refresh', async () => {
    const { tokens, client } = setup({ sets: naaHost });
    expect(await tokens.token()).toBe('naa-1');
    tokens.invalidate();
    expect(await tokens.token()).toBe('naa-2');
    expect(client.acquireTokenSilent).toHaveBeenLastCalledWith({ scopes, forceRefresh: true });
    expect(await tokens.token()).toBe('naa-2'); // kept again until it nears expiry
    expect(client.acquireTokenSilent).toHaveBeenCalledTimes(2);
  });

  it('Office SSO is asked again, and the dialog signs in when Office gives the refused token back', async () => {
    const { tokens, office } = setup({ sets: ssoHost });
    const refused = await tokens.token();
    tokens.invalidate();
    office.getSsoToken.mockResolvedValueOnce(refused);
    expect(await tokens.token()).toBe('dialog-1');
    expect(office.openDialog).toHaveBeenCalledWith(`${dialogUrl}?refresh=1`, expect.anything());
  });

  it("the dialog's token is refreshed in the dialog", async () => {
    const { tokens, office } = setup({ sets: [] });
    expect(await tokens.token()).toBe('dialog-1');
    expect(await tokens.token()).toBe('dialog-1');
    tokens.invalidate();
    expect(await tokens.token()).toBe('dialog-2');
    expect(office.openDialog).toHaveBeenLastCalledWith(`${dialogUrl}?refresh=1`, expect.anything());
  });

  it('the API client retries a 401 once with the fresh token, never the cached one', async () => {
    const { tokens, client } = setup({ sets: naaHost });
    const seen: string[] = [];
    const fetchFn = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
      const auth = new Headers(init?.headers).get('Authorization') ?? '';
      seen.push(auth);
      if (auth === 'Bearer naa-1') {
        return new Response(JSON.stringify({ status: 401, detail: 'expired' }), { status: 401 });
      }
      return new Response(JSON.stringify({ userId: 'u1' }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    });
    const api = createApi({ base: '/api/v1', token: () => tokens.token(), invalidateToken: () => tokens.invalidate(), fetch: fetchFn as typeof fetch });
    await api.me();
    expect(seen).toEqual(['Bearer naa-1', 'Bearer naa-2']);
    expect(client.acquireTokenSilent).toHaveBeenLastCalledWith({ scopes, forceRefresh: true });
  });
});

describe('the token cache', () => {
  it('keeps a token until 5 minutes before it expires', async () => {
    const { tokens, client, advance } = setup({ sets: naaHost });
    await tokens.token();
    advance(60 * 60 * 1000 - refreshMarginMs - 1000);
    await tokens.token();
    expect(client.acquireTokenSilent).toHaveBeenCalledTimes(1);
    advance(2000);
    await tokens.token();
    expect(client.acquireTokenSilent).toHaveBeenCalledTimes(2);
    expect(client.acquireTokenSilent).toHaveBeenLastCalledWith({ scopes, forceRefresh: false });
  });

  it('asks once for concurrent callers', async () => {
    const { tokens, client } = setup({ sets: naaHost });
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
