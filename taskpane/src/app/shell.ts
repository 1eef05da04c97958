// The app's frame: a header with the signed-in user and tenant, the navigation rail (a menu on narrow
// screens), and the screen of the route shown, loaded when first needed. It asks before leaving a screen
// with unsaved changes, in the app and when the tab closes.

import type { ApiClient, EntityType, Me } from '../api.ts';
import type { Session } from './auth/session.ts';
import { h, replace } from './dom.ts';
import { t } from './messages.ts';
import { markCurrent, renderNav } from './nav.ts';
import { startRouter, type Route, type RouteName } from './router.ts';
import { isAdmin, type Screen, type ScreenDeps, type ScreenModule } from './screen.ts';
import { emptyView, loadingView, problemView } from './ui.ts';

/** Each route's screen module, loaded on first use so each screen is its own chunk. */
const screens: Record<Exclude<RouteName, 'home' | 'notFound'>, () => Promise<ScreenModule>> = {
  records: () => import('./screens/records.ts'),
  record: () => import('./screens/record.ts'),
  'record-new': () => import('./screens/record.ts'),
  activity: () => import('./screens/activity.ts'),
  tracking: () => import('./screens/tracking.ts'),
  options: () => import('./screens/options.ts'),
  filters: () => import('./screens/filters.ts'),
  filter: () => import('./screens/filter.ts'),
  'filter-new': () => import('./screens/filter.ts'),
  fields: () => import('./screens/fields.ts'),
  'admin-mailboxes': () => import('./screens/admin/mailboxes.ts'),
  'admin-settings': () => import('./screens/admin/settings.ts'),
  'admin-fields': () => import('./screens/fields.ts'),
  'admin-security': () => import('./screens/admin/security.ts'),
  'admin-types': () => import('./screens/admin/types.ts'),
  'admin-type': () => import('./screens/admin/type.ts'),
  'admin-type-new': () => import('./screens/admin/type.ts'),
  'admin-filters': () => import('./screens/filters.ts'),
  'admin-filter': () => import('./screens/filter.ts'),
  'admin-filter-new': () => import('./screens/filter.ts'),
  'admin-deployment': () => import('./screens/admin/deployment.ts'),
};

/** What the shell needs. */
export interface ShellDeps {
  api: ApiClient;
  me: Me;
  session: Session;
  /** Tests pass their own window; confirm defaults to the window's. */
  window?: Window;
  confirm?(message: string): boolean;
}

/** A mounted shell. */
export interface Shell {
  /** screen is the screen shown, once loaded. */
  screen(): Screen | undefined;
  destroy(): void;
}

/** mountShell renders the frame into root and shows the current route. */
export function mountShell(root: HTMLElement, deps: ShellDeps): Shell {
  const win = deps.window ?? window;
  const confirm = deps.confirm ?? ((m: string) => win.confirm(m));
  let me = deps.me;
  let screen: Screen | undefined;
  let shownSeq = 0;
  let types: Promise<EntityType[]> | undefined;

  const main = h('main', { id: 'main', class: 'content', tabindex: -1 });
  const nav = h('nav', { id: 'rail', class: 'rail', 'aria-label': t.shell.navigation }, renderNav(isAdmin(me)));
  const menu = h('button', { type: 'button', class: 'menu-button', 'aria-expanded': 'false', 'aria-controls': 'rail', 'data-testid': 'menu' }, t.shell.menu);
  const tenant = me.tenantName || me.tenantId;
  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'skip', href: '#main', onclick: (e: Event) => (e.preventDefault(), main.focus()) }, t.shell.skip),
    menu,
    h('a', { class: 'brand', href: '#/records' }, t.shell.product),
    h(
      'div',
      { class: 'who', 'data-testid': 'who', 'aria-label': t.shell.signedInAs(me.displayName || deps.session.user.name, tenant) },
      h('span', { class: 'user', 'data-testid': 'user' }, me.displayName || deps.session.user.name),
      h('span', { class: 'tenant', 'data-testid': 'tenant', title: me.tenantId }, tenant),
    ),
    h('button', { type: 'button', class: 'button subtle', 'data-testid': 'sign-out', onclick: () => void signOut() }, t.shell.signOut),
  );
  replace(root, h('div', { class: 'app' }, header, nav, main));

  const setMenu = (open: boolean) => {
    nav.classList.toggle('open', open);
    menu.setAttribute('aria-expanded', String(open));
  };
  menu.addEventListener('click', () => setMenu(!nav.classList.contains('open')));
  nav.addEventListener('click', (e) => {
    if ((e.target as HTMLElement).closest('a')) setMenu(false);
  });

  const dirty = () => screen?.dirty?.() === true;
  const leave = () => !dirty() || confirm(t.common.leaveDirty);
  const beforeUnload = (e: BeforeUnloadEvent) => {
    if (dirty()) e.preventDefault();
  };
  win.addEventListener('beforeunload', beforeUnload);

  async function signOut(): Promise<void> {
    if (!leave()) return;
    screen = undefined;
    await deps.session.signOut();
  }

  const screenDeps = (route: Route): ScreenDeps => ({
    api: deps.api,
    me,
    route,
    go: (hash, opts) => router.go(hash, opts),
    types: () => (types ??= deps.api.entityTypes().catch((e: unknown) => ((types = undefined), Promise.reject(e)))),
    typesChanged: () => (types = undefined),
    signIn: () => deps.session.signIn(),
    confirm,
    meChanged: (next) => (me = next),
  });

  async function show(route: Route): Promise<void> {
    const seq = ++shownSeq;
    screen?.destroy?.();
    screen = undefined;
    markCurrent(nav, route);
    if (route.name === 'home') {
      router.go('#/records', { replace: true });
      return;
    }
    if (route.name === 'notFound') {
      replace(
        main,
        h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, t.common.notFound)),
        emptyView(t.common.notFound, h('a', { href: '#/records', class: 'button' }, t.common.goHome)),
      );
      focusHeading(t.common.notFound);
      return;
    }
    replace(main, loadingView());
    let mod: ScreenModule;
    try {
      mod = await screens[route.name]();
    } catch (e) {
      if (seq === shownSeq)
        replace(
          main,
          problemView(e, screenDeps(route), () => void show(route)),
        );
      return;
    }
    if (seq !== shownSeq) return;
    const holder = h('div', { class: 'screen', 'data-screen': route.name });
    replace(main, holder);
    screen = mod.mount(holder, screenDeps(route)) ?? undefined;
    focusHeading();
  }

  /** focusHeading moves focus to the screen's heading, so a screen reader reads where the user is. */
  function focusHeading(title?: string): void {
    const h1 = main.querySelector<HTMLElement>('h1');
    win.document.title = `${title ?? h1?.textContent ?? ''} · ${t.shell.product}`;
    h1?.focus({ preventScroll: true });
  }

  const router = startRouter({ window: win, show: (r) => void show(r), leave });
  router.start();
  return {
    screen: () => screen,
    destroy(): void {
      screen?.destroy?.();
      router.destroy();
      win.removeEventListener('beforeunload', beforeUnload);
    },
  };
}
