package mailsync

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/records"
	"github.com/crmsync/crmsync/internal/store"
)

// Pushes are the CRM side's triggers: told of every CRM write that can change what a mailbox shows
// (records.Changes), they wake, in the write's transaction, the mailboxes it concerns for the item kind
// it touched, so the CRM → Outlook direction follows a write in seconds instead of at the next interval.
//
// The mailboxes a write to an appointment, task or contact concerns are those whose user's online
// filters pick it as written (read again inside the transaction; a user's own filters with that user as
// "me", the system filters for everyone), and those whose Outlook already holds a copy of it (linked
// to it), which the write may update or remove. Filters are matched without the users' access rules:
// waking a mailbox that then pushes nothing costs one quiet pass of one kind. A change to a user's
// filters wakes that user's mailbox; a change to field mappings, access or field security every
// mailbox of the tenant.
type Pushes struct {
	store *store.Store
	// queue enqueues for writes made outside a job (the API's); a write inside a job enqueues through
	// that job's River client (jobs.InJob).
	queue jobs.Inserter
	now   func() time.Time
}

var _ records.Changes = (*Pushes)(nil)

// NewPushes builds the triggers on the store, enqueueing through queue outside jobs. Its jobs may be
// inserted by an insert-only River client: they are worked by the service's workers.
func NewPushes(s *store.Store, queue jobs.Inserter, now func() time.Time) *Pushes {
	if now == nil {
		now = time.Now
	}
	return &Pushes{store: s, queue: queue, now: now}
}

// Changed wakes the mailboxes c concerns, inside tx.
func (p *Pushes) Changed(ctx context.Context, tx *store.Tx, c records.Change) error {
	keys, scopes, err := p.targets(ctx, tx, c)
	if err != nil {
		return fmt.Errorf("find the mailboxes a change concerns: %w", err)
	}
	keys = slices.DeleteFunc(keys, func(k store.MailboxKey) bool { return k.UserID == c.Source })
	q := p.queue
	if in, err := jobs.InJob(ctx); err == nil {
		q = in
	}
	if _, err := Wake(ctx, tx, q, keys, scopes, p.now()); err != nil {
		return fmt.Errorf("enqueue pushes: %w", err)
	}
	return nil
}

// targets are the enabled mailboxes c concerns and the scopes their passes look at.
func (p *Pushes) targets(ctx context.Context, tx *store.Tx, c records.Change) ([]store.MailboxKey, []string, error) {
	switch {
	case c.Everyone:
		keys, err := tx.EnabledMailboxes(ctx, c.TenantID, nil)
		return keys, ItemScopes, err
	case c.Users != nil:
		keys, err := tx.EnabledMailboxes(ctx, c.TenantID, c.Users)
		return keys, ItemScopes, err
	}
	scope, ok := scopeOfType(c.Type)
	if !ok {
		return nil, nil, nil // not a synchronized type
	}
	var view store.FilterView
	var err error
	if c.Type == crm.TypeContact {
		view, err = tx.RecordView(ctx, c.TenantID, c.ID)
	} else {
		view, err = tx.ActivityView(ctx, c.TenantID, c.ID)
	}
	if err != nil {
		return nil, nil, err
	}
	users, err := tx.LinkedUsers(ctx, c.TenantID, c.ID)
	if err != nil {
		return nil, nil, err
	}
	if !view.Deleted {
		filters, err := tx.OnlineFilters(ctx, c.TenantID, c.Type)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range filters {
			if f.Scope == crm.ScopeSystem {
				// A system filter's "me" is each user in turn: one that picks the item for its owner, or
				// for no one in particular, may pick it for anyone.
				if f.Matches(view.Fields, view.OwnerID, "") || f.Matches(view.Fields, view.OwnerID, view.OwnerID) {
					keys, err := tx.EnabledMailboxes(ctx, c.TenantID, nil)
					return keys, []string{scope}, err
				}
				continue
			}
			if !slices.Contains(users, f.UserID) && f.Matches(view.Fields, view.OwnerID, f.UserID) {
				users = append(users, f.UserID)
			}
		}
	}
	keys, err := tx.EnabledMailboxes(ctx, c.TenantID, users)
	return keys, []string{scope}, err
}

// scopeOfType is the scope of the item kind a CRM type synchronizes as.
func scopeOfType(typ string) (string, bool) {
	for _, k := range kinds {
		if k.recordType() == typ {
			return string(k.kind()), true
		}
	}
	return "", false
}
