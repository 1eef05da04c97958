// Tests of the taskpane: the regarding search.

import { describe, expect, it, vi } from 'vitest';
import { deferred, fabrikam, fakeApi, northwind } from '../testing/fakes.ts';
import { $$, disabled, input, key, setup, type, usePane } from '../testing/pane.ts';

usePane();
describe('the regarding search', () => {
  it('waits for typing to pause 250 ms, then searches across types', async () => {
    vi.useFakeTimers();
    const api = fakeApi({ searchRecords: vi.fn(async () => ({ items: [fabrikam, northwind], nextCursor: '' })) });
    await setup({ api });
    type('f');
    await vi.advanceTimersByTimeAsync(100);
    type('fa');
    await vi.advanceTimersByTimeAsync(100);
    type('fab');
    await vi.advanceTimersByTimeAsync(249);
    expect(api.searchRecords).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(api.searchRecords).toHaveBeenCalledTimes(1);
    expect(api.searchRecords).toHaveBeenCalledWith('fab', expect.objectContaining({ limit: 10 }));
    const options = $$('search-result');
    expect(options.map((o) => [o.dataset.recordId, o.dataset.recordType, o.getAttribute('role')])).toEqual([
      ['acc-1', 'account', 'option'],
      ['acc-2', 'account', 'option'],
    ]);
    expect(options[0].textContent).toContain('Fabrikam, Inc.');
    expect(input().getAttribute('aria-expanded')).toBe('true');
  });

  it('drops an answer that a newer search overtook', async () => {
    vi.useFakeTimers();
    const slow = deferred<{ items: (typeof fabrikam)[]; nextCursor: string }>();
    const api = fakeApi({
      searchRecords: vi.fn((q: string) => (q === 'fa' ? slow.promise : Promise.resolve({ items: [northwind], nextCursor: '' }))),
    });
    await setup({ api });
    type('fa');
    await vi.advanceTimersByTimeAsync(250);
    type('nor');
    await vi.advanceTimersByTimeAsync(250);
    slow.resolve({ items: [fabrikam], nextCursor: '' });
    await vi.advanceTimersByTimeAsync(0);
    expect($$('search-result').map((o) => o.dataset.recordId)).toEqual(['acc-2']);
  });

  async function withResults() {
    vi.useFakeTimers();
    const api = fakeApi({ searchRecords: vi.fn(async () => ({ items: [fabrikam, northwind], nextCursor: '' })) });
    const s = await setup({ api });
    type('a');
    await vi.advanceTimersByTimeAsync(250);
    return s;
  }

  const activeId = () => $$('search-result').find((o) => o.getAttribute('aria-selected') === 'true')?.dataset.recordId;

  it('moves the active option with ArrowDown and ArrowUp, wrapping', async () => {
    await withResults();
    expect(activeId()).toBeUndefined();
    expect(key('ArrowDown').defaultPrevented).toBe(true);
    expect(activeId()).toBe('acc-1');
    expect(input().getAttribute('aria-activedescendant')).toBe($$('search-result')[0].id);
    key('ArrowDown');
    expect(activeId()).toBe('acc-2');
    key('ArrowDown');
    expect(activeId()).toBe('acc-1');
    key('ArrowUp');
    expect(activeId()).toBe('acc-2');
  });

  it('picks the active option with Enter, which enables Set Regarding', async () => {
    await withResults();
    expect(disabled('set-regarding-button')).toBe(true);
    key('ArrowDown');
    key('ArrowDown');
    key('Enter');
    expect(input().value).toBe('Northwind Traders');
    expect($$('search-result')).toHaveLength(0);
    expect(input().getAttribute('aria-expanded')).toBe('false');
    expect(disabled('set-regarding-button')).toBe(false);
  });

  it('picks with a click', async () => {
    await withResults();
    $$('search-result')[0].click();
    expect(input().value).toBe('Fabrikam, Inc.');
    expect(disabled('set-regarding-button')).toBe(false);
  });

  it('clears with Escape', async () => {
    await withResults();
    key('Enter');
    expect(disabled('set-regarding-button')).toBe(false);
    key('Escape');
    expect(input().value).toBe('');
    expect($$('search-result')).toHaveLength(0);
    expect(disabled('set-regarding-button')).toBe(true);
  });

  it('forgets the pick when the text changes', async () => {
    await withResults();
    key('Enter');
    type('Fabrikam');
    expect(disabled('set-regarding-button')).toBe(true);
  });
});
