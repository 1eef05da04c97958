package mailsync

import (
	"context"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
)

// Items is what the reconciliation does in a mailbox's calendar, contacts and To Do (graph.Mailbox).
// Deltas answer outlook.ErrSyncReset when their link expired; writes and reads of a missing item answer
// outlook.ErrNotFound.
type Items interface {
	EventsDelta(ctx context.Context, link string, start, end time.Time) (outlook.ItemPage[outlook.Event], error)
	ContactsDelta(ctx context.Context, link string) (outlook.ItemPage[outlook.Contact], error)
	DefaultTaskList(ctx context.Context) (string, error)
	TaskLists(ctx context.Context) ([]string, error)
	TasksDelta(ctx context.Context, listID, link string) (outlook.ItemPage[outlook.Task], error)

	Event(ctx context.Context, id string) (outlook.Event, error)
	Contact(ctx context.Context, id string) (outlook.Contact, error)
	Task(ctx context.Context, taskItemID string) (outlook.Task, error)
	// Exists reports whether an item is still where the user keeps it: not deleted, not in Deleted
	// Items, an event still in the calendar.
	Exists(ctx context.Context, kind outlook.Kind, id string) (bool, error)

	CreateEvent(ctx context.Context, e outlook.Event) (outlook.Event, error)
	UpdateEvent(ctx context.Context, id string, e outlook.Event, fields []string) (outlook.Event, error)
	DeleteEvent(ctx context.Context, id string) error
	CreateContact(ctx context.Context, c outlook.Contact) (outlook.Contact, error)
	UpdateContact(ctx context.Context, id string, c outlook.Contact, fields []string) (outlook.Contact, error)
	DeleteContact(ctx context.Context, id string) error
	CreateTask(ctx context.Context, listID string, t outlook.Task) (outlook.Task, error)
	UpdateTask(ctx context.Context, taskItemID string, t outlook.Task, fields []string) (outlook.Task, error)
	DeleteTask(ctx context.Context, taskItemID string) error

	Unstamp(ctx context.Context, kind outlook.Kind, id string) error
}

// OpenItems opens the mailbox a pass synchronizes.
type OpenItems func(ctx context.Context, m Mailbox) (Items, error)

// crmItem is an appointment, contact or task on the CRM side.
type crmItem struct {
	ID, OwnerID string
	Version     int64
	UpdatedAt   time.Time
	// Scheduled is when the CRM last set an appointment's time (created or rescheduled); zero otherwise.
	Scheduled time.Time
	Deleted   bool
	Filter    map[string]any // as sync filters see it
	Values    values
}

// outlookItem is its copy on the Outlook side. Read from a delta entry it may be partial: Values then
// hold only the fields whose properties the entry carried (a missing one is unchanged, see
// outlook.Properties), ChangeKey and Modified may be empty.
type outlookItem struct {
	ID, ChangeKey string
	Modified      time.Time
	Values        values
	Categories    []string
	Stamp         string // read only by reads, not by deltas
	// ReadOnly: crmsync may not change it, such as a meeting someone else organizes, whose details only
	// the organizer changes; its changes still flow to the CRM.
	ReadOnly bool
	// ReadOnlyUnknown: the entry did not say whether the user organizes the meeting.
	ReadOnlyUnknown bool
	// Ambiguous: the entry lacks a property whose emptying Graph may send as null, which the SDK cannot
	// tell from absent; only a whole read says whether it was cleared.
	Ambiguous bool
	// Series: the item is a recurring series' master (see the package doc on recurring meetings).
	Series bool
}

type itemPage struct {
	items               []outlookItem
	removed             []string
	nextLink, deltaLink string
}

// kindSync is one kind of synchronized item: what differs between appointments, contacts and tasks is
// where each side keeps them and how their values are read and written. The items engine knows only this
// interface; each kind lives in its own file and is registered in kinds.
type kindSync interface {
	kind() outlook.Kind
	itemKind() string   // the field mappings' item kind
	recordType() string // the sync filters' record type and the access rules' type
	// changed lists the CRM items changed after since (every live one when since is zero), of the owners
	// given (store.Owners).
	changed(ctx context.Context, p *pass, owners store.Owners, since time.Time) ([]crmItem, error)
	load(ctx context.Context, p *pass, id string) (crmItem, error) // deleted ones included
	writeCRM(ctx context.Context, p *pass, it crmItem, v values) error
	// folders names the delta collections of the kind, as sync_state keys them, once they are ready to be
	// followed (the calendar's moves its window first).
	folders(ctx context.Context, p *pass) ([]string, error)
	delta(ctx context.Context, p *pass, folder, link string) (itemPage, error)
	read(ctx context.Context, p *pass, id string) (outlookItem, error)
	// create makes the Outlook copy of CRM item c with values v, stamped with c's id.
	create(ctx context.Context, p *pass, v values, c crmItem) (outlookItem, error)
	update(ctx context.Context, p *pass, id string, v values, props []string) (outlookItem, error)
	remove(ctx context.Context, p *pass, id string) error
	link(l *crm.ItemLink, crmID string) // points a link at the CRM item
	// othersItems reports whether a linked item crmsync did not create may be someone else's, which only
	// they change (a meeting another user organizes): the push reads such an item before comparing.
	othersItems() bool
}

// kinds are the synchronized item kinds, in the order a pass synchronizes them.
var kinds = []kindSync{
	appointments{activityKind{typ: crm.ActivityAppointment, values: appointmentValues}},
	contacts{},
	tasks{activityKind{typ: crm.ActivityTask, values: taskValues}},
}

func pageOf[T any](pg outlook.ItemPage[T], convert func(T) outlookItem) itemPage {
	out := itemPage{removed: pg.Removed, nextLink: pg.NextLink, deltaLink: pg.DeltaLink}
	for _, it := range pg.Items {
		out.items = append(out.items, convert(it))
	}
	return out
}

// isPending reports whether a link stands for an Outlook item whose creation has not been confirmed.
func isPending(l crm.ItemLink) bool { return strings.HasPrefix(l.ItemID, store.PendingItemID("")) }

// isRemoved reports whether a link remembers that the user deleted the Outlook copy.
func isRemoved(l crm.ItemLink) bool { return strings.HasPrefix(l.ItemID, store.RemovedItemID("")) }

// hasItem reports whether a link names a real Outlook item.
func hasItem(l crm.ItemLink) bool { return !isPending(l) && !isRemoved(l) }
