import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type TrackRequest } from './api.ts';
import { createCommands, start } from './commands.ts';
import { officeAdapter } from './office.ts';
import { deferred, doneRequest, fakeApi, flush, installFakeOffice, marco, removeFakeOffice, request, restId, type FakeItemInit } from './testing/fakes.ts';

afterEach(() => {
  removeFakeOffice();
  vi.useRealTimers();
  delete (globalThis as Record<string, unknown>).trackItem;
  delete (globalThis as Record<string, unknown>).untrackItem;
});

function setup(opts: { item?: FakeItemInit; api?: ReturnType<typeof fakeApi>; apiError?: unknown } = {}) {
  const fake = installFakeOffice(opts.item ?? {});
  const api = opts.api ?? fakeApi();
  const commands = createCommands({
    api: () => (opts.apiError ? Promise.reject(opts.apiError) : Promise.resolve(api)),
    office: officeAdapter,
  });
  const event = { completed: vi.fn() };
  const notified = () => fake.notifications.map((n) => [n.details.type, n.details.message]);
  return { fake, api, commands, event, notified };
}

describe('trackItem', () => {
  it('tracks the item and says what it is regarding', async () => {
    const { api, commands, event, notified } = setup();
    await commands.trackItem(event);
    expect(api.track).toHaveBeenCalledWith({
      itemId: restId('ews-1'),
      itemType: 'message',
      internetMessageId: '<m1@northwind.test>',
      conversationId: 'conv-1',
    });
    expect(notified()).toEqual([['informationalMessage', 'Tracked to CRM regarding Fabrikam, Inc.']]);
    expect(event.completed).toHaveBeenCalledTimes(1);
  });

  it('names the contact a tracked Outlook contact became', async () => {
    const done = request({ state: 'done', itemType: 'contact', record: marco });
    const { commands, event, notified } = setup({ item: { itemType: 'contact' }, api: fakeApi({ track: vi.fn(async () => done) }) });
    await commands.trackItem(event);
    expect(notified()).toEqual([['informationalMessage', 'Tracked to CRM as the contact Marco Rossi']]);
  });

  it('saves a draft first', async () => {
    const { fake, api, commands, event } = setup({ item: { compose: true, savedId: 'ews-draft' } });
    await commands.trackItem(event);
    expect(fake.saves).toBe(1);
    expect(api.track).toHaveBeenCalledWith(expect.objectContaining({ itemId: restId('ews-draft') }));
    expect(event.completed).toHaveBeenCalledTimes(1);
  });

  it('shows a failed click as an error, with the readable reason', async () => {
    const failed = request({ state: 'failed', error: 'Outlook could not give us this message: it is still a draft — save or send it first' });
    const { commands, event, notified } = setup({ api: fakeApi({ watch: vi.fn(async () => failed) }) });
    await commands.trackItem(event);
    expect(notified()).toEqual([['errorMessage', 'Outlook could not give us this message: it is still a draft — save it first']]);
    expect(event.completed).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['crmsync cannot be reached', new ApiError({ status: 0, detail: 'crmsync cannot be reached', network: true, path: '/track', method: 'POST' })],
    ['Sign in again', new ApiError({ status: 401, detail: 'expired', path: '/track', method: 'POST' })],
    ['This item is not in your mailbox', new ApiError({ status: 404, detail: 'your mailbox has no message with this id', path: '/track', method: 'POST' })],
  ])('says "%s" and completes', async (want, err) => {
    const { commands, event, notified } = setup({ api: fakeApi({ track: vi.fn(async () => Promise.reject(err)) }) });
    await commands.trackItem(event);
    expect(notified()).toEqual([['errorMessage', want]]);
    expect(event.completed).toHaveBeenCalledTimes(1);
  });

  it('completes when signing in fails', async () => {
    const { commands, event, notified } = setup({ apiError: new TypeError('Failed to fetch') });
    await commands.trackItem(event);
    expect(notified()).toEqual([['errorMessage', 'crmsync cannot be reached']]);
    expect(event.completed).toHaveBeenCalledTimes(1);
  });

  it('completes even when the notification cannot be shown', async () => {
    const { fake, commands, event } = setup();
    const item = (fake.Office.context as { mailbox: { item: { notificationMessages: { replaceAsync: unknown } } } }).mailbox.item;
    item.notificationMessages.replaceAsync = () => {
      throw new Error('boom');
    };
    await commands.trackItem(event);
    expect(event.completed).toHaveBeenCalledTimes(1);
  });

  it('gives up waiting after 20 s, saying crmsync is still working on it', async () => {
    vi.useFakeTimers();
    const never = deferred<TrackRequest>();
    const api = fakeApi({
      watch: vi.fn((_id: string, _on: unknown, opts?: { signal?: AbortSignal }) => {
        opts?.signal?.addEventListener('abort', () => never.reject(opts.signal?.reason));
        return never.promise;
      }),
    });
    const { commands, event, notified } = setup({ api });
    const running = commands.trackItem(event);
    await vi.advanceTimersByTimeAsync(19_999);
    expect(event.completed).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await running;
    expect(notified()).toEqual([['informationalMessage', 'crmsync is still working on it; open the crmsync pane to follow it']]);
    expect(event.completed).toHaveBeenCalledTimes(1);
  });
});

describe('untrackItem', () => {
  it('untracks and says so', async () => {
    const done = request({ action: 'untrack', state: 'done' });
    const { api, commands, event, notified } = setup({ api: fakeApi({ watch: vi.fn(async () => done) }) });
    await commands.untrackItem(event);
    expect(api.untrack).toHaveBeenCalledWith(restId('ews-1'));
    expect(notified()).toEqual([['informationalMessage', 'Untracked from CRM']]);
    expect(event.completed).toHaveBeenCalledTimes(1);
  });

  it('says when the item is not tracked', async () => {
    const err = new ApiError({ status: 404, detail: 'this item is not tracked', path: '/items/x/tracking', method: 'DELETE' });
    const { commands, event, notified } = setup({ api: fakeApi({ untrack: vi.fn(async () => Promise.reject(err)) }) });
    await commands.untrackItem(event);
    expect(notified()).toEqual([['errorMessage', 'This item is not tracked']]);
    expect(event.completed).toHaveBeenCalledTimes(1);
  });
});

describe('start', () => {
  it('registers both commands with Office', async () => {
    const fake = installFakeOffice();
    start();
    await flush();
    expect([...fake.actions.keys()].sort()).toEqual(['trackItem', 'untrackItem']);
  });

  it('tracks through the real client, signing in with Office SSO', async () => {
    const fake = installFakeOffice();
    const done = doneRequest();
    const fetchFn = vi.fn(async (input: RequestInfo | URL) => {
      const url = String(input);
      const body =
        url === '/taskpane/config.json'
          ? { clientId: 'c', authority: 'a', apiScope: 's', apiBase: '/api/v1', local: true }
          : url === '/api/v1/track'
            ? done
            : {};
      return new Response(JSON.stringify(body), { status: url === '/api/v1/track' ? 202 : 200, headers: { 'Content-Type': 'application/json' } });
    });
    vi.stubGlobal('fetch', fetchFn);
    try {
      start();
      const event = { completed: vi.fn() };
      await fake.actions.get('trackItem')!(event);
      await vi.waitFor(() => expect(event.completed).toHaveBeenCalled());
      expect(fake.getAccessToken).toHaveBeenCalled();
      expect(fake.notifications.map((n) => n.details.message)).toEqual(['Tracked to CRM regarding Fabrikam, Inc.']);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
