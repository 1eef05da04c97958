// Hash routes: every screen of the app has an address such as #/records/account/0b6d…, so a link can be
// shared, opened in another tab, and reached with back and forward.

/** A route: the screen's name, its path parameters and its query. */
export interface Route {
  name: RouteName;
  params: Record<string, string>;
  query: URLSearchParams;
  /** the hash it came from, e.g. #/records/account?q=fab */
  hash: string;
}

/** The patterns of the app's screens, first match wins. */
const patterns = [
  ['records', '/records'],
  ['records', '/records/:type'],
  ['record-new', '/records/:type/new'],
  ['record', '/records/:type/:id'],
  ['activity', '/activities/:id'],
  ['tracking', '/tracking'],
  ['options', '/options'],
  ['filters', '/filters'],
  ['filter-new', '/filters/new'],
  ['filter', '/filters/:id'],
  ['fields', '/fields'],
  ['admin-mailboxes', '/admin/mailboxes'],
  ['admin-settings', '/admin/settings'],
  ['admin-fields', '/admin/fields'],
  ['admin-security', '/admin/security'],
  ['admin-types', '/admin/types'],
  ['admin-type-new', '/admin/types/new'],
  ['admin-type', '/admin/types/:name'],
  ['admin-filters', '/admin/filters'],
  ['admin-filter-new', '/admin/filters/new'],
  ['admin-filter', '/admin/filters/:id'],
  ['admin-deployment', '/admin/deployment'],
] as const;

/** The names of the app's screens, and notFound. */
export type RouteName = (typeof patterns)[number][0] | 'home' | 'notFound';

/** parseHash reads a location hash into a route. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?', 2);
  const query = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return { name: 'home', params: {}, query, hash };
  for (const [name, pattern] of patterns) {
    const want = pattern.split('/').filter(Boolean);
    if (want.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      let part: string;
      try {
        part = decodeURIComponent(parts[i]);
      } catch {
        ok = false;
        break;
      }
      if (want[i].startsWith(':')) params[want[i].slice(1)] = part;
      else ok = want[i] === part;
    }
    if (ok) return { name, params, query, hash };
  }
  return { name: 'notFound', params: {}, query, hash };
}

/** href builds a hash link from path segments and an optional query: href('records', type, id). */
export function href(...parts: (string | Record<string, string | undefined>)[]): string {
  const segments: string[] = [];
  let query = '';
  for (const p of parts) {
    if (typeof p === 'string') {
      segments.push(encodeURIComponent(p));
    } else {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(p)) if (v) q.set(k, v);
      const s = q.toString();
      query = s ? `?${s}` : '';
    }
  }
  return `#/${segments.join('/')}${query}`;
}

/** How go moves. */
export interface GoOptions {
  replace?: boolean;
  silent?: boolean;
}

/** A hash router: it calls show for each route the user goes to, unless a guard keeps them where they are. */
export interface Router {
  /** current is the route shown. */
  current(): Route;
  /**
   * go moves to a hash (adding to the history); replace moves without adding; silent only records the
   * hash of what the screen shown now shows (its search, its sort), without showing it again.
   */
  go(hash: string, opts?: GoOptions): void;
  /** start shows the route of the current hash. */
  start(): void;
  destroy(): void;
}

/** RouterDeps is what the router needs; tests pass their own window. */
export interface RouterDeps {
  window?: Window;
  /** show mounts the route's screen. */
  show(route: Route): void;
  /** leave asks whether the user may leave the screen shown (a form with unsaved changes asks them). */
  leave(): boolean;
}

/** startRouter follows hash changes (links, back and forward); start shows the first route. */
export function startRouter(deps: RouterDeps): Router {
  const win = deps.window ?? window;
  let shown = parseHash(win.location.hash);
  /** A hash put back after a refused leave; its hashchange is not a navigation. */
  let restoring: string | null = null;

  function onHashChange(): void {
    const hash = win.location.hash;
    if (restoring !== null && hash === restoring) {
      restoring = null;
      return;
    }
    if (hash === shown.hash) return;
    if (!deps.leave()) {
      // Stay: put the address of the screen shown back, without a new history entry.
      restoring = shown.hash;
      win.history.replaceState(null, '', shown.hash || '#/');
      restoring = null;
      return;
    }
    shown = parseHash(hash);
    deps.show(shown);
  }

  win.addEventListener('hashchange', onHashChange);
  return {
    start: () => deps.show(shown),
    current: () => shown,
    go(hash, opts = {}) {
      if (opts.replace || opts.silent) {
        // A screen that replaces its own address (a default, its search) is too late once the user has
        // gone elsewhere: the hashchange on its way shows where they went.
        if (win.location.hash !== shown.hash) return;
        win.history.replaceState(null, '', hash);
        shown = parseHash(hash);
        if (!opts.silent) deps.show(shown);
        return;
      }
      win.location.hash = hash;
    },
    destroy: () => win.removeEventListener('hashchange', onHashChange),
  };
}
