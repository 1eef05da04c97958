import { afterEach, describe, expect, it, vi } from 'vitest';
import { all, json, mountScreen, problem, q, settle, typeInto, unreachable, type Mounted } from '../../testing/app.ts';
import * as records from './records.ts';

const rec = (id: string, name: string, updatedAt: string) => ({ id, type: 'account', name, fields: { email: `${id}@x.test` }, version: 1, updatedAt });
const page1 = { items: [rec('a1', 'Adventure Works', '2026-01-01T00:00:00Z'), rec('a2', 'Fabrikam', '2026-03-01T00:00:00Z')], nextCursor: 'c2' };
const page2 = { items: [rec('a3', 'Northwind', '2026-02-01T00:00:00Z')], nextCursor: '' };

let m: Mounted | undefined;
afterEach(() => {
  m?.screen?.destroy?.();
  m?.root.remove();
  vi.useRealTimers();
});

const names = () => all(m!.root, 'record-row').map((r) => r.querySelector('a')!.textContent);

describe('the records screen', () => {
  it('shows loading, then a page of records linked to their pages, with Load more', async () => {
    let answer!: (r: Response) => void;
    m = mountScreen(records, '#/records/account', { routes: { 'GET /records/account': () => new Promise<Response>((r) => (answer = r)) } });
    await settle();
    expect(q(m.root, 'loading')).toBeTruthy();
    answer(json(200, page1));
    await settle();
    expect(names()).toEqual(['Adventure Works', 'Fabrikam']);
    expect(m.root.querySelector('h1')!.textContent).toBe('Accounts');
    expect(q(m.root, 'record-row').querySelector('a')!.getAttribute('href')).toBe('#/records/account/a1');
    expect(q(m.root, 'records-count').textContent).toContain('more to load');

    m.server.on('GET /records/account', page2);
    q(m.root, 'load-more').click();
    await settle();
    expect(m.server.called('GET /records/account').at(-1)!.query.get('cursor')).toBe('c2');
    expect(names()).toEqual(['Adventure Works', 'Fabrikam', 'Northwind']);
    expect(m.root.querySelector('[data-testid="load-more"]')).toBeNull();
  });

  it('sorts by the last update, asking the API too, and remembers it in the address', async () => {
    m = mountScreen(records, '#/records/account', { routes: { 'GET /records/account': page1 } });
    await settle();
    typeInto(q<HTMLSelectElement>(m.root, 'records-sort'), 'updated');
    await settle();
    expect(m.server.called('GET /records/account').at(-1)!.query.get('sort')).toBe('-updatedAt');
    expect(names()).toEqual(['Fabrikam', 'Adventure Works']);
    expect(m.deps.go).toHaveBeenLastCalledWith('#/records/account?sort=updated', { silent: true });
  });

  it('searches once typing pauses, and says when nothing matches', async () => {
    vi.useFakeTimers();
    m = mountScreen(records, '#/records/account', {
      routes: { 'GET /records/account': (req) => (req.query.get('search') ? { items: [], nextCursor: '' } : page1) },
    });
    await vi.runAllTimersAsync();
    typeInto(q<HTMLInputElement>(m.root, 'records-search'), 'zz');
    await vi.advanceTimersByTimeAsync(records.searchDelayMs - 1);
    expect(m.server.called('GET /records/account')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await vi.runAllTimersAsync();
    expect(m.server.called('GET /records/account').at(-1)!.query.get('search')).toBe('zz');
    expect(q(m.root, 'empty').textContent).toBe('Nothing matches “zz”.');
    expect(m.deps.go).toHaveBeenLastCalledWith('#/records/account?q=zz', { silent: true });
  });

  it('says when a type has no records yet', async () => {
    m = mountScreen(records, '#/records/contact', { routes: { 'GET /records/contact': { items: [], nextCursor: '' } } });
    await settle();
    expect(q(m.root, 'empty').textContent).toBe('No contacts yet.');
    expect(q(m.root, 'new-record').getAttribute('href')).toBe('#/records/contact/new');
  });

  it('keeps the search when crmsync cannot be reached, and tries again', async () => {
    m = mountScreen(records, '#/records/account?q=fab', { routes: { 'GET /records/account': unreachable } });
    await settle();
    expect(q(m.root, 'problem').dataset.kind).toBe('unreachable');
    expect(q<HTMLInputElement>(m.root, 'records-search').value).toBe('fab');
    m.server.on('GET /records/account', page1);
    q(m.root, 'retry').click();
    await settle();
    expect(names()).toEqual(['Adventure Works', 'Fabrikam']);
    expect(m.server.called('GET /records/account').at(-1)!.query.get('search')).toBe('fab');
  });

  it('says which role a refused list needs', async () => {
    m = mountScreen(records, '#/records/account', {
      routes: { 'GET /records/account': problem(403, 'this needs the CRM.Manager role', undefined, 'forbidden') },
    });
    await settle();
    const box = q(m.root, 'problem');
    expect(box.dataset.kind).toBe('forbidden');
    expect(box.textContent).toContain('this needs the CRM.Manager role');
    expect(m.root.querySelector('[data-testid="retry"]')).toBeNull();
  });

  it('offers to sign in again after a 401', async () => {
    m = mountScreen(records, '#/records/account', { routes: { 'GET /records/account': problem(401, 'the token expired', undefined, 'invalid-token') } });
    await settle();
    expect(q(m.root, 'problem').dataset.kind).toBe('signin');
    q(m.root, 'problem').querySelector('button')!.click();
    expect(m.deps.signIn).toHaveBeenCalled();
  });

  it('goes to the first type when none is named, and says so of an unknown one', async () => {
    m = mountScreen(records, '#/records');
    await settle();
    expect(m.deps.go).toHaveBeenCalledWith('#/records/account', { replace: true });
    m.root.remove();
    m = mountScreen(records, '#/records/nosuch');
    await settle();
    expect(q(m.root, 'empty').textContent).toContain('no such page');
  });
});
