// The shapes of crmsync's API (/api/v1), in one module: every screen and the client import them from
// here. Hand-written until the OpenAPI file exists; then this module is generated from it
// (openapi-typescript) and nothing else changes. types.test.ts checks these against JSON that the Go
// structs wrote (fixtures.json, made by internal/api's TestTypeScriptFixtures).

/** The kinds of Outlook item crmsync tracks (a Track body's itemType). */
export type ItemType = 'message' | 'appointment' | 'contact' | 'task';

/** A record of some type, by id. */
export interface RecordRef {
  type: string;
  id: string;
}

/** The record an activity is about, with its name. */
export interface Regarding extends RecordRef {
  name?: string;
}

/** A sender, recipient or attendee, and the record its address resolved to (null: not in CRM). */
export interface Party {
  role: string;
  address: string;
  name: string;
  record: RecordRef | null;
}

/** An Outlook item linked to an activity: whose mailbox, and the item's id. */
export interface LinkRef {
  userId: string;
  itemId: string;
}

/** A CRM activity (email, appointment or task). Times are RFC 3339 UTC. */
export interface Activity {
  id: string;
  type: string;
  subject: string;
  body?: string;
  start?: string | null;
  end?: string | null;
  due?: string | null;
  location?: string;
  status?: string;
  /** incoming | outgoing for email, '' otherwise. */
  direction?: string;
  ownerId?: string;
  regarding: Regarding | null;
  parties: Party[] | null;
  internetMessageId?: string;
  conversationId?: string;
  iCalUId?: string;
  /** The Outlook items tracked to it: the users who tracked it. */
  links?: LinkRef[] | null;
  version?: number;
  createdAt?: string;
  updatedAt?: string;
}

/** A CRM record. Fields the caller's field security hides are absent from fields. */
export interface CrmRecord {
  id: string;
  type: string;
  name: string;
  ownerId?: string;
  fields?: Record<string, unknown>;
  version?: number;
  createdAt?: string;
  updatedAt?: string;
}

/** What POST /records/{type} takes, and PUT or PATCH with the version read. */
export interface RecordInput {
  name?: string;
  fields: Record<string, unknown>;
  version?: number;
}

/** The kinds of field a record type has. */
export type FieldKind = 'text' | 'email' | 'phone' | 'url' | 'number' | 'date' | 'datetime' | 'boolean' | 'reference' | 'choice';

/** A field of a record type. */
export interface EntityField {
  name: string;
  displayName: string;
  kind: FieldKind;
  required: boolean;
  maxLength?: number;
  /** Hidden from and closed to roles without a field security grant. */
  secured: boolean;
  builtIn: boolean;
  /** The record types a reference field may point to. */
  targets?: string[];
  choices?: string[];
  /** The caller's field security on a secured field, when the server says (not yet: a needed API addition). */
  access?: { read: boolean; create: boolean; update: boolean };
}

/** A record type: built-in or custom. */
export interface EntityType {
  name: string;
  displayName: string;
  pluralName: string;
  builtIn: boolean;
  /** The fields a record's name is derived from; absent: the name is given. */
  nameFrom?: string[] | null;
  fields: EntityField[];
}

/** A page of a list. */
export interface Page<T> {
  items: T[];
  nextCursor: string;
}

/** The states of a Track, Set Regarding or Untrack click. */
export type TrackState = 'queued' | 'processing' | 'done' | 'failed';

/** A click being worked (GET /track/{id}). */
export interface TrackRequest {
  id: string;
  state: TrackState;
  /** track | set_regarding | untrack */
  action: string;
  itemId: string;
  itemType: string;
  regarding: RecordRef | null;
  activity: Activity | null;
  record: CrmRecord | null;
  error?: string;
  updatedAt?: string;
}

/** One of the caller's clicks in GET /track (My tracking): a TrackRequest with when it was made. */
export interface TrackListItem extends TrackRequest {
  createdAt: string;
}

/** Whether an Outlook item is tracked (GET /items/{id}/tracking). */
export interface ItemTracking {
  itemId: string;
  tracked: boolean;
  itemType?: string;
  activity: Activity | null;
  record: CrmRecord | null;
  pending: TrackRequest | null;
  reason?: string;
}

/**
 * How the tenant synchronizes mailboxes: client — only while the user has the add-in open, which asks
 * with POST /sync; server — in the background, where POST /sync is refused (409).
 */
export type SyncMode = 'client' | 'server';

/** The automatic email tracking options, narrowest first. */
export type AutoTrack = 'none' | 'responses' | 'leads_contacts_accounts' | 'email_enabled_records' | 'all';

/** The caller's personal options, the tenant's defaults where they chose none. */
export interface MyOptions {
  syncIntervalMinutes: number;
  autoTrack: string;
}

/** What PUT /me/options takes: a member left out or null goes back to the tenant's default. */
export interface MyOptionsInput {
  syncIntervalMinutes?: number | null;
  autoTrack?: string | null;
}

/** The caller (GET /me). */
export interface Me {
  userId: string;
  tenantId: string;
  upn: string;
  displayName?: string;
  roles: string[];
  syncMode: SyncMode;
  options: MyOptions;
  /** The tenant's minimum interval, when the server says (not yet: a needed API addition). */
  minSyncIntervalMinutes?: number;
  /** The tenant's display name, when the server says (not yet: a needed API addition). */
  tenantName?: string;
}

/** A manual synchronization the server accepted (POST /sync, 202). */
export interface SyncRequested {
  mailbox: string;
  queued: boolean;
  /** When the server recorded the request, RFC 3339. */
  requestedAt: string;
}

/**
 * One answer of GET /offline: the records the user's offline filters pick. reset: a full set (the cache is
 * replaced); otherwise upsert items and delete removed. While more is true, ask again with cursor; keep the
 * cursor of the answer with more false for the next incremental call.
 */
export interface OfflinePage {
  items: CrmRecord[];
  removed: RecordRef[];
  cursor: string;
  reset: boolean;
  more: boolean;
}

/** What a Track or Set Regarding click sends. */
export interface TrackBody {
  itemId?: string;
  itemType: ItemType;
  internetMessageId?: string;
  conversationId?: string;
  regarding?: RecordRef;
}

/** A field error of a validation problem: field is a member name or a JSON pointer (/conditions/and/1/op). */
export interface FieldError {
  field: string;
  message: string;
}

/** An RFC 9457 problem, as every error of the API answers. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** For a 401: which token check failed. */
  check?: string;
  requestId?: string;
  errors?: FieldError[];
}

/** A comparison of a filter's conditions. value is absent for null and not-null, an array for in. */
export interface Comparison {
  field: string;
  op: string;
  value?: unknown;
}

/** A group of a filter's conditions: all of its members (and) or any (or). */
export type ConditionGroup = { and: Condition[] } | { or: Condition[] };

/** A node of a filter's conditions. */
export type Condition = ConditionGroup | Comparison;

/** online: what is pushed to Outlook; offline: what the taskpane keeps. */
export type FilterKind = 'online' | 'offline';

/** user: the caller's own; system: an admin's, applying to everyone. */
export type FilterScope = 'user' | 'system';

/** A synchronization filter. */
export interface SyncFilter {
  id: string;
  /** The owner of a user filter; absent for a system filter. */
  userId?: string;
  name: string;
  recordType: string;
  kind: FilterKind;
  scope: FilterScope;
  enabled: boolean;
  default: boolean;
  conditions: ConditionGroup;
  createdAt: string;
  updatedAt: string;
}

/** What POST /sync-filters, PUT /sync-filters/{id} and POST /sync-filters/preview take. */
export interface SyncFilterInput {
  name?: string;
  recordType: string;
  kind?: FilterKind;
  scope?: FilterScope;
  enabled?: boolean;
  conditions?: ConditionGroup;
}

/** What POST /sync-filters/preview answers: how many records the filter picks for the caller, and the first 25. */
export interface FilterPreview {
  count: number;
  items: CrmRecord[];
}

/** Which way a mapped field flows. */
export type Direction = 'none' | 'to_outlook' | 'to_crm' | 'two_way';

/** A field mapping: a CRM field, its Outlook property, and the direction it synchronizes. */
export interface FieldMapping {
  itemKind: string;
  crmField: string;
  outlookField: string;
  direction: Direction;
  /** A fixed mapping cannot be changed. */
  fixed: boolean;
  allowedDirections: Direction[];
}

/** One change of PUT /field-mappings. */
export interface FieldMappingChange {
  itemKind: string;
  crmField: string;
  direction: Direction;
}

/** The tenant's synchronization settings (GET /admin/settings). */
export interface AdminSettings {
  syncMode: SyncMode;
  defaultAutoTrack: string;
  minSyncIntervalMinutes: number;
  untrackDeletes: boolean;
  trackSentItems: boolean;
}

/** A mailbox's synchronization health (GET /admin/mailboxes, GET /me/mailbox). Times are RFC 3339 UTC. */
export interface Mailbox {
  userId: string;
  upn: string;
  enabled: boolean;
  disabledReason?: string;
  nextSyncAt: string | null;
  lastSyncAt: string | null;
  lastSuccessAt: string | null;
  consecutiveFailures: number;
  backoffUntil: string | null;
  alert?: string;
  itemsIn: number;
  itemsOut: number;
  lastError?: string;
  notifications: MailboxNotifications;
}

/** A mailbox's Microsoft Graph change notifications: while they work it polls only at the backstop. */
export interface MailboxNotifications {
  state: 'none' | 'active' | 'renewing' | 'failing';
  reason?: string;
  polling: 'backstop' | 'interval';
  subscriptions: {
    resource: 'inbox' | 'sentitems' | 'events' | 'contacts' | 'tasks';
    state: 'active' | 'renewing' | 'failing';
    reason?: string;
    expiresAt: string | null;
  }[];
}

/** An address or domain whose email automatic tracking never picks. */
export interface NeverTrack {
  id: string;
  value: string;
  kind: 'address' | 'domain';
  createdAt: string;
}

/** The user's own never-track list. */
export interface NeverTrackList {
  items: NeverTrack[];
}

/** The organisation's never-track list, and its own domains (on the list for the "all" option). */
export interface TenantNeverTrackList {
  items: NeverTrack[];
  ownDomains: string[];
}

/** Whether the user's automatic tracking never picks an address's email. */
export interface NeverTrackCheck {
  address: string;
  neverTrack: boolean;
}

/** A field security grant of one role on one secured field. */
export interface FieldPermission {
  role: string;
  recordType: string;
  field: string;
  read: boolean;
  create: boolean;
  update: boolean;
}

/** GET /admin/field-security: the grants, and the secured fields they may cover (read-only). */
export interface FieldSecurity {
  items: FieldPermission[];
  securedFields: { recordType: string; field: string }[];
}

/** The operations access levels are given for. */
export type Operation = 'read' | 'create' | 'update' | 'delete';

/** How far an operation reaches: nothing, the records the user owns, or the whole tenant. */
export type AccessLevelName = 'none' | 'own' | 'all';

/** The level of one operation on one record type ('*': every type) for one role. */
export interface AccessLevel {
  role: string;
  recordType: string;
  operation: Operation;
  level: AccessLevelName;
}

/** GET /admin/access: the stored levels, and the built-in defaults they override (read-only). */
export interface AccessLevels {
  items: AccessLevel[];
  defaults: AccessLevel[];
}

/** A Microsoft Graph permission the deployment needs, and why. */
export interface GraphPermission {
  name: string;
  type: 'Application' | 'Delegated';
  why: string;
}

/** GET /admin/deployment: what an admin needs to register and deploy crmsync. */
export interface Deployment {
  publicUrl: string;
  clientId: string;
  applicationIdUri: string;
  redirectUris: string[];
  graphPermissions: GraphPermission[];
  syncMode: SyncMode;
  manifestUrls: { xml: string; json: string };
}

/** POST /admin/deployment/check: whether the public URL and the Graph credentials work. */
export interface DeploymentCheck {
  checks: { name: string; ok: boolean; detail: string }[];
}
