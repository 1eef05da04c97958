package mailsync

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
)

// Scopes are the parts of a mailbox a pass can look at alone, when a change notification or a CRM write
// names one: a mail folder, or an item kind (its Outlook delta, then the CRM side's push).
const (
	ScopeInbox     = FolderInbox
	ScopeSentItems = FolderSentItems
	ScopeCalendar  = string(outlook.KindAppointment)
	ScopeContacts  = string(outlook.KindContact)
	ScopeTasks     = string(outlook.KindTask)
)

// ItemScopes are the scopes of the items engine: what a CRM write can change.
var ItemScopes = []string{ScopeCalendar, ScopeContacts, ScopeTasks}

// inScope reports whether a pass over scope (nil: everything) looks at part.
func inScope(scope []string, part string) bool { return scope == nil || slices.Contains(scope, part) }

// Wake asks, inside the caller's transaction, for a pass of each mailbox over scopes: it records the
// wake-ups and enqueues the mailboxes' synchronization jobs through q. A job already queued for a
// mailbox absorbs the request (the job is unique per mailbox) and serves it when it runs; one running
// now leaves it to the job it enqueues when it ends (see Worker). So a burst of notifications makes one
// or a few passes, and none is lost. It returns how many jobs it inserted.
func Wake(ctx context.Context, tx *store.Tx, q jobs.Inserter, keys []store.MailboxKey, scopes []string, now time.Time) (int, error) {
	byScope := make(map[string][]store.MailboxKey, len(scopes))
	for _, scope := range scopes {
		byScope[scope] = keys
	}
	return WakeScopes(ctx, tx, q, byScope, now)
}

// WakeScopes is Wake for mailboxes that need different scopes. It takes the rows' locks in one order
// (the wake-ups by scope and mailbox, then the jobs by mailbox), the order an ending pass takes its own
// (see Worker), so that concurrent notifications and passes wait for each other instead of deadlocking.
func WakeScopes(ctx context.Context, tx *store.Tx, q jobs.Inserter, byScope map[string][]store.MailboxKey, now time.Time) (int, error) {
	var all []store.MailboxKey
	for _, scope := range slices.Sorted(maps.Keys(byScope)) {
		keys := slices.SortedFunc(slices.Values(byScope[scope]), compareKeys)
		if err := tx.Wake(ctx, keys, []string{scope}, now); err != nil {
			return 0, err
		}
		all = append(all, keys...)
	}
	if len(all) == 0 {
		return 0, nil
	}
	slices.SortFunc(all, compareKeys)
	all = slices.Compact(all)
	args := make([]river.JobArgs, len(all))
	for i, k := range all {
		args[i] = SyncMailboxArgs{TenantID: k.TenantID, UserID: k.UserID}
	}
	return q.InsertManyTx(ctx, tx, args)
}

func compareKeys(a, b store.MailboxKey) int {
	return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.UserID, b.UserID))
}
