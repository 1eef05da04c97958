package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
)

// changeResult is what the changed cycle was checked to have moved.
type changeResult struct {
	mailboxes int
	emails    int           // emails from a CRM contact tracked automatically
	contacts  int           // CRM contact changes found in the Outlook copies
	events    int           // Outlook event changes found in the CRM appointments
	tracked   time.Duration // from the cycle's start until the last of those emails was tracked
}

// change is one changed mailbox and what the cycle must bring across.
type change struct {
	user          crm.User
	contactItemID string // the Outlook copy of the CRM contact changed
	phone         string
	appointmentID string // the CRM appointment whose Outlook copy changed
	location      string
}

type changes struct {
	tenantID string
	list     []change
}

// change makes k mailboxes, spread over the fleet, change on both sides: the user's automatic tracking
// becomes "email from leads, contacts and accounts" and an email arrives from one of their CRM
// contacts; another of their CRM contacts gets a new phone number; the Outlook copy of one of their
// CRM appointments gets a new location.
func (f *fleet) change(ctx context.Context, svc *syncService, k int) (changes, error) {
	out := changes{tenantID: f.tenant.ID}
	for c := range k {
		fu := f.users[c*len(f.users)/k]
		u := fu.user
		if _, err := svc.store.UpdateUserOptions(ctx, u.TenantID, u.ID, crm.UserOptions{AutoTrack: crm.AutoTrackLeadsContactsAccounts}); err != nil {
			return out, err
		}
		sender := fu.contacts[0]
		svc.fake.AddMessage(u.ObjectID, "inbox", outlook.Message{
			InternetMessageID: fmt.Sprintf("<changed-%d@fabrikam.test>", c), Subject: "A question about the offer",
			Body: "Could you call me?", From: outlook.Address{Name: sender.Name, Email: fmt.Sprint(sender.Fields["email"])},
			To: []outlook.Address{{Email: u.UPN}}})

		ch := change{user: u, phone: fmt.Sprintf("+1 555 77%05d", c), appointmentID: fu.appointments[0], location: fmt.Sprintf("Room %d (moved)", c)}
		contact := fu.contacts[len(fu.contacts)-1]
		cur, err := svc.store.Record(ctx, u.TenantID, crm.TypeContact, contact.ID)
		if err != nil {
			return out, err
		}
		v := cur.Version
		if _, err := svc.store.UpdateRecord(ctx, u.TenantID, cur, store.RecordChange{Merge: true,
			Input: crm.RecordInput{Fields: map[string]any{"phone": ch.phone}, Version: &v}}); err != nil {
			return out, err
		}
		contactLinks, err := svc.store.ItemLinksOfKind(ctx, u.TenantID, u.ID, string(outlook.KindContact))
		if err != nil {
			return out, err
		}
		ch.contactItemID = contactLinks[contact.ID].ItemID
		eventLinks, err := svc.store.ItemLinksOfKind(ctx, u.TenantID, u.ID, string(outlook.KindAppointment))
		if err != nil {
			return out, err
		}
		event, ok := eventLinks[ch.appointmentID]
		if !ok || ch.contactItemID == "" {
			return out, fmt.Errorf("user %s: the pushed contact or appointment has no link", u.UPN)
		}
		svc.fake.UpdateEvent(u.ObjectID, event.ItemID, func(e *outlook.Event) { e.Location = ch.location })
		out.list = append(out.list, ch)
	}
	return out, nil
}

// trackTimeout bounds the wait for the automatically tracked emails once the cycle has ended.
const trackTimeout = 5 * time.Minute

// verify waits until the emails the cycle queued for tracking are worked, then checks that every change
// arrived on the other side; it fails loudly when one did not.
func (cs changes) verify(ctx context.Context, svc *syncService, started time.Time) (changeResult, error) {
	res := changeResult{mailboxes: len(cs.list)}
	deadline := time.Now().Add(trackTimeout)
	for {
		var open, failed int
		err := svc.store.DB().QueryRowContext(ctx, svc.rebind(`SELECT
			COALESCE(SUM(CASE WHEN state IN ('queued', 'processing') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0)
			FROM track_requests WHERE tenant_id = ?`), cs.tenantID).Scan(&open, &failed)
		if err != nil {
			return res, fmt.Errorf("count track requests: %w", err)
		}
		if failed > 0 {
			return res, fmt.Errorf("%d automatic tracking requests failed", failed)
		}
		if open == 0 {
			res.tracked = time.Since(started)
			break
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("%d automatic tracking requests still open %s after the cycle", open, trackTimeout)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return res, err
		}
	}
	var err error
	if res.emails, err = svc.store.CountActivities(ctx, cs.tenantID, crm.ActivityEmail); err != nil {
		return res, err
	}
	var problems []string
	for _, ch := range cs.list {
		if c, ok := svc.fake.Contact(ch.user.ObjectID, ch.contactItemID); ok && slices.Contains(c.BusinessPhones, ch.phone) {
			res.contacts++
		} else if len(problems) < 3 {
			problems = append(problems, fmt.Sprintf("%s's Outlook contact %+v lacks the phone %s", ch.user.UPN, c, ch.phone))
		}
		a, err := svc.store.Activity(ctx, cs.tenantID, ch.appointmentID)
		if err != nil {
			return res, err
		}
		if a.Location == ch.location {
			res.events++
		} else if len(problems) < 6 {
			problems = append(problems, fmt.Sprintf("%s's CRM appointment is at %q, want %q", ch.user.UPN, a.Location, ch.location))
		}
	}
	if n := len(cs.list); res.emails != n || res.contacts != n || res.events != n {
		return res, fmt.Errorf("the changed cycle did not bring everything across: %d of %d emails tracked, %d of %d contact changes in "+
			"Outlook, %d of %d event changes in the CRM; %v", res.emails, n, res.contacts, n, res.events, n, problems)
	}
	return res, nil
}
