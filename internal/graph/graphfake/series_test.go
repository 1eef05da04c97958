package graphfake_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

// A calendar view "may include single instances or occurrences and exceptions of a recurring series"
// (delta-query-events.md); the event resource's type is singleInstance, occurrence, exception or
// seriesMaster, its iCalUId "different for each occurrence in a recurring series", and seriesMasterId
// "the ID for the recurring series master item, if this event is part of a recurring series". A
// calendar view's delta sends occurrences with little but their times, and a series on one page.
func TestSeriesInCalendarViewDelta(t *testing.T) {
	f := setup(t)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	master := f.srv.AddSeries(aliceID, outlook.Event{Subject: "stand-up", Body: "daily", Start: at, End: at.Add(15 * time.Minute),
		Organizer: outlook.Address{Email: aliceUPN}, IsOrganizer: true}, graphfake.Recurrence{Pattern: "daily", Count: 5})
	if master.Type != outlook.EventSeriesMaster {
		t.Fatalf("master type = %q", master.Type)
	}
	occ := f.srv.Occurrences(aliceID, master.ID)
	if len(occ) != 5 || occ[1].Type != outlook.EventOccurrence || occ[1].SeriesMasterID != master.ID || !occ[1].Start.Equal(at.Add(24*time.Hour)) {
		t.Fatalf("occurrences = %+v", occ)
	}
	if occ[0].ICalUID == occ[1].ICalUID || occ[0].ICalUID == master.ICalUID {
		t.Errorf("occurrences share an iCalUId: %q %q %q", master.ICalUID, occ[0].ICalUID, occ[1].ICalUID)
	}

	calendar := "/users/" + aliceID + "/calendarView/delta?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-03-31T00:00:00Z"
	entries, pages, link := walk(t, f, calendar, "Prefer", immutable, "Prefer", "odata.maxpagesize=2")
	if len(entries) != 6 || pages != 1 {
		t.Fatalf("%d entries in %d pages, want the master and 5 occurrences on one page: %v", len(entries), pages, entries)
	}
	if entries[0]["type"] != outlook.EventSeriesMaster || entries[0]["recurrence"] == nil || entries[0]["subject"] != "stand-up" {
		t.Errorf("master entry = %v", entries[0])
	}
	stub := entries[2]
	want := []string{"@odata.etag", "@odata.type", "end", "id", "seriesMasterId", "start", "type"}
	if got := keys(stub); !slices.Equal(got, want) || stub["type"] != outlook.EventOccurrence || stub["seriesMasterId"] != master.ID || stub["id"] != occ[1].ID {
		t.Errorf("occurrence entry = %v, want only %v", stub, want)
	}

	// An occurrence read alone is whole, with its own iCalUId.
	r := f.call(t, "GET", "/users/"+aliceID+"/events/"+occ[1].ID, nil, "Prefer", immutable)
	wantStatus(t, r, http.StatusOK)
	if r.str("subject") != "stand-up" || r.str("type") != outlook.EventOccurrence || r.str("iCalUId") != occ[1].ICalUID || r.str("originalStart") == "" {
		t.Errorf("occurrence = %v", r.body)
	}

	// A write to one occurrence makes it an exception, with the same id, sent whole; a deleted
	// occurrence is @removed and gone.
	wantStatus(t, f.call(t, "PATCH", "/users/"+aliceID+"/events/"+occ[1].ID, map[string]any{"categories": []string{"Tracked to CRM"}}), http.StatusOK)
	wantStatus(t, f.call(t, "DELETE", "/users/"+aliceID+"/events/"+occ[2].ID, nil), http.StatusNoContent)
	wantStatus(t, f.call(t, "GET", "/users/"+aliceID+"/events/"+occ[2].ID, nil), http.StatusNotFound)
	entries, _, link = walk(t, f, link, "Prefer", immutable)
	if len(entries) != 2 || entries[0]["id"] != occ[1].ID || entries[0]["type"] != outlook.EventException || entries[0]["subject"] != "stand-up" ||
		entries[1]["id"] != occ[2].ID || entries[1]["@removed"] == nil {
		t.Errorf("after an exception and a deletion: %v", entries)
	}
	if got := f.srv.Occurrences(aliceID, master.ID); len(got) != 4 || got[1].Type != outlook.EventException {
		t.Errorf("occurrences now = %+v", got)
	}

	// A change to the series sends the master and the occurrences again, not the exception.
	f.srv.UpdateEvent(aliceID, master.ID, func(e *outlook.Event) { e.Subject = "stand-up (new room)" })
	entries, _, _ = walk(t, f, link, "Prefer", immutable)
	if len(entries) != 4 || entries[0]["id"] != master.ID || entries[0]["subject"] != "stand-up (new room)" || entries[1]["type"] != outlook.EventOccurrence {
		t.Errorf("after a series change: %v", entries)
	}
}

// An event the user makes recurring keeps its id and becomes the series master.
func TestMakeRecurring(t *testing.T) {
	f := setup(t)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ev := f.srv.AddEvent(aliceID, outlook.Event{Subject: "1:1", Start: at, End: at.Add(30 * time.Minute)})
	calendar := "/users/" + aliceID + "/calendarView/delta?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-03-31T00:00:00Z"
	_, _, link := walk(t, f, calendar, "Prefer", immutable)
	f.srv.MakeRecurring(aliceID, ev.ID, graphfake.Recurrence{Pattern: "weekly", Count: 3})
	entries, _, _ := walk(t, f, link, "Prefer", immutable)
	if len(entries) != 4 || entries[0]["id"] != ev.ID || entries[0]["type"] != outlook.EventSeriesMaster || entries[0]["recurrence"] == nil {
		t.Fatalf("entries = %v", entries)
	}
	if _, has := entries[0]["subject"]; has {
		t.Errorf("master entry = %v carries the unchanged subject", keys(entries[0]))
	}
	if got, _ := f.srv.Event(aliceID, ev.ID); got.Type != outlook.EventSeriesMaster {
		t.Errorf("event type = %q", got.Type)
	}
}
