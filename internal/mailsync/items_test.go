package mailsync_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

func TestContactEntersAndLeavesFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		e.filter(e.alice, crm.TypeContact, `{"and":[{"field":"email","op":"contains","value":"@fabrikam.test"}]}`)
		in := e.contact(e.alice, map[string]any{"firstName": "Dana", "lastName": "Reyes", "email": "dana@fabrikam.test", "phone": "+1 555 0100"})
		out := e.contact(e.alice, map[string]any{"firstName": "Ola", "lastName": "Berg", "email": "ola@other.test"})

		res := e.mustPass(e.alice)
		if res.ItemsOut != 1 {
			t.Fatalf("ItemsOut = %d, want 1 (only the matching contact)", res.ItemsOut)
		}
		l := e.mustLink(e.alice, outlook.KindContact, in.ID)
		if l.Reason != crm.ReasonFilter || !l.CreatedByUs {
			t.Fatalf("link = %+v, want a filter link created by us", l)
		}
		if _, ok := e.link(e.alice, outlook.KindContact, out.ID); ok {
			t.Fatal("the contact outside the filter was linked")
		}
		got, ok := e.fake.Contact(e.alice.ObjectID, l.ItemID)
		if !ok || got.GivenName != "Dana" || got.Surname != "Reyes" || len(got.EmailAddresses) != 1 ||
			got.EmailAddresses[0].Email != "dana@fabrikam.test" || got.Stamp != in.ID {
			t.Fatalf("Outlook contact = %+v, want Dana Reyes stamped with %s", got, in.ID)
		}
		if n := len(e.fake.Contacts(e.alice.ObjectID)); n != 1 {
			t.Fatalf("Outlook has %d contacts, want 1", n)
		}

		// A quiet pass writes nothing.
		if res := e.mustPass(e.alice); res.ItemsOut != 0 || res.ItemsIn != 0 {
			t.Fatalf("quiet pass moved %+v", res)
		}

		// A CRM change reaches Outlook, as a PATCH of that property only.
		e.updateContact(in, map[string]any{"phone": "+1 555 0199"})
		before := len(e.fake.Bodies(e.alice.ObjectID))
		if res := e.mustPass(e.alice); res.ItemsOut != 1 {
			t.Fatalf("ItemsOut = %d after a CRM change, want 1", res.ItemsOut)
		}
		got, _ = e.fake.Contact(e.alice.ObjectID, l.ItemID)
		if len(got.BusinessPhones) != 1 || got.BusinessPhones[0] != "+1 555 0199" {
			t.Fatalf("businessPhones = %v, want the new phone", got.BusinessPhones)
		}
		bodies := e.fake.Bodies(e.alice.ObjectID)[before:]
		if len(bodies) != 1 || !strings.Contains(bodies[0], "businessPhones") || strings.Contains(bodies[0], "givenName") {
			t.Fatalf("writes = %q, want one PATCH of businessPhones only", bodies)
		}

		// Leaving the filter unlinks; the Outlook contact stays, without the stamp.
		e.updateContact(in, map[string]any{"email": "dana@elsewhere.test"})
		e.mustPass(e.alice)
		if _, ok := e.link(e.alice, outlook.KindContact, in.ID); ok {
			t.Fatal("the contact that left the filter is still linked")
		}
		got, ok = e.fake.Contact(e.alice.ObjectID, l.ItemID)
		if !ok {
			t.Fatal("the Outlook contact was deleted; leaving the filter must only unlink")
		}
		if got.Stamp != "" {
			t.Fatalf("the unlinked contact still carries stamp %q", got.Stamp)
		}

		// Entering again (the other contact) creates it.
		e.updateContact(out, map[string]any{"email": "ola@fabrikam.test"})
		if res := e.mustPass(e.alice); res.ItemsOut != 1 {
			t.Fatalf("ItemsOut = %d when a contact entered the filter, want 1", res.ItemsOut)
		}
		e.mustLink(e.alice, outlook.KindContact, out.ID)
	})
}

func TestTwoWayConflictLaterChangeWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
		a := e.appointment(e.alice, "Kick-off", start, "dana@fabrikam.test")
		e.mustPass(e.alice)
		l := e.mustLink(e.alice, outlook.KindAppointment, a.ID)
		ev, ok := e.fake.Event(e.alice.ObjectID, l.ItemID)
		if !ok || ev.Subject != "Kick-off" || ev.Location != "Room 1" || !ev.Start.Equal(start) || len(ev.Attendees) != 1 {
			t.Fatalf("Outlook event = %+v, want the appointment", ev)
		}

		// Both sides change the subject; Outlook's change is later and wins. Fields changed on one
		// side only flow as usual in the same pass.
		secondTick()
		crmSubject, outlookSubject, body := "Kick-off (CRM)", "Kick-off (Outlook)", "New agenda"
		e.patchActivity(a.ID, store.ActivityPatch{Subject: &crmSubject, Body: &body})
		secondTick()
		e.fake.UpdateEvent(e.alice.ObjectID, l.ItemID, func(ev *outlook.Event) { ev.Subject, ev.Location = outlookSubject, "Room 2" })
		e.mustPass(e.alice)
		got := e.activity(a.ID)
		ev, _ = e.fake.Event(e.alice.ObjectID, l.ItemID)
		if got.Subject != outlookSubject || ev.Subject != outlookSubject {
			t.Fatalf("subject CRM %q, Outlook %q; want the later (Outlook) change on both", got.Subject, ev.Subject)
		}
		if got.Location != "Room 2" {
			t.Fatalf("CRM location = %q, want Outlook's change", got.Location)
		}
		if !strings.Contains(ev.Body, "New agenda") {
			t.Fatalf("Outlook body = %q, want the CRM's change", ev.Body)
		}
		if !strings.Contains(e.log.String(), "synchronization conflict") || !strings.Contains(e.log.String(), "winner=outlook") {
			t.Fatalf("the conflict was not logged:\n%s", e.log.String())
		}

		// Now the CRM's change is the later one.
		secondTick()
		e.fake.UpdateEvent(e.alice.ObjectID, l.ItemID, func(ev *outlook.Event) { ev.Subject = "Outlook again" })
		secondTick()
		crmSubject = "CRM wins"
		e.patchActivity(a.ID, store.ActivityPatch{Subject: &crmSubject})
		e.mustPass(e.alice)
		got = e.activity(a.ID)
		ev, _ = e.fake.Event(e.alice.ObjectID, l.ItemID)
		if got.Subject != "CRM wins" || ev.Subject != "CRM wins" {
			t.Fatalf("subject CRM %q, Outlook %q; want the later (CRM) change on both", got.Subject, ev.Subject)
		}
		if !strings.Contains(e.log.String(), "winner=crm") {
			t.Fatalf("the second conflict was not logged:\n%s", e.log.String())
		}

		// Our own writes do not come back as changes: the next pass moves nothing.
		if res := e.mustPass(e.alice); res.ItemsIn != 0 || res.ItemsOut != 0 {
			t.Fatalf("quiet pass moved %+v", res)
		}
	})
}

func TestSecuredFieldNeverReachesGraph(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		et, err := s.EntityType(e.ctx, e.tenant.ID, crm.TypeContact)
		if err != nil {
			t.Fatal(err)
		}
		for i := range et.Fields {
			if et.Fields[i].Name == "phone" {
				et.Fields[i].Secured = true
			}
		}
		if _, err := s.UpdateEntityType(e.ctx, e.tenant.ID, et); err != nil {
			t.Fatal(err)
		}
		const secret = "+1 555 0142"
		r := e.contact(e.alice, map[string]any{"firstName": "Dana", "lastName": "Reyes", "email": "dana@fabrikam.test", "phone": secret})
		e.mustPass(e.alice)
		l := e.mustLink(e.alice, outlook.KindContact, r.ID)
		got, _ := e.fake.Contact(e.alice.ObjectID, l.ItemID)
		if len(got.BusinessPhones) != 0 {
			t.Fatalf("the secured phone reached Outlook: %v", got.BusinessPhones)
		}
		for _, b := range e.fake.Bodies(e.alice.ObjectID) {
			if strings.Contains(b, "555 0142") {
				t.Fatalf("a request to Graph carried the secured value: %s", b)
			}
		}

		// A phone typed in Outlook is not written to the secured field, and the refusal is logged.
		secondTick()
		e.fake.UpdateContact(e.alice.ObjectID, l.ItemID, func(c *outlook.Contact) { c.BusinessPhones = []string{"+1 555 0000"}; c.Surname = "Reyes-Lee" })
		e.mustPass(e.alice)
		cur, err := s.Record(e.ctx, e.tenant.ID, crm.TypeContact, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Fields["phone"] != secret {
			t.Fatalf("CRM phone = %v, want the secured value unchanged", cur.Fields["phone"])
		}
		if cur.Fields["lastName"] != "Reyes-Lee" {
			t.Fatalf("CRM lastName = %v, want the Outlook change of an open field", cur.Fields["lastName"])
		}
		if !strings.Contains(e.log.String(), "not applied") || !strings.Contains(e.log.String(), "field=phone") {
			t.Fatalf("the refused change was not logged:\n%s", e.log.String())
		}
	})
}

func TestRecordsTheUserMayNotReadNeverReachOutlook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		e.filter(e.alice, crm.TypeContact, `{"and":[]}`) // every contact
		mine := e.contact(e.alice, map[string]any{"firstName": "Mine", "lastName": "One", "email": "mine@fabrikam.test"})
		bobs := e.contact(e.bob, map[string]any{"firstName": "Bobs", "lastName": "One", "email": "bobs@fabrikam.test"})
		e.mustPass(e.alice)
		e.mustLink(e.alice, outlook.KindContact, mine.ID)
		if _, ok := e.link(e.alice, outlook.KindContact, bobs.ID); ok {
			t.Fatal("bob's contact reached alice's Outlook though users read only their own")
		}
		for _, c := range e.fake.Contacts(e.alice.ObjectID) {
			if c.GivenName == "Bobs" {
				t.Fatal("bob's contact is in alice's Outlook")
			}
		}
	})
}

func TestDeletes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		start := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Hour)
		gone := e.appointment(e.alice, "Cancelled in CRM", start)
		kept := e.contact(e.alice, map[string]any{"firstName": "Kept", "lastName": "Contact", "email": "kept@fabrikam.test"})
		e.mustPass(e.alice)
		ev := e.mustLink(e.alice, outlook.KindAppointment, gone.ID)
		ct := e.mustLink(e.alice, outlook.KindContact, kept.ID)

		// Deleting in the CRM removes the event crmsync created.
		if err := s.DeleteActivity(e.ctx, e.tenant.ID, gone.ID, nil); err != nil {
			t.Fatal(err)
		}
		// Deleting in Outlook unlinks and keeps the CRM data.
		e.fake.DeleteItem(e.alice.ObjectID, ct.ItemID)
		e.mustPass(e.alice)
		// A delete moves the event to Deleted Items, as deleting it in Outlook would.
		if _, ok := e.fake.Event(e.alice.ObjectID, ev.ItemID); ok && !e.fake.InDeletedItems(e.alice.ObjectID, ev.ItemID) {
			t.Fatal("the event of a deleted CRM appointment is still in the calendar")
		}
		if _, ok := e.link(e.alice, outlook.KindAppointment, gone.ID); ok {
			t.Fatal("the deleted appointment is still linked")
		}
		if l, ok := e.link(e.alice, outlook.KindContact, kept.ID); ok && l.ItemID != store.RemovedItemID(kept.ID) {
			t.Fatalf("the contact deleted in Outlook is still linked to %s", l.ItemID)
		}
		if _, err := s.Record(e.ctx, e.tenant.ID, crm.TypeContact, kept.ID); err != nil {
			t.Fatalf("deleting in Outlook deleted CRM data: %v", err)
		}
		// The user's delete is respected: a later CRM change does not bring the contact back.
		e.updateContact(kept, map[string]any{"phone": "+1 555 0123"})
		e.mustPass(e.alice)
		if n := len(e.fake.Contacts(e.alice.ObjectID)); n != 0 {
			t.Fatalf("Outlook has %d contacts, want none: the user deleted it", n)
		}
	})
}

func TestDeltaResetDoesNotDuplicate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		for i := range 3 {
			e.contact(e.alice, map[string]any{"firstName": "C", "lastName": string(rune('A' + i)), "email": "c" + string(rune('a'+i)) + "@fabrikam.test"})
		}
		e.appointment(e.alice, "Review", time.Now().UTC().Add(24*time.Hour).Truncate(time.Hour))
		e.mustPass(e.alice)
		e.fake.ExpireDeltaTokens(e.alice.ObjectID)
		e.mustPass(e.alice)
		e.mustPass(e.alice)
		if n := len(e.fake.Contacts(e.alice.ObjectID)); n != 3 {
			t.Fatalf("Outlook has %d contacts after a reset, want 3", n)
		}
		if n := len(e.fake.Events(e.alice.ObjectID)); n != 1 {
			t.Fatalf("Outlook has %d events after a reset, want 1", n)
		}
	})
}

// A pass that crashed after Graph created an item but before the link was recorded leaves a pending

// link; the next pass adopts the item instead of creating a second one.

func TestCrashAfterCreateAdoptsTheItem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		e.mustPass(e.alice) // the baseline of every folder
		r := e.contact(e.alice, map[string]any{"firstName": "Half", "lastName": "Done", "email": "half@fabrikam.test"})
		pending := crm.ItemLink{TenantID: e.tenant.ID, UserID: e.alice.ID, ItemID: store.PendingItemID(r.ID), Kind: string(outlook.KindContact),
			RecordID: r.ID, Reason: crm.ReasonFilter, CreatedByUs: true}
		if err := s.SaveItemLink(e.ctx, pending); err != nil {
			t.Fatal(err)
		}
		e.fake.AddContact(e.alice.ObjectID, outlook.Contact{GivenName: "Half", Surname: "Done", Stamp: r.ID,
			Categories: []string{outlook.TrackedCategory}, EmailAddresses: []outlook.Address{{Email: "half@fabrikam.test"}}})
		e.mustPass(e.alice)
		if n := len(e.fake.Contacts(e.alice.ObjectID)); n != 1 {
			t.Fatalf("Outlook has %d contacts, want the one adopted", n)
		}
		if l := e.mustLink(e.alice, outlook.KindContact, r.ID); strings.HasPrefix(l.ItemID, "pending:") {
			t.Fatalf("link still pending: %+v", l)
		}
	})
}

// A storm of 429s stops the pass with Graph's wait, the worker's cue to snooze; passes that follow

// finish the work without duplicates, and the mailbox never has more than 4 requests in flight.

func TestThrottlingStormIsRespected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		start := time.Now().UTC().Add(24 * time.Hour).Truncate(time.Hour)
		const n = 24
		for i := range n {
			e.appointment(e.alice, "Meeting "+strconv.Itoa(i), start.Add(time.Duration(i)*time.Hour))
		}
		e.fake.InjectFault("*", graphfake.Fault{Latency: 20 * time.Millisecond})
		e.fake.InjectFault("POST /users/{user}/events", graphfake.Fault{Status: 429, RetryAfter: time.Second, Times: 6})
		throttled := 0
		for range 10 {
			_, err := e.pass(e.alice)
			var te *outlook.ThrottledError
			if err == nil {
				break
			}
			if !errors.As(err, &te) || te.RetryAfter < time.Second {
				t.Fatalf("Sync: %v, want a ThrottledError carrying Retry-After", err)
			}
			throttled++
		}
		if throttled == 0 {
			t.Fatal("no pass was throttled")
		}
		if got := len(e.fake.Events(e.alice.ObjectID)); got != n {
			t.Fatalf("Outlook has %d events, want %d (no duplicates, none lost)", got, n)
		}
		if m := e.fake.MaxConcurrent(e.alice.ObjectID); m > 4 || m < 2 {
			t.Fatalf("max concurrent requests = %d, want between 2 and 4", m)
		}
	})
}

// An event moved out of the calendar window leaves the view's delta as removed, but it is not deleted:

// it stays linked.

// A tracked meeting someone else organizes is theirs to change: CRM edits do not reach it, while its

// own changes still flow to the CRM.

// A task tracked from any To Do list is kept in step, not only those of the default list.
