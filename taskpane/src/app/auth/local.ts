// Local mode's sign-in: the user picks a demo user (GET /dev/outlook/users), and the app signs in with a
// development token for them (GET /dev/outlook/token), as the Outlook sandbox's Office.js stand-in does.
// The pick is kept in localStorage, so every tab of the app is the same user; signing out forgets it.

import { expiryOf } from '../../auth.ts';
import type { Session } from './session.ts';

/** A demo user the sign-in page offers. */
export interface DemoUser {
  upn: string;
  displayName: string;
  roles: string[];
}

/** What local sign-in needs; tests pass their own. */
export interface LocalDeps {
  fetch?: typeof fetch;
  storage?: Storage;
  now?: () => number;
  /** reload shows the app again after the user changed: the sign-in page, or the app as the new user. */
  reload?: () => void;
}

/** The key of the picked user in localStorage. */
export const userKey = 'crmsync.app.localUser';

/** A token is renewed this long before it ends. */
const marginMs = 60_000;

function fetchOf(deps: LocalDeps): typeof fetch {
  return deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
}

/** demoUsers lists the demo tenant's users. */
export async function demoUsers(deps: LocalDeps = {}): Promise<DemoUser[]> {
  const res = await fetchOf(deps)('/dev/outlook/users', { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`crmsync answered HTTP ${res.status}`);
  return ((await res.json()) as { items: DemoUser[] }).items ?? [];
}

/** pickUser signs in as a demo user: the session local mode starts with from now on. */
export function pickUser(user: DemoUser, deps: LocalDeps = {}): void {
  (deps.storage ?? localStorage).setItem(userKey, JSON.stringify({ upn: user.upn, name: user.displayName }));
}

/** localSession is the picked demo user's session, or null when none is picked: the sign-in page shows. */
export function localSession(deps: LocalDeps = {}): Session | null {
  const storage = deps.storage ?? localStorage;
  const now = deps.now ?? Date.now;
  const reload = deps.reload ?? (() => location.reload());
  let user: { upn: string; name: string };
  try {
    user = JSON.parse(storage.getItem(userKey) ?? 'null') as { upn: string; name: string };
  } catch {
    return null;
  }
  if (!user?.upn) return null;
  let cached: { token: string; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function mint(): Promise<string> {
    const res = await fetchOf(deps)(`/dev/outlook/token?user=${encodeURIComponent(user.upn)}`, { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`crmsync gave no development token (HTTP ${res.status})`);
    const token = ((await res.json()) as { token: string }).token;
    cached = { token, expiresAt: expiryOf(token) };
    return token;
  }

  const forget = () => {
    storage.removeItem(userKey);
    cached = undefined;
  };
  return {
    user: { upn: user.upn, name: user.name || user.upn },
    token(): Promise<string> {
      if (cached && now() < cached.expiresAt - marginMs) return Promise.resolve(cached.token);
      inflight ??= mint().finally(() => (inflight = undefined));
      return inflight;
    },
    invalidate(): void {
      cached = undefined;
    },
    signIn(): void {
      forget();
      reload();
    },
    async signOut(): Promise<void> {
      forget();
      reload();
    },
  };
}
