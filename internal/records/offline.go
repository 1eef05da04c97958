package records

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
)

// ErrInvalidCursor is Offline's answer to a cursor that is not one of its own: nothing is read, and the
// client starts over without it.
var ErrInvalidCursor = errors.New("since must be the cursor of an earlier answer, unchanged; leave it out to get everything again")

// The bounds of one offline answer.
const (
	// MaxOfflinePage bounds the entries (items and removed together) of one answer, and is the default.
	MaxOfflinePage = 1000
	// offlineScanFactor bounds the records one answer reads to this many times its page size, so that
	// filters that match few of many records still answer quickly (with more: true).
	offlineScanFactor = 10
	// offlineMargin is how far before the cursor's time an incremental read starts. A record's updated_at
	// is the writer's clock when it wrote, which is before it commits: a write stamped just before our
	// read's time but committed just after it would be invisible to this read and, without the margin,
	// older than the next one's start, so never sent. Writes commit well within the margin, which also
	// covers small clock differences between replicas. Records inside it are sent twice; the client
	// upserts by id, so that is harmless.
	offlineMargin = 2 * time.Second
)

// OfflineAnswer is one answer of Offline (the body of GET /api/v1/offline).
type OfflineAnswer struct {
	Items   []crm.Record    `json:"items"`
	Removed []crm.RecordRef `json:"removed"`
	Cursor  string          `json:"cursor"`
	Reset   bool            `json:"reset"`
	More    bool            `json:"more"`
}

// offlineCursor is what the opaque cursor holds: the start of the changes asked for, the fingerprint of
// what decided membership when it was made and, in the middle of a pass that spans several answers, when
// that pass began and where it stopped.
type offlineCursor struct {
	Version     int        `json:"v"`
	Since       *time.Time `json:"s,omitempty"` // changes after this time (minus the margin); none: a full pass
	Fingerprint string     `json:"f"`
	PassStart   *time.Time `json:"p,omitempty"` // the time the unfinished pass began reading
	AfterTime   *time.Time `json:"u,omitempty"` // the unfinished pass's last record: updated_at…
	AfterID     string     `json:"i,omitempty"` // …and id
}

const offlineCursorVersion = 1

func (oc offlineCursor) encode() string {
	b, _ := json.Marshal(oc)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeOfflineCursor(s string) (offlineCursor, bool) {
	if len(s) > 1024 {
		return offlineCursor{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return offlineCursor{}, false
	}
	var oc offlineCursor
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&oc); err != nil {
		return offlineCursor{}, false
	}
	if _, err := dec.Token(); err != io.EOF { // nothing may follow the object
		return offlineCursor{}, false
	}
	if oc.Version != offlineCursorVersion || len(oc.Fingerprint) != 2*fingerprintBytes {
		return offlineCursor{}, false
	}
	if _, err := hex.DecodeString(oc.Fingerprint); err != nil {
		return offlineCursor{}, false
	}
	continued := oc.PassStart != nil || oc.AfterTime != nil || oc.AfterID != ""
	if continued {
		if oc.PassStart == nil || oc.AfterTime == nil {
			return offlineCursor{}, false
		}
		if _, err := uuid.Parse(oc.AfterID); err != nil {
			return offlineCursor{}, false
		}
	} else if oc.Since == nil {
		return offlineCursor{}, false // a finished pass always says when it read
	}
	return oc, true
}

// offlinePlan is what decides which records a user's offline cache holds: for each record type with an
// enabled offline filter, those filters, how much of the type the user may read, and the guard that
// redacts secured fields; and the fingerprint of all that.
type offlinePlan struct {
	filters     map[string][]crm.Filter
	scopes      []store.TypeScope
	rules       Rules
	fingerprint string
}

const fingerprintBytes = 16

// offlinePlan works out the actor's plan. Only record types (custom ones included) are kept offline:
// offline filters on the activity types appointment and task are left out, as the cache serves the
// regarding picker, which searches records, and activities have a shape of their own.
func (s *Service) offlinePlan(ctx context.Context, actor crm.Actor) (offlinePlan, error) {
	all, err := s.store.SyncFilters(ctx, actor.TenantID, actor.UserID)
	if err != nil {
		return offlinePlan{}, err
	}
	rules, err := s.Rules(ctx, actor)
	if err != nil {
		return offlinePlan{}, err
	}
	plan := offlinePlan{filters: map[string][]crm.Filter{}, rules: rules}
	var chosen []crm.EntityType
	for _, t := range rules.types {
		if fs := crm.FiltersFor(all, t.Name, crm.FilterOffline); len(fs) > 0 {
			plan.filters[t.Name] = fs
			chosen = append(chosen, t)
		}
	}
	names := make([]string, 0, len(chosen))
	for _, t := range chosen {
		names = append(names, t.Name)
	}
	plan.scopes = rules.ReadScopes(names)
	plan.fingerprint = offlineFingerprint(actor, plan, chosen)
	return plan, nil
}

// offlineFingerprint sums up everything that decides which records, with which fields, the cache holds:
// the user, their roles, their enabled offline filters (ids, last change, conditions), and the effect of
// the tenant's access levels (the readable scopes) and field security (the secured fields hidden from
// them) on the filtered types. Any change to these makes earlier incremental answers wrong, so a cursor
// with another fingerprint gets a full answer.
func offlineFingerprint(who crm.Actor, plan offlinePlan, types []crm.EntityType) string {
	type filterPart struct {
		ID         string        `json:"id"`
		RecordType string        `json:"recordType"`
		UpdatedAt  time.Time     `json:"updatedAt"`
		Conditions crm.Condition `json:"conditions"`
	}
	var filters []filterPart
	for _, fs := range plan.filters {
		for _, f := range fs {
			filters = append(filters, filterPart{f.ID, f.RecordType, f.UpdatedAt.UTC(), f.Conditions})
		}
	}
	slices.SortFunc(filters, func(a, b filterPart) int { return cmp.Compare(a.ID, b.ID) })
	roles := slices.Clone(who.Roles)
	slices.Sort(roles)
	roles = slices.Compact(roles)
	hidden := plan.rules.hiddenFields(types)
	slices.Sort(hidden)
	b, _ := json.Marshal(struct {
		Tenant  string            `json:"tenant"`
		User    string            `json:"user"`
		Roles   []string          `json:"roles"`
		Filters []filterPart      `json:"filters"`
		Scopes  []store.TypeScope `json:"scopes"` // in the order of the tenant's types
		Hidden  []string          `json:"hidden"`
	}{who.TenantID, who.UserID, roles, filters, plan.scopes, hidden})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:fingerprintBytes])
}

// Offline answers the taskpane's request for the records it keeps for use without a connection: those of
// the actor's record types with an enabled offline filter that the actor may read and that one of those
// filters picks, redacted as the records API redacts them (filters see the redacted record, so a hidden
// field cannot be probed through them). since is the cursor of an earlier answer ("" for none) and limit
// the most entries to answer (1 to MaxOfflinePage).
//
//   - Without since, or when the cursor's fingerprint (filters, roles, access, field security) is not the
//     current one, it is a full pass: Reset is true, the client empties its cache, and Items are every
//     matching record; Removed is empty.
//   - With since, it is the changes after the cursor's time (less a small margin, so a record may come
//     again): records created or updated since that match now are in Items (upsert by id), and records
//     deleted since, or changed so that they no longer match, are in Removed (which may name records the
//     client never held: ignore those). Reset is false.
//   - A pass answers at most limit entries (Items and Removed together) and reads a bounded number of
//     records, in (updated_at, id) order. When it stops early, More is true and the cursor continues the
//     same pass: call again with it, until More is false. Only the first answer of a full pass has Reset
//     true. The cursor of the last answer (More false) is the one to keep for the next incremental call.
//
// A cursor that is not one of ours is ErrInvalidCursor.
func (s *Service) Offline(ctx context.Context, actor crm.Actor, since string, limit int) (OfflineAnswer, error) {
	var in *offlineCursor
	if since != "" {
		oc, ok := decodeOfflineCursor(since)
		if !ok {
			return OfflineAnswer{}, ErrInvalidCursor
		}
		in = &oc
	}
	// The time of the read is taken before anything is read: what changes after it comes in the next pass.
	readAt := s.now().UTC()
	plan, err := s.offlinePlan(ctx, actor)
	if err != nil {
		return OfflineAnswer{}, err
	}

	out := OfflineAnswer{Items: []crm.Record{}, Removed: []crm.RecordRef{}}
	pass := offlineCursor{Version: offlineCursorVersion, Fingerprint: plan.fingerprint, PassStart: &readAt}
	var after *store.ChangeKey
	switch {
	case in == nil || in.Fingerprint != plan.fingerprint:
		out.Reset = true
	case in.PassStart != nil: // the next answer of an unfinished pass
		pass.Since, pass.PassStart = in.Since, in.PassStart
		after = &store.ChangeKey{UpdatedAt: *in.AfterTime, ID: in.AfterID}
	default:
		pass.Since = in.Since
	}
	// Records are read in batches of at least 100, however small the page: a batch may go past where the
	// answer stops, as the cursor holds the last record answered for, not the last one read.
	q := store.ChangeQuery{TenantID: actor.TenantID, Scopes: plan.scopes, After: after, Limit: max(limit, 100)}
	if pass.Since != nil {
		q.ChangedAfter, q.IncludeDeleted = pass.Since.Add(-offlineMargin), true
	}
	for scanned := 0; ; {
		batch, err := s.store.ChangedRecords(ctx, q)
		if err != nil {
			return OfflineAnswer{}, err
		}
		for _, r := range batch {
			scanned++
			key := r.Key()
			q.After = &key
			rec := plan.rules.Redact(r.Record)
			switch {
			case !r.Deleted && plan.rules.Picks(plan.filters[r.Type], r.Type, rec.OwnerID, crm.RecordFields(rec)):
				out.Items = append(out.Items, rec)
			case pass.Since != nil:
				out.Removed = append(out.Removed, crm.RecordRef{Type: r.Type, ID: r.ID})
			}
			if len(out.Items)+len(out.Removed) >= limit || scanned >= offlineScanFactor*limit {
				out.More = true
				break
			}
		}
		if out.More || len(batch) < q.Limit {
			break
		}
	}
	if out.More {
		pass.AfterTime, pass.AfterID = &q.After.UpdatedAt, q.After.ID
	} else {
		pass = offlineCursor{Version: offlineCursorVersion, Fingerprint: plan.fingerprint, Since: pass.PassStart}
	}
	out.Cursor = pass.encode()
	return out, nil
}
