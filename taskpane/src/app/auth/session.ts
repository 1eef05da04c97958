// A signed-in user of the web app and the tokens that go with them, whichever way they signed in:
// Microsoft Entra ID through MSAL in production (msal.ts), a demo user in local mode (local.ts).

/** Session is a signed-in user. */
export interface Session {
  user: { upn: string; name: string };
  /** token gives an access token for crmsync's API, renewed silently when it is about to end. */
  token(): Promise<string>;
  /** invalidate makes the next token a fresh one, after the API refused the last. */
  invalidate(): void;
  /** signIn signs in again (the API still refuses the token). */
  signIn(): void;
  /** signOut forgets the cached tokens and the user. */
  signOut(): Promise<void>;
}

/** isAuthResponse reports whether a URL carries a sign-in answer for MSAL, rather than a screen's hash. */
export function isAuthResponse(loc: Pick<Location, 'hash' | 'search'>): boolean {
  const answer = (s: string) => /(^|&)(code|error)=/.test(s) && /(^|&)state=/.test(s);
  const hash = loc.hash.replace(/^#/, '');
  return (!hash.startsWith('/') && answer(hash)) || answer(loc.search.replace(/^\?/, ''));
}
