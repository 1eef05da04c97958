package tracking

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
)

// task is one request being worked: the user, their mailbox, and the item.
type task struct {
	w      *Worker
	req    crm.TrackRequest
	user   crm.User
	mb     Mailbox
	kind   outlook.Kind
	itemID string // immutable; "" until the first read of the item learns it
}

// readID is the id to read the item by: its immutable id once known, else the id the add-in sent, which
// Graph reads as well and answers with the immutable id (Prefer: IdType="ImmutableId").
func (t *task) readID() string { return cmp.Or(t.itemID, t.req.ItemID) }

// actor is the user the request acts for.
func (t *task) actor() crm.Actor {
	return crm.Actor{TenantID: t.req.TenantID, UserID: t.user.ID, Roles: t.user.Roles}
}

// maxBodyBytes caps what is kept of an item's body; a long thread with quoted history is mostly noise.
const maxBodyBytes = 256 << 10

func truncate(s string) string {
	if len(s) <= maxBodyBytes {
		return s
	}
	cut := maxBodyBytes
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// errSeries refuses to track a recurring series as a whole: a CRM appointment is one meeting. One
// occurrence is tracked as its own appointment (stamping it makes it an exception of the series in
// Outlook, as any edit of one meeting does); see the mailsync package doc, "Recurring meetings".
var errSeries = crm.Invalid("this is a recurring series; a CRM appointment is one meeting, so open one of its meetings and track that")

// draft is an activity about to be created from an item, with what identifies the same item elsewhere.
type draft struct {
	activity   crm.Activity
	stamp      string // the CRM id already on the item
	messageID  string // internetMessageId (email) — the same email tracked by several users is one activity
	iCalUID    string // the same meeting in several calendars is one appointment
	threadIDs  []string
	changeKey  string
	categories []string
}

func (t *task) track(ctx context.Context) (outcome, error) {
	var d draft
	switch t.kind {
	case outlook.KindMessage:
		m, err := t.mb.Message(ctx, t.readID())
		if err != nil {
			return outcome{}, fmt.Errorf("read message: %w", err)
		}
		t.itemID = cmp.Or(m.ID, t.readID())
		if m.IsDraft {
			return outcome{}, errDraft
		}
		d = t.messageDraft(m)
	case outlook.KindAppointment:
		e, err := t.mb.Event(ctx, t.readID())
		if err != nil {
			return outcome{}, fmt.Errorf("read appointment: %w", err)
		}
		t.itemID = cmp.Or(e.ID, t.readID())
		if e.Type == outlook.EventSeriesMaster {
			return outcome{}, errSeries
		}
		d = t.eventDraft(e)
	case outlook.KindTask:
		tk, err := t.mb.Task(ctx, t.readID())
		if err != nil {
			return outcome{}, fmt.Errorf("read task: %w", err)
		}
		t.itemID = cmp.Or(tk.ID, t.readID())
		d = t.taskDraft(tk)
	case outlook.KindContact:
		c, err := t.mb.Contact(ctx, t.readID())
		if err != nil {
			return outcome{}, fmt.Errorf("read contact: %w", err)
		}
		t.itemID = cmp.Or(c.ID, t.readID())
		return t.trackContact(ctx, c)
	}
	return t.trackActivity(ctx, d)
}

func (t *task) messageDraft(m outlook.Message) draft {
	status, direction := "received", "incoming"
	if strings.EqualFold(m.From.Email, t.user.Email) || strings.EqualFold(m.From.Email, t.user.UPN) {
		status, direction = "sent", "outgoing"
	}
	a := crm.Activity{Type: crm.ActivityEmail, Subject: m.Subject, Body: truncate(m.Body), Status: status, Direction: direction,
		InternetMessageID: m.InternetMessageID, ConversationID: cmp.Or(m.ConversationID, t.req.ConversationID)}
	if !m.SentAt.IsZero() {
		sent := m.SentAt.UTC()
		a.Start = &sent
	}
	a.Parties = append(a.Parties, crm.Party{Role: crm.PartyFrom, Address: m.From.Email, Name: m.From.Name})
	for _, group := range []struct {
		role  string
		addrs []outlook.Address
	}{{crm.PartyTo, m.To}, {crm.PartyCc, m.Cc}, {crm.PartyBcc, m.Bcc}} {
		for _, addr := range group.addrs {
			a.Parties = append(a.Parties, crm.Party{Role: group.role, Address: addr.Email, Name: addr.Name})
		}
	}
	// The nearest ancestor first: In-Reply-To, then References from the newest.
	thread := []string{}
	if m.InReplyTo != "" {
		thread = append(thread, m.InReplyTo)
	}
	refs := slices.Clone(m.References)
	slices.Reverse(refs)
	thread = append(thread, refs...)
	return draft{activity: a, stamp: m.Stamp, messageID: cmp.Or(m.InternetMessageID, t.req.InternetMessageID), threadIDs: thread, changeKey: m.ChangeKey, categories: m.Categories}
}

func (t *task) eventDraft(e outlook.Event) draft {
	start, end := e.Start.UTC(), e.End.UTC()
	status := "scheduled"
	if e.IsCancelled {
		status = "canceled"
	}
	a := crm.Activity{Type: crm.ActivityAppointment, Subject: e.Subject, Body: truncate(e.Body), Start: &start, End: &end, Status: status}
	a.Parties = append(a.Parties, crm.Party{Role: crm.PartyOrganizer, Address: e.Organizer.Email, Name: e.Organizer.Name})
	for _, at := range e.Attendees {
		role := crm.PartyRequired
		if at.Type == "optional" {
			role = crm.PartyOptional
		}
		if at.Type == "resource" {
			continue // rooms and equipment are not CRM parties
		}
		a.Parties = append(a.Parties, crm.Party{Role: role, Address: at.Email, Name: at.Name})
	}
	return draft{activity: a, stamp: e.Stamp, iCalUID: e.ICalUID, changeKey: e.ChangeKey, categories: e.Categories}
}

func (t *task) taskDraft(tk outlook.Task) draft {
	status := "open"
	if tk.Status == "completed" {
		status = "completed"
	}
	a := crm.Activity{Type: crm.ActivityTask, Subject: tk.Title, Body: truncate(tk.Body), Due: tk.Due, Status: status}
	a.Parties = []crm.Party{{Role: crm.PartyOwner, Address: t.user.Email, Name: t.user.DisplayName}}
	return draft{activity: a, stamp: tk.Stamp, changeKey: tk.ChangeKey, categories: tk.Categories}
}

// existingActivity finds the activity this item already corresponds to: through this user's link, the
// stamp on the item, or the same email or meeting tracked by someone else.
func (t *task) existingActivity(ctx context.Context, tx *store.Tx, d draft) (string, error) {
	tenant := t.req.TenantID
	if link, err := tx.ItemLink(ctx, tenant, t.req.UserID, t.itemID); err == nil && link.ActivityID != "" {
		if _, err := tx.ActivityType(ctx, tenant, link.ActivityID); err == nil {
			return link.ActivityID, nil
		}
	} else if err != nil && !crm.IsNotFound(err) {
		return "", err
	}
	if d.stamp != "" {
		if typ, err := tx.ActivityType(ctx, tenant, d.stamp); err == nil && typ == d.activity.Type {
			return d.stamp, nil
		}
	}
	var id string
	var err error
	switch {
	case d.messageID != "":
		id, err = tx.ActivityIDByMessageID(ctx, tenant, d.messageID)
	case d.iCalUID != "":
		id, err = tx.ActivityIDByICalUID(ctx, tenant, d.iCalUID)
	default:
		return "", nil
	}
	if crm.IsNotFound(err) {
		return "", nil
	}
	return id, err
}

// trackActivity creates or finds the activity, links the item to it, and stamps the item.
func (t *task) trackActivity(ctx context.Context, d draft) (outcome, error) {
	s, tenant := t.w.store, t.req.TenantID
	access, err := t.w.records.Access(ctx, t.actor())
	if err != nil {
		return outcome{}, err
	}
	regarding := t.req.Regarding
	if regarding == nil && d.activity.Type == crm.ActivityEmail {
		if ref, err := s.RegardingOfThread(ctx, tenant, d.threadIDs, d.activity.ConversationID); err == nil {
			regarding = &ref
		} else if !crm.IsNotFound(err) {
			return outcome{}, err
		}
	}
	if err := t.resolveParties(ctx, &d.activity); err != nil {
		return outcome{}, err
	}
	d.activity.OwnerID, d.activity.ICalUID = t.user.ID, d.iCalUID
	if d.messageID != "" {
		d.activity.InternetMessageID = d.messageID
	}
	if regarding != nil {
		d.activity.Regarding = &crm.Regarding{Type: regarding.Type, ID: regarding.ID}
	}

	var activityID string
	for attempt := 0; ; attempt++ {
		err = s.InTx(ctx, func(tx *store.Tx) error {
			id, err := t.existingActivity(ctx, tx, d)
			if err != nil {
				return err
			}
			if id == "" {
				created, err := t.w.records.CreateActivityIn(ctx, tx, access, d.activity)
				if err != nil {
					return err
				}
				id = created.ID
			} else if t.req.Regarding != nil {
				// The user picked what it is regarding: that wins over what the activity had.
				if err := tx.SetActivityRegarding(ctx, tenant, id, t.req.Regarding); err != nil {
					return err
				}
			}
			activityID = id
			return tx.SaveItemLink(ctx, crm.ItemLink{TenantID: tenant, UserID: t.user.ID, ItemID: t.itemID, RESTItemID: t.req.ItemID,
				Kind: string(t.kind), ActivityID: id, Reason: t.req.LinkReason(), Stamped: d.stamp == id, ChangeKey: d.changeKey})
		})
		// Two users tracking the same email at once both try to create it; the loser links to the winner's.
		if crm.ErrorCode(err) == crm.CodeConflict && attempt == 0 {
			continue
		}
		break
	}
	if err != nil {
		return outcome{}, err
	}
	stamped, err := t.stamp(ctx, d.stamp, activityID, d.categories)
	if err != nil {
		return outcome{}, err
	}
	return outcome{activityID: activityID, stampedItem: stamped}, nil
}

// stamp marks the Outlook item with the CRM id it now corresponds to, unless its stamp (current) already
// says so; it returns the item it stamped, or "" when none needed it.
func (t *task) stamp(ctx context.Context, current, id string, categories []string) (string, error) {
	if current == id {
		return "", nil
	}
	if err := t.mb.StampKnown(ctx, t.kind, t.itemID, id, categories); err != nil {
		return "", fmt.Errorf("stamp %s %s: %w", t.kind, t.itemID, err)
	}
	return t.itemID, nil
}

// resolveParties ties each party's address to the CRM record it belongs to.
func (t *task) resolveParties(ctx context.Context, a *crm.Activity) error {
	return t.w.store.ResolveParties(ctx, t.req.TenantID, a.Parties)
}

// link finds the user's link of the item, by its immutable id when known, else by the id the add-in sent.
func (t *task) link(ctx context.Context) (crm.ItemLink, bool, error) {
	for _, id := range []string{t.itemID, t.req.ItemID} {
		if id == "" {
			continue
		}
		link, err := t.w.store.ItemLink(ctx, t.req.TenantID, t.user.ID, id)
		if err == nil {
			return link, true, nil
		}
		if !crm.IsNotFound(err) {
			return crm.ItemLink{}, false, err
		}
	}
	return crm.ItemLink{}, false, nil
}

// untrack removes the stamp and the link. The activity stays, unless the tenant says untracking deletes,
// the user may delete it, and no other item links to it.
func (t *task) untrack(ctx context.Context) (outcome, error) {
	s, tenant := t.w.store, t.req.TenantID
	link, linked, err := t.link(ctx)
	if err != nil {
		return outcome{}, err
	}
	if linked && t.itemID == "" {
		t.itemID = link.ItemID
	}
	if t.itemID == "" {
		id, err := t.mb.ImmutableID(ctx, t.kind, t.req.ItemID)
		if errors.Is(err, outlook.ErrNotFound) || errors.Is(err, outlook.ErrInvalid) {
			return outcome{}, nil // neither linked nor in the mailbox: nothing to untrack
		}
		if err != nil {
			return outcome{}, fmt.Errorf("resolve item id: %w", err)
		}
		// The item may have moved since it was tracked: a new REST id, the same immutable id.
		t.itemID = id
		if link, linked, err = t.link(ctx); err != nil {
			return outcome{}, err
		}
	}
	if err := t.mb.Unstamp(ctx, t.kind, t.itemID); err != nil && !errors.Is(err, outlook.ErrNotFound) {
		return outcome{}, fmt.Errorf("unstamp item: %w", err)
	}
	if !linked {
		return outcome{}, nil
	}
	tenantRow, err := s.Tenant(ctx, tenant)
	if err != nil {
		return outcome{}, err
	}
	access, err := t.w.records.Access(ctx, t.actor())
	if err != nil {
		return outcome{}, err
	}
	var deletable *crm.Activity
	if tenantRow.Settings.UntrackDeletes && link.ActivityID != "" {
		if a, err := s.Activity(ctx, tenant, link.ActivityID); err == nil && access.Can(crm.OpDelete, a.Type, a.OwnerID) {
			deletable = &a
		}
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteItemLink(ctx, tenant, t.user.ID, link.ItemID); err != nil {
			return err
		}
		if deletable == nil {
			return nil
		}
		a := deletable
		others, err := tx.CountActivityLinks(ctx, tenant, a.ID)
		if err != nil || others > 0 {
			return err
		}
		if err := tx.DeleteActivity(ctx, tenant, a.ID, nil); err != nil && !crm.IsNotFound(err) {
			return err // deleted meanwhile is as good as deleted
		}
		return nil
	})
	return outcome{activityID: link.ActivityID, recordID: link.RecordID}, err
}
