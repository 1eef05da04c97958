package mailsync

import (
	"context"
	"fmt"
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
	Deleted     bool
	Filter      map[string]any // as sync filters see it
	Values      values
}

// outlookItem is its copy on the Outlook side.
type outlookItem struct {
	ID, ChangeKey string
	Modified      time.Time
	Values        values
	Categories    []string
	Stamp         string // read only by reads, not by deltas
	// ReadOnly: crmsync may not change it, such as a meeting someone else organizes, whose details only
	// the organizer changes; its changes still flow to the CRM.
	ReadOnly bool
}

type itemPage struct {
	items               []outlookItem
	removed             []string
	nextLink, deltaLink string
}

// kindSync is what differs between appointments, contacts and tasks: where each side keeps them and how
// their values are read and written.
type kindSync interface {
	kind() outlook.Kind
	itemKind() string   // the field mappings' item kind
	recordType() string // the sync filters' record type and the access rules' type
	// changed lists the CRM items changed after since (every live one when since is zero), of one owner
	// when owner is set.
	changed(ctx context.Context, p *pass, owner string, since time.Time) ([]crmItem, error)
	load(ctx context.Context, p *pass, id string) (crmItem, error) // deleted ones included
	writeCRM(ctx context.Context, p *pass, it crmItem, v values) error
	// folders names the delta collections of the kind, as sync_state keys them.
	folders(ctx context.Context, p *pass) ([]string, error)
	delta(ctx context.Context, p *pass, folder, link string) (itemPage, error)
	read(ctx context.Context, p *pass, id string) (outlookItem, error)
	create(ctx context.Context, p *pass, v values, crmID string) (outlookItem, error)
	update(ctx context.Context, p *pass, id string, v values, props []string) (outlookItem, error)
	remove(ctx context.Context, p *pass, id string) error
	link(l *crm.ItemLink, crmID string) // points a link at the CRM item
}

func eventItem(e outlook.Event) outlookItem {
	return outlookItem{ID: e.ID, ChangeKey: e.ChangeKey, Modified: e.LastModified, Values: eventValues(e), Categories: e.Categories, Stamp: e.Stamp,
		ReadOnly: e.ID != "" && !e.IsOrganizer}
}

func contactItem(c outlook.Contact) outlookItem {
	return outlookItem{ID: c.ID, ChangeKey: c.ChangeKey, Modified: c.LastModified, Values: outlookContactValues(c), Categories: c.Categories, Stamp: c.Stamp}
}

func taskItem(t outlook.Task) outlookItem {
	return outlookItem{ID: t.ID, ChangeKey: t.ChangeKey, Modified: t.LastModified, Values: toDoValues(t), Categories: t.Categories, Stamp: t.Stamp}
}

func pageOf[T any](pg outlook.ItemPage[T], convert func(T) outlookItem) itemPage {
	out := itemPage{removed: pg.Removed, nextLink: pg.NextLink, deltaLink: pg.DeltaLink}
	for _, it := range pg.Items {
		out.items = append(out.items, convert(it))
	}
	return out
}

// activityKind holds what appointments and tasks share: they are CRM activities.
type activityKind struct{ typ string }

func (k activityKind) recordType() string { return k.typ }

func (k activityKind) item(a crm.Activity, deleted bool) crmItem {
	v := appointmentValues(a)
	if k.typ == crm.ActivityTask {
		v = taskValues(a)
	}
	return crmItem{ID: a.ID, OwnerID: a.OwnerID, Version: a.Version, UpdatedAt: a.UpdatedAt, Deleted: deleted,
		Filter: crm.ActivityFields(a), Values: v}
}

func (k activityKind) changed(ctx context.Context, p *pass, owner string, since time.Time) ([]crmItem, error) {
	list, err := p.store.ChangedActivities(ctx, p.m.TenantID, k.typ, owner, since)
	if err != nil {
		return nil, err
	}
	out := make([]crmItem, len(list))
	for i, a := range list {
		out[i] = k.item(a.Activity, a.Deleted)
	}
	return out, nil
}

func (k activityKind) load(ctx context.Context, p *pass, id string) (crmItem, error) {
	a, err := p.store.ActivityAny(ctx, p.m.TenantID, id)
	if err != nil {
		return crmItem{}, err
	}
	if a.Type != k.typ {
		return crmItem{}, crm.NotFound("%s %s does not exist", k.typ, id)
	}
	return k.item(a.Activity, a.Deleted), nil
}

func (k activityKind) link(l *crm.ItemLink, crmID string) { l.ActivityID = crmID }

func (k activityKind) writeCRM(ctx context.Context, p *pass, it crmItem, v values) error {
	var patch store.ActivityPatch
	str := func(s string) *string { return &s }
	for f, val := range v {
		switch f {
		case "subject":
			patch.Subject = str(val)
		case "body":
			patch.Body = str(val)
		case "location":
			patch.Location = str(val)
		case "status":
			patch.Status = str(val)
		case "start":
			t := parseTimeValue(val)
			patch.Start = &t
		case "end":
			t := parseTimeValue(val)
			patch.End = &t
		case "due":
			t := parseDateValue(val)
			patch.Due = &t
		case "requiredAttendees", "optionalAttendees":
			// Both roles are written together, from the values agreed once this write is done.
		default:
			return fmt.Errorf("%s has no synchronized field %s", k.typ, f)
		}
	}
	_, req := v["requiredAttendees"]
	_, opt := v["optionalAttendees"]
	if req || opt {
		parties, err := p.attendees(ctx, it.Values, v)
		if err != nil {
			return err
		}
		patch.Attendees = &parties
	}
	_, err := p.store.PatchActivity(ctx, p.m.TenantID, it.ID, it.Version, patch)
	return err
}

// appointments are CRM appointments and Outlook calendar events.
type appointments struct{ activityKind }

func (appointments) kind() outlook.Kind { return outlook.KindAppointment }
func (appointments) itemKind() string   { return crm.ItemAppointment }

func (appointments) folders(context.Context, *pass) ([]string, error) {
	return []string{FolderCalendar}, nil
}

func (appointments) delta(ctx context.Context, p *pass, _, link string) (itemPage, error) {
	start, end := p.calendarWindow()
	pg, err := p.items.EventsDelta(ctx, link, start, end)
	return pageOf(pg, eventItem), err
}

func (appointments) read(ctx context.Context, p *pass, id string) (outlookItem, error) {
	e, err := p.items.Event(ctx, id)
	return eventItem(e), err
}

func (appointments) create(ctx context.Context, p *pass, v values, crmID string) (outlookItem, error) {
	e := eventOf(v)
	e.Stamp = crmID
	got, err := p.items.CreateEvent(ctx, e)
	return eventItem(got), err
}

func (appointments) update(ctx context.Context, p *pass, id string, v values, props []string) (outlookItem, error) {
	got, err := p.items.UpdateEvent(ctx, id, eventOf(v), props)
	return eventItem(got), err
}

func (appointments) remove(ctx context.Context, p *pass, id string) error {
	return p.items.DeleteEvent(ctx, id)
}

// tasks are CRM tasks and Microsoft To Do tasks in the user's default list.
type tasks struct{ activityKind }

func (tasks) kind() outlook.Kind { return outlook.KindTask }
func (tasks) itemKind() string   { return crm.ItemTask }

// folders are every To Do list: a task tracked from any list is kept in step; filters push to the
// default one.
func (tasks) folders(ctx context.Context, p *pass) ([]string, error) {
	lists, err := p.items.TaskLists(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(lists))
	for i, id := range lists {
		out[i] = FolderTasks + ":" + id
	}
	return out, nil
}

func (tasks) delta(ctx context.Context, p *pass, folder, link string) (itemPage, error) {
	pg, err := p.items.TasksDelta(ctx, strings.TrimPrefix(folder, FolderTasks+":"), link)
	return pageOf(pg, taskItem), err
}

func (tasks) read(ctx context.Context, p *pass, id string) (outlookItem, error) {
	t, err := p.items.Task(ctx, id)
	return taskItem(t), err
}

func (tasks) create(ctx context.Context, p *pass, v values, crmID string) (outlookItem, error) {
	list, err := p.taskList(ctx)
	if err != nil {
		return outlookItem{}, err
	}
	t := toDoOf(v)
	t.Stamp = crmID
	got, err := p.items.CreateTask(ctx, list, t)
	return taskItem(got), err
}

func (tasks) update(ctx context.Context, p *pass, id string, v values, props []string) (outlookItem, error) {
	got, err := p.items.UpdateTask(ctx, id, toDoOf(v), props)
	return taskItem(got), err
}

func (tasks) remove(ctx context.Context, p *pass, id string) error {
	return p.items.DeleteTask(ctx, id)
}

// contacts are CRM contact records and Outlook contacts.
type contacts struct{}

func (contacts) kind() outlook.Kind { return outlook.KindContact }
func (contacts) itemKind() string   { return crm.ItemContact }
func (contacts) recordType() string { return crm.TypeContact }

func (contacts) link(l *crm.ItemLink, crmID string) { l.RecordID = crmID }

func (contacts) item(ctx context.Context, p *pass, r crm.Record, deleted bool) (crmItem, error) {
	company, err := p.accountName(ctx, stringField(r.Fields, "accountId"))
	if err != nil {
		return crmItem{}, err
	}
	return crmItem{ID: r.ID, OwnerID: r.OwnerID, Version: r.Version, UpdatedAt: r.UpdatedAt, Deleted: deleted,
		Filter: p.rules.FilterFields(r), Values: contactValues(r, company)}, nil
}

func (k contacts) changed(ctx context.Context, p *pass, owner string, since time.Time) ([]crmItem, error) {
	q := store.ChangeQuery{TenantID: p.m.TenantID, ChangedAfter: since, IncludeDeleted: !since.IsZero(), Limit: changedPage,
		Scopes: []store.TypeScope{{Type: crm.TypeContact, OwnOnly: owner != "", UserID: owner}}}
	var out []crmItem
	for {
		list, err := p.store.ChangedRecords(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, r := range list {
			it, err := k.item(ctx, p, r.Record, r.Deleted)
			if err != nil {
				return nil, err
			}
			out = append(out, it)
		}
		if len(list) < q.Limit {
			return out, nil
		}
		last := list[len(list)-1].Key()
		q.After = &last
	}
}

// changedPage is how many changed records one query reads.
const changedPage = 1000

func (k contacts) load(ctx context.Context, p *pass, id string) (crmItem, error) {
	r, err := p.store.RecordAny(ctx, p.m.TenantID, id)
	if err != nil {
		return crmItem{}, err
	}
	if r.Type != crm.TypeContact {
		return crmItem{}, crm.NotFound("contact %s does not exist", id)
	}
	return k.item(ctx, p, r.Record, r.Deleted)
}

func (contacts) writeCRM(ctx context.Context, p *pass, it crmItem, v values) error {
	current, err := p.store.Record(ctx, p.m.TenantID, crm.TypeContact, it.ID)
	if err != nil {
		return err
	}
	fields := map[string]any{}
	for f, val := range v {
		if f == "accountId" {
			continue // the company name cannot pick an account: that mapping never flows to the CRM
		}
		if val == "" {
			fields[f] = nil
		} else {
			fields[f] = val
		}
	}
	if len(fields) == 0 {
		return nil
	}
	version := it.Version
	_, err = p.store.UpdateRecord(ctx, p.m.TenantID, current, store.RecordChange{Merge: true,
		Input: crm.RecordInput{Fields: fields, Version: &version}})
	return err
}

func (contacts) folders(context.Context, *pass) ([]string, error) {
	return []string{FolderContacts}, nil
}

func (contacts) delta(ctx context.Context, p *pass, _, link string) (itemPage, error) {
	pg, err := p.items.ContactsDelta(ctx, link)
	return pageOf(pg, contactItem), err
}

func (contacts) read(ctx context.Context, p *pass, id string) (outlookItem, error) {
	c, err := p.items.Contact(ctx, id)
	return contactItem(c), err
}

func (contacts) create(ctx context.Context, p *pass, v values, crmID string) (outlookItem, error) {
	c := contactOf(v)
	c.Stamp = crmID
	got, err := p.items.CreateContact(ctx, c)
	return contactItem(got), err
}

func (contacts) update(ctx context.Context, p *pass, id string, v values, props []string) (outlookItem, error) {
	got, err := p.items.UpdateContact(ctx, id, contactOf(v), props)
	return contactItem(got), err
}

func (contacts) remove(ctx context.Context, p *pass, id string) error {
	return p.items.DeleteContact(ctx, id)
}

// isPending reports whether a link stands for an Outlook item whose creation has not been confirmed.
func isPending(l crm.ItemLink) bool { return strings.HasPrefix(l.ItemID, store.PendingItemID("")) }

// isRemoved reports whether a link remembers that the user deleted the Outlook copy.
func isRemoved(l crm.ItemLink) bool { return strings.HasPrefix(l.ItemID, store.RemovedItemID("")) }

// hasItem reports whether a link names a real Outlook item.
func hasItem(l crm.ItemLink) bool { return !isPending(l) && !isRemoved(l) }
