package mailsync_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// What real Graph sends that a kind fake would not: partial delta entries, recurring meetings, moved
// tasks, Deleted Items, fractional Retry-After, every reset code, the tenant's extension budget.

// A delta entry of an updated item carries "at least the properties that have been updated"
// (delta-query-overview.md): what it lacks is unchanged, and must not clear the CRM's fields.
func TestPartialDeltaEntriesChangeOnlyWhatTheyCarry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
		a := e.appointment(e.alice, "Kick-off", start, "dana@fabrikam.test")
		c := e.contact(e.alice, map[string]any{"firstName": "Jonas", "lastName": "Berg", "email": "jonas@litware.test", "phone": "+1 312 555 0188"})
		due := start.Truncate(24 * time.Hour)
		task, err := s.CreateActivity(e.ctx, e.tenant.ID, crm.Activity{Type: crm.ActivityTask, Subject: "Send the quote", Due: &due, Status: "open", OwnerID: e.alice.ID})
		if err != nil {
			t.Fatal(err)
		}
		e.mustPass(e.alice)
		e.mustPass(e.alice) // the round that reports the items created: from now on, they are updated ones
		ev, ct, tk := e.mustLink(e.alice, outlook.KindAppointment, a.ID), e.mustLink(e.alice, outlook.KindContact, c.ID), e.mustLink(e.alice, outlook.KindTask, task.ID)

		e.fake.UpdateEvent(e.alice.ObjectID, ev.ItemID, func(ev *outlook.Event) { ev.Location = "Room 7" })
		e.fake.UpdateContact(e.alice.ObjectID, ct.ItemID, func(c *outlook.Contact) { c.Surname = "Berg-Larsen" })
		e.fake.UpdateTask(e.alice.ObjectID, tk.ItemID, func(t *outlook.Task) { t.Due = nil })
		e.mustPass(e.alice)

		got := e.activity(a.ID)
		if got.Location != "Room 7" || got.Subject != "Kick-off" || got.Body != "Agenda" || got.Start == nil || !got.Start.Equal(start) ||
			got.End == nil || len(got.Parties) == 0 {
			t.Errorf("appointment = %+v, want the new location and every other field kept", got)
		}
		rec, err := s.Record(e.ctx, e.tenant.ID, crm.TypeContact, c.ID)
		if err != nil || rec.Fields["lastName"] != "Berg-Larsen" || rec.Fields["firstName"] != "Jonas" || rec.Fields["email"] != "jonas@litware.test" ||
			rec.Fields["phone"] != "+1 312 555 0188" {
			t.Errorf("contact = %v, %v; want the new surname and every other field kept", rec.Fields, err)
		}
		// Graph sends a cleared due date as null, which the SDK cannot tell from absent: the task is
		// read whole, and the clearing flows.
		if got := e.activity(task.ID); got.Due != nil || got.Subject != "Send the quote" {
			t.Errorf("task = %+v, want its due date cleared and its subject kept", got)
		}
		if res := e.mustPass(e.alice); res.ItemsIn != 0 || res.ItemsOut != 0 {
			t.Errorf("a quiet pass moved %+v", res)
		}
	})
}

// A CRM appointment whose Outlook copy the user made recurring is one meeting no more: crmsync lets go
// of the series (the package doc's rule on recurring meetings). The appointment keeps its values, the
// series its meetings, without the stamp, and the filter does not push the appointment again.
func TestCopyMadeRecurringIsLetGo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
		a := e.appointment(e.alice, "Weekly call", start)
		e.mustPass(e.alice)
		l := e.mustLink(e.alice, outlook.KindAppointment, a.ID)
		e.fake.MakeRecurring(e.alice.ObjectID, l.ItemID, graphfake.Recurrence{Pattern: "weekly", Count: 6})
		e.mustPass(e.alice)
		e.mustPass(e.alice)

		if got, ok := e.link(e.alice, outlook.KindAppointment, a.ID); ok && got.ItemID != store.RemovedItemID(a.ID) {
			t.Fatalf("the series is still linked: %+v", got)
		}
		if got := e.activity(a.ID); got.Subject != "Weekly call" || !got.Start.Equal(start) {
			t.Errorf("appointment = %+v, want it as it was", got)
		}
		series, _ := e.fake.Event(e.alice.ObjectID, l.ItemID)
		if series.Type != outlook.EventSeriesMaster || series.Stamp != "" || slices.Contains(series.Categories, outlook.TrackedCategory) {
			t.Errorf("series = %+v, want it unstamped", series)
		}
		if n := len(e.fake.Events(e.alice.ObjectID)); n != 1 {
			t.Errorf("the calendar has %d events, want the series alone", n)
		}
	})
}

// One occurrence the user tracked is one meeting, kept in step both ways like a single one; the
// series' other meetings are the user's own business.
func TestTrackedOccurrenceIsKeptInStep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
		master := e.fake.AddSeries(e.alice.ObjectID, outlook.Event{Subject: "Stand-up", Start: start, End: start.Add(time.Hour),
			Location: "Room 1", Body: "Agenda", Organizer: outlook.Address{Email: e.alice.UPN}, IsOrganizer: true}, graphfake.Recurrence{Count: 5})
		occ := e.fake.Occurrences(e.alice.ObjectID, master.ID)[2]
		a := e.appointment(e.alice, "Stand-up", occ.Start)
		// What Track leaves: the occurrence stamped (an exception now) and linked.
		mb, err := e.graph.Mailbox(graph.User{TenantID: e.tenant.ID, ObjectID: e.alice.ObjectID})
		if err != nil {
			t.Fatal(err)
		}
		if err := mb.Stamp(e.ctx, outlook.KindAppointment, occ.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveItemLink(e.ctx, crm.ItemLink{TenantID: e.tenant.ID, UserID: e.alice.ID, ItemID: occ.ID, Kind: string(outlook.KindAppointment),
			ActivityID: a.ID, Reason: crm.ReasonTracked, Stamped: true}); err != nil {
			t.Fatal(err)
		}
		e.mustPass(e.alice)

		e.fake.UpdateEvent(e.alice.ObjectID, occ.ID, func(ev *outlook.Event) { ev.Location = "Room 9" })
		e.fake.UpdateEvent(e.alice.ObjectID, master.ID, func(ev *outlook.Event) { ev.Subject = "Stand-up (series)" })
		e.mustPass(e.alice)
		if got := e.activity(a.ID); got.Location != "Room 9" || got.Subject != "Stand-up" {
			t.Errorf("appointment = %+v, want the occurrence's change, not the series'", got)
		}
		subject := "Stand-up: quarterly numbers"
		e.patchActivity(a.ID, store.ActivityPatch{Subject: &subject})
		e.mustPass(e.alice)
		if got, _ := e.fake.Event(e.alice.ObjectID, occ.ID); got.Subject != subject || got.Type != outlook.EventException {
			t.Errorf("occurrence = %+v, want the CRM's subject", got)
		}
		if got, _ := e.fake.Event(e.alice.ObjectID, master.ID); got.Subject != "Stand-up (series)" {
			t.Errorf("the series was written: %+v", got)
		}
		e.mustLink(e.alice, outlook.KindAppointment, a.ID)
	})
}

// A To Do task moved to another list gets a new id (todotask.md); it stays linked, under the new id.
func TestMovedTaskStaysLinked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		task, err := s.CreateActivity(e.ctx, e.tenant.ID, crm.Activity{Type: crm.ActivityTask, Subject: "Call Dana", Status: "open", OwnerID: e.alice.ID})
		if err != nil {
			t.Fatal(err)
		}
		errands := e.fake.AddTaskList(e.alice.ObjectID, "Errands")
		e.mustPass(e.alice)
		old := e.mustLink(e.alice, outlook.KindTask, task.ID)
		moved := e.fake.MoveTask(e.alice.ObjectID, old.ItemID, errands)
		e.mustPass(e.alice)
		if l := e.mustLink(e.alice, outlook.KindTask, task.ID); l.ItemID != moved.ID {
			t.Fatalf("link = %s, want the moved task %s", l.ItemID, moved.ID)
		}
		subject := "Call Dana back"
		e.patchActivity(task.ID, store.ActivityPatch{Subject: &subject})
		e.mustPass(e.alice)
		if got, _ := e.fake.Task(e.alice.ObjectID, moved.ID); got.Title != subject {
			t.Errorf("moved task = %+v, want the CRM's subject", got)
		}
		if n := len(e.fake.Tasks(e.alice.ObjectID)); n != 1 {
			t.Errorf("To Do has %d tasks, want the one moved", n)
		}
	})
}

// An ordinary delete moves an event to Deleted Items, where Graph still finds it by id: it is deleted
// for crmsync all the same, and unlinked; the CRM keeps its data.
func TestEventInDeletedItemsIsUnlinked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		a := e.appointment(e.alice, "Dropped", time.Now().UTC().Add(48*time.Hour).Truncate(time.Hour))
		e.mustPass(e.alice)
		l := e.mustLink(e.alice, outlook.KindAppointment, a.ID)
		e.fake.DeleteItem(e.alice.ObjectID, l.ItemID)
		if _, ok := e.fake.Event(e.alice.ObjectID, l.ItemID); !ok {
			t.Fatal("the fake lost the event instead of moving it to Deleted Items")
		}
		e.mustPass(e.alice)
		if got, ok := e.link(e.alice, outlook.KindAppointment, a.ID); ok && got.ItemID != store.RemovedItemID(a.ID) {
			t.Fatalf("the deleted event is still linked: %+v", got)
		}
		e.activity(a.ID)
		if n := len(e.fake.Events(e.alice.ObjectID)); n != 0 {
			t.Errorf("the appointment was pushed again: %d events", n)
		}
	})
}

// Every documented reset code starts the round over, and the resync duplicates nothing.
func TestEveryResetCodeResynchronizes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		e.contact(e.alice, map[string]any{"firstName": "C", "lastName": "A", "email": "ca@fabrikam.test"})
		e.appointment(e.alice, "Review", time.Now().UTC().Add(24*time.Hour).Truncate(time.Hour))
		e.mustPass(e.alice)
		for _, r := range []graphfake.DeltaReset{{}, {Status: 400, Code: "syncStateNotFound"}, {Status: 400, Code: "resyncRequired"},
			{Status: 400, Code: "invalidRequest", InnerCode: "resyncApplyDifferences"}} {
			e.fake.ExpireDeltaTokensWith(e.alice.ObjectID, r)
			if _, err := e.pass(e.alice); err != nil {
				t.Fatalf("reset %+v: %v", r, err)
			}
		}
		if n, m := len(e.fake.Contacts(e.alice.ObjectID)), len(e.fake.Events(e.alice.ObjectID)); n != 1 || m != 1 {
			t.Fatalf("after resets: %d contacts and %d events, want 1 of each", n, m)
		}
	})
}

// Graph's Retry-After may have a fraction ("Retry-After: 2.128", throttling.md): a 429 or 503 saying so
// throttles the pass for that long, not for a default.
func TestFractionalRetryAfterThrottlesThePass(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		for _, f := range []graphfake.Fault{{Status: 429, RetryAfter: 1500 * time.Millisecond}, {Status: 503, RetryAfter: 250 * time.Millisecond}} {
			f.Times = 1
			e.fake.InjectFault("GET /users/{user}/calendarView/delta", f)
			_, err := e.pass(e.alice)
			var te *outlook.ThrottledError
			if !errors.As(err, &te) || te.RetryAfter != f.RetryAfter {
				t.Errorf("%d with Retry-After %s: %v", f.Status, f.RetryAfter, err)
			}
		}
	})
}

// Requests to open extensions (the To Do stamps) are limited per app and tenant (455 per 10 seconds,
// throttling-limits.md): a pass that stamps more tasks than the limit allows spreads its requests
// rather than being refused.
func TestTaskStampsKeepToTheTenantsExtensionBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		const limit, window = 4, 300 * time.Millisecond
		fake, url := graphfake.Start(t, graphfake.WithExtensionLimit(limit, window))
		client, err := graph.NewClient(graph.Options{BaseURL: url, DevToken: "test", ExtensionRequests: limit, ExtensionWindow: window})
		if err != nil {
			t.Fatal(err)
		}
		e := newItemsEnvOn(t, s, fake, client)
		const n = 10
		for i := range n {
			if _, err := s.CreateActivity(e.ctx, e.tenant.ID, crm.Activity{Type: crm.ActivityTask, Subject: fmt.Sprintf("Task %d", i),
				Status: "open", OwnerID: e.alice.ID}); err != nil {
				t.Fatal(err)
			}
		}
		e.mustPass(e.alice)
		stamped := 0
		for _, tk := range fake.Tasks(e.alice.ObjectID) {
			if tk.Stamp != "" {
				stamped++
			}
		}
		if stamped != n || fake.ExtensionRequestsThrottled() != 0 {
			t.Errorf("%d of %d tasks stamped; Graph throttled %d extension requests", stamped, n, fake.ExtensionRequestsThrottled())
		}
	})
}
