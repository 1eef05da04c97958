// Package sync synchronizes users' mailboxes with the CRM in the background.
//
// The Scheduler is a River periodic job, run only by River's elected leader, so that one replica
// decides what is due. Every 30 seconds it creates the mailbox rows of new users and enqueues one
// SyncMailboxArgs job per due mailbox. The job is unique per mailbox while it waits or runs, so a mailbox
// never synchronizes twice at once, across all replicas. The Worker runs one pass through a
// Synchronizer (the delta engine) and records its outcome and the job's completion in one transaction.
//
// What is due depends on the tenant's synchronization mode:
//   - server mode: every user's mailbox, at the user's effective interval (next_sync_at), with the app's
//     own Graph permissions;
//   - client mode: only mailboxes whose user asked for a synchronization (POST /api/v1/sync, which the
//     taskpane calls at the user's interval while it is open, and the manual Synchronize) during the
//     last day and that no successful pass has served since; the request runs at once.
//
// Failures back off exponentially (2^n minutes, at most 12 hours) and raise an alert after three in a
// row; a permanent error (consent revoked, mailbox gone) disables the mailbox until an admin enables it
// again with POST /api/v1/admin/mailboxes/{id}/test-enable.
package mailsync

import (
	"context"

	"github.com/crmsync/crmsync/internal/jobs"
)

// Synchronizer runs one synchronization pass of a mailbox (implemented by the delta engine).
type Synchronizer interface {
	Sync(ctx context.Context, m Mailbox) (Result, error)
}

// Mailbox names the mailbox a pass synchronizes, and how the pass acts.
type Mailbox struct {
	TenantID, UserID, ObjectID string
	// Assertion is the user's token for on-behalf-of calls in client mode; empty means app-only.
	Assertion string
	// Queue is where the pass enqueues the work it starts (the automatic tracking of mail): the River
	// client of the job running it.
	Queue jobs.Inserter
}

// Result is what one pass moved.
type Result struct{ ItemsIn, ItemsOut int }

// Passes runs synchronizers one after the other as one pass (mail, then calendar, contacts and To Do),
// adding up what they moved. The first failure ends the pass.
type Passes []Synchronizer

// Sync runs each synchronizer in turn.
func (ps Passes) Sync(ctx context.Context, m Mailbox) (Result, error) {
	var total Result
	for _, s := range ps {
		r, err := s.Sync(ctx, m)
		total.ItemsIn += r.ItemsIn
		total.ItemsOut += r.ItemsOut
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
