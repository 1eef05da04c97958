package mailsync_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// The invite storm that must not happen: a first synchronization pushes 3,000 existing appointments
// with customers attending to five users whose filters overlap, and Exchange sends no meeting message
// at all. A meeting created in the CRM afterwards sends exactly one request per attendee (its owner's
// copy invites, the other user's lists the attendees in its body), a time change one update each, a
// delete one cancellation each; deleting a meeting that is over cancels nothing.
func TestNoMeetingRequestsNobodyAskedFor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		users := []crm.User{e.alice, e.bob}
		for _, upn := range []string{"carol@contoso.test", "dave@contoso.test", "erin@contoso.test"} {
			u := storetest.NewUser(t, s, e.tenant.ID, upn)
			e.fake.AddMailbox(u.ObjectID, u.UPN)
			users = append(users, u)
		}
		now := time.Now().UTC().Truncate(time.Hour)
		for i := range 3000 {
			start := now.Add(time.Duration(i%200-100) * 24 * time.Hour) // from 100 days ago to 100 days ahead
			attendees := []string{fmt.Sprintf("customer%d@fabrikam.test", i), "buyer@northwindtraders.test"}
			if i%7 == 0 {
				attendees = append(attendees, users[(i+1)%5].UPN) // a colleague, whose mailbox would get it too
			}
			e.appointment(users[i%5], fmt.Sprintf("Meeting %d group-%d", i, i%5), start, attendees...)
		}
		// Everyone reads every appointment, so that the filters decide.
		if _, err := s.ReplaceAccessLevels(e.ctx, e.tenant.ID, []crm.AccessLevel{{Role: crm.RoleUser, RecordType: crm.ActivityAppointment,
			Operation: string(crm.OpRead), Level: "all"}}); err != nil {
			t.Fatal(err)
		}
		// Their synchronization begins now, after the 3,000 were scheduled; each user's filter picks two
		// of the five groups, so every appointment reaches two mailboxes, its owner's among them.
		for i, u := range users {
			e.beginAt(u, time.Now())
			e.filter(u, crm.ActivityAppointment, fmt.Sprintf(`{"or":[{"field":"subject","op":"contains","value":"group-%d"},{"field":"subject","op":"contains","value":"group-%d"}]}`, i, (i+4)%5))
		}
		for _, u := range users {
			e.mustPass(u)
		}
		created := 0
		for _, u := range users {
			created += len(e.fake.Events(u.ObjectID))
		}
		if created != 6000 {
			t.Fatalf("%d Outlook events, want 6,000 (3,000 appointments in two mailboxes each)", created)
		}
		if sent := e.fake.SentMeetingMessages(); len(sent) != 0 {
			t.Fatalf("the first synchronization sent %d meeting messages, the first to %s; want none", len(sent), sent[0].To)
		}
		// Every copy lists its attendees in its body instead.
		l := e.mustLink(e.alice, outlook.KindAppointment, e.someAppointment("Meeting 5 group-0"))
		ev, _ := e.fake.Event(e.alice.ObjectID, l.ItemID)
		if !l.AttendeesInBody || len(ev.Attendees) != 0 || !strings.Contains(ev.Body, "customer5@fabrikam.test") {
			t.Fatalf("copy = %+v (link in body %v), want no attendees and the attendees in the body", ev, l.AttendeesInBody)
		}

		// A new meeting, scheduled in the CRM now, for next week: alice owns it; bob's filter picks it too.
		attendees := []string{"dana@fabrikam.test", "marco@northwindtraders.test", e.bob.UPN}
		meeting := e.appointment(e.alice, "Renewal group-0", now.Add(7*24*time.Hour), attendees...)
		past := e.appointment(e.alice, "Debrief group-0", now.Add(-48*time.Hour), "dana@fabrikam.test")
		for _, u := range users {
			e.mustPass(u)
		}
		e.wantMeetingMessages(graphfake.MeetingRequest, attendees, "the new meeting")
		if l, ok := e.link(e.bob, outlook.KindAppointment, meeting.ID); !ok || !l.AttendeesInBody {
			t.Fatalf("bob's filter picks the meeting: his copy = %+v, %v; want one that lists the attendees", l, ok)
		}

		// A time change: one update each, however many mailboxes hold a copy.
		moved := now.Add(8 * 24 * time.Hour)
		e.reschedule(meeting.ID, moved)
		for _, u := range users {
			e.mustPass(u)
		}
		e.wantMeetingMessages(graphfake.MeetingUpdate, attendees, "the time change")

		// A delete: one cancellation each; the meeting that is over is let go without one.
		for _, id := range []string{meeting.ID, past.ID} {
			if err := s.DeleteActivity(e.ctx, e.tenant.ID, id, nil); err != nil {
				t.Fatal(err)
			}
		}
		for _, u := range users {
			e.mustPass(u)
		}
		e.wantMeetingMessages(graphfake.MeetingCancellation, attendees, "the delete")
		if n := len(e.fake.SentMeetingMessages()); n != 3*len(attendees) {
			t.Fatalf("%d meeting messages in all, want %d", n, 3*len(attendees))
		}
	})
}

// wantMeetingMessages checks that each attendee got exactly one message of kind.
func (e *itemsEnv) wantMeetingMessages(kind graphfake.MeetingMessageKind, attendees []string, after string) {
	e.t.Helper()
	for _, a := range attendees {
		if n := e.fake.MeetingMessageCount(kind, a); n != 1 {
			e.t.Fatalf("after %s, %s got %d meeting %ss, want 1", after, a, n, kind)
		}
	}
	if n := e.fake.MeetingMessageCount(kind, ""); n != len(attendees) {
		e.t.Fatalf("after %s, %d meeting %ss in all, want %d", after, n, kind, len(attendees))
	}
}

// beginAt sets when u's mailbox began synchronizing.
func (e *itemsEnv) beginAt(u crm.User, at time.Time) {
	e.t.Helper()
	query := `UPDATE mailboxes SET began_at = ? WHERE tenant_id = ? AND user_id = ?`
	if e.store.Dialect() == store.Postgres {
		query = `UPDATE mailboxes SET began_at = $1 WHERE tenant_id = $2 AND user_id = $3`
	}
	if _, err := e.store.DB().ExecContext(e.ctx, query, at.UTC(), u.TenantID, u.ID); err != nil {
		e.t.Fatal(err)
	}
}

// someAppointment finds an appointment by its subject.
func (e *itemsEnv) someAppointment(subject string) string {
	e.t.Helper()
	list, err := e.store.ChangedActivities(e.ctx, e.tenant.ID, crm.ActivityAppointment, store.Owners{}, time.Time{})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range list {
		if a.Subject == subject {
			return a.ID
		}
	}
	e.t.Fatalf("no appointment %q", subject)
	return ""
}

// reschedule moves an appointment in the CRM, as the API does.
func (e *itemsEnv) reschedule(id string, start time.Time) {
	e.t.Helper()
	a := e.activity(id)
	end := start.Add(time.Hour)
	a.Start, a.End = &start, &end
	if _, err := e.store.UpdateActivity(e.ctx, e.tenant.ID, id, a.Version, a); err != nil {
		e.t.Fatal(err)
	}
}
