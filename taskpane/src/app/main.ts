// The web app's entry (app/index.html): sign in — MSAL's redirect flow in production, a demo user in
// local mode — read who the user is, and show the shell. A sign-in answer that lands on this page (MSAL's
// silent renewal frame, or the way back from Microsoft's sign-in) is handed to MSAL instead.

import { createApi } from '../api.ts';
import { loadConfig } from '../auth.ts';
import '../forms.css';
import './app.css';
import { demoUsers, localSession, pickUser } from './auth/local.ts';
import { isAuthResponse, type Session } from './auth/session.ts';
import { h, replace } from './dom.ts';
import { t } from './messages.ts';
import { mountShell } from './shell.ts';
import { mountSignIn } from './signin.ts';
import { registerTheme } from './theme.ts';
import { loadingView, problemView } from './ui.ts';

/** start runs the app in root. */
export async function start(root: HTMLElement = document.getElementById('app') ?? document.body): Promise<void> {
  if (isAuthResponse(location)) {
    const { bridge } = await import('./auth/msal.ts');
    await bridge().catch((e: unknown) =>
      replace(root, problemView(new Error(t.signin.failed(String((e as Error)?.message ?? e))), { signIn: () => location.assign('/app/') })),
    );
    return;
  }
  registerTheme();
  await boot(root);
}

/** boot signs in and shows the shell; it runs again after a pick on the sign-in page or a retry. */
async function boot(root: HTMLElement): Promise<void> {
  replace(root, loadingView());
  const again = () => void boot(root);
  let session: Session | null;
  let apiBase: string;
  try {
    const config = await loadConfig();
    apiBase = config.apiBase;
    if (config.local) {
      session = localSession();
      if (!session) {
        await mountSignIn(root, { users: () => demoUsers(), pick: (u) => (pickUser(u), again()) });
        return;
      }
    } else {
      replace(root, loadingView(t.signin.redirecting));
      const { msalSession } = await import('./auth/msal.ts');
      session = await msalSession({ config, appUrl: `${location.origin}/app/` });
      if (!session) return; // on the way to Microsoft's sign-in
    }
  } catch (e) {
    replace(root, problemView(e, { signIn: again }, again));
    return;
  }
  const signedIn = session;
  const api = createApi({ base: apiBase, token: () => signedIn.token(), invalidateToken: () => signedIn.invalidate() });
  try {
    const me = await api.me();
    mountShell(root, { api, me, session: signedIn });
  } catch (e) {
    replace(root, h('main', { class: 'signin', id: 'main' }, problemView(e, { signIn: () => signedIn.signIn() }, again)));
  }
}
