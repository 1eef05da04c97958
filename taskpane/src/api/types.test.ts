// The API's types (generated from openapi.yaml) against the JSON the Go response structs encode
// (fixtures.json, written by internal/api's TestTypeScriptFixtures, which fails while it is stale). The
// real check is tsc's: each agrees<…>(true) below compiles only when the fixture fits the type (npm run
// build runs tsc). The test makes sure every fixture is checked and that the checks themselves catch a
// difference.

import { describe, expect, it } from 'vitest';
import { agrees, type Agrees, type Mismatch } from './conformance.ts';
import fixtures from './fixtures.json';
import type {
  AccessLevels,
  Activity,
  AdminSettings,
  CrmRecord,
  Deployment,
  DeploymentCheck,
  EntityType,
  FieldMapping,
  FieldSecurity,
  FilterPreview,
  ItemTracking,
  Mailbox,
  Me,
  MyOptions,
  NeverTrackCheck,
  NeverTrackList,
  OfflinePage,
  Page,
  Problem,
  SyncFilter,
  SyncRequested,
  TenantNeverTrackList,
  TrackListItem,
  TrackRequest,
} from './types.ts';

type F = typeof fixtures;

const checks = {
  me: agrees<F['me'], Me>(true),
  record: agrees<F['record'], CrmRecord>(true),
  recordPage: agrees<F['recordPage'], Page<CrmRecord>>(true),
  activity: agrees<F['activity'], Activity>(true),
  activityPage: agrees<F['activityPage'], Page<Activity>>(true),
  entityType: agrees<F['entityType'], EntityType>(true),
  entityTypes: agrees<F['entityTypes'], Page<EntityType>>(true),
  trackRequest: agrees<F['trackRequest'], TrackRequest>(true),
  trackList: agrees<F['trackList'], Page<TrackListItem>>(true),
  itemTracking: agrees<F['itemTracking'], ItemTracking>(true),
  myOptions: agrees<F['myOptions'], MyOptions>(true),
  syncRequested: agrees<F['syncRequested'], SyncRequested>(true),
  offlinePage: agrees<F['offlinePage'], OfflinePage>(true),
  syncFilter: agrees<F['syncFilter'], SyncFilter>(true),
  syncFilters: agrees<F['syncFilters'], Page<SyncFilter>>(true),
  filterPreview: agrees<F['filterPreview'], FilterPreview>(true),
  fieldMappings: agrees<F['fieldMappings'], Page<FieldMapping>>(true),
  adminSettings: agrees<F['adminSettings'], AdminSettings>(true),
  mailboxes: agrees<F['mailboxes'], Page<Mailbox>>(true),
  myMailbox: agrees<F['myMailbox'], Mailbox>(true),
  deployment: agrees<F['deployment'], Deployment>(true),
  deployChecks: agrees<F['deployChecks'], DeploymentCheck>(true),
  fieldSecurity: agrees<F['fieldSecurity'], FieldSecurity>(true),
  accessLevels: agrees<F['accessLevels'], AccessLevels>(true),
  problem: agrees<F['problem'], Problem>(true),
  neverTrack: agrees<F['neverTrack'], NeverTrackList>(true),
  tenantNeverTrack: agrees<F['tenantNeverTrack'], TenantNeverTrackList>(true),
  neverTrackCheck: agrees<F['neverTrackCheck'], NeverTrackCheck>(true),
} satisfies { [K in keyof F]: true };

// The comparison itself, on shapes that differ: each names the member (Equal is exact type equality).
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
type Shape = { id: string; kind: 'a' | 'b'; when?: string | null; tags: string[]; ref: { type: string } | null };
const differences: [
  Equal<Mismatch<{ id: string; kind: string; tags: string[]; ref: null; extra: number }, Shape>, '$.extra: sent by the API, missing from the type'>,
  Equal<Mismatch<{ kind: string; tags: string[]; ref: null }, Shape>, '$.id: required by the type, not sent by the API'>,
  Equal<Mismatch<{ id: number; kind: string; tags: string[]; ref: null }, Shape>, '$.id: a number, which the type does not allow'>,
  Equal<
    Mismatch<{ id: string; kind: string; tags: number[]; ref: { type: string; more: string } }, Shape>,
    '$.tags[]: a number, which the type does not allow' | '$.ref.more: sent by the API, missing from the type'
  >,
  Agrees<{ id: string; kind: string; when: null; tags: never[]; ref: { type: string } }, Shape>,
] = [true, true, true, true, true];

describe('the API types', () => {
  it('check every fixture the Go structs wrote', () => {
    expect(Object.keys(checks).sort()).toEqual(Object.keys(fixtures).sort());
    expect(Object.values(checks).every((v) => v === true)).toBe(true);
  });

  it('name the member where a shape and a type part', () => {
    // Compile-time: the tuple above only compiles when each Mismatch is exactly the message written.
    expect(differences.every((v) => v === true)).toBe(true);
  });
});
