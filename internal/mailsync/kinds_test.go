package mailsync_test

import (
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// What one item kind does of its own: the calendar's window and meetings of others, To Do's lists.

func TestTasksBothWays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		due := time.Now().UTC().Add(96 * time.Hour).Truncate(24 * time.Hour)
		task, err := s.CreateActivity(e.ctx, e.tenant.ID, crm.Activity{Type: crm.ActivityTask, Subject: "Send the quote", Due: &due,
			Status: "open", OwnerID: e.alice.ID})
		if err != nil {
			t.Fatal(err)
		}
		e.mustPass(e.alice)
		l := e.mustLink(e.alice, outlook.KindTask, task.ID)
		got, ok := e.fake.Task(e.alice.ObjectID, l.ItemID)
		if !ok || got.Title != "Send the quote" || got.Due == nil || !got.Due.Equal(due) || got.Status != "notStarted" || got.Stamp != task.ID {
			t.Fatalf("To Do task = %+v, want the CRM task stamped", got)
		}
		secondTick()
		e.fake.UpdateTask(e.alice.ObjectID, l.ItemID, func(t *outlook.Task) { t.Status = "completed" })
		if res := e.mustPass(e.alice); res.ItemsIn != 1 {
			t.Fatalf("ItemsIn = %d, want 1", res.ItemsIn)
		}
		if a := e.activity(task.ID); a.Status != "completed" {
			t.Fatalf("CRM task status = %q, want completed", a.Status)
		}
	})
}

func TestEventLeavingTheWindowStaysLinked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		a := e.appointment(e.alice, "Moved far away", time.Now().UTC().Add(24*time.Hour).Truncate(time.Hour))
		e.mustPass(e.alice)
		l := e.mustLink(e.alice, outlook.KindAppointment, a.ID)
		e.fake.UpdateEvent(e.alice.ObjectID, l.ItemID, func(ev *outlook.Event) {
			ev.Start, ev.End = ev.Start.AddDate(3, 0, 0), ev.End.AddDate(3, 0, 0)
		})
		e.mustPass(e.alice)
		e.mustLink(e.alice, outlook.KindAppointment, a.ID)
	})
}

func TestMeetingOrganizedBySomeoneElseIsNotWritten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		start := time.Now().UTC().Add(24 * time.Hour).Truncate(time.Hour)
		ev := e.fake.AddEvent(e.alice.ObjectID, outlook.Event{Subject: "Their meeting", Start: start, End: start.Add(time.Hour),
			Organizer: outlook.Address{Email: "olga@fabrikam.test"}, IsOrganizer: false,
			Attendees: []outlook.Attendee{{Address: outlook.Address{Email: e.alice.UPN}, Type: "required"}}})
		a := e.appointment(e.alice, "Their meeting", start, e.alice.UPN)
		if err := s.SaveItemLink(e.ctx, crm.ItemLink{TenantID: e.tenant.ID, UserID: e.alice.ID, ItemID: ev.ID, Kind: string(outlook.KindAppointment),
			ActivityID: a.ID, Reason: crm.ReasonTracked}); err != nil {
			t.Fatal(err)
		}
		e.mustPass(e.alice)
		secondTick()
		subject := "Renamed in the CRM"
		e.patchActivity(a.ID, store.ActivityPatch{Subject: &subject})
		before := len(e.fake.Bodies(e.alice.ObjectID))
		e.mustPass(e.alice)
		if got, _ := e.fake.Event(e.alice.ObjectID, ev.ID); got.Subject != "Their meeting" {
			t.Fatalf("the organizer's meeting was renamed to %q", got.Subject)
		}
		if writes := e.fake.Bodies(e.alice.ObjectID)[before:]; len(writes) != 0 {
			t.Fatalf("wrote to someone else's meeting: %q", writes)
		}
		secondTick()
		e.fake.UpdateEvent(e.alice.ObjectID, ev.ID, func(ev *outlook.Event) { ev.Location = "Their office" })
		e.mustPass(e.alice)
		if got := e.activity(a.ID); got.Location != "Their office" {
			t.Fatalf("CRM location = %q, want the organizer's change", got.Location)
		}
	})
}

func TestTrackedTaskInAnotherListFlowsToCRM(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		list := e.fake.AddTaskList(e.alice.ObjectID, "Projects")
		tk := e.fake.AddTask(e.alice.ObjectID, list, outlook.Task{Title: "Draft the plan", Status: "notStarted"})
		a, err := s.CreateActivity(e.ctx, e.tenant.ID, crm.Activity{Type: crm.ActivityTask, Subject: "Draft the plan", Status: "open", OwnerID: e.alice.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveItemLink(e.ctx, crm.ItemLink{TenantID: e.tenant.ID, UserID: e.alice.ID, ItemID: tk.ID, Kind: string(outlook.KindTask),
			ActivityID: a.ID, Reason: crm.ReasonTracked}); err != nil {
			t.Fatal(err)
		}
		e.mustPass(e.alice)
		secondTick()
		e.fake.UpdateTask(e.alice.ObjectID, tk.ID, func(t *outlook.Task) { t.Status = "completed" })
		e.mustPass(e.alice)
		if got := e.activity(a.ID); got.Status != "completed" {
			t.Fatalf("CRM status = %q, want completed from the Projects list", got.Status)
		}
		if n := len(e.fake.Tasks(e.alice.ObjectID)); n != 1 {
			t.Fatalf("To Do has %d tasks, want 1: a tracked task is not pushed again", n)
		}
	})
}
