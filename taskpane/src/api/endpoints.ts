// The calls of crmsync's API beyond the taskpane's: records and their types, activities, the user's
// clicks and options, synchronization filters and field mappings, and the admin console. createApi
// (api.ts) puts them on the one client, over its transport (tokens, problems, retries).

import type {
  AccessLevel,
  AccessLevels,
  Activity,
  AdminSettings,
  AdminSettingsPatch,
  CrmRecord,
  Deployment,
  DeploymentCheck,
  EntityType,
  FieldMapping,
  FieldMappingChange,
  FieldPermission,
  FieldSecurity,
  FilterKind,
  FilterPreview,
  Mailbox,
  MyOptions,
  MyOptionsInput,
  Page,
  RecordInput,
  SyncFilter,
  SyncFilterInput,
  SyncFilterPreviewInput,
  TrackListItem,
  TrackState,
} from './types.ts';

/** Call is the client's transport: one request, its JSON answer (undefined for 204). */
export type Call = <T>(method: string, path: string, init?: { body?: unknown; signal?: AbortSignal }) => Promise<T>;

/** How a list of records is ordered: by name (the API's order), or the most recently updated first. */
export type RecordSort = 'name' | 'updated';

/** What a list call may narrow and page by. */
export interface ListOptions {
  limit?: number;
  cursor?: string;
  signal?: AbortSignal;
}

/** The web app's calls. */
export interface CrmEndpoints {
  /** listRecords lists one type, optionally searched, by name or the most recently updated first (sort=-updatedAt). */
  listRecords(type: string, opts?: ListOptions & { search?: string; sort?: RecordSort }): Promise<Page<CrmRecord>>;
  createRecord(type: string, input: RecordInput): Promise<CrmRecord>;
  /** updateRecord merges fields (null clears one) into the record at input.version; 409 when stale. */
  updateRecord(type: string, id: string, input: RecordInput): Promise<CrmRecord>;
  deleteRecord(type: string, id: string, version?: number): Promise<void>;

  entityType(name: string): Promise<EntityType>;
  createEntityType(t: EntityType): Promise<EntityType>;
  updateEntityType(name: string, t: EntityType): Promise<EntityType>;
  deleteEntityType(name: string): Promise<void>;

  /** activities lists readable activities, newest first: regarding a record, or with it as a party. */
  activities(opts?: ListOptions & { regarding?: string; party?: string }): Promise<Page<Activity>>;
  activity(id: string): Promise<Activity>;

  /** trackList is My tracking: the caller's own clicks, newest first. */
  trackList(opts?: ListOptions & { state?: TrackState }): Promise<Page<TrackListItem>>;

  putOptions(input: MyOptionsInput): Promise<MyOptions>;
  /** myMailbox is the caller's own mailbox health. */
  myMailbox(): Promise<Mailbox>;

  syncFilters(opts?: { kind?: FilterKind; recordType?: string }): Promise<Page<SyncFilter>>;
  syncFilter(id: string): Promise<SyncFilter>;
  createSyncFilter(input: SyncFilterInput): Promise<SyncFilter>;
  replaceSyncFilter(id: string, input: SyncFilterInput): Promise<SyncFilter>;
  deleteSyncFilter(id: string): Promise<void>;
  /** previewSyncFilter counts what a filter picks for the caller now, with the first 25. */
  previewSyncFilter(input: SyncFilterPreviewInput): Promise<FilterPreview>;

  fieldMappings(itemKind?: string): Promise<Page<FieldMapping>>;
  putFieldMappings(changes: FieldMappingChange[]): Promise<Page<FieldMapping>>;

  adminSettings(): Promise<AdminSettings>;
  /** patchAdminSettings merges the members given and answers the whole settings. */
  patchAdminSettings(patch: AdminSettingsPatch): Promise<AdminSettings>;
  /** putAdminSettings replaces the settings: every member is required. */
  putAdminSettings(settings: AdminSettings): Promise<AdminSettings>;
  mailboxes(): Promise<Page<Mailbox>>;
  testEnableMailbox(userId: string): Promise<Mailbox>;
  disableMailbox(userId: string): Promise<Mailbox>;
  fieldSecurity(): Promise<FieldSecurity>;
  putFieldSecurity(items: FieldPermission[]): Promise<FieldSecurity>;
  accessLevels(): Promise<AccessLevels>;
  putAccessLevels(items: AccessLevel[]): Promise<AccessLevels>;
  deployment(): Promise<Deployment>;
  checkDeployment(): Promise<DeploymentCheck>;
}

const enc = encodeURIComponent;

/** query renders the members that are set as a query string, with its '?'; '' when none is. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** crmEndpoints builds the web app's calls over call. */
export function crmEndpoints(call: Call): CrmEndpoints {
  const rec = (type: string, id?: string) => `/records/${enc(type)}${id === undefined ? '' : `/${enc(id)}`}`;
  return {
    listRecords: (type, o = {}) =>
      call('GET', rec(type) + query({ search: o.search, limit: o.limit, cursor: o.cursor, sort: o.sort === 'updated' ? '-updatedAt' : undefined }), {
        signal: o.signal,
      }),
    createRecord: (type, input) => call('POST', rec(type), { body: input }),
    updateRecord: (type, id, input) => call('PATCH', rec(type, id), { body: input }),
    deleteRecord: (type, id, version) => call('DELETE', rec(type, id) + query({ version })),

    entityType: (name) => call('GET', `/entity-types/${enc(name)}`),
    createEntityType: (t) => call('POST', '/entity-types', { body: t }),
    updateEntityType: (name, t) => call('PUT', `/entity-types/${enc(name)}`, { body: t }),
    deleteEntityType: (name) => call('DELETE', `/entity-types/${enc(name)}`),

    activities: (o = {}) =>
      call('GET', '/activities' + query({ regarding: o.regarding, party: o.party, limit: o.limit, cursor: o.cursor }), { signal: o.signal }),
    activity: (id) => call('GET', `/activities/${enc(id)}`),

    trackList: (o = {}) => call('GET', '/track' + query({ state: o.state, limit: o.limit, cursor: o.cursor }), { signal: o.signal }),

    putOptions: (input) => call('PUT', '/me/options', { body: input }),
    myMailbox: () => call('GET', '/me/mailbox'),

    syncFilters: (o = {}) => call('GET', '/sync-filters' + query({ kind: o.kind, recordType: o.recordType })),
    syncFilter: (id) => call('GET', `/sync-filters/${enc(id)}`),
    createSyncFilter: (input) => call('POST', '/sync-filters', { body: input }),
    replaceSyncFilter: (id, input) => call('PUT', `/sync-filters/${enc(id)}`, { body: input }),
    deleteSyncFilter: (id) => call('DELETE', `/sync-filters/${enc(id)}`),
    previewSyncFilter: (input) => call('POST', '/sync-filters/preview', { body: input }),

    fieldMappings: (itemKind) => call('GET', '/field-mappings' + query({ itemKind })),
    putFieldMappings: (changes) => call('PUT', '/field-mappings', { body: changes }),

    adminSettings: () => call('GET', '/admin/settings'),
    patchAdminSettings: (patch) => call('PATCH', '/admin/settings', { body: patch }),
    putAdminSettings: (settings) => call('PUT', '/admin/settings', { body: settings }),
    mailboxes: () => call('GET', '/admin/mailboxes'),
    testEnableMailbox: (userId) => call('POST', `/admin/mailboxes/${enc(userId)}/test-enable`),
    disableMailbox: (userId) => call('POST', `/admin/mailboxes/${enc(userId)}/disable`),
    fieldSecurity: () => call('GET', '/admin/field-security'),
    putFieldSecurity: (items) => call('PUT', '/admin/field-security', { body: { items } }),
    accessLevels: () => call('GET', '/admin/access'),
    putAccessLevels: (items) => call('PUT', '/admin/access', { body: { items } }),
    deployment: () => call('GET', '/admin/deployment'),
    checkDeployment: () => call('POST', '/admin/deployment/check'),
  };
}
