// Production sign-in: Microsoft Entra ID through MSAL's PublicClientApplication, with the redirect flow
// (authorization code with PKCE, which MSAL does itself) and crmsync's API scope
// api://<host>/<client id>/access_as_user from /taskpane/config.json. Tokens are renewed silently
// (refresh token, else a hidden frame that comes back to /app/, where main.ts hands the answer over with
// MSAL's redirect bridge); when that needs the user, the page goes to Microsoft's sign-in and back.
// Signing out clears MSAL's cache and signs out at Microsoft.

import { InteractionRequiredAuthError, PublicClientApplication, type AccountInfo, type AuthenticationResult, type Configuration } from '@azure/msal-browser';
import type { TaskpaneConfig } from '../../auth.ts';
import type { Session } from './session.ts';

/** The part of PublicClientApplication the app uses; tests stand in for it. */
export interface MsalClient {
  initialize(): Promise<void>;
  handleRedirectPromise(): Promise<AuthenticationResult | null>;
  getActiveAccount(): AccountInfo | null;
  getAllAccounts(): AccountInfo[];
  setActiveAccount(account: AccountInfo | null): void;
  loginRedirect(request: { scopes: string[]; prompt?: string }): Promise<void>;
  acquireTokenSilent(request: { scopes: string[]; account: AccountInfo; forceRefresh?: boolean }): Promise<AuthenticationResult>;
  acquireTokenRedirect(request: { scopes: string[]; account?: AccountInfo }): Promise<void>;
  logoutRedirect(request: { account?: AccountInfo; postLogoutRedirectUri?: string }): Promise<void>;
}

/** What the MSAL session needs; tests pass create. */
export interface MsalDeps {
  config: TaskpaneConfig;
  /** The app's address, e.g. https://crm.example.com/app/: the redirect URI registered for the SPA. */
  appUrl: string;
  create?: (configuration: Configuration) => MsalClient;
}

/** msalConfiguration is how the app's PublicClientApplication is set up. */
export function msalConfiguration(config: TaskpaneConfig, appUrl: string): Configuration {
  return {
    auth: { clientId: config.clientId, authority: config.authority, redirectUri: appUrl, postLogoutRedirectUri: appUrl },
    // Shared by the app's tabs, as the local sign-in is.
    cache: { cacheLocation: 'localStorage' },
  };
}

function isInteractionRequired(e: unknown): boolean {
  return e instanceof InteractionRequiredAuthError || (e as { name?: string } | null)?.name === 'InteractionRequiredAuthError';
}

/**
 * msalSession finishes a sign-in the page came back from, or finds the account signed in before; with
 * neither it goes to Microsoft's sign-in and resolves null (the page is leaving).
 */
export async function msalSession(deps: MsalDeps): Promise<Session | null> {
  const create = deps.create ?? ((c: Configuration) => new PublicClientApplication(c) as unknown as MsalClient);
  const client = create(msalConfiguration(deps.config, deps.appUrl));
  const scopes = [deps.config.apiScope];
  await client.initialize();
  const result = await client.handleRedirectPromise();
  const account = result?.account ?? client.getActiveAccount() ?? client.getAllAccounts()[0] ?? null;
  if (!account) {
    await client.loginRedirect({ scopes });
    return null;
  }
  client.setActiveAccount(account);
  let force = false;
  return {
    user: { upn: account.username, name: account.name || account.username },
    async token(): Promise<string> {
      const forceRefresh = force;
      force = false;
      try {
        return (await client.acquireTokenSilent({ scopes, account, forceRefresh })).accessToken;
      } catch (e) {
        if (isInteractionRequired(e)) {
          await client.acquireTokenRedirect({ scopes, account });
        }
        throw e;
      }
    },
    invalidate(): void {
      force = true;
    },
    signIn(): void {
      void client.loginRedirect({ scopes, prompt: 'select_account' });
    },
    signOut: () => client.logoutRedirect({ account, postLogoutRedirectUri: deps.appUrl }),
  };
}

/** bridge hands a sign-in answer that came to this page (in MSAL's hidden frame, or back from a redirect) to MSAL. */
export async function bridge(): Promise<void> {
  const { broadcastResponseToMainFrame } = await import('@azure/msal-browser/redirect-bridge');
  await broadcastResponseToMainFrame();
}
