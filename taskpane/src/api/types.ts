// The shapes of crmsync's API (/api/v1), in one module: every screen and the client import them from
// here. They are generated from the API's OpenAPI description (internal/api/openapi.yaml) into
// openapi.ts by `npm run types` (openapi-typescript; make test fails while it is stale); this module
// only gives them the names the code uses. types.test.ts still holds them against JSON the Go response
// structs wrote (fixtures.json, made by internal/api's TestTypeScriptFixtures): the description is
// checked against the API's answers where the tests exercise them, the fixtures against every member.

import type { components } from './openapi.ts';

type S = components['schemas'];

/** The kinds of Outlook item crmsync tracks (a Track body's itemType). */
export type ItemType = S['ItemType'];
/** A record of some type, by id. */
export type RecordRef = S['RecordRef'];
/** The record an activity is about, with its name. */
export type Regarding = S['Regarding'];
/** A sender, recipient or attendee, and the record its address resolved to (null: not in CRM). */
export type Party = S['Party'];
/** An Outlook item linked to an activity: whose mailbox, who tracked it (their name) and when. */
export type LinkRef = S['LinkRef'];
/** A CRM activity (email, appointment or task). Times are RFC 3339 UTC. */
export type Activity = S['Activity'];
/** A CRM record. Fields the caller's field security hides are absent from fields. */
export type CrmRecord = S['Record'];
/** What POST /records/{type} takes, and PUT or PATCH with the version read. */
export type RecordInput = S['RecordInput'];
/** The kinds of field a record type has. */
export type FieldKind = S['FieldKind'];
/** A field of a record type, with the caller's field security on it (access). */
export type EntityField = S['Field'];
/** A record type: built-in or custom. */
export type EntityType = S['EntityType'];

/** A page of a list. */
export interface Page<T> {
  items: T[];
  nextCursor: string;
}

/** The states of a Track, Set Regarding or Untrack click. */
export type TrackState = S['TrackState'];
/** A click being worked (GET /track/{id}). */
export type TrackRequest = S['TrackRequest'];
/** One of the caller's clicks in GET /track (My tracking): a TrackRequest with when it was made. */
export type TrackListItem = S['TrackRequestItem'];
/** Whether an Outlook item is tracked (GET /items/{id}/tracking). */
export type ItemTracking = S['ItemTracking'];

/**
 * How the tenant synchronizes mailboxes: client — only while the user has the add-in open, which asks
 * with POST /sync; server — in the background, where POST /sync is refused (409).
 */
export type SyncMode = S['SyncMode'];
/** The automatic email tracking options, narrowest first. */
export type AutoTrack = S['AutoTrack'];
/** The caller's personal options, the tenant's defaults where they chose none. */
export type MyOptions = S['UserOptions'];
/** What PUT /me/options takes: a member left out or null goes back to the tenant's default. */
export type MyOptionsInput = S['OptionsInput'];
/** The caller (GET /me). */
export type Me = S['Me'];
/** A manual synchronization the server accepted (POST /sync, 202). */
export type SyncRequested = S['SyncAccepted'];
/**
 * One answer of GET /offline: the records the user's offline filters pick. reset: a full set (the cache is
 * replaced); otherwise upsert items and delete removed. While more is true, ask again with cursor; keep the
 * cursor of the answer with more false for the next incremental call.
 */
export type OfflinePage = S['OfflineAnswer'];
/** What a Track click sends (POST /track, with the item's id) or a Set Regarding (PUT /items/{id}/tracking). */
export type TrackBody = Omit<S['TrackClick'], 'itemId'> & { itemId?: string };
/** What a Set Regarding click sends (PUT /items/{id}/tracking). */
export type SetRegardingBody = S['SetRegarding'];

/** A field error of a validation problem: field is a member name or a JSON pointer (/conditions/and/1/op). */
export type FieldError = S['FieldError'];
/** An RFC 9457 problem, as every error of the API answers. */
export type Problem = S['Problem'];

/** A comparison of a filter's conditions. value is absent for null and not-null, an array for in. */
export type Comparison = S['Comparison'];
/** A group of a filter's conditions: all of its members (and) or any (or). */
export type ConditionGroup = S['ConditionGroup'];
/** A node of a filter's conditions. */
export type Condition = S['Condition'];
/** online: what is pushed to Outlook; offline: what the taskpane keeps. */
export type FilterKind = S['FilterKind'];
/** user: the caller's own; system: an admin's, applying to everyone. */
export type FilterScope = S['FilterScope'];
/** A synchronization filter. */
export type SyncFilter = S['SyncFilter'];
/** What POST /sync-filters and PUT /sync-filters/{id} take. */
export type SyncFilterInput = S['SyncFilterInput'];
/** What POST /sync-filters/preview takes: a filter, its name optional. */
export type SyncFilterPreviewInput = S['SyncFilterPreviewInput'];
/** What POST /sync-filters/preview answers: how many records the filter picks for the caller, and the first 25. */
export type FilterPreview = S['FilterPreview'];

/** Which way a mapped field flows. */
export type Direction = S['Direction'];
/** A field mapping: a CRM field, its Outlook property, and the direction it synchronizes. */
export type FieldMapping = S['FieldMapping'];
/** One change of PUT /field-mappings. */
export type FieldMappingChange = S['FieldMappingChange'];

/** The tenant's synchronization settings (GET /admin/settings). */
export type AdminSettings = S['AdminSettings'];
/** What PATCH /admin/settings takes: the members to change. */
export type AdminSettingsPatch = S['AdminSettingsPatch'];
/** A mailbox's synchronization health (GET /admin/mailboxes, GET /me/mailbox). Times are RFC 3339 UTC. */
export type Mailbox = S['Mailbox'];
/** A mailbox's Microsoft Graph change notifications: while they work it polls only at the backstop. */
export type MailboxNotifications = S['MailboxNotifications'];

/** An address or domain whose email automatic tracking never picks. */
export type NeverTrack = S['NeverTrack'];
/** The user's own never-track list. */
export type NeverTrackList = S['NeverTrackList'];
/** The organisation's never-track list, and its own domains (on the list for the "all" option). */
export type TenantNeverTrackList = S['TenantNeverTrackList'];
/** Whether the user's automatic tracking never picks an address's email. */
export type NeverTrackCheck = S['NeverTrackCheck'];
/** A field security grant of one role on one secured field. */
export type FieldPermission = S['FieldPermission'];
/** GET /admin/field-security: the grants, and the secured fields they may cover (read-only). */
export type FieldSecurity = S['FieldSecurity'];
/** The level of one operation on one record type ('*': every type) for one role. */
export type AccessLevel = S['AccessLevel'];
/** The operations access levels are given for. */
export type Operation = AccessLevel['operation'];
/** How far an operation reaches: nothing, the records the user owns, or the whole tenant. */
export type AccessLevelName = AccessLevel['level'];
/** GET /admin/access: the stored levels, and the built-in defaults they override (read-only). */
export type AccessLevels = S['AccessLevels'];

/** A Microsoft Graph permission the deployment needs, and why. */
export type GraphPermission = S['GraphPermission'];
/** GET /admin/deployment: what an admin needs to register and deploy crmsync. */
export type Deployment = S['Deployment'];
/** POST /admin/deployment/check: whether the public URL and the Graph credentials work. */
export type DeploymentCheck = S['DeploymentChecks'];
