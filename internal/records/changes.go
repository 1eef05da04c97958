package records

import (
	"context"
	"github.com/crmsync/crmsync/internal/store"
)

// Changes hears, inside the transaction of every CRM write that can change what a mailbox shows, what
// changed: mailsync.Pushes enqueues the affected mailboxes' pushes there, so that the CRM → Outlook
// direction follows a write in seconds and a write that rolls back enqueues nothing.
type Changes interface {
	Changed(ctx context.Context, tx *store.Tx, c Change) error
}

// Change is a CRM write that can change what mailboxes show. The listener reads the written item
// itself, inside the transaction, as the write left it.
type Change struct {
	TenantID string
	// Type is the synchronized type that changed: an activity type (appointment, task) or a record type
	// (contact); empty for a change to every type.
	Type string
	// ID is the activity or record written.
	ID string
	// Users are whose own settings changed (their filters): only their mailboxes, every type.
	Users []string
	// Everyone: a tenant-wide setting changed (field mappings, access levels, field security).
	Everyone bool
	// Source is the user whose mailbox made the write (an Outlook change reconciled by their own pass),
	// whose mailbox needs no other pass for it; empty for a write through the API.
	Source string
}

// Changed tells the listener about a CRM write, inside its transaction tx: the synchronization's own
// writes from Outlook report this way. A service without a listener tells no one.
func (s *Service) Changed(ctx context.Context, tx *store.Tx, c Change) error {
	if s.changes == nil {
		return nil
	}
	return s.changes.Changed(ctx, tx, c)
}

// then is the hook a store write runs in its own transaction to report c.
func (s *Service) then(ctx context.Context, c Change) store.Then {
	if s.changes == nil {
		return nil
	}
	return func(tx *store.Tx) error { return s.changes.Changed(ctx, tx, c) }
}
