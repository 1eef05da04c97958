package graphfake_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

// keys lists an entry's properties, sorted.
func keys(e map[string]any) []string {
	var out []string
	for k := range e {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// "Updated instances are represented by their id with at least the properties that have been updated,
// but additional properties may be included" (delta-query-overview.md, Resource representation in the
// delta query response); "newly created instances … using their standard representation".
func TestDeltaSendsOnlyWhatChanged(t *testing.T) {
	f := setup(t)
	at := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	ev := f.srv.AddEvent(aliceID, outlook.Event{Subject: "review", Body: "agenda", Location: "Room 1", Start: at, End: at.Add(time.Hour),
		Organizer: outlook.Address{Email: aliceUPN}, IsOrganizer: true})
	list := f.srv.DefaultTaskListID(aliceID)
	due := at
	task := f.srv.AddTask(aliceID, list, outlook.Task{Title: "quote", Due: &due})
	calendar := "/users/" + aliceID + "/calendarView/delta?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z"
	tasks := "/users/" + aliceID + "/todo/lists/" + list + "/tasks/delta"
	_, _, calLink := walk(t, f, calendar, "Prefer", immutable)
	_, _, taskLink := walk(t, f, tasks)

	f.srv.UpdateEvent(aliceID, ev.ID, func(e *outlook.Event) { e.Subject = "review, moved to Room 2"; e.Location = "Room 2" })
	added := f.srv.AddEvent(aliceID, outlook.Event{Subject: "new", Start: at.Add(24 * time.Hour)})
	entries, _, _ := walk(t, f, calLink, "Prefer", immutable)
	if len(entries) != 2 {
		t.Fatalf("entries = %v", entries)
	}
	updated, created := entries[0], entries[1]
	if updated["id"] != ev.ID || updated["subject"] != "review, moved to Room 2" || updated["location"] == nil || updated["changeKey"] == nil {
		t.Errorf("updated event = %v", updated)
	}
	for _, unchanged := range []string{"body", "start", "end", "attendees", "isOrganizer", "organizer", "createdDateTime"} {
		if _, has := updated[unchanged]; has {
			t.Errorf("updated event carries %s, which did not change: %v", unchanged, keys(updated))
		}
	}
	if created["id"] != added.ID || created["createdDateTime"] == nil || created["isOrganizer"] == nil || created["body"] == nil {
		t.Errorf("created event = %v, want it whole", keys(created))
	}

	// A property that became empty is sent, as null when Graph leaves it out of the whole item.
	f.srv.UpdateTask(aliceID, task.ID, func(t *outlook.Task) { t.Due = nil })
	entries, _, _ = walk(t, f, taskLink)
	if len(entries) != 1 {
		t.Fatalf("task entries = %v", entries)
	}
	if v, has := entries[0]["dueDateTime"]; !has || v != nil {
		t.Errorf("task entry = %v, want dueDateTime null", entries[0])
	}
	if _, has := entries[0]["title"]; has {
		t.Errorf("task entry = %v carries the unchanged title", entries[0])
	}
}

// A message moved into a folder is new to that folder's delta, and so is sent whole.
func TestDeltaSendsAMessageMovedInWhole(t *testing.T) {
	f := setup(t)
	_, _, trashLink := walk(t, f, "/users/"+aliceID+"/mailFolders/deleteditems/messages/delta", "Prefer", immutable)
	f.srv.DeleteItem(aliceID, f.msg.ID)
	entries, _, _ := walk(t, f, trashLink, "Prefer", immutable)
	if len(entries) != 1 || entries[0]["id"] != f.msg.ID || entries[0]["subject"] != "Fleet renewal" || entries[0]["createdDateTime"] == nil {
		t.Errorf("Deleted Items delta = %v, want the message whole", entries)
	}
}

// An expired token: "the service should respond with a 40X-series error with error codes such as
// syncStateNotFound" (delta-query-overview.md, Token duration); the reset codes of errors.md may come
// at the top or in an innerError; and a "synchronization reset" is 410 Gone with a Location to start
// over at.
func TestExpiredDeltaTokens(t *testing.T) {
	inbox := "/users/" + aliceID + "/mailFolders/inbox/messages/delta"
	tests := []struct {
		name         string
		reset        graphfake.DeltaReset
		status       int
		code, inner  string
		wantLocation bool
	}{
		{"synchronization reset", graphfake.DeltaReset{}, http.StatusGone, "SyncStateNotFound", "", true},
		{"expired token", graphfake.DeltaReset{Status: 400, Code: "syncStateNotFound"}, http.StatusBadRequest, "syncStateNotFound", "", false},
		{"resync required", graphfake.DeltaReset{Status: 400, Code: "resyncRequired"}, http.StatusBadRequest, "resyncRequired", "", false},
		{"detailed code", graphfake.DeltaReset{Status: 400, Code: "invalidRequest", InnerCode: "resyncApplyDifferences"}, http.StatusBadRequest, "invalidRequest", "resyncApplyDifferences", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			_, _, link := walk(t, f, inbox)
			f.srv.ExpireDeltaTokensWith(aliceID, tt.reset)
			r := f.call(t, "GET", link, nil)
			wantStatus(t, r, tt.status)
			if r.errorCode() != tt.code {
				t.Errorf("code = %q, want %q", r.errorCode(), tt.code)
			}
			inner, _ := r.body["error"].(map[string]any)["innerError"].(map[string]any)
			if got, _ := inner["code"].(string); got != tt.inner {
				t.Errorf("innerError code = %q, want %q", got, tt.inner)
			}
			if loc := r.header.Get("Location"); (loc != "") != tt.wantLocation {
				t.Errorf("Location = %q", loc)
			}
			if entries, _, _ := walk(t, f, inbox); len(entries) != 1 {
				t.Errorf("a fresh round has %d entries, want 1", len(entries))
			}
		})
	}
}

// The documented contacts delta goes through the folder, /users/{id}/contactFolders/{id}/contacts/delta
// (contact-delta.md); Graph refuses change tracking on paths it does not document ("Change tracking is
// not supported against 'microsoft.graph.contact'"). The default folder's id is what a contact listed
// by GET /users/{id}/contacts carries as parentFolderId (user-list-contacts.md).
func TestContactsDeltaPath(t *testing.T) {
	f := setup(t)
	for i := range 3 {
		f.srv.AddContact(aliceID, outlook.Contact{GivenName: "c", Surname: string(rune('a' + i))})
	}
	r := f.call(t, "GET", "/users/"+aliceID+"/contacts/delta()", nil)
	wantStatus(t, r, http.StatusBadRequest)
	if msg, _ := r.body["error"].(map[string]any)["message"].(string); msg == "" {
		t.Errorf("refusal = %v", r.body)
	}

	page := f.call(t, "GET", "/users/"+aliceID+"/contacts?$top=2&$select=parentFolderId", nil)
	wantStatus(t, page, http.StatusOK)
	if len(page.values()) != 2 || page.str("@odata.nextLink") == "" {
		t.Fatalf("first page = %v", page.body)
	}
	rest := f.call(t, "GET", page.str("@odata.nextLink"), nil)
	if len(rest.values()) != 1 || rest.str("@odata.nextLink") != "" {
		t.Errorf("second page = %v", rest.body)
	}
	folder := page.values()[0]["parentFolderId"].(string)
	if _, has := page.values()[0]["surname"]; has {
		t.Errorf("$select ignored: %v", page.values()[0])
	}
	if entries, _, _ := walk(t, f, "/users/"+aliceID+"/contactFolders/"+folder+"/contacts/delta"); len(entries) != 3 {
		t.Errorf("contacts delta = %d entries, want 3", len(entries))
	}
	wantStatus(t, f.call(t, "GET", "/users/"+aliceID+"/contactFolders/AQMkADAwnotafolder/contacts/delta", nil), http.StatusNotFound)
}
