// Access tokens for crmsync's API. Nested app authentication (MSAL in the Office host) when the host
// supports NestedAppAuth 1.1; otherwise Office SSO (Office.auth.getAccessToken). Local mode uses Office
// SSO always: the local sandbox's office.js stand-in hands out development tokens, and the development
// issuer has no sign-in pages for MSAL to talk to.

import {
  createNestablePublicClientApplication,
  InteractionRequiredAuthError,
  type AuthenticationResult,
} from '@azure/msal-browser';
import type { OfficeAdapter } from './office.ts';
import { OfficeError } from './office.ts';

/** TaskpaneConfig is GET /taskpane/config.json: how this deployment signs in and where its API is. */
export interface TaskpaneConfig {
  clientId: string;
  authority: string;
  apiScope: string;
  apiBase: string;
  local: boolean;
}

/** AuthError is a failure to get a token, with text a user can act on. */
export class AuthError extends Error {
  /** The Office SSO error code (13xxx), when Office gave one. */
  readonly code: number | undefined;
  constructor(message: string, code?: number) {
    super(message);
    this.name = 'AuthError';
    this.code = code;
  }
}

/** loadConfig reads the deployment's taskpane configuration from the server that serves this page. */
export async function loadConfig(fetchFn: typeof fetch = fetch): Promise<TaskpaneConfig> {
  let res: Response;
  try {
    res = await fetchFn('/taskpane/config.json', { headers: { Accept: 'application/json' } });
  } catch {
    throw new AuthError('crmsync cannot be reached');
  }
  if (!res.ok) {
    throw new AuthError(`crmsync did not give its sign-in settings (HTTP ${res.status})`);
  }
  const c = (await res.json()) as Partial<TaskpaneConfig>;
  return {
    clientId: c.clientId ?? '',
    authority: c.authority ?? '',
    apiScope: c.apiScope ?? '',
    apiBase: c.apiBase || '/api/v1',
    local: c.local === true,
  };
}

/** TokenSource hands out bearer tokens for the API, cached until shortly before they expire. */
export interface TokenSource {
  token(): Promise<string>;
  /** invalidate forgets the cached token, after the API refused it. */
  invalidate(): void;
}

/** The part of an MSAL public client application that the taskpane uses. */
export interface NestableClient {
  acquireTokenSilent(request: { scopes: string[] }): Promise<AuthenticationResult>;
  acquireTokenPopup(request: { scopes: string[] }): Promise<AuthenticationResult>;
}

/** What createTokenSource needs; tests replace createNaa and now. */
export interface AuthDeps {
  config: TaskpaneConfig;
  office: Pick<OfficeAdapter, 'isSetSupported' | 'getSsoToken'>;
  createNaa?: (config: TaskpaneConfig) => Promise<NestableClient>;
  now?: () => number;
}

/** A token is reused until this long before it expires. */
export const refreshMarginMs = 5 * 60 * 1000;

function defaultCreateNaa(config: TaskpaneConfig): Promise<NestableClient> {
  return createNestablePublicClientApplication({ auth: { clientId: config.clientId, authority: config.authority } });
}

/** expiryOf reads a JWT's exp claim in milliseconds; 0 when the token does not say. */
export function expiryOf(token: string): number {
  const payload = token.split('.')[1];
  if (!payload) {
    return 0;
  }
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}

function isInteractionRequired(e: unknown): boolean {
  return e instanceof InteractionRequiredAuthError || (e as { name?: string } | null)?.name === 'InteractionRequiredAuthError';
}

/** ssoMessage turns an Office SSO error code into something a user can act on. */
function ssoMessage(code: number | undefined): string {
  switch (code) {
    case 13001:
      return 'Sign in again: you are not signed in to Outlook';
    case 13002:
      return 'Sign in again: the sign-in or consent was cancelled, and crmsync needs it to reach the CRM';
    case 13003:
      return 'crmsync needs a work or school account; this Outlook is signed in with another kind';
    case 13006:
    case 13008:
      return 'Outlook is busy signing in; try again in a moment';
    case 13007:
    case 13005:
      return 'Sign in again: Outlook could not get permission for crmsync; your administrator may need to consent to it';
    case 13012:
      return 'This Outlook cannot sign in to crmsync (single sign-on is not available here)';
    default:
      return `Outlook could not sign you in to crmsync${code ? ` (error ${code})` : ''}`;
  }
}

/** createTokenSource picks nested app authentication or Office SSO for this host. */
export function createTokenSource(deps: AuthDeps): TokenSource {
  const { config, office } = deps;
  const now = deps.now ?? Date.now;
  const createNaa = deps.createNaa ?? defaultCreateNaa;
  const useNaa = !config.local && office.isSetSupported('NestedAppAuth', '1.1');
  let naa: Promise<NestableClient> | undefined;
  let cached: { token: string; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function viaNaa(): Promise<{ token: string; expiresAt: number }> {
    naa ??= createNaa(config);
    const client = await naa;
    const request = { scopes: [config.apiScope] };
    let result: AuthenticationResult;
    try {
      result = await client.acquireTokenSilent(request);
    } catch (e) {
      if (!isInteractionRequired(e)) {
        throw new AuthError(`Sign in again: ${(e as Error)?.message || 'Outlook could not get a token for crmsync'}`);
      }
      try {
        result = await client.acquireTokenPopup(request);
      } catch (popupErr) {
        throw new AuthError(`Sign in again: ${(popupErr as Error)?.message || 'the sign-in did not finish'}`);
      }
    }
    const expiresAt = result.expiresOn ? result.expiresOn.getTime() : expiryOf(result.accessToken);
    return { token: result.accessToken, expiresAt };
  }

  async function viaSso(): Promise<{ token: string; expiresAt: number }> {
    try {
      const token = await office.getSsoToken();
      return { token, expiresAt: expiryOf(token) };
    } catch (e) {
      const code = e instanceof OfficeError ? e.code : (e as { code?: number })?.code;
      // 13xxx codes are where a full sign-in through an Office dialog (displayDialogAsync with MSAL's
      // redirect flow) would take over. That fallback is out of scope: Outlooks with NestedAppAuth never
      // get here, and the rest show this readable error instead.
      throw new AuthError(ssoMessage(code), code);
    }
  }

  async function fetchToken(): Promise<string> {
    const t = useNaa ? await viaNaa() : await viaSso();
    // A token whose expiry is unknown is not cached: the next call asks again, which the host caches.
    cached = t.expiresAt > 0 ? t : undefined;
    return t.token;
  }

  return {
    token(): Promise<string> {
      if (cached && now() < cached.expiresAt - refreshMarginMs) {
        return Promise.resolve(cached.token);
      }
      inflight ??= fetchToken().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate(): void {
      cached = undefined;
    },
  };
}
