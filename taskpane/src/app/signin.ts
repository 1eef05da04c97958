// Local mode's sign-in page: the demo tenant's users, each a button that signs in as them.

import { h, replace } from './dom.ts';
import type { DemoUser } from './auth/local.ts';
import { t } from './messages.ts';
import { loadingView, problemView } from './ui.ts';

/** What the sign-in page needs. */
export interface SignInDeps {
  users(): Promise<DemoUser[]>;
  pick(user: DemoUser): void;
}

/** mountSignIn renders the page into root. */
export async function mountSignIn(root: HTMLElement, deps: SignInDeps): Promise<void> {
  const list = h('div', { class: 'signin-users' }, loadingView());
  replace(root, h('main', { class: 'signin', id: 'main' }, h('h1', { tabindex: -1 }, t.signin.title), h('p', null, t.signin.local), list));
  root.querySelector<HTMLElement>('h1')?.focus();
  document.title = `${t.signin.title} · ${t.shell.product}`;
  let users: DemoUser[];
  try {
    users = await deps.users();
  } catch {
    replace(
      list,
      problemView(new Error(t.signin.noUsers), { signIn: () => undefined }, () => void mountSignIn(root, deps)),
    );
    return;
  }
  replace(
    list,
    h(
      'ul',
      { role: 'list', class: 'user-list' },
      users.map((u) =>
        h(
          'li',
          null,
          h(
            'button',
            { type: 'button', class: 'user-card', 'data-testid': 'signin-user', 'data-upn': u.upn, onclick: () => deps.pick(u) },
            h('span', { class: 'user-name' }, t.signin.as(u.displayName)),
            h('span', { class: 'hint' }, `${u.upn} · ${t.signin.roles(u.roles)}`),
          ),
        ),
      ),
    ),
  );
}
