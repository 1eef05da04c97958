// Package mailsync synchronizes users' mailboxes with the CRM in the background.
//
// The Scheduler is a River periodic job, run only by River's elected leader, so that one replica
// decides what is due. Every 30 seconds it creates the mailbox rows of new users and enqueues one
// SyncMailboxArgs job per due mailbox. The job is unique per mailbox while it waits or runs, so a mailbox
// never synchronizes twice at once, across all replicas. The Worker runs one pass through a
// Synchronizer (Passes of the delta and items engines) and records its outcome and the job's completion
// in one transaction.
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
//
// A pass is two Synchronizers, run side by side: the DeltaEngine follows the mail folders and offers new
// messages to automatic tracking; the ItemsEngine synchronizes calendar, contacts and To Do both ways. The items
// engine is generic: it knows the item kinds only through the kindSync interface (kinds.go), and what
// a user may read and write only through records.Rules.
//
// # What Graph sends
//
// The items engine reads Graph as Graph documents itself, not as a kind server would answer:
//   - A delta entry of an updated item carries "at least the properties that have been updated"
//     (delta-query-overview.md); a calendar view's delta sends an occurrence of a series with little but
//     its times. outlook.Properties says which an entry carried, and a field it lacks is unchanged, never
//     cleared (decide takes it as agreed). A missing change key is not an own write; a missing
//     isOrganizer is looked up (a whole read) before anything is written to Outlook. Where Graph may send
//     an emptied property as null, which the SDK cannot tell from absent (a task's due date, a contact's
//     names and company), an entry lacking it is read whole first.
//   - An ordinary delete moves an item to Deleted Items, where Graph still finds it by id: Items.Exists
//     counts it as gone. An item delta reports as removed is unlinked only if it is gone; one that left the
//     view (an event out of the window, a contact in another folder) stays linked. A round from scratch
//     reports no removals, so after one the linked items it did not list are looked for the same way.
//   - A To Do task moved to another list gets a new id (todotask.md). A kind's folders are all read before
//     any removal is handled, so the task shows up, unlinked and carrying the category, in its new list:
//     its stamp names the CRM item whose linked task is gone, and the link moves to the new id (adopt).
//   - Every documented reset (410 Gone, syncStateNotFound, resyncRequired and the resync codes of an
//     innerError) starts the folder over; Retry-After may have a fraction and is honoured to the
//     millisecond; the To Do stamps keep to the tenant's open-extension budget (package graph).
//
// # Recurring meetings
//
// A CRM appointment is one meeting, so crmsync synchronizes single meetings, never a series as a whole:
//   - An occurrence or exception the user tracks is one appointment (its own time and iCalUId). Tracking
//     stamps it, which makes it an exception in Outlook, as any edit of one meeting of a series does; from
//     then on it is kept in step both ways like a single meeting. Changes to the rest of the series do not
//     touch it.
//   - A series master cannot be tracked (the request fails, saying to track one meeting), and a linked
//     event that turns out to be a series master (the user made the meeting recurring) is let go: the link
//     ends as if the user had deleted the copy (a filter's record is remembered as removed and not pushed
//     again), the CRM appointment keeps its values, and the series loses the stamp.
//   - Occurrences and series nobody tracked are the user's own business, like any unlinked item.
//
// # Adding an item kind
//
// A new synchronized item kind is one new file (see appointments.go, contacts.go, tasks.go) plus its
// registration in kinds (kinds.go). The file declares a type implementing kindSync, which provides:
//   - kind, itemKind and recordType: its outlook.Kind, the field mappings' item kind, and the CRM type
//     that sync filters and access rules name (a record type, or an activity type through activityKind);
//   - the CRM side: changed (the items changed since a time, of one owner when asked), load (one item,
//     deleted ones included), writeCRM (Outlook's changes to some fields) and link (which column of an
//     item link points at it);
//   - the Outlook side: folders (its delta collections, as sync_state keys them), delta (a page of one),
//     read, create (stamped with the CRM id), update (some properties) and remove;
//   - othersItems: whether a linked item crmsync did not create may be someone else's to change;
//   - its values: the synchronized fields of both sides in their canonical forms (values.go), keyed by
//     the CRM field of their field mapping, and the Outlook item built from them.
//
// Outside this package the kind needs what every kind has: an outlook.Kind and its item type, the Graph
// operations listed in Items (package graph, and graphfake for the tests), and default field mappings
// for its item kind (crm.DefaultFieldMappings). Per-pass caches a kind needs (the default To Do list, an
// account's name) go through pass.remembered.
package mailsync

import (
	"context"

	"golang.org/x/sync/errgroup"

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
	// Scope is what the pass looks at (see the Scope constants): nil for everything, as scheduled; the
	// scopes change notifications or CRM writes named otherwise.
	Scope []string
}

// Result is what one pass moved.
type Result struct{ ItemsIn, ItemsOut int }

// Passes runs synchronizers side by side as one pass (mail beside calendar, contacts and To Do), adding
// up what they moved. They share nothing but the mailbox, whose Graph calls the graph package keeps
// within Graph's four at a time; side by side, a pass waits for the longer of their chains of calls
// instead of both. The first failure ends the pass: the others are cancelled.
type Passes []Synchronizer

// Sync runs the synchronizers at once and waits for all of them.
func (ps Passes) Sync(ctx context.Context, m Mailbox) (Result, error) {
	results := make([]Result, len(ps))
	g, ctx := errgroup.WithContext(ctx)
	for i, s := range ps {
		g.Go(func() error {
			var err error
			results[i], err = s.Sync(ctx, m)
			return err
		})
	}
	err := g.Wait()
	var total Result
	for _, r := range results {
		total.ItemsIn += r.ItemsIn
		total.ItemsOut += r.ItemsOut
	}
	return total, err
}
