package records

import (
	"context"
	"fmt"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
)

// Access is record access for one actor: their tenant's access policy (the defaults with the levels its
// admins stored) applied to their roles. It decides for records and activities alike, by type and owner.
type Access struct {
	actor  crm.Actor
	policy crm.AccessPolicy
	levels []crm.AccessLevel
}

// Access loads the actor's access.
func (s *Service) Access(ctx context.Context, actor crm.Actor) (Access, error) {
	levels, err := s.store.AccessLevels(ctx, actor.TenantID)
	if err != nil {
		return Access{}, err
	}
	policy, err := crm.PolicyOf(levels)
	if err != nil {
		return Access{}, err
	}
	return Access{actor: actor, policy: policy, levels: levels}, nil
}

// Actor is whom the access is for.
func (a Access) Actor() crm.Actor { return a.actor }

// Levels are the tenant's stored access levels the access was built from: what changes it, besides the
// actor's roles.
func (a Access) Levels() []crm.AccessLevel { return a.levels }

// Can reports whether the actor may do op on a record or activity of typ owned by ownerID.
func (a Access) Can(op crm.Operation, typ, ownerID string) bool {
	return a.policy.Can(a.actor, typ, op, ownerID)
}

// CanRead reports whether the actor may read a record or activity of typ owned by ownerID.
func (a Access) CanRead(typ, ownerID string) bool { return a.Can(crm.OpRead, typ, ownerID) }

// Allow is nil when the actor may do op on what (a phrase such as "this contact" or "lead records") of
// typ owned by ownerID, and otherwise the forbidden error that says so. It is for things the actor may
// read: one they may not read is not found (see readable), so that ids cannot be probed.
func (a Access) Allow(op crm.Operation, typ, ownerID, what string) error {
	if a.Can(op, typ, ownerID) {
		return nil
	}
	verb := string(op)
	if op == crm.OpUpdate {
		verb = "change"
	}
	return crm.Forbidden("your security role does not let you %s %s", verb, what)
}

// ReadsOwnOnly reports whether the actor reads only their own records or activities of typ.
func (a Access) ReadsOwnOnly(typ string) bool {
	return a.policy.Level(a.actor.Roles, typ, crm.OpRead) == crm.LevelOwn
}

// ReadScopes says how much of each of the types (record or activity types) the actor may read; types
// they may not read at all are left out, so a query on the scopes can never return them.
func (a Access) ReadScopes(types []string) []store.TypeScope {
	var scopes []store.TypeScope
	for _, t := range types {
		switch a.policy.Level(a.actor.Roles, t, crm.OpRead) {
		case crm.LevelAll:
			scopes = append(scopes, store.TypeScope{Type: t})
		case crm.LevelOwn:
			scopes = append(scopes, store.TypeScope{Type: t, OwnOnly: true, UserID: a.actor.UserID})
		}
	}
	return scopes
}

// readable loads a record of typ that the actor may read; one they may not read is as absent as one of
// another tenant.
func (s *Service) readable(ctx context.Context, a Access, typ, id string) (crm.Record, error) {
	rec, err := s.store.Record(ctx, a.actor.TenantID, typ, id)
	if err != nil {
		return crm.Record{}, err
	}
	if !a.CanRead(typ, rec.OwnerID) {
		return crm.Record{}, crm.NotFound("there is no %s with the id %s", typ, rec.ID)
	}
	return rec, nil
}

// readableRecord is readable after checking that the record type exists.
func (s *Service) readableRecord(ctx context.Context, a Access, typ, id string) (crm.Record, error) {
	if _, err := s.store.EntityType(ctx, a.actor.TenantID, typ); err != nil {
		return crm.Record{}, err
	}
	return s.readable(ctx, a, typ, id)
}

// readableActivity loads an activity the actor may read; one they may not read is as absent as one of
// another tenant.
func (s *Service) readableActivity(ctx context.Context, a Access, id string) (crm.Activity, error) {
	act, err := s.store.Activity(ctx, a.actor.TenantID, id)
	if err != nil {
		return crm.Activity{}, err
	}
	if !a.CanRead(act.Type, act.OwnerID) {
		return crm.Activity{}, crm.NotFound("there is no activity with the id %s", act.ID)
	}
	return act, nil
}

// CheckRegarding makes sure the record an activity is to be regarding exists in the actor's tenant and
// that they may read it; anything else is the same invalid answer, so ids cannot be probed.
func (s *Service) CheckRegarding(ctx context.Context, a Access, ref crm.RecordRef) error {
	notVisible := crm.Invalid("the regarding record is not valid", crm.FieldError{Field: "regarding",
		Message: fmt.Sprintf("there is no %s with the id %s that you can see", ref.Type, ref.ID)})
	_, err := s.readable(ctx, a, ref.Type, ref.ID)
	if crm.IsNotFound(err) {
		return notVisible
	}
	return err
}
