// Tests of the taskpane: Synchronize now.

import { describe, expect, it, vi, afterEach, beforeEach } from 'vitest';
import { ApiError } from '../api.ts';
import { clock, syncIntervalMs } from '../taskpane.ts';
import { deferred, fakeApi, flush, me, restId, syncRequested, trackedItem, untrackedItem } from '../testing/fakes.ts';
import { $, disabled, forgetPane, setup, text, usePane } from '../testing/pane.ts';

usePane();
describe('synchronization', () => {
  const minute = 60_000;
  const conflict = () => new ApiError({ status: 409, detail: 'synchronization runs on the server in this organisation', path: '/sync', method: 'POST' });
  /** HH:MM of an RFC 3339 time in the local zone, independently of clock. */
  const hhmm = (iso: string) => new Date(iso).toTimeString().slice(0, 5);
  const shown = () => !$('sync').hidden && $('sync-now').closest('[hidden]') === null;

  let visibility: DocumentVisibilityState = 'visible';
  function setVisibility(v: DocumentVisibilityState) {
    visibility = v;
    document.dispatchEvent(new Event('visibilitychange'));
  }
  beforeEach(() => {
    visibility = 'visible';
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
  });
  afterEach(() => {
    delete (document as { visibilityState?: unknown }).visibilityState;
  });

  function clientMode(minutes: number, over: Parameters<typeof fakeApi>[0] = {}) {
    return fakeApi({ me: vi.fn(async () => me({ options: { syncIntervalMinutes: minutes, autoTrack: 'responses' } })), ...over });
  }

  it('in client mode shows Synchronize now and asks once when the pane opens', async () => {
    vi.useFakeTimers();
    const requested = syncRequested({ requestedAt: '2025-05-06T07:08:09Z' });
    const api = clientMode(15, { synchronize: vi.fn(async () => requested) });
    await setup({ api });
    expect(api.me).toHaveBeenCalledTimes(1);
    expect(shown()).toBe(true);
    expect(text('sync-now')).toBe('Synchronize now');
    expect($('sync-now').getAttribute('aria-label')).toBe('Synchronize now');
    expect($('sync-now').tagName).toBe('FLUENT-BUTTON');
    expect(api.synchronize).toHaveBeenCalledTimes(1);
    expect(text('sync-status')).toBe(`Synchronization requested at ${hhmm(requested.requestedAt)}`);
    expect($('sync-status').getAttribute('role')).toBe('status');
    expect(disabled('sync-now')).toBe(false);
  });

  it("asks again at the user's interval while the pane stays open", async () => {
    vi.useFakeTimers();
    const api = clientMode(5);
    const { fake } = await setup({ api });
    expect(api.synchronize).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5 * minute - 1);
    expect(api.synchronize).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(5 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(3);
    // A pinned pane moving to another item keeps the same rhythm: no extra request, no reset.
    await vi.advanceTimersByTimeAsync(2 * minute);
    fake.changeItem({ itemId: 'ews-2' });
    await vi.advanceTimersByTimeAsync(0);
    expect(api.synchronize).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(3 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(4);
    expect(api.me).toHaveBeenCalledTimes(1);
  });

  it('asks at once when the button is clicked, and counts the interval from the click', async () => {
    vi.useFakeTimers();
    const api = clientMode(5);
    await setup({ api });
    await vi.advanceTimersByTimeAsync(2 * minute);
    $('sync-now').click();
    await vi.advanceTimersByTimeAsync(0);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(3 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(2 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(3);
  });

  it('says Synchronizing… and disables the button while the request runs', async () => {
    vi.useFakeTimers();
    const answer = deferred<ReturnType<typeof syncRequested>>();
    const api = clientMode(15, { synchronize: vi.fn(() => answer.promise) });
    await setup({ api });
    expect(text('sync-status')).toBe('Synchronizing…');
    expect(disabled('sync-now')).toBe(true);
    $('sync-now').click();
    expect(api.synchronize).toHaveBeenCalledTimes(1);
    answer.resolve(syncRequested({ requestedAt: '2025-05-06T16:45:00Z' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(text('sync-status')).toBe(`Synchronization requested at ${hhmm('2025-05-06T16:45:00Z')}`);
    expect(disabled('sync-now')).toBe(false);
  });

  it.each([
    [
      'no network',
      new ApiError({ status: 0, detail: 'crmsync cannot be reached', network: true, path: '/sync', method: 'POST' }),
      'Synchronization failed: crmsync cannot be reached',
    ],
    ['a refused token', new ApiError({ status: 401, detail: 'expired', path: '/sync', method: 'POST' }), 'Synchronization failed: Sign in again'],
    [
      'a server error',
      new ApiError({ status: 500, detail: 'the database is not answering', path: '/sync', method: 'POST' }),
      'Synchronization failed: The database is not answering',
    ],
  ])('shows %s readably, leaves tracking alone and keeps repeating', async (_name, err, want) => {
    vi.useFakeTimers();
    const api = clientMode(5, { synchronize: vi.fn().mockRejectedValueOnce(err).mockResolvedValue(syncRequested()) });
    await setup({ api });
    expect(text('sync-status')).toBe(want);
    expect($('sync-status').dataset.state).toBe('error');
    expect(shown()).toBe(true);
    expect(disabled('sync-now')).toBe(false);
    expect($('error').hidden).toBe(true);
    expect(disabled('track-button')).toBe(false);
    await vi.advanceTimersByTimeAsync(5 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    expect(text('sync-status')).toBe(`Synchronization requested at ${hhmm(syncRequested().requestedAt)}`);
    expect($('sync-status').dataset.state).toBe('requested');
  });

  it('in server mode hides the button and never asks', async () => {
    vi.useFakeTimers();
    const api = fakeApi({ me: vi.fn(async () => me({ syncMode: 'server' })) });
    await setup({ api });
    expect(shown()).toBe(false);
    $('sync-now').click();
    await vi.advanceTimersByTimeAsync(24 * 60 * minute);
    setVisibility('hidden');
    setVisibility('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(api.synchronize).not.toHaveBeenCalled();
    expect(text('tracking-state')).toBe('Not tracked');
  });

  it('hides the button and stops repeating when the server answers 409 (the mode changed)', async () => {
    vi.useFakeTimers();
    const api = clientMode(5, { synchronize: vi.fn().mockResolvedValueOnce(syncRequested()).mockRejectedValue(conflict()) });
    await setup({ api });
    expect(shown()).toBe(true);
    await vi.advanceTimersByTimeAsync(5 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    expect(shown()).toBe(false);
    expect(text('sync-status')).toBe('');
    expect($('error').hidden).toBe(true);
    await vi.advanceTimersByTimeAsync(60 * minute);
    setVisibility('hidden');
    setVisibility('visible');
    await vi.advanceTimersByTimeAsync(60 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
  });

  it('hides the button when the first request already answers 409', async () => {
    vi.useFakeTimers();
    const api = clientMode(5, { synchronize: vi.fn(async () => Promise.reject(conflict())) });
    await setup({ api });
    expect(shown()).toBe(false);
    await vi.advanceTimersByTimeAsync(60 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(1);
  });

  it('leaves tracking working when /me fails, with no synchronization offered', async () => {
    vi.useFakeTimers();
    const api = fakeApi({
      me: vi.fn(async () => Promise.reject(new ApiError({ status: 500, detail: 'boom', path: '/me', method: 'GET' }))),
      itemTracking: vi.fn().mockResolvedValueOnce(untrackedItem()).mockResolvedValue(trackedItem()),
    });
    await setup({ api });
    expect(shown()).toBe(false);
    expect($('error').hidden).toBe(true);
    expect(text('tracking-state')).toBe('Not tracked');
    $('track-button').click();
    await vi.advanceTimersByTimeAsync(0);
    expect(api.track).toHaveBeenCalledTimes(1);
    expect(text('tracking-state')).toBe('Tracked');
    await vi.advanceTimersByTimeAsync(60 * minute);
    expect(api.synchronize).not.toHaveBeenCalled();
  });

  it('does not wait for /me to show the item', async () => {
    const slowMe = deferred<ReturnType<typeof me>>();
    const api = fakeApi({ me: vi.fn(() => slowMe.promise) });
    await setup({ api });
    expect(api.itemTracking).toHaveBeenCalledWith(restId('ews-1'));
    expect(text('tracking-state')).toBe('Not tracked');
    expect(shown()).toBe(false);
    slowMe.resolve(me());
    await flush();
    expect(shown()).toBe(true);
    expect(api.synchronize).toHaveBeenCalledTimes(1);
  });

  it('pauses while the pane is hidden and catches up when it is shown again', async () => {
    vi.useFakeTimers();
    const api = clientMode(5);
    await setup({ api });
    setVisibility('hidden');
    await vi.advanceTimersByTimeAsync(20 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(1);
    setVisibility('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    // Shown again before one came due: the timer resumes where it was.
    await vi.advanceTimersByTimeAsync(2 * minute);
    setVisibility('hidden');
    setVisibility('visible');
    await vi.advanceTimersByTimeAsync(3 * minute - 1);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(api.synchronize).toHaveBeenCalledTimes(3);
  });

  it('waits for a pane that opens hidden to be shown before the first request', async () => {
    vi.useFakeTimers();
    visibility = 'hidden';
    const api = clientMode(5);
    await setup({ api });
    expect(shown()).toBe(true);
    expect(api.synchronize).not.toHaveBeenCalled();
    setVisibility('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(api.synchronize).toHaveBeenCalledTimes(1);
  });

  it('stops when the pane is destroyed', async () => {
    vi.useFakeTimers();
    const api = clientMode(1);
    const s = await setup({ api });
    s.pane.destroy();
    forgetPane();
    await vi.advanceTimersByTimeAsync(10 * minute);
    document.dispatchEvent(new Event('visibilitychange'));
    expect(api.synchronize).toHaveBeenCalledTimes(1);
  });

  it('does not stack requests when one outlasts the interval', async () => {
    vi.useFakeTimers();
    const slow = deferred<ReturnType<typeof syncRequested>>();
    const api = clientMode(1, { synchronize: vi.fn().mockReturnValueOnce(slow.promise).mockResolvedValue(syncRequested()) });
    await setup({ api });
    await vi.advanceTimersByTimeAsync(1.5 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(1);
    slow.resolve(syncRequested());
    await vi.advanceTimersByTimeAsync(0.5 * minute);
    expect(api.synchronize).toHaveBeenCalledTimes(2);
  });
});

describe('syncIntervalMs and clock', () => {
  it.each([
    [15, 15],
    [5, 5],
    [1, 1],
    [0, 1],
    [0.2, 1],
    [-3, 1],
    [90, 90],
    [10_000, 1440],
    [Number.NaN, 15],
    [undefined, 15],
  ])('an interval of %s minutes runs every %s', (given, want) => {
    expect(syncIntervalMs({ options: { syncIntervalMinutes: given as number, autoTrack: 'none' } })).toBe(want * 60_000);
  });

  it('uses 15 minutes without /me or its options', () => {
    expect(syncIntervalMs(null)).toBe(15 * 60_000);
    expect(syncIntervalMs({} as never)).toBe(15 * 60_000);
  });

  it('gives HH:MM in the local zone, nothing for a bad time', () => {
    const t = new Date(2025, 4, 6, 9, 5, 30);
    expect(clock(t.toISOString())).toBe('09:05');
    expect(clock('not a time')).toBe('');
  });
});
