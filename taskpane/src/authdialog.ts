// The sign-in page that Office's dialog opens (/taskpane/auth.html), for Outlooks where neither nested
// app authentication nor Office SSO works, as Microsoft's Outlook NAA sample does: MSAL's redirect flow
// on a standard public client, whose result goes back to the taskpane with messageParent. The page is
// the https single-page-application redirect URI of the app registration, so it is also where an admin
// lands after granting consent for their organisation (the admin consent URL in the README).

import { createStandardPublicClientApplication, type AuthenticationResult, type IPublicClientApplication } from '@azure/msal-browser';
import { loadConfig, type DialogResult, type TaskpaneConfig } from './auth.ts';

/** The part of MSAL's public client application the page uses. */
export type DialogClient = Pick<
  IPublicClientApplication,
  'handleRedirectPromise' | 'acquireTokenSilent' | 'acquireTokenRedirect' | 'getActiveAccount' | 'getAllAccounts' | 'setActiveAccount'
>;

/** What the page needs; tests pass fakes. */
export interface DialogDeps {
  /** The page's address: its query says refresh=1 (a token the API refused) or carries an admin consent's outcome. */
  location: { origin: string; pathname: string; search: string };
  loadConfig: () => Promise<TaskpaneConfig>;
  createClient: (config: TaskpaneConfig, redirectUri: string) => Promise<DialogClient>;
  /** send hands the result to the taskpane (Office.context.ui.messageParent). */
  send: (result: DialogResult) => void;
  /** show writes a sentence on the page, for an admin who came back from granting consent. */
  show: (text: string) => void;
}

/** The sentences an admin reads after the admin consent URL. */
export const consentText = {
  granted: 'crmsync may now be used in your organisation. You can close this page.',
  refused: 'Consent was not granted',
} as const;

function resultOf(r: AuthenticationResult): DialogResult {
  return { accessToken: r.accessToken, expiresOn: r.expiresOn ? r.expiresOn.getTime() : undefined };
}

/** runAuthDialog signs the user in and sends the token back, or shows an admin consent's outcome. */
export async function runAuthDialog(deps: DialogDeps): Promise<void> {
  const params = new URLSearchParams(deps.location.search);
  // Entra's admin consent endpoint comes back here with admin_consent=True, or with an error.
  if (params.has('admin_consent') || (params.has('error') && !params.has('state'))) {
    if (params.get('admin_consent')?.toLowerCase() === 'true') {
      deps.show(consentText.granted);
    } else {
      deps.show(`${consentText.refused}: ${params.get('error_description') || params.get('error') || 'no reason given'}`);
    }
    return;
  }
  try {
    const config = await deps.loadConfig();
    const client = await deps.createClient(config, deps.location.origin + deps.location.pathname);
    const scopes = [config.apiScope];
    const back = await client.handleRedirectPromise();
    if (back) {
      client.setActiveAccount(back.account);
      deps.send(resultOf(back));
      return;
    }
    const account = client.getActiveAccount() ?? client.getAllAccounts()[0] ?? null;
    if (account) {
      try {
        // refresh=1: the API refused the last token, so the cached one will not do.
        const silent = await client.acquireTokenSilent({ scopes, account, forceRefresh: params.get('refresh') === '1' });
        deps.send(resultOf(silent));
        return;
      } catch {
        // the refresh token expired or consent changed: sign in again below
      }
    }
    await client.acquireTokenRedirect({ scopes, prompt: account ? undefined : 'select_account' });
  } catch (e) {
    deps.send({ error: (e as { errorMessage?: string; message?: string })?.errorMessage || (e as Error)?.message || 'the sign-in failed' });
  }
}

/** start runs the page in Office's dialog (auth.html). */
export function start(): void {
  const office = (globalThis as { Office?: typeof Office }).Office;
  const ready = office ? office.onReady().then(() => undefined) : Promise.resolve();
  const show = (text: string) => {
    const p = document.getElementById('status');
    if (p) p.textContent = text;
  };
  void runAuthDialog({
    location: globalThis.location,
    loadConfig: () => loadConfig(),
    createClient: (config, redirectUri) =>
      createStandardPublicClientApplication({
        auth: { clientId: config.clientId, authority: config.authority, redirectUri },
        cache: { cacheLocation: 'localStorage' },
      }),
    send: (result) => {
      void ready.then(() => {
        const ui = (globalThis as { Office?: typeof Office }).Office?.context?.ui;
        if (ui?.messageParent) {
          ui.messageParent(JSON.stringify(result));
        } else {
          show(result.error ? `Sign-in failed: ${result.error}` : 'Signed in. You can close this page.');
        }
      });
    },
    show,
  });
}
