package tracking_test

import (
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

// One occurrence of a series is one meeting: tracking it makes one appointment at that meeting's time,
// and stamping it makes it an exception in Outlook; another occurrence is another appointment (each has
// its own iCalUId). The series itself cannot be tracked as one appointment.
func TestTrackAnOccurrenceOfASeries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		start := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Hour)
		master := e.fake.AddSeries(e.alice.ObjectID, outlook.Event{Subject: "Weekly pipeline review", BodyType: "html",
			Body: "<html><body><p>Pipeline <b>review</b></p></body></html>", Start: start, End: start.Add(30 * time.Minute),
			Organizer: outlook.Address{Email: e.alice.UPN}, IsOrganizer: true, Attendees: []outlook.Attendee{{Address: dana, Type: "required"}}},
			graphfake.Recurrence{Pattern: "weekly", Count: 4})
		occ := e.fake.Occurrences(e.alice.ObjectID, master.ID)

		second := e.track(e.alice, tracking.Click{ItemID: e.fake.RESTID(e.alice.ObjectID, occ[1].ID), ItemType: "appointment"})
		wantDone(t, second)
		appt := e.activity(second.ActivityID)
		if appt.Subject != "Weekly pipeline review" || appt.Start == nil || !appt.Start.Equal(occ[1].Start) || len(appt.Parties) != 2 {
			t.Fatalf("appointment = %+v, want the second meeting", appt)
		}
		// Exchange keeps the body as HTML; the CRM gets it as text.
		if appt.Body != "Pipeline review" {
			t.Errorf("body = %q, want the text", appt.Body)
		}
		got, _ := e.fake.Event(e.alice.ObjectID, occ[1].ID)
		if got.Stamp != second.ActivityID || got.Type != outlook.EventException || got.SeriesMasterID != master.ID {
			t.Errorf("the tracked occurrence = %+v, want it stamped, an exception of its series", got)
		}

		third := e.track(e.alice, tracking.Click{ItemID: e.fake.RESTID(e.alice.ObjectID, occ[2].ID), ItemType: "appointment"})
		wantDone(t, third)
		if third.ActivityID == second.ActivityID {
			t.Error("two meetings of a series became one appointment")
		}

		series := e.track(e.alice, tracking.Click{ItemID: e.fake.RESTID(e.alice.ObjectID, master.ID), ItemType: "appointment"})
		if series.State != crm.StateFailed || !strings.Contains(series.Error, "recurring series") {
			t.Fatalf("tracking the series: %s %q, want failed saying why", series.State, series.Error)
		}
		if n := e.count("appointment"); n != 2 {
			t.Errorf("%d appointments, want 2", n)
		}
		if m, _ := e.fake.Event(e.alice.ObjectID, master.ID); m.Stamp != "" {
			t.Errorf("the series was stamped %q", m.Stamp)
		}
	})
}

// Graph's Retry-After may have a fraction ("Retry-After: 2.128", throttling.md): the request waits that
// long, rather than a default of 30 seconds or a retry of an ordinary failure.
func TestFractionalRetryAfterIsHonoured(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		msg, rest := e.mail(e.alice, outlook.Message{Subject: "Throttled", From: dana})
		e.fake.InjectFault("GET /users/{user}/messages/{id}", graphfake.Fault{Status: 429, RetryAfter: 1200 * time.Millisecond, Times: 1})
		e.fake.InjectFault("PATCH /users/{user}/messages/{id}", graphfake.Fault{Status: 503, RetryAfter: 300 * time.Millisecond, Times: 1})
		done := e.track(e.alice, tracking.Click{ItemID: rest, ItemType: "message"})
		wantDone(t, done)
		if e.count("email") != 1 || e.fake.StampWrites(e.alice.ObjectID, msg.ID) != 1 {
			t.Fatalf("activities %d, stamp writes %d; want 1 and 1", e.count("email"), e.fake.StampWrites(e.alice.ObjectID, msg.ID))
		}
	})
}
