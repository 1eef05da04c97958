import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type TrackRequest } from './api.ts';
import { officeAdapter } from './office.ts';
import { mountTaskpane, type Taskpane } from './taskpane.ts';
import {
  deferred,
  doneRequest,
  fabrikam,
  fakeApi,
  flush,
  installFakeOffice,
  northwind,
  removeFakeOffice,
  request,
  restId,
  trackedItem,
  untrackedItem,
  type FakeItemInit,
} from './testing/fakes.ts';

let root: HTMLElement;
let pane: Taskpane | undefined;

beforeEach(() => {
  root = document.createElement('div');
  document.body.append(root);
});

afterEach(() => {
  pane?.destroy();
  pane = undefined;
  root.remove();
  removeFakeOffice();
  vi.useRealTimers();
});

async function setup(opts: { item?: FakeItemInit | null; api?: ReturnType<typeof fakeApi> } = {}) {
  const fake = installFakeOffice(opts.item === undefined ? {} : opts.item);
  const api = opts.api ?? fakeApi();
  pane = mountTaskpane(root, { api, office: officeAdapter });
  await officeAdapter.onItemChanged(() => void pane?.load());
  await pane.load();
  await flush();
  return { fake, api, pane };
}

const $ = (id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;
const $$ = (id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
const text = (id: string) => $(id).textContent ?? '';
const disabled = (id: string) => $(id).hasAttribute('disabled');
const input = () => $('search-input') as HTMLInputElement;

function type(value: string) {
  input().value = value;
  input().dispatchEvent(new Event('input', { bubbles: true }));
}

function key(k: string) {
  const e = new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true });
  input().dispatchEvent(e);
  return e;
}

describe('the DOM contract', () => {
  it('has every element the end-to-end test drives', async () => {
    await setup();
    for (const id of ['tracking-state', 'regarding', 'parties', 'search-input', 'track-button', 'set-regarding-button', 'untrack-button', 'progress', 'error']) {
      expect($$(id), id).toHaveLength(1);
    }
    expect(input().tagName).toBe('INPUT');
    expect(input().getAttribute('role')).toBe('combobox');
  });
});

describe('showing the item', () => {
  it('shows an untracked item', async () => {
    const { api } = await setup();
    expect(api.itemTracking).toHaveBeenCalledWith(restId('ews-1'));
    expect(text('tracking-state')).toBe('Not tracked');
    expect(text('regarding')).toBe('');
    expect($$('party')).toHaveLength(0);
    expect(text('progress')).toBe('');
    expect($('error').hidden).toBe(true);
    expect(disabled('track-button')).toBe(false);
    expect(disabled('set-regarding-button')).toBe(true);
    expect(disabled('untrack-button')).toBe(true);
  });

  it('shows a tracked item: regarding, and who the parties resolved to', async () => {
    const api = fakeApi({ itemTracking: vi.fn(async () => trackedItem()) });
    await setup({ api });
    expect(text('tracking-state')).toBe('Tracked');
    expect(text('regarding')).toBe('Fabrikam, Inc.');
    const parties = $$('party');
    expect(parties).toHaveLength(2);
    expect(parties[0].textContent).toContain('marco.rossi@northwindtraders.test');
    expect(parties[0].textContent).toContain('Contact: Marco Rossi');
    expect(parties[0].dataset.recordType).toBe('contact');
    expect(parties[1].textContent).toContain('stranger@example.test');
    expect(parties[1].textContent).toContain('not in CRM');
    expect(disabled('track-button')).toBe(true);
    expect(disabled('untrack-button')).toBe(false);
  });

  it('follows a click that is still being worked', async () => {
    const watched = deferred<TrackRequest>();
    const api = fakeApi({
      itemTracking: vi.fn(async () => untrackedItem({ pending: request({ state: 'processing' }) })),
      watch: vi.fn(() => watched.promise),
    });
    await setup({ api });
    expect(text('tracking-state')).toBe('Tracking…');
    expect(text('progress')).toBe('processing');
    expect(api.watch).toHaveBeenCalledWith('req-1', expect.any(Function), expect.anything());
  });

  it('shows nothing to do when a pinned pane has no item', async () => {
    const { api } = await setup({ item: null });
    expect(api.itemTracking).not.toHaveBeenCalled();
    expect(text('tracking-state')).toBe('Not tracked');
    expect(disabled('track-button')).toBe(true);
  });

  it('re-renders when the pinned pane moves to another item', async () => {
    const api = fakeApi({ itemTracking: vi.fn(async (id: string) => (id === restId('ews-2') ? trackedItem({ itemId: id }) : untrackedItem())) });
    const { fake } = await setup({ api });
    type('fab');
    expect(text('tracking-state')).toBe('Not tracked');
    fake.changeItem({ itemId: 'ews-2', subject: 'Another' });
    await flush();
    expect(api.itemTracking).toHaveBeenLastCalledWith(restId('ews-2'));
    expect(text('tracking-state')).toBe('Tracked');
    expect(text('regarding')).toBe('Fabrikam, Inc.');
    expect(input().value).toBe('');
  });
});

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

describe('clicks', () => {
  function steppedWatch() {
    const steps: ((r: TrackRequest) => void)[] = [];
    const end = deferred<TrackRequest>();
    const watch = vi.fn((_id: string, onState: (r: TrackRequest) => void) => {
      steps.push(onState);
      return end.promise;
    });
    return { watch, state: (r: TrackRequest) => steps[0](r), end };
  }

  it('Track shows progress live until done, then the tracked item', async () => {
    const w = steppedWatch();
    const api = fakeApi({ track: vi.fn(async () => request({ state: 'queued' })), watch: w.watch });
    await setup({ api });
    $('track-button').click();
    await flush();
    expect(api.track).toHaveBeenCalledWith({
      itemId: restId('ews-1'),
      itemType: 'message',
      internetMessageId: '<m1@northwind.test>',
      conversationId: 'conv-1',
      regarding: undefined,
    });
    expect(text('tracking-state')).toBe('Tracking…');
    expect(text('progress')).toBe('queued');
    expect($('progress').closest('[hidden]')).toBeNull();
    expect(disabled('track-button')).toBe(true);
    w.state(request({ state: 'processing' }));
    expect(text('progress')).toBe('processing');
    api.itemTracking.mockResolvedValue(trackedItem());
    const done = doneRequest();
    w.state(done);
    w.end.resolve(done);
    await flush();
    expect(text('progress')).toBe('done');
    expect(text('tracking-state')).toBe('Tracked');
    expect(text('regarding')).toBe('Fabrikam, Inc.');
    expect($$('party')).toHaveLength(2);
    expect(disabled('untrack-button')).toBe(false);
  });

  it('Track sends the picked record as regarding', async () => {
    vi.useFakeTimers();
    const api = fakeApi({ searchRecords: vi.fn(async () => ({ items: [fabrikam], nextCursor: '' })) });
    await setup({ api });
    type('fab');
    await vi.advanceTimersByTimeAsync(250);
    key('Enter');
    $('track-button').click();
    await vi.advanceTimersByTimeAsync(0);
    expect(api.track).toHaveBeenCalledWith(expect.objectContaining({ regarding: { type: 'account', id: 'acc-1' } }));
  });

  it('Set Regarding sends the picked record for the item', async () => {
    vi.useFakeTimers();
    const api = fakeApi({
      itemTracking: vi.fn(async () => trackedItem()),
      searchRecords: vi.fn(async () => ({ items: [northwind], nextCursor: '' })),
    });
    await setup({ api });
    type('nor');
    await vi.advanceTimersByTimeAsync(250);
    key('Enter');
    $('set-regarding-button').click();
    await vi.advanceTimersByTimeAsync(0);
    expect(api.setRegarding).toHaveBeenCalledWith(restId('ews-1'), expect.objectContaining({ itemType: 'message', regarding: { type: 'account', id: 'acc-2' } }));
  });

  it('Untrack shows Untracking… until done', async () => {
    const w = steppedWatch();
    const api = fakeApi({ itemTracking: vi.fn(async () => trackedItem()), watch: w.watch });
    await setup({ api });
    $('untrack-button').click();
    await flush();
    expect(api.untrack).toHaveBeenCalledWith(restId('ews-1'));
    expect(text('tracking-state')).toBe('Untracking…');
    api.itemTracking.mockResolvedValue(untrackedItem());
    const done = request({ action: 'untrack', state: 'done' });
    w.state(done);
    w.end.resolve(done);
    await flush();
    expect(text('tracking-state')).toBe('Not tracked');
    expect(text('regarding')).toBe('');
    expect(text('progress')).toBe('done');
  });

  it('saves a compose item first, then tracks its id', async () => {
    const api = fakeApi();
    const { fake } = await setup({ item: { compose: true, savedId: 'ews-draft' }, api });
    expect(api.itemTracking).not.toHaveBeenCalled();
    $('track-button').click();
    await flush();
    expect(fake.saves).toBe(1);
    expect(api.track).toHaveBeenCalledWith(expect.objectContaining({ itemId: restId('ews-draft') }));
  });
});

describe('errors', () => {
  it.each([
    ['a refused token', new ApiError({ status: 401, detail: 'expired', path: '/track', method: 'POST' }), 'Sign in again'],
    ['an item the mailbox lacks', new ApiError({ status: 404, detail: 'your mailbox has no message with this id', path: '/track', method: 'POST' }), 'This item is not in your mailbox'],
    ['no network', new ApiError({ status: 0, detail: 'crmsync cannot be reached', network: true, path: '/track', method: 'POST' }), 'crmsync cannot be reached'],
    ['a fetch TypeError', new TypeError('Failed to fetch'), 'crmsync cannot be reached'],
  ])('shows %s readably', async (_name, err, want) => {
    const api = fakeApi({ track: vi.fn(async () => Promise.reject(err)) });
    await setup({ api });
    $('track-button').click();
    await flush();
    expect(text('error')).toBe(want);
    expect($('error').hidden).toBe(false);
    expect(text('tracking-state')).toBe('Not tracked');
    expect(disabled('track-button')).toBe(false);
  });

  it('says a draft must be saved first when the worker could not read it', async () => {
    const failed = request({ state: 'failed', error: 'Outlook could not give us this message: it is still a draft — save or send it first' });
    const api = fakeApi({
      watch: vi.fn(async (_id: string, onState: (r: TrackRequest) => void) => {
        onState(failed);
        return failed;
      }),
    });
    await setup({ api });
    $('track-button').click();
    await flush();
    expect(text('progress')).toBe('failed');
    expect(text('error')).toBe('Outlook could not give us this message: it is still a draft — save it first');
    expect(text('tracking-state')).toBe('Not tracked');
  });

  it('shows a failed click with the reason the server gave', async () => {
    const failed = request({ state: 'failed', error: 'the item no longer exists in the mailbox' });
    const api = fakeApi({ watch: vi.fn(async () => failed) });
    await setup({ api });
    $('track-button').click();
    await flush();
    expect(text('error')).toBe('The item no longer exists in the mailbox');
  });

  it('shows when crmsync cannot be reached on load, and clears the error on the next item', async () => {
    const api = fakeApi({
      itemTracking: vi
        .fn()
        .mockRejectedValueOnce(new ApiError({ status: 0, detail: 'crmsync cannot be reached', network: true, path: '/items', method: 'GET' }))
        .mockResolvedValue(untrackedItem()),
    });
    const { fake } = await setup({ api });
    expect(text('error')).toBe('crmsync cannot be reached');
    fake.changeItem({ itemId: 'ews-3' });
    await flush();
    expect(text('error')).toBe('');
    expect($('error').hidden).toBe(true);
  });

  it('shows when the save of a draft fails', async () => {
    const api = fakeApi();
    await setup({ item: { compose: true, saveError: 'The mailbox is full' }, api });
    $('track-button').click();
    await flush();
    expect(text('error')).toBe('Outlook could not save this draft: The mailbox is full');
    expect(api.track).not.toHaveBeenCalled();
  });
});
