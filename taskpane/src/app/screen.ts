// What every screen of the web app gets and gives: mount(root, deps) renders into root and answers a
// Screen the shell asks before leaving (dirty) and tells when it leaves (destroy).

import type { ApiClient, EntityType, Me } from '../api.ts';
import type { GoOptions, Route } from './router.ts';

/** ScreenDeps is what the shell hands every screen. */
export interface ScreenDeps {
  api: ApiClient;
  /** The signed-in user, as /me answered when the app started (options as later saved). */
  me: Me;
  route: Route;
  /** go moves to another screen by its hash; replace does not add to the history; silent only records it. */
  go(hash: string, opts?: GoOptions): void;
  /** types gives the tenant's record types, read once and shared by the screens. */
  types(): Promise<EntityType[]>;
  /** typesChanged forgets the record types read, after an admin changed them. */
  typesChanged(): void;
  /** signIn signs in again, after the API refused the token. */
  signIn(): void;
  /** confirm asks the user a yes-or-no question. */
  confirm(message: string): boolean;
  /** meChanged tells the shell of new personal options. */
  meChanged(me: Me): void;
}

/** A mounted screen. */
export interface Screen {
  /** dirty reports unsaved changes, which leaving would lose. */
  dirty?(): boolean;
  destroy?(): void;
}

/** A screen module: one per screen, loaded when first shown. */
export interface ScreenModule {
  mount(root: HTMLElement, deps: ScreenDeps): Screen | void;
}

/** isAdmin reports whether the user holds CRM.Admin, which the admin console needs. */
export function isAdmin(me: Pick<Me, 'roles'>): boolean {
  return me.roles.includes('CRM.Admin');
}
