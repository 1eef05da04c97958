package notifications_test

import (
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// CRM writes reach Outlook in seconds, with no scheduled pass: each enqueues, in its own transaction,
// the push of the mailboxes it concerns. A write that fails enqueues nothing.
func TestCRMWritesReachOutlookWithoutAScheduledPass(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		w.firstPass()
		ctx := w.ctx
		alice := crm.Actor{TenantID: w.tenant.ID, UserID: w.alice.ID, Roles: w.alice.Roles}
		start := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Hour).Format(time.RFC3339)
		end := time.Now().UTC().Add(73 * time.Hour).Truncate(time.Hour).Format(time.RFC3339)
		created, err := w.svc.Records.CreateActivity(ctx, alice, crm.ActivityInput{Type: crm.ActivityAppointment, Subject: "Quarterly review",
			Start: &start, End: &end, Location: "Room 1", Status: "scheduled"})
		if err != nil {
			t.Fatal(err)
		}
		event := func(subject string) (outlook.Event, bool) {
			for _, e := range w.fake.Events(w.alice.ObjectID) {
				if e.Subject == subject {
					return e, true
				}
			}
			return outlook.Event{}, false
		}
		w.waitFor("the appointment in alice's calendar", func() bool { _, ok := event("Quarterly review"); return ok })

		v := created.Version
		if _, err := w.svc.Records.ReplaceActivity(ctx, alice, created.ID, crm.ActivityInput{Subject: "Quarterly review (moved)",
			Start: &start, End: &end, Location: "Room 2", Status: "scheduled", Version: &v}); err != nil {
			t.Fatal(err)
		}
		w.waitFor("the change in alice's calendar", func() bool { e, ok := event("Quarterly review (moved)"); return ok && e.Location == "Room 2" })

		// A stale write fails and enqueues nothing.
		jobs := w.jobs("sync_mailbox", "")
		if _, err := w.svc.Records.ReplaceActivity(ctx, alice, created.ID, crm.ActivityInput{Subject: "stale",
			Start: &start, End: &end, Version: &v}); crm.ErrorCode(err) != crm.CodeConflict {
			t.Fatalf("stale write: %v, want a conflict", err)
		}
		if n := w.jobs("sync_mailbox", ""); n != jobs {
			t.Fatalf("a failed write enqueued %d passes", n-jobs)
		}

		if err := w.svc.Records.DeleteActivity(ctx, alice, created.ID, nil); err != nil {
			t.Fatal(err)
		}
		w.waitFor("the appointment to leave alice's calendar", func() bool { _, ok := event("Quarterly review (moved)"); return !ok })

		// A contact of bob's, outside alice's filters, reaches her when she adds a filter that picks it.
		bob := storetest.NewUser(t, w.store, w.tenant.ID, "bob@contoso.test")
		if _, err := w.store.CreateRecord(ctx, w.tenant.ID, crm.TypeContact, bob.ID, crm.RecordInput{Fields: map[string]any{
			"firstName": "Dana", "lastName": "Reyes", "email": "dana@fabrikam.test"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.ReplaceAccessLevels(ctx, w.tenant.ID, []crm.AccessLevel{{Role: crm.RoleUser, RecordType: crm.TypeContact,
			Operation: string(crm.OpRead), Level: "all"}}); err != nil {
			t.Fatal(err)
		}
		name := "Fabrikam"
		if _, err := w.svc.Records.CreateFilter(ctx, alice, crm.FilterInput{Name: &name, RecordType: crm.TypeContact,
			Conditions: []byte(`{"and":[{"field":"email","op":"contains","value":"@fabrikam.test"}]}`)}); err != nil {
			t.Fatal(err)
		}
		w.waitFor("the contact in alice's Outlook", func() bool {
			for _, c := range w.fake.Contacts(w.alice.ObjectID) {
				if c.GivenName == "Dana" {
					return true
				}
			}
			return false
		})
	})
}
