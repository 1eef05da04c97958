package records

import (
	"context"
	"slices"

	"github.com/crmsync/crmsync/internal/crm"
)

// Picks reports whether one of filters (those of one record type and kind, see crm.FiltersFor) picks a
// record or activity of typ owned by ownerID for the actor: they may read it, and a filter matches it as
// they may read it. fields are its values as filters see them: FilterFields of a record, or
// crm.ActivityFields of an activity (which has no secured fields).
func (r Rules) Picks(filters []crm.Filter, typ, ownerID string, fields map[string]any) bool {
	return r.CanRead(typ, ownerID) && crm.MatchesAny(filters, fields, ownerID, r.actor.UserID)
}

// FilterFields are a record's values as the actor's filters see them: without the secured fields the
// actor may not read, so that a filter cannot tell what a hidden field holds.
func (r Rules) FilterFields(rec crm.Record) map[string]any { return crm.RecordFields(r.Redact(rec)) }

// Filters returns the filters that apply to the actor: their own and the tenant's system filters, of one
// kind and record type when given.
func (s *Service) Filters(ctx context.Context, actor crm.Actor, kind, recordType string) ([]crm.Filter, error) {
	if kind != "" && kind != crm.FilterOnline && kind != crm.FilterOffline {
		return nil, crm.Invalid("the kind is not valid", crm.FieldError{Field: "kind", Message: "must be online or offline"})
	}
	filters, err := s.store.SyncFilters(ctx, actor.TenantID, actor.UserID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(filters, func(f crm.Filter) bool {
		return (kind != "" && f.Kind != kind) || (recordType != "" && f.RecordType != recordType)
	}), nil
}

// Filter returns a filter the actor may see: their own, or a system filter. Another user's filter is as
// absent as one that does not exist.
func (s *Service) Filter(ctx context.Context, actor crm.Actor, id string) (crm.Filter, error) {
	f, err := s.store.SyncFilter(ctx, actor.TenantID, id)
	if err != nil {
		return crm.Filter{}, err
	}
	if f.Scope == crm.ScopeUser && f.UserID != actor.UserID {
		return crm.Filter{}, crm.NotFound("there is no synchronization filter with the id %s", f.ID)
	}
	return f, nil
}

// changeableFilter loads a filter the actor may change: their own, or a system filter if they are an
// admin.
func (s *Service) changeableFilter(ctx context.Context, actor crm.Actor, id string) (crm.Filter, error) {
	f, err := s.Filter(ctx, actor, id)
	if err != nil {
		return crm.Filter{}, err
	}
	if f.Scope == crm.ScopeSystem && !actor.IsAdmin() {
		return crm.Filter{}, crm.Forbidden("%q is a system filter: changing it needs the CRM.Admin role", f.Name)
	}
	return f, nil
}

// CreateFilter stores a new filter of the actor's, or, for an admin, a system filter for everyone.
func (s *Service) CreateFilter(ctx context.Context, actor crm.Actor, in crm.FilterInput) (crm.Filter, error) {
	if in.Scope == crm.ScopeSystem && !actor.IsAdmin() {
		return crm.Filter{}, crm.Forbidden("a system filter applies to everyone: creating one needs the CRM.Admin role")
	}
	f, err := s.checkFilter(ctx, actor, in)
	if err != nil {
		return crm.Filter{}, err
	}
	f.TenantID, f.UserID = actor.TenantID, actor.UserID
	return s.store.CreateSyncFilter(ctx, f, s.then(ctx, filterChange(f)))
}

// ReplaceFilter replaces the name, record type, kind, enabled flag and conditions of a filter the actor
// may change. Its scope stays.
func (s *Service) ReplaceFilter(ctx context.Context, actor crm.Actor, id string, in crm.FilterInput) (crm.Filter, error) {
	current, err := s.changeableFilter(ctx, actor, id)
	if err != nil {
		return crm.Filter{}, err
	}
	if in.Scope != "" && in.Scope != current.Scope {
		return crm.Filter{}, crm.Invalid("a filter's scope cannot be changed", crm.FieldError{Field: "/scope",
			Message: "must be " + current.Scope + " or left out; create a new filter instead"})
	}
	in.Scope = current.Scope
	f, err := s.checkFilter(ctx, actor, in)
	if err != nil {
		return crm.Filter{}, err
	}
	f.ID, f.TenantID, f.UserID = current.ID, current.TenantID, current.UserID
	return s.store.UpdateSyncFilter(ctx, f, s.then(ctx, filterChange(f)))
}

// DeleteFilter removes a filter the actor may change.
func (s *Service) DeleteFilter(ctx context.Context, actor crm.Actor, id string) error {
	f, err := s.changeableFilter(ctx, actor, id)
	if err != nil {
		return err
	}
	return s.store.DeleteSyncFilter(ctx, f.TenantID, f.ID, s.then(ctx, filterChange(f)))
}

// filterChange is what a change to filter f can change: its user's mailbox, or, for a system filter,
// every mailbox of the tenant.
func filterChange(f crm.Filter) Change {
	if f.Scope == crm.ScopeSystem || f.UserID == "" {
		return Change{TenantID: f.TenantID, Everyone: true}
	}
	return Change{TenantID: f.TenantID, Users: []string{f.UserID}}
}

// checkFilter checks a filter's input against the tenant's record types.
func (s *Service) checkFilter(ctx context.Context, actor crm.Actor, in crm.FilterInput) (crm.Filter, error) {
	var lookupErr error
	f, err := in.Filter(func(name string) (crm.EntityType, bool) {
		t, err := s.store.EntityType(ctx, actor.TenantID, name)
		if err != nil && !crm.IsNotFound(err) {
			lookupErr = err
		}
		return t, err == nil
	})
	if lookupErr != nil {
		return crm.Filter{}, lookupErr
	}
	return f, err
}
