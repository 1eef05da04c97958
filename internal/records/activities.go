package records

import (
	"context"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
)

// ActivityQuery lists activities, newest first: all the actor may read, those regarding one record, or
// those with one record among their parties (the record a party's address resolved to).
type ActivityQuery struct {
	Regarding *crm.RecordRef
	Party     *crm.RecordRef
	Limit     int
	Cursor    string
}

// Activities returns a page of the activities the actor may read and the cursor of the next page ("" at
// the end). A regarding or party record must be one they may read.
func (s *Service) Activities(ctx context.Context, actor crm.Actor, q ActivityQuery) ([]crm.Activity, string, error) {
	access, err := s.Access(ctx, actor)
	if err != nil {
		return nil, "", err
	}
	for _, ref := range []*crm.RecordRef{q.Regarding, q.Party} {
		if ref == nil {
			continue
		}
		if _, err := s.readableRecord(ctx, access, ref.Type, ref.ID); err != nil {
			return nil, "", err
		}
	}
	return s.store.Activities(ctx, store.ActivityQuery{TenantID: actor.TenantID, Regarding: q.Regarding, Party: q.Party,
		Scopes: access.ReadScopes(crm.ActivityTypes), Limit: q.Limit, Cursor: q.Cursor})
}

// Activity returns an activity the actor may read.
func (s *Service) Activity(ctx context.Context, actor crm.Actor, id string) (crm.Activity, error) {
	access, err := s.Access(ctx, actor)
	if err != nil {
		return crm.Activity{}, err
	}
	return s.readableActivity(ctx, access, id)
}

// CreateActivity creates an appointment or a task, owned by the actor unless the input names another
// owner their role lets them create for. Emails are not created here: they come from tracking.
func (s *Service) CreateActivity(ctx context.Context, actor crm.Actor, in crm.ActivityInput) (crm.Activity, error) {
	a, err := in.NewActivity()
	if err != nil {
		return crm.Activity{}, err
	}
	if a.OwnerID == "" {
		a.OwnerID = actor.UserID
	}
	access, err := s.Access(ctx, actor)
	if err != nil {
		return crm.Activity{}, err
	}
	if err := access.allowCreateActivity(a); err != nil {
		return crm.Activity{}, err
	}
	if a.OwnerID != actor.UserID {
		if _, err := s.store.User(ctx, actor.TenantID, a.OwnerID); crm.IsNotFound(err) {
			return crm.Activity{}, crm.Invalid("the owner is not valid", crm.FieldError{Field: "ownerId", Message: "no user of your organisation has the id " + a.OwnerID})
		} else if err != nil {
			return crm.Activity{}, err
		}
	}
	if err := s.prepareActivityWrite(ctx, access, &a, nil); err != nil {
		return crm.Activity{}, err
	}
	a.ID = uuid.NewString() // known before the write, for its pushes
	return s.store.CreateActivity(ctx, actor.TenantID, a, s.then(ctx, Change{TenantID: actor.TenantID, Type: a.Type, ID: a.ID}))
}

// CreateActivityIn creates an activity inside tx, the caller's transaction, if the actor's role lets them
// create activities of its type for its owner. Its regarding and parties are the caller's to check.
func (s *Service) CreateActivityIn(ctx context.Context, tx *store.Tx, access Access, a crm.Activity) (crm.Activity, error) {
	if err := access.allowCreateActivity(a); err != nil {
		return crm.Activity{}, err
	}
	return tx.CreateActivity(ctx, access.actor.TenantID, a)
}

// allowCreateActivity is nil when the actor may create a's type for a's owner, and otherwise the
// forbidden error that says which of the two they may not.
func (a Access) allowCreateActivity(act crm.Activity) error {
	if a.Can(crm.OpCreate, act.Type, act.OwnerID) {
		return nil
	}
	if act.OwnerID != a.actor.UserID && a.Can(crm.OpCreate, act.Type, a.actor.UserID) {
		return a.Allow(crm.OpCreate, act.Type, act.OwnerID, act.Type+"s for another user")
	}
	return a.Allow(crm.OpCreate, act.Type, act.OwnerID, act.Type+"s")
}

// ReplaceActivity replaces an appointment's or a task's values with the input's, which must carry the
// version it was based on. Its attendees are replaced; its organizer and owner stay.
func (s *Service) ReplaceActivity(ctx context.Context, actor crm.Actor, id string, in crm.ActivityInput) (crm.Activity, error) {
	access, err := s.Access(ctx, actor)
	if err != nil {
		return crm.Activity{}, err
	}
	current, err := s.readableActivity(ctx, access, id)
	if err != nil {
		return crm.Activity{}, err
	}
	if current.Type == crm.ActivityEmail {
		return crm.Activity{}, crm.Invalid("emails are changed by tracking: use Set Regarding to change what one is regarding")
	}
	if err := access.Allow(crm.OpUpdate, current.Type, current.OwnerID, "this "+current.Type); err != nil {
		return crm.Activity{}, err
	}
	next, err := in.Replacement(current)
	if err != nil {
		return crm.Activity{}, err
	}
	if err := s.prepareActivityWrite(ctx, access, &next, current.Regarding); err != nil {
		return crm.Activity{}, err
	}
	return s.store.UpdateActivity(ctx, actor.TenantID, current.ID, next.Version, next,
		s.then(ctx, Change{TenantID: actor.TenantID, Type: current.Type, ID: current.ID}))
}

// DeleteActivity removes an appointment or a task the actor may read and delete; with a version, only if
// it is still at it. A tracked email is removed by untracking it, which knows whether other users still
// link to it.
func (s *Service) DeleteActivity(ctx context.Context, actor crm.Actor, id string, version *int64) error {
	access, err := s.Access(ctx, actor)
	if err != nil {
		return err
	}
	a, err := s.readableActivity(ctx, access, id)
	if err != nil {
		return err
	}
	if a.Type == crm.ActivityEmail {
		return crm.Invalid("emails are removed by untracking them in Outlook, not deleted here")
	}
	if err := access.Allow(crm.OpDelete, a.Type, a.OwnerID, "this "+a.Type); err != nil {
		return err
	}
	return s.store.DeleteActivity(ctx, actor.TenantID, a.ID, version, s.then(ctx, Change{TenantID: actor.TenantID, Type: a.Type, ID: a.ID}))
}

// prepareActivityWrite checks that the actor may see the regarding record they chose (keeping the one
// the activity already has is not choosing it) and resolves the attendees' addresses to records, as
// tracking does.
func (s *Service) prepareActivityWrite(ctx context.Context, access Access, a *crm.Activity, current *crm.Regarding) error {
	if ref := a.Regarding; ref != nil && (current == nil || current.Type != ref.Type || current.ID != ref.ID) {
		if err := s.CheckRegarding(ctx, access, crm.RecordRef{Type: ref.Type, ID: ref.ID}); err != nil {
			return err
		}
	}
	return s.store.ResolveParties(ctx, access.actor.TenantID, a.Parties)
}
