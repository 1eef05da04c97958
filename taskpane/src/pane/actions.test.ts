// Tests of the taskpane: Track, Set Regarding and Untrack.

import { describe, expect, it, vi } from 'vitest';
import { type TrackRequest } from '../api.ts';
import { deferred, doneRequest, fabrikam, fakeApi, flush, northwind, request, restId, trackedItem, untrackedItem } from '../testing/fakes.ts';
import { $, $$, disabled, key, setup, text, type, usePane } from '../testing/pane.ts';

usePane();
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
    expect(api.setRegarding).toHaveBeenCalledWith(
      restId('ews-1'),
      expect.objectContaining({ itemType: 'message', regarding: { type: 'account', id: 'acc-2' } }),
    );
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
