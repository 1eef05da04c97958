// Stand-ins for tests: a fake Office.js (set as globalThis.Office) and a fake API client.

import { vi } from 'vitest';
import type { Activity, ApiClient, CrmRecord, ItemTracking, Mailbox, Me, SyncRequested, TrackRequest } from '../api.ts';

/** The open item a fake Office shows. */
export interface FakeItemInit {
  itemType?: string;
  itemId?: string;
  subject?: string;
  internetMessageId?: string;
  conversationId?: string;
  /** the sender's address of a message being read */
  from?: string;
  /** compose mode: subject through getAsync, id through saveAsync / getItemIdAsync */
  compose?: boolean;
  /** the id a compose item has once saved */
  savedId?: string;
  /** saveAsync fails with this message */
  saveError?: string;
}

type Cb<T> = (r: { status: string; value: T; error?: { code: number; message: string } }) => void;
const ok = <T,>(cb: Cb<T>, value: T) => cb({ status: 'succeeded', value });
const fail = <T,>(cb: Cb<T>, code: number, message: string) => cb({ status: 'failed', value: undefined as T, error: { code, message } });

/** A fake Office and what the code under test did with it. */
export interface FakeOffice {
  Office: Record<string, unknown>;
  notifications: { key: string; details: Record<string, unknown> }[];
  itemChanged: (() => void)[];
  actions: Map<string, (event: unknown) => void>;
  saves: number;
  /** replace the open item (null: none), as Outlook does before raising ItemChanged */
  setItem(init: FakeItemInit | null): void;
  /** switch to another item and raise ItemChanged */
  changeItem(init: FakeItemInit | null): void;
  supported: Set<string>;
  getAccessToken: ReturnType<typeof vi.fn>;
}

/** restId is what the fake convertToRestId returns for an EWS id. */
export const restId = (ewsId: string) => `rest:${ewsId}`;

/** installFakeOffice sets globalThis.Office to a fake with the given open item. */
export function installFakeOffice(init: FakeItemInit | null = {}): FakeOffice {
  const fake: FakeOffice = {
    Office: {},
    notifications: [],
    itemChanged: [],
    actions: new Map(),
    saves: 0,
    supported: new Set(),
    getAccessToken: vi.fn(async () => 'sso-token'),
    setItem(next) {
      mailbox.item = next ? makeItem(next) : null;
    },
    changeItem(next) {
      fake.setItem(next);
      for (const h of fake.itemChanged) h();
    },
  };

  function makeItem(i: FakeItemInit): Record<string, unknown> {
    let saved = !i.compose || !!i.itemId;
    const item: Record<string, unknown> = {
      itemType: i.itemType ?? 'message',
      conversationId: i.conversationId ?? 'conv-1',
      notificationMessages: {
        replaceAsync(key: string, details: Record<string, unknown>, cb?: Cb<void>) {
          fake.notifications.push({ key, details });
          cb?.({ status: 'succeeded', value: undefined });
        },
      },
    };
    if (!i.compose) {
      item.itemId = i.itemId ?? 'ews-1';
      item.subject = i.subject ?? 'Spring order arrived late';
      item.internetMessageId = i.internetMessageId ?? '<m1@northwind.test>';
      if (i.from) item.from = { emailAddress: i.from, displayName: i.from };
      return item;
    }
    item.subject = { getAsync: (cb: Cb<string>) => ok(cb, i.subject ?? 'Draft reply') };
    item.saveAsync = (cb: Cb<string>) => {
      fake.saves++;
      if (i.saveError) {
        fail(cb, 9002, i.saveError);
        return;
      }
      saved = true;
      ok(cb, i.savedId ?? 'ews-draft');
    };
    item.getItemIdAsync = (cb: Cb<string>) => (saved ? ok(cb, i.itemId ?? i.savedId ?? 'ews-draft') : fail(cb, 9051, 'The item has not been saved'));
    return item;
  }

  const mailbox: Record<string, unknown> = {
    item: init ? makeItem(init) : null,
    userProfile: { emailAddress: 'Alice@contoso.test', displayName: 'Alice' },
    convertToRestId: vi.fn((id: string, version: string) => (version === 'v2.0' ? restId(id) : `bad-version:${id}`)),
    addHandlerAsync(type: string, handler: () => void, cb?: Cb<void>) {
      if (type === 'olkItemSelectedChanged') fake.itemChanged.push(handler);
      cb?.({ status: 'succeeded', value: undefined });
    },
  };
  fake.Office = {
    onReady: (cb?: () => void) => {
      cb?.();
      return Promise.resolve({ host: 'Outlook', platform: 'OfficeOnline' });
    },
    context: {
      mailbox,
      requirements: { isSetSupported: (name: string, version: string) => fake.supported.has(`${name} ${version}`) },
    },
    auth: { getAccessToken: fake.getAccessToken },
    actions: { associate: (name: string, fn: (event: unknown) => void) => fake.actions.set(name, fn) },
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    EventType: { ItemChanged: 'olkItemSelectedChanged' },
    MailboxEnums: {
      RestVersion: { v1_0: 'v1.0', v2_0: 'v2.0', Beta: 'beta' },
      ItemNotificationMessageType: { InformationalMessage: 'informationalMessage', ErrorMessage: 'errorMessage' },
      ItemType: { Message: 'message', Appointment: 'appointment' },
    },
  };
  (globalThis as Record<string, unknown>).Office = fake.Office;
  return fake;
}

/** removeFakeOffice undoes installFakeOffice. */
export function removeFakeOffice(): void {
  delete (globalThis as Record<string, unknown>).Office;
}

/** A track request in some state. */
export function request(over: Partial<TrackRequest> = {}): TrackRequest {
  return {
    id: 'req-1',
    state: 'queued',
    action: 'track',
    itemId: restId('ews-1'),
    itemType: 'message',
    regarding: null,
    activity: null,
    record: null,
    updatedAt: stamp,
    ...over,
  };
}

/** The time every fake thing was made and last changed. */
const stamp = '2026-03-01T09:00:00Z';

/** crmRecord is a record as the API answers it, the members a test does not care about filled. */
export function crmRecord(r: Pick<CrmRecord, 'id' | 'type' | 'name'> & Partial<CrmRecord>): CrmRecord {
  return { ownerId: 'u1', fields: {}, version: 1, createdAt: stamp, updatedAt: stamp, ...r };
}

/** activity is an activity as the API answers it, the members a test does not care about filled. */
export function activity(a: Pick<Activity, 'id' | 'type' | 'subject'> & Partial<Activity>): Activity {
  return {
    body: '',
    start: null,
    end: null,
    due: null,
    status: '',
    direction: '',
    ownerId: 'u1',
    regarding: null,
    parties: [],
    internetMessageId: '',
    conversationId: '',
    links: [],
    version: 1,
    createdAt: stamp,
    updatedAt: stamp,
    ...a,
  };
}

export const fabrikam = crmRecord({ id: 'acc-1', type: 'account', name: 'Fabrikam, Inc.' });
export const northwind = crmRecord({ id: 'acc-2', type: 'account', name: 'Northwind Traders' });
export const marco = crmRecord({ id: 'con-1', type: 'contact', name: 'Marco Rossi' });

/** A done track request with an email activity regarding Fabrikam. */
export function doneRequest(over: Partial<TrackRequest> = {}): TrackRequest {
  return request({
    state: 'done',
    activity: activity({
      id: 'act-1',
      type: 'email',
      subject: 'Spring order arrived late',
      regarding: { type: 'account', id: fabrikam.id, name: fabrikam.name },
      parties: [
        { role: 'from', address: 'marco.rossi@northwindtraders.test', name: 'Marco Rossi', record: { type: 'contact', id: marco.id } },
        { role: 'to', address: 'stranger@example.test', name: '', record: null },
      ],
    }),
    ...over,
  });
}

/** The tracking of an item that is tracked regarding Fabrikam. */
export function trackedItem(over: Partial<ItemTracking> = {}): ItemTracking {
  const done = doneRequest();
  return { itemId: done.itemId, tracked: true, itemType: 'message', activity: done.activity, record: null, pending: null, ...over };
}

/** An item that is not tracked. */
export function untrackedItem(over: Partial<ItemTracking> = {}): ItemTracking {
  return { itemId: restId('ews-1'), tracked: false, activity: null, record: null, pending: null, ...over };
}

/** The caller, alice, in a client-mode tenant with the default interval. */
export function me(over: Partial<Me> = {}): Me {
  return {
    userId: 'u1',
    tenantId: 't1',
    tenantName: 'Contoso (demo)',
    upn: 'alice@contoso.test',
    displayName: 'Alice Johnson',
    roles: ['user'],
    syncMode: 'client',
    options: { syncIntervalMinutes: 15, autoTrack: 'responses' },
    minSyncIntervalMinutes: 5,
    ...over,
  };
}

/** The caller's mailbox health, synchronized once without error. */
export function mailbox(over: Partial<Mailbox> = {}): Mailbox {
  return {
    userId: 'u1',
    upn: 'alice@contoso.test',
    enabled: true,
    nextSyncAt: '2025-05-06T07:23:09Z',
    lastSyncAt: '2025-05-06T07:08:09Z',
    lastSuccessAt: '2025-05-06T07:08:09Z',
    consecutiveFailures: 0,
    backoffUntil: null,
    itemsIn: 3,
    itemsOut: 2,
    notifications: { state: 'none', polling: 'interval', subscriptions: [] },
    ...over,
  };
}

/** What POST /sync answers in client mode. */
export function syncRequested(over: Partial<SyncRequested> = {}): SyncRequested {
  return { mailbox: 'alice@contoso.test', queued: true, requestedAt: '2025-05-06T07:08:09Z', ...over };
}

/** fakeApi is an ApiClient of vi.fn()s, with harmless defaults. */
export function fakeApi(over: Partial<ApiClient> = {}): { [K in keyof ApiClient]: ReturnType<typeof vi.fn> & ApiClient[K] } {
  const api = {
    me: vi.fn(async () => me()),
    entityTypes: vi.fn(async () => [
      { name: 'account', displayName: 'Account', pluralName: 'Accounts', builtIn: true },
      { name: 'contact', displayName: 'Contact', pluralName: 'Contacts', builtIn: true },
    ]),
    searchRecords: vi.fn(async () => ({ items: [] as CrmRecord[], nextCursor: '' })),
    getRecord: vi.fn(async (type: string, id: string) => ({ id, type, name: id === marco.id ? marco.name : id })),
    track: vi.fn(async () => request()),
    trackRequest: vi.fn(async () => request()),
    itemTracking: vi.fn(async () => untrackedItem()),
    neverTrackCheck: vi.fn(async (address: string) => ({ address, neverTrack: false })),
    setRegarding: vi.fn(async () => request({ action: 'set_regarding' })),
    untrack: vi.fn(async () => request({ action: 'untrack' })),
    synchronize: vi.fn(async () => syncRequested()),
    putOptions: vi.fn(async (o: { syncIntervalMinutes?: number | null; autoTrack?: string | null }) => ({
      syncIntervalMinutes: o.syncIntervalMinutes ?? 15,
      autoTrack: o.autoTrack ?? 'responses',
    })),
    myMailbox: vi.fn(async () => mailbox()),
    offline: vi.fn(async () => ({ items: [] as CrmRecord[], removed: [], cursor: 'c-empty', reset: true, more: false })),
    watch: vi.fn(async (id: string, onState: (r: TrackRequest) => void) => {
      const r = doneRequest({ id });
      onState(r);
      return r;
    }),
    ...over,
  };
  return api as never;
}

/** deferred is a promise with its resolve and reject. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** flush lets pending promise callbacks run. */
export async function flush(times = 10): Promise<void> {
  for (let i = 0; i < times; i++) {
    await Promise.resolve();
  }
}
