package tracking_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
	"github.com/crmsync/crmsync/internal/tracking"
)

var dana = outlook.Address{Name: "Dana Whitfield", Email: "Dana.Whitfield@fabrikam.test"}

func TestTrackEmailCreatesOneActivityAndStampsTheItem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		acct := e.record("account", "Fabrikam", map[string]any{"email": "info@fabrikam.test"})
		contact := e.record("contact", "", map[string]any{"lastName": "Whitfield", "firstName": "Dana", "email": "dana.whitfield@fabrikam.test", "accountId": acct.ID})
		msg, restID := e.mail(e.alice, outlook.Message{Subject: "Fleet renewal", Body: "Here is our offer.", From: dana,
			To: []outlook.Address{{Name: "Alice", Email: "alice@contoso.test"}}, Cc: []outlook.Address{{Email: "info@fabrikam.test"}, {Email: "stranger@else.test"}}})

		click := tracking.Click{ItemID: restID, ItemType: "message", InternetMessageID: msg.InternetMessageID, Regarding: &crm.RecordRef{Type: "account", ID: acct.ID}}
		first, err := e.submit(e.alice, click)
		if err != nil {
			t.Fatal(err)
		}
		if first.State != crm.StateQueued {
			t.Fatalf("state = %s, want queued", first.State)
		}
		req := e.wait(e.alice, first.ID)
		wantDone(t, req)

		a := e.activity(req.ActivityID)
		if a.Type != "email" || a.Subject != "Fleet renewal" || a.Direction != "incoming" || a.InternetMessageID != msg.InternetMessageID {
			t.Fatalf("activity = %+v", a)
		}
		if a.Regarding == nil || a.Regarding.ID != acct.ID || a.Regarding.Name != "Fabrikam" {
			t.Fatalf("regarding = %+v", a.Regarding)
		}
		want := map[string]string{"dana.whitfield@fabrikam.test": contact.ID, "info@fabrikam.test": acct.ID, "alice@contoso.test": "", "stranger@else.test": ""}
		for _, p := range a.Parties {
			got := ""
			if p.Record != nil {
				got = p.Record.ID
			}
			if wantID, ok := want[p.Address]; !ok || got != wantID {
				t.Errorf("party %s (%s) resolved to %q", p.Address, p.Role, got)
			}
		}
		if len(a.Links) != 1 || a.Links[0].UserID != e.alice.ID || a.Links[0].ItemID != msg.ID {
			t.Fatalf("links = %+v", a.Links)
		}
		item, _ := e.fake.Message(e.alice.ObjectID, msg.ID)
		if item.Stamp != a.ID || !slices.Contains(item.Categories, outlook.TrackedCategory) {
			t.Fatalf("item stamp %q categories %v", item.Stamp, item.Categories)
		}

		// A retried click is the same request and queues nothing new.
		again, err := e.submit(e.alice, click)
		if err != nil || again.ID != first.ID || again.State != crm.StateDone {
			t.Fatalf("retry = %+v, %v", again, err)
		}
		if e.count("email") != 1 || e.fake.StampWrites(e.alice.ObjectID, msg.ID) != 1 {
			t.Fatalf("activities %d, stamp writes %d", e.count("email"), e.fake.StampWrites(e.alice.ObjectID, msg.ID))
		}
	})
}

func TestReplyInheritsRegardingAndSameEmailIsOneActivity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		opp := e.record("opportunity", "Fleet renewal", nil)
		first, firstREST := e.mail(e.alice, outlook.Message{Subject: "Renewal", From: dana, ConversationID: "conv-1"})
		wantDone(t, e.track(e.alice, tracking.Click{ItemID: firstREST, ItemType: "message", Regarding: &crm.RecordRef{Type: "opportunity", ID: opp.ID}}))

		reply, replyREST := e.mail(e.alice, outlook.Message{Subject: "RE: Renewal", From: dana, ConversationID: "conv-1",
			InReplyTo: first.InternetMessageID, References: []string{first.InternetMessageID}})
		req := e.track(e.alice, tracking.Click{ItemID: replyREST, ItemType: "message"})
		wantDone(t, req)
		if a := e.activity(req.ActivityID); a.Regarding == nil || a.Regarding.ID != opp.ID {
			t.Fatalf("reply regarding = %+v, want the opportunity", a.Regarding)
		}

		// Bob got the same reply (same internetMessageId): tracking it links to the same activity.
		bobsCopy, bobREST := e.mail(e.bob, outlook.Message{Subject: "RE: Renewal", From: dana, InternetMessageID: reply.InternetMessageID})
		bobReq := e.track(e.bob, tracking.Click{ItemID: bobREST, ItemType: "message"})
		wantDone(t, bobReq)
		if bobReq.ActivityID != req.ActivityID {
			t.Fatalf("bob's copy made activity %s, want %s", bobReq.ActivityID, req.ActivityID)
		}
		if links := e.activity(req.ActivityID).Links; len(links) != 2 {
			t.Fatalf("links = %+v, want alice's and bob's", links)
		}
		if got, _ := e.fake.Message(e.bob.ObjectID, bobsCopy.ID); got.Stamp != req.ActivityID {
			t.Fatalf("bob's item stamp = %q", got.Stamp)
		}
		if e.count("email") != 2 {
			t.Fatalf("emails = %d, want 2", e.count("email"))
		}
	})
}

func TestTrackMeetingTaskAndContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		existing := e.record("contact", "", map[string]any{"lastName": "Berg", "firstName": "Jonas", "email": "jonas.berg@litware.test"})
		start := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Minute)
		meeting := graphfakeEvent(start)
		aliceEv := e.fake.AddEvent(e.alice.ObjectID, meeting)
		bobEv := e.fake.AddEvent(e.bob.ObjectID, meeting)
		a1 := e.track(e.alice, tracking.Click{ItemID: e.fake.RESTID(e.alice.ObjectID, aliceEv.ID), ItemType: "appointment"})
		a2 := e.track(e.bob, tracking.Click{ItemID: e.fake.RESTID(e.bob.ObjectID, bobEv.ID), ItemType: "appointment"})
		wantDone(t, a1)
		wantDone(t, a2)
		if a1.ActivityID != a2.ActivityID {
			t.Fatal("the same meeting in two calendars became two appointments")
		}
		appt := e.activity(a1.ActivityID)
		if appt.Type != "appointment" || appt.Start == nil || !appt.Start.Equal(start) || len(appt.Parties) != 3 {
			t.Fatalf("appointment = %+v", appt)
		}

		list := e.fake.AddTaskList(e.alice.ObjectID, "Tasks")
		due := start.Add(48 * time.Hour)
		tk := e.fake.AddTask(e.alice.ObjectID, list, outlook.Task{Title: "Send the quote", Due: &due, Status: "notStarted"})
		taskReq := e.track(e.alice, tracking.Click{ItemID: tk.ID, ItemType: "task"})
		wantDone(t, taskReq)
		if a := e.activity(taskReq.ActivityID); a.Type != "task" || a.Subject != "Send the quote" || a.Status != "open" || a.Due == nil {
			t.Fatalf("task activity = %+v", a)
		}
		if got, _ := e.fake.Task(e.alice.ObjectID, tk.ID); got.Stamp != taskReq.ActivityID {
			t.Fatalf("task stamp = %q", got.Stamp)
		}

		// A contact whose email the CRM knows links to that contact; a new one becomes a contact.
		known := e.fake.AddContact(e.alice.ObjectID, outlook.Contact{GivenName: "Jonas", Surname: "Berg", EmailAddresses: []outlook.Address{{Email: "Jonas.Berg@litware.test"}}})
		fresh := e.fake.AddContact(e.alice.ObjectID, outlook.Contact{GivenName: "Ada", Surname: "Lovelace", EmailAddresses: []outlook.Address{{Email: "ada@engines.test"}}, BusinessPhones: []string{"+44 20 7946 0000"}})
		r1 := e.track(e.alice, tracking.Click{ItemID: e.fake.RESTID(e.alice.ObjectID, known.ID), ItemType: "contact"})
		r2 := e.track(e.alice, tracking.Click{ItemID: e.fake.RESTID(e.alice.ObjectID, fresh.ID), ItemType: "contact"})
		wantDone(t, r1)
		wantDone(t, r2)
		if r1.RecordID != existing.ID {
			t.Fatalf("known contact linked to %s, want %s", r1.RecordID, existing.ID)
		}
		rec, err := s.Record(context.Background(), e.tenant.ID, "contact", r2.RecordID)
		if err != nil || rec.Name != "Ada Lovelace" || rec.Fields["email"] != "ada@engines.test" || rec.Fields["phone"] != "+44 20 7946 0000" {
			t.Fatalf("new contact = %+v, %v", rec, err)
		}
		if n, _ := s.CountRecords(context.Background(), e.tenant.ID, "contact"); n != 2 {
			t.Fatalf("contacts = %d, want 2", n)
		}
	})
}

func graphfakeEvent(start time.Time) outlook.Event {
	return outlook.Event{ICalUID: "ical-" + start.Format("150405.000"), Subject: "Renewal review", Start: start, End: start.Add(time.Hour),
		Organizer: outlook.Address{Name: "Alice", Email: "alice@contoso.test"},
		Attendees: []outlook.Attendee{{Address: dana, Type: "required"}, {Address: outlook.Address{Email: "jonas.berg@litware.test"}, Type: "optional"},
			{Address: outlook.Address{Email: "room-1@contoso.test"}, Type: "resource"}}}
}

func TestSetRegardingAndUntrack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s)
		acct := e.record("account", "Fabrikam", nil)
		opp := e.record("opportunity", "Fleet renewal", nil)
		msg, rest := e.mail(e.alice, outlook.Message{Subject: "Hello", From: dana})
		tracked := e.track(e.alice, tracking.Click{ItemID: rest, ItemType: "message", Regarding: &crm.RecordRef{Type: "account", ID: acct.ID}})
		wantDone(t, tracked)

		set := e.track(e.alice, tracking.Click{Action: crm.ActionSetRegarding, ItemID: rest, ItemType: "message", Regarding: &crm.RecordRef{Type: "opportunity", ID: opp.ID}})
		wantDone(t, set)
		if a := e.activity(tracked.ActivityID); set.ActivityID != tracked.ActivityID || a.Regarding == nil || a.Regarding.ID != opp.ID {
			t.Fatalf("after set regarding: %+v", a.Regarding)
		}

		un := e.track(e.alice, tracking.Click{Action: crm.ActionUntrack, ItemID: rest, ItemType: "message"})
		wantDone(t, un)
		if _, err := s.ItemLink(ctx, e.tenant.ID, e.alice.ID, msg.ID); !crm.IsNotFound(err) {
			t.Fatalf("link after untrack: %v", err)
		}
		item, _ := e.fake.Message(e.alice.ObjectID, msg.ID)
		if item.Stamp != "" || slices.Contains(item.Categories, outlook.TrackedCategory) {
			t.Fatalf("item still stamped: %q %v", item.Stamp, item.Categories)
		}
		if e.count("email") != 1 {
			t.Fatal("untrack deleted the activity although the tenant keeps them")
		}

		// Tracked again after the untrack, then untracked where the tenant deletes: the activity goes.
		settings := e.tenant.Settings
		settings.UntrackDeletes = true
		if err := s.UpdateTenantSettings(ctx, e.tenant.ID, e.tenant.SyncMode, settings); err != nil {
			t.Fatal(err)
		}
		again := e.track(e.alice, tracking.Click{ItemID: rest, ItemType: "message"})
		wantDone(t, again)
		if again.ActivityID != tracked.ActivityID {
			t.Fatalf("tracking again made a new activity %s", again.ActivityID)
		}
		wantDone(t, e.track(e.alice, tracking.Click{Action: crm.ActionUntrack, ItemID: rest, ItemType: "message"}))
		if e.count("email") != 0 {
			t.Fatal("untrack with untrackDeletes kept the activity")
		}
	})
}

// Every call the worker makes fails a few times (throttling, outages): the request still ends done,
// with one activity and one stamp.
func TestGraphFaultsStillEndDoneExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		msg, rest := e.mail(e.alice, outlook.Message{Subject: "Faulty", From: dana})
		for _, route := range []string{"GET /users/{user}/messages/{id}", "PATCH /users/{user}/messages/{id}"} {
			e.fake.InjectFault(route, graphfake.Fault{Status: 429, RetryAfter: time.Second, Times: 1})
		}
		req, err := e.submit(e.alice, tracking.Click{ItemID: rest, ItemType: "message"})
		if err != nil {
			t.Fatal(err)
		}
		e.fake.InjectFault("GET /users/{user}/messages/{id}", graphfake.Fault{Status: 503, Times: 1})
		e.fake.InjectFault("PATCH /users/{user}/messages/{id}", graphfake.Fault{Status: 500, Times: 1})
		done := e.wait(e.alice, req.ID)
		wantDone(t, done)
		if e.count("email") != 1 || e.fake.StampWrites(e.alice.ObjectID, msg.ID) != 1 {
			t.Fatalf("activities %d, stamp writes %d; want 1 and 1", e.count("email"), e.fake.StampWrites(e.alice.ObjectID, msg.ID))
		}
	})
}

func TestPermanentFailuresEndFailedWithAReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		cases := []struct {
			name   string
			status int
			want   string
		}{
			{"item gone", 404, "the item is not in your mailbox"},
			{"consent revoked", 403, "may not read your mailbox"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, rest := e.mail(e.alice, outlook.Message{Subject: tc.name, From: dana})
				e.fake.InjectFault("GET /users/{user}/messages/{id}", graphfake.Fault{Status: tc.status})
				defer e.fake.ClearFaults()
				req := e.track(e.alice, tracking.Click{ItemID: rest, ItemType: "message"})
				if req.State != crm.StateFailed || !strings.Contains(req.Error, tc.want) {
					t.Fatalf("request = %s %q, want failed with %q", req.State, req.Error, tc.want)
				}
			})
		}
		if e.count("") != 0 {
			t.Fatal("a failed request created an activity")
		}
	})
}

// Bad clicks get a clear error and queue nothing. (An item of another mailbox can only be told by that
// mailbox: the worker refuses it, see TestAnotherMailboxsItemCreatesNothing.)
func TestBadClicksQueueNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s)
		_, rest := e.mail(e.alice, outlook.Message{Subject: "Mine", From: dana})
		other := storetest.NewTenant(t, s, "eve@evil.test")
		theirs, err := s.CreateRecord(ctx, other.Tenant.ID, "account", other.User.ID, crm.RecordInput{Name: ptr("Evil Corp")})
		if err != nil {
			t.Fatal(err)
		}
		bobsAccount, err := s.CreateRecord(ctx, e.tenant.ID, "account", e.bob.ID, crm.RecordInput{Name: ptr("Bob's account")})
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			click tracking.Click
			code  crm.Code
		}{
			{"unknown item type", tracking.Click{ItemID: rest, ItemType: "note"}, crm.CodeInvalid},
			{"malformed id", tracking.Click{ItemID: "not an id!", ItemType: "message"}, crm.CodeInvalid},
			{"empty id", tracking.Click{ItemID: "", ItemType: "message"}, crm.CodeInvalid},
			{"regarding of another tenant", tracking.Click{ItemID: rest, ItemType: "message", Regarding: &crm.RecordRef{Type: "account", ID: theirs.ID}}, crm.CodeInvalid},
			{"regarding the user cannot read", tracking.Click{ItemID: rest, ItemType: "message", Regarding: &crm.RecordRef{Type: "account", ID: bobsAccount.ID}}, crm.CodeInvalid},
			{"regarding of an unknown type", tracking.Click{ItemID: rest, ItemType: "message", Regarding: &crm.RecordRef{Type: "spaceship", ID: theirs.ID}}, crm.CodeInvalid},
			{"control characters", tracking.Click{ItemID: rest, ItemType: "message", InternetMessageID: "<a\nb>"}, crm.CodeInvalid},
			{"set regarding without regarding", tracking.Click{Action: crm.ActionSetRegarding, ItemID: rest, ItemType: "message"}, crm.CodeInvalid},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.submit(e.alice, tc.click)
				if got := crm.ErrorCode(err); got != tc.code {
					t.Fatalf("code = %q (%v), want %q", got, err, tc.code)
				}
			})
		}
		if n, _ := s.CountTrackRequests(ctx, e.tenant.ID); n != 0 {
			t.Fatalf("bad clicks stored %d requests", n)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// Client mode keeps the user's token, sealed, for the worker's on-behalf-of access, and forgets it when
// the request is done; server mode never stores it (the service uses app-only access).
func TestUserTokenIsKeptOnlyInClientModeAndOnlyUntilDone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s)
		_, rest := e.mail(e.alice, outlook.Message{Subject: "Client mode", From: dana})
		e.fake.InjectFault("GET /users/{user}/messages/{id}", graphfake.Fault{Latency: 300 * time.Millisecond, Times: 1})
		req, err := e.submit(e.alice, tracking.Click{ItemID: rest, ItemType: "message"})
		if err != nil {
			t.Fatal(err)
		}
		open, err := s.TrackRequest(ctx, e.tenant.ID, e.alice.ID, req.ID)
		if err != nil || len(open.Assertion) == 0 || strings.Contains(string(open.Assertion), "token-of-") {
			t.Fatalf("open request assertion = %q, %v; want it sealed", open.Assertion, err)
		}
		wantDone(t, e.wait(e.alice, req.ID))
		if done, _ := s.TrackRequest(ctx, e.tenant.ID, e.alice.ID, req.ID); len(done.Assertion) != 0 {
			t.Fatal("the user's token outlived the request")
		}

		server := e.alice
		server.caller.Tenant.SyncMode = crm.SyncModeServer
		_, rest2 := e.mail(e.alice, outlook.Message{Subject: "Server mode", From: dana})
		e.fake.InjectFault("GET /users/{user}/messages/{id}", graphfake.Fault{Latency: 300 * time.Millisecond, Times: 1})
		req2, err := e.submit(server, tracking.Click{ItemID: rest2, ItemType: "message"})
		if err != nil {
			t.Fatal(err)
		}
		if open, _ := s.TrackRequest(ctx, e.tenant.ID, e.alice.ID, req2.ID); len(open.Assertion) != 0 {
			t.Fatal("server mode stored the user's token")
		}
		wantDone(t, e.wait(e.alice, req2.ID))
	})
}
