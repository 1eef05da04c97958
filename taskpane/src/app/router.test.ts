import { describe, expect, it, vi } from 'vitest';
import { href, parseHash, startRouter } from './router.ts';

describe('hash routes', () => {
  it.each([
    ['', 'home', {}],
    ['#/records/account', 'records', { type: 'account' }],
    ['#/records/account/new', 'record-new', { type: 'account' }],
    ['#/records/account/0b6d-1', 'record', { type: 'account', id: '0b6d-1' }],
    ['#/activities/e1', 'activity', { id: 'e1' }],
    ['#/filters/new', 'filter-new', {}],
    ['#/admin/types/project', 'admin-type', { name: 'project' }],
    ['#/records/a%2Fb/x', 'record', { type: 'a/b', id: 'x' }],
    ['#/nowhere', 'notFound', {}],
    ['#/records/%E0%A4%A', 'notFound', {}],
  ])('%s is %s', (hash, name, params) => {
    const r = parseHash(hash);
    expect(r.name).toBe(name);
    expect(r.params).toEqual(params);
  });

  it('reads the query and builds links', () => {
    expect(parseHash('#/records/account?q=fab&sort=updated').query.get('q')).toBe('fab');
    expect(href('records', 'a/b', { q: 'x y', sort: undefined })).toBe('#/records/a%2Fb?q=x+y');
  });
});

describe('the router', () => {
  function fakeWindow(hash: string) {
    const listeners: (() => void)[] = [];
    const win = {
      location: { hash },
      history: { replaceState: vi.fn((_: unknown, __: string, h: string) => (win.location.hash = h)) },
      addEventListener: (_: string, f: () => void) => listeners.push(f),
      removeEventListener: vi.fn(),
    };
    const navigate = (h: string) => {
      win.location.hash = h;
      for (const f of listeners) f();
    };
    return { win: win as unknown as Window, navigate, raw: win };
  }

  it('shows routes as the hash changes, back and forward included', () => {
    const { win, navigate } = fakeWindow('#/options');
    const show = vi.fn();
    startRouter({ window: win, show, leave: () => true }).start();
    navigate('#/records/contact');
    navigate('#/options');
    expect(show.mock.calls.map(([r]) => r.name)).toEqual(['options', 'records', 'options']);
  });

  it('stays, with the address put back, when the screen may not be left', () => {
    const { win, navigate, raw } = fakeWindow('#/filters/new');
    const show = vi.fn();
    startRouter({ window: win, show, leave: () => false }).start();
    navigate('#/records/account');
    expect(show).toHaveBeenCalledTimes(1);
    expect(raw.history.replaceState).toHaveBeenCalledWith(null, '', '#/filters/new');
  });

  it('lets the user’s navigation win over a screen replacing its address late', () => {
    const { win, raw } = fakeWindow('#/records');
    const show = vi.fn();
    const router = startRouter({ window: win, show, leave: () => true });
    router.start();
    raw.location.hash = '#/options'; // the user went on; the hashchange is on its way
    router.go('#/records/account', { replace: true });
    expect(raw.location.hash).toBe('#/options');
    expect(show).toHaveBeenCalledTimes(1);
  });

  it('records a hash silently, and replaces without a history entry', () => {
    const { win } = fakeWindow('#/records/account');
    const show = vi.fn();
    const router = startRouter({ window: win, show, leave: () => true });
    router.go('#/records/account?q=fab', { silent: true });
    expect(show).not.toHaveBeenCalled();
    expect(router.current().query.get('q')).toBe('fab');
    router.go('#/records/contact', { replace: true });
    expect(show).toHaveBeenCalledWith(expect.objectContaining({ name: 'records', params: { type: 'contact' } }));
  });
});
