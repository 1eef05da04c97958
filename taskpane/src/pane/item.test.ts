// Tests of the taskpane: the open item's state and errors.

import { describe, expect, it, vi } from 'vitest';
import { ApiError, type TrackRequest } from '../api.ts';
import { deferred, fakeApi, flush, request, restId, trackedItem, untrackedItem } from '../testing/fakes.ts';
import { $, $$, disabled, input, setup, text, type, usePane } from '../testing/pane.ts';

usePane();
describe('the DOM contract', () => {
  it('has every element the end-to-end test drives', async () => {
    await setup();
    for (const id of [
      'tracking-state',
      'regarding',
      'parties',
      'search-input',
      'track-button',
      'set-regarding-button',
      'untrack-button',
      'progress',
      'error',
      'sync-now',
      'sync-status',
      'queued',
      'never-track',
      'search-offline',
    ]) {
      expect($$(id), id).toHaveLength(1);
    }
    expect(input().tagName).toBe('INPUT');
    expect(input().getAttribute('role')).toBe('combobox');
  });
});

describe('showing the item', () => {
  it('says when the sender is on a never-track list, and Track still tracks', async () => {
    const api = fakeApi({ neverTrackCheck: vi.fn(async (address: string) => ({ address, neverTrack: true })) });
    await setup({ api, item: { from: 'News@Spam.example' } });
    expect(api.neverTrackCheck).toHaveBeenCalledWith('news@spam.example');
    expect($('never-track').hidden).toBe(false);
    expect(text('never-track')).toContain('news@spam.example is on a never-track list');
    expect(disabled('track-button')).toBe(false);
  });

  it('says nothing of a sender on no list, or of a tracked item', async () => {
    await setup({ item: { from: 'dana@fabrikam.test' } });
    expect($('never-track').hidden).toBe(true);
    const api = fakeApi({ itemTracking: vi.fn(async () => trackedItem()) });
    await setup({ api, item: { from: 'dana@fabrikam.test' } });
    expect(api.neverTrackCheck).not.toHaveBeenCalled();
    expect($('never-track').hidden).toBe(true);
  });

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

describe('errors', () => {
  it.each([
    ['a refused token', new ApiError({ status: 401, detail: 'expired', path: '/track', method: 'POST' }), 'Sign in again'],
    [
      'an item the mailbox lacks',
      new ApiError({ status: 404, detail: 'your mailbox has no message with this id', path: '/track', method: 'POST' }),
      'This item is not in your mailbox',
    ],
    [
      'no network',
      new ApiError({ status: 0, detail: 'crmsync cannot be reached', network: true, path: '/track', method: 'POST' }),
      'crmsync cannot be reached',
    ],
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
