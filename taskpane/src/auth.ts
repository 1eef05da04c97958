// Access tokens for crmsync's API, the way Microsoft's Outlook nested app authentication sample and the
// Office SSO documentation do it:
//
// 1. Nested app authentication (MSAL in the Office host) when the host supports NestedAppAuth 1.1:
//    acquireTokenSilent; if that fails, MSAL's popup; if the host cannot show MSAL's popup
//    (popup_window_error), Office's dialog.
// 2. Otherwise Office SSO (Office.auth.getAccessToken, IdentityAPI 1.3). Office caches its token, so it is
//    asked each time and never kept in the page. The errors after which Microsoft says to fall back to
//    another sign-in (13000, 13003, 13005, 13007, 13012, 13013) go to Office's dialog; each has its own
//    readable message for when that cannot help.
// 3. Without either, Office's dialog: /taskpane/auth.html runs MSAL's redirect flow and hands the token
//    back with messageParent (authdialog.ts).
//
// After the API refuses a token (invalidate), the next token is acquired afresh (MSAL's forceRefresh),
// never the one refused. The ribbon's function file is not interactive: it never opens a popup or a
// dialog, and asks the user to open the crmsync pane to sign in instead. Local mode uses Office SSO
// always: the local sandbox's office.js stand-in hands out development tokens.

import {
  createNestablePublicClientApplication,
  type AuthenticationResult,
} from '@azure/msal-browser';
import type { OfficeAdapter } from './office.ts';
import { dialogClosed, OfficeError } from './office.ts';

/** TaskpaneConfig is GET /taskpane/config.json: how this deployment signs in and where its API is. */
export interface TaskpaneConfig {
  clientId: string;
  /** The Entra authority: the tenant's own for a single-tenant deployment, else /common. */
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

/** The sentences of sign-in. */
export const authText = {
  openPane: 'Open the crmsync pane to sign in',
  dialogClosed: 'Sign in again: the sign-in window was closed before signing in finished',
  noDialog: 'This Outlook cannot sign in to crmsync: it offers neither single sign-on nor a sign-in window',
} as const;

/** ssoMessage says what an Office SSO error code means for the user, and what to do. */
export function ssoMessage(code: number | undefined): string {
  switch (code) {
    case 13000:
      return 'This version of Outlook cannot sign add-ins in (error 13000): update Outlook, or ask your administrator';
    case 13001:
      return 'Sign in to Outlook first, then open crmsync again (error 13001)';
    case 13002:
      return 'Sign in again: the sign-in or consent was cancelled, and crmsync needs it to reach the CRM (error 13002)';
    case 13003:
      return 'crmsync needs a work or school account; this Outlook is signed in with another kind of account (error 13003)';
    case 13005:
      return 'crmsync may not read your profile yet: your administrator needs to grant consent to crmsync (error 13005)';
    case 13006:
      return 'Outlook could not sign you in: sign out of Office, sign in again and reopen crmsync (error 13006)';
    case 13007:
      return 'Outlook could not get permission for crmsync (error 13007): check that you use your work account, or ask your administrator to grant consent';
    case 13008:
      return 'Outlook is still signing you in; try again in a moment (error 13008)';
    case 13012:
      return 'Single sign-on is not available in this Outlook (error 13012)';
    case 13013:
      return 'Outlook was asked to sign you in too often and paused it (error 13013); wait a minute and try again';
    default:
      return `Outlook could not sign you in to crmsync${code ? ` (error ${code})` : ''}`;
  }
}

/** The Office SSO errors after which Microsoft's documentation says to fall back to another sign-in. */
export const ssoFallbackCodes: ReadonlySet<number> = new Set([13000, 13003, 13005, 13007, 13012, 13013]);

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

/** TokenSource hands out bearer tokens for the API. */
export interface TokenSource {
  token(): Promise<string>;
  /** invalidate says the API refused the last token: the next one is acquired afresh, never that one. */
  invalidate(): void;
}

/** The part of an MSAL public client application that the taskpane uses. */
export interface NestableClient {
  acquireTokenSilent(request: { scopes: string[]; forceRefresh?: boolean }): Promise<AuthenticationResult>;
  acquireTokenPopup(request: { scopes: string[] }): Promise<AuthenticationResult>;
}

/** What createTokenSource needs; tests replace createNaa, dialogUrl and now. */
export interface AuthDeps {
  config: TaskpaneConfig;
  office: Pick<OfficeAdapter, 'isSetSupported' | 'getSsoToken' | 'openDialog'>;
  /**
   * interactive: the taskpane may show sign-in (MSAL's popup, Office's dialog, Office's prompts); the
   * ribbon's function file may not (false). Default true.
   */
  interactive?: boolean;
  createNaa?: (config: TaskpaneConfig) => Promise<NestableClient>;
  /** The sign-in page Office's dialog opens; default /taskpane/auth.html on this origin. */
  dialogUrl?: string;
  now?: () => number;
}

/** A token is reused until this long before it expires. */
export const refreshMarginMs = 5 * 60 * 1000;

/** The size of Office's sign-in dialog, in percent of the screen (the sample's). */
const dialogSize = { height: 60, width: 30 };

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

/** What the sign-in dialog sends back (authdialog.ts). */
export interface DialogResult {
  accessToken?: string;
  /** When the token expires, in milliseconds since the epoch. */
  expiresOn?: number;
  error?: string;
}

function errorCode(e: unknown): string {
  return String((e as { errorCode?: unknown } | null)?.errorCode ?? '');
}

type Token = { token: string; expiresAt: number };

/** createTokenSource picks the way this host signs in: nested app authentication, Office SSO, or Office's dialog. */
export function createTokenSource(deps: AuthDeps): TokenSource {
  const { config, office } = deps;
  const now = deps.now ?? Date.now;
  const interactive = deps.interactive ?? true;
  const createNaa = deps.createNaa ?? defaultCreateNaa;
  const dialogUrl = deps.dialogUrl ?? `${globalThis.location?.origin ?? ''}/taskpane/auth.html`;
  let naa: Promise<NestableClient> | undefined;
  // Tokens from MSAL and from the dialog are kept until shortly before they expire; Office SSO's never.
  let cached: Token | undefined;
  let inflight: Promise<string> | undefined;
  // After invalidate: the refused token, which must not be handed out again, and a forced refresh.
  let lastGiven: string | undefined;
  let refused: string | undefined;
  let forceNext = false;
  // Once Office SSO said to fall back (ssoFailed: its code) or gave a token the API refused, Office's
  // dialog is this page's way in.
  let useDialog = false;
  let ssoFailed: number | undefined;

  async function viaNaa(force: boolean): Promise<Token> {
    naa ??= createNaa(config);
    const client = await naa;
    const scopes = [config.apiScope];
    let result: AuthenticationResult;
    try {
      result = await client.acquireTokenSilent({ scopes, forceRefresh: force });
    } catch (silentErr) {
      if (!interactive) {
        throw new AuthError(authText.openPane);
      }
      try {
        result = await client.acquireTokenPopup({ scopes });
      } catch (popupErr) {
        // Some Outlooks cannot show MSAL's about:blank popup: Office's dialog can sign in instead.
        if (errorCode(popupErr) === 'popup_window_error' || errorCode(popupErr) === 'empty_window_error') {
          return viaDialog(force);
        }
        const why = errorCode(popupErr) === 'user_cancelled' ? 'the sign-in was cancelled' : (popupErr as Error)?.message || 'the sign-in did not finish';
        throw new AuthError(`Sign in again: ${why}`);
      }
    }
    return { token: result.accessToken, expiresAt: result.expiresOn ? result.expiresOn.getTime() : expiryOf(result.accessToken) };
  }

  async function viaSso(force: boolean): Promise<Token> {
    let token: string;
    try {
      token = await office.getSsoToken({ interactive });
    } catch (e) {
      const code = e instanceof OfficeError ? e.code : (e as { code?: number })?.code;
      if (config.local) {
        throw new AuthError(ssoMessage(code), code);
      }
      if (code !== undefined && ssoFallbackCodes.has(code)) {
        ssoFailed = code;
        useDialog = interactive;
        return viaDialog(force);
      }
      throw new AuthError(interactive ? ssoMessage(code) : authText.openPane, code);
    }
    if (force && token === refused && !config.local) {
      // Office handed back the very token the API refused: only a new sign-in gives another.
      useDialog = interactive;
      return viaDialog(true);
    }
    // Not cached: Office keeps it, and the docs ask add-ins to call getAccessToken each time.
    return { token, expiresAt: 0 };
  }

  async function viaDialog(force: boolean): Promise<Token> {
    const why = ssoFailed !== undefined ? ssoMessage(ssoFailed) : authText.noDialog;
    if (!interactive) {
      throw new AuthError(authText.openPane, ssoFailed);
    }
    if (!office.openDialog) {
      throw new AuthError(why, ssoFailed);
    }
    let message: string;
    try {
      message = await office.openDialog(force ? `${dialogUrl}?refresh=1` : dialogUrl, dialogSize);
    } catch (e) {
      if (e instanceof OfficeError && e.code === dialogClosed) {
        throw new AuthError(authText.dialogClosed, ssoFailed);
      }
      // The dialog cannot help here: say why single sign-on failed, when it did.
      throw new AuthError(ssoFailed !== undefined ? why : `Sign in again: ${(e as Error)?.message || 'the sign-in window failed'}`, ssoFailed);
    }
    let result: DialogResult;
    try {
      result = JSON.parse(message) as DialogResult;
    } catch {
      result = { error: 'the sign-in window answered something unexpected' };
    }
    if (!result.accessToken) {
      throw new AuthError(`Sign in again: ${result.error || 'the sign-in did not finish'}`, ssoFailed);
    }
    return { token: result.accessToken, expiresAt: result.expiresOn || expiryOf(result.accessToken) };
  }

  function acquire(force: boolean): Promise<Token> {
    if (config.local) {
      return viaSso(force);
    }
    if (office.isSetSupported('NestedAppAuth', '1.1')) {
      return viaNaa(force);
    }
    if (!useDialog && office.isSetSupported('IdentityAPI', '1.3')) {
      return viaSso(force);
    }
    return viaDialog(force);
  }

  async function fetchToken(force: boolean): Promise<string> {
    const t = await acquire(force);
    if (t.token === refused) {
      throw new AuthError('Sign in again: crmsync refused your sign-in');
    }
    // A token whose expiry is unknown (Office SSO's, by choice) is not kept: the next call asks again.
    cached = t.expiresAt > 0 ? t : undefined;
    lastGiven = t.token;
    return t.token;
  }

  return {
    token(): Promise<string> {
      if (!forceNext && cached && now() < cached.expiresAt - refreshMarginMs) {
        lastGiven = cached.token;
        return Promise.resolve(cached.token);
      }
      if (inflight && !forceNext) {
        return inflight; // concurrent callers share one request
      }
      // A forced refresh waits for a request already under way, which may return the refused token.
      const force = forceNext;
      forceNext = false;
      const before = inflight?.then(
        () => undefined,
        () => undefined,
      );
      const p = before ? before.then(() => fetchToken(force)) : fetchToken(force);
      inflight = p;
      const settle = () => {
        if (inflight === p) {
          inflight = undefined;
        }
      };
      p.then(settle, settle);
      return p;
    },
    invalidate(): void {
      refused = lastGiven ?? refused;
      cached = undefined;
      forceNext = true;
    },
  };
}
