// Package records applies, in one place, the rules of what a user may see and do with the CRM's records
// and activities: the REST API's handlers, tracking and the synchronization all call it, and it answers
// with crm domain errors.
//
// Where each rule lives:
//   - access.go: record access — the tenant's access policy per role, record type and operation; a record
//     the user may not read is not found, one they may read but not act on is forbidden.
//   - fieldsecurity.go: field security — secured fields left out of what a user reads (and out of what a
//     search matches), refused in what they create or change, kept when a replace leaves them out.
//   - filters.go: filter evaluation for a user — which records their synchronization filters pick, seen
//     as they may read them — and who may see and change which filters.
//   - offline.go: offline membership — the records the taskpane keeps for use without a connection.
//
// The use cases themselves (records.go, activities.go, filters.go, offline.go) take the acting user as a
// crm.Actor, load the rules once per call, and check inside the store's transaction where a write
// depends on them.
package records

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
)

// Service is the records and activities use cases over the store.
type Service struct {
	store   *store.Store
	now     func() time.Time
	changes Changes
}

// New builds the use cases on the store, with the clock that times offline answers (nil: time.Now) and
// the listener that hears, inside their transactions, the writes that can change what mailboxes show
// (nil: none).
func New(s *store.Store, now func() time.Time, changes Changes) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, now: now, changes: changes}
}

// EntityTypes returns the tenant's record types, each field with what the actor's field security lets
// them do with it.
func (s *Service) EntityTypes(ctx context.Context, actor crm.Actor) ([]crm.EntityType, error) {
	rules, err := s.Rules(ctx, actor)
	if err != nil {
		return nil, err
	}
	out := make([]crm.EntityType, len(rules.types))
	for i, t := range rules.types {
		out[i] = rules.WithAccess(t)
	}
	return out, nil
}

// EntityType returns one of the tenant's record types, as EntityTypes shows it.
func (s *Service) EntityType(ctx context.Context, actor crm.Actor, name string) (crm.EntityType, error) {
	rules, err := s.Rules(ctx, actor)
	if err != nil {
		return crm.EntityType{}, err
	}
	t, err := rules.EntityType(name)
	if err != nil {
		return crm.EntityType{}, err
	}
	return rules.WithAccess(t), nil
}

// maxSearchLength bounds a search's text.
const maxSearchLength = 200

// Query is a search of records: by name or start of an email address, across the named record types
// (all when none).
type Query struct {
	Search string
	Types  []string
	// Sort orders the results: store.SortName (the default), SortNameDesc, SortUpdatedAt or
	// SortUpdatedAtDesc.
	Sort   string
	Limit  int
	Cursor string
}

// Search returns a page of the records the actor may read that the query matches, with the cursor of the
// next page ("" at the end). A named type that does not exist is not found.
func (s *Service) Search(ctx context.Context, actor crm.Actor, q Query) ([]crm.Record, string, error) {
	if len(q.Search) > maxSearchLength {
		return nil, "", crm.Invalid("the search is too long", crm.FieldError{Field: "search", Message: "must be at most 200 characters"})
	}
	if q.Sort != "" && !slices.Contains(store.RecordSorts, q.Sort) {
		return nil, "", crm.Invalid("the sort is not valid", crm.FieldError{Field: "sort", Message: "must be one of " + strings.Join(store.RecordSorts, ", ")})
	}
	rules, err := s.Rules(ctx, actor)
	if err != nil {
		return nil, "", err
	}
	types := q.Types
	if len(types) == 0 {
		types = rules.typeNames()
	}
	for _, t := range types {
		if _, err := rules.EntityType(t); err != nil {
			return nil, "", err
		}
	}
	items, next, err := s.store.SearchRecords(ctx, store.RecordQuery{TenantID: actor.TenantID, Search: q.Search,
		Scopes: rules.ReadScopes(types), Sort: q.Sort, Limit: q.Limit, Cursor: q.Cursor, HiddenEmailFields: rules.HiddenEmailFields()})
	if err != nil {
		return nil, "", err
	}
	return rules.RedactAll(items), next, nil
}

// Record returns a record the actor may read, as they may read it.
func (s *Service) Record(ctx context.Context, actor crm.Actor, typ, id string) (crm.Record, error) {
	rules, err := s.Rules(ctx, actor)
	if err != nil {
		return crm.Record{}, err
	}
	if _, err := rules.EntityType(typ); err != nil {
		return crm.Record{}, err
	}
	rec, err := s.readable(ctx, rules.Access, typ, id)
	if err != nil {
		return crm.Record{}, err
	}
	return rules.Redact(rec), nil
}

// CreateRecord creates a record of typ owned by the actor, and returns it as they may read it.
func (s *Service) CreateRecord(ctx context.Context, actor crm.Actor, typ string, in crm.RecordInput) (crm.Record, error) {
	rules, err := s.Rules(ctx, actor)
	if err != nil {
		return crm.Record{}, err
	}
	var rec crm.Record
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if rec, err = s.CreateRecordIn(ctx, tx, rules, typ, in); err != nil {
			return err
		}
		return s.Changed(ctx, tx, Change{TenantID: actor.TenantID, Type: typ, ID: rec.ID})
	})
	if err != nil {
		return crm.Record{}, err
	}
	return rules.Redact(rec), nil
}

// CreateRecordIn creates a record of typ owned by the actor inside tx, the caller's transaction: the type
// must exist, the actor's role must let them create records of it ("own" is enough: the record is
// theirs), and their field security must let them set every secured field the input sets.
func (s *Service) CreateRecordIn(ctx context.Context, tx *store.Tx, rules Rules, typ string, in crm.RecordInput) (crm.Record, error) {
	t, err := rules.EntityType(typ)
	if err != nil {
		return crm.Record{}, err
	}
	if err := rules.Allow(crm.OpCreate, typ, rules.actor.UserID, typ+" records"); err != nil {
		return crm.Record{}, err
	}
	if err := rules.CheckCreate(t, in); err != nil {
		return crm.Record{}, err
	}
	return tx.CreateRecord(ctx, rules.actor.TenantID, typ, rules.actor.UserID, in)
}

// UpdateRecord changes a record the actor may read and update, with the version they last read: a merge
// (PATCH) keeps the fields the input leaves out, a replace (PUT) clears them, except the secured fields
// the actor may not see or change. It returns the record as they may read it.
func (s *Service) UpdateRecord(ctx context.Context, actor crm.Actor, typ, id string, in crm.RecordInput, merge bool) (crm.Record, error) {
	rules, err := s.Rules(ctx, actor)
	if err != nil {
		return crm.Record{}, err
	}
	t, err := rules.EntityType(typ)
	if err != nil {
		return crm.Record{}, err
	}
	rec, err := s.readable(ctx, rules.Access, typ, id)
	if err != nil {
		return crm.Record{}, err
	}
	if err := rules.Allow(crm.OpUpdate, rec.Type, rec.OwnerID, "this "+rec.Type); err != nil {
		return crm.Record{}, err
	}
	if in, err = rules.PrepareUpdate(t, rec, in, merge); err != nil {
		return crm.Record{}, err
	}
	// The store writes only if the record is still at the version read here, so the checks above hold
	// for what it changes.
	updated, err := s.store.UpdateRecord(ctx, actor.TenantID, rec, store.RecordChange{Input: in, Merge: merge},
		s.then(ctx, Change{TenantID: actor.TenantID, Type: rec.Type, ID: rec.ID}))
	if err != nil {
		return crm.Record{}, err
	}
	return rules.Redact(updated), nil
}

// DeleteRecord removes a record the actor may read and delete; with a version, only if it is still at it.
func (s *Service) DeleteRecord(ctx context.Context, actor crm.Actor, typ, id string, version *int64) error {
	access, err := s.Access(ctx, actor)
	if err != nil {
		return err
	}
	rec, err := s.readableRecord(ctx, access, typ, id)
	if err != nil {
		return err
	}
	if err := access.Allow(crm.OpDelete, rec.Type, rec.OwnerID, "this "+rec.Type); err != nil {
		return err
	}
	return s.store.DeleteRecord(ctx, actor.TenantID, rec, version, s.then(ctx, Change{TenantID: actor.TenantID, Type: rec.Type, ID: rec.ID}))
}

// Shown is a record as the actor may read it, for showing beside something they may see (a tracked
// item's contact): the secured fields they may not read are left out, and when the rules cannot be read,
// every field is.
func (s *Service) Shown(ctx context.Context, actor crm.Actor, rec crm.Record) crm.Record {
	if actor.IsAdmin() {
		return rec
	}
	rules, err := s.Rules(ctx, actor)
	if err != nil {
		rec.Fields = map[string]any{}
		return rec
	}
	return rules.Redact(rec)
}
