import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApi } from '../api.ts';
import { fakeServer, me, settle, types } from '../testing/app.ts';
import { mountShell, type Shell } from './shell.ts';

let root: HTMLElement;
let shell: Shell | undefined;

beforeEach(() => {
  root = document.createElement('div');
  document.body.append(root);
  history.replaceState(null, '', '#/options');
});
afterEach(() => {
  shell?.destroy();
  root.remove();
});

function mount(opts: { admin?: boolean; confirm?: boolean } = {}) {
  const server = fakeServer({
    'GET /entity-types': { items: types, nextCursor: '' },
    'GET /records/account': { items: [], nextCursor: '' },
    'GET /sync-filters': { items: [], nextCursor: '' },
  });
  const api = createApi({ base: '/api/v1', token: async () => 't', fetch: server.fetch });
  const session = {
    user: { upn: 'bob@contoso.test', name: 'Bob' },
    token: async () => 't',
    invalidate: vi.fn(),
    signIn: vi.fn(),
    signOut: vi.fn(async () => undefined),
  };
  const confirm = vi.fn(() => opts.confirm ?? true);
  shell = mountShell(root, { api, me: me({ roles: opts.admin ? ['user', 'CRM.Admin'] : ['user'], tenantName: 'Contoso (demo)' }), session, confirm });
  return { server, session, confirm };
}

/** until waits for the shell to show a screen (a screen's module loads on first use). */
async function until<T>(fn: () => T | null | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out');
}

const screenName = () => root.querySelector('.screen')?.getAttribute('data-screen');

const go = async (hash: string) => {
  location.hash = hash;
  window.dispatchEvent(new HashChangeEvent('hashchange'));
  await settle();
};

describe('the shell', () => {
  it('shows the user and tenant, and the screen of the address, its heading focused', async () => {
    mount();
    await until(screenName);
    await settle();
    expect(root.querySelector('[data-testid="user"]')!.textContent).toBe('Bob Kelly');
    expect(root.querySelector('[data-testid="tenant"]')!.textContent).toBe('Contoso (demo)');
    expect(root.querySelector('.screen')!.getAttribute('data-screen')).toBe('options');
    expect(document.activeElement).toBe(root.querySelector('h1'));
    expect(document.title).toBe('Personal options · crmsync');
    expect(root.querySelector('a[aria-current="page"]')!.textContent).toBe('Personal options');
  });

  it('lists the admin console for CRM.Admin only', async () => {
    mount();
    expect(root.querySelector('[data-testid="nav-admin-mailboxes"]')).toBeNull();
    shell!.destroy();
    mount({ admin: true });
    expect(root.querySelector('[data-testid="nav-admin-mailboxes"]')).toBeTruthy();
  });

  it('asks before leaving a screen with unsaved changes, and stays when told to', async () => {
    const { confirm } = mount({ confirm: false });
    await until(() => root.querySelector('[data-testid="interval"]'));
    const interval = root.querySelector<HTMLInputElement>('[data-testid="interval"]')!;
    interval.value = '99';
    interval.dispatchEvent(new Event('input', { bubbles: true }));
    await go('#/filters');
    expect(confirm).toHaveBeenCalledWith(expect.stringContaining('not saved'));
    expect(root.querySelector('.screen')!.getAttribute('data-screen')).toBe('options');
    expect(location.hash).toBe('#/options');
    const unload = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(unload);
    expect(unload.defaultPrevented).toBe(true);
  });

  it('goes home to the records, and says when an address leads nowhere', async () => {
    history.replaceState(null, '', '#/');
    mount();
    await until(() => screenName() === 'records' && location.hash === '#/records/account');
    await go('#/nowhere/at/all');
    expect(root.querySelector('h1')!.textContent).toBe('There is no such page in crmsync.');
  });

  it('signs out, forgetting the session', async () => {
    const { session } = mount();
    await until(screenName);
    root.querySelector<HTMLButtonElement>('[data-testid="sign-out"]')!.click();
    await settle();
    expect(session.signOut).toHaveBeenCalled();
  });

  it('opens and closes the navigation as a menu on a narrow screen', async () => {
    mount();
    const menu = root.querySelector<HTMLButtonElement>('[data-testid="menu"]')!;
    menu.click();
    expect(menu.getAttribute('aria-expanded')).toBe('true');
    root.querySelector<HTMLAnchorElement>('#rail a')!.click();
    expect(menu.getAttribute('aria-expanded')).toBe('false');
  });
});
