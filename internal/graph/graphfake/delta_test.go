package graphfake_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// walk follows a delta query from link to its deltaLink, returning every entry and the deltaLink.
func walk(t *testing.T, f *fixture, link string, headers ...string) (entries []map[string]any, pages int, deltaLink string) {
	t.Helper()
	for link != "" {
		r := f.call(t, "GET", link, nil, headers...)
		wantStatus(t, r, http.StatusOK)
		pages++
		entries = append(entries, r.values()...)
		next, delta := r.str("@odata.nextLink"), r.str("@odata.deltaLink")
		if (next == "") == (delta == "") {
			t.Fatalf("page %d has nextLink %q and deltaLink %q; want exactly one", pages, next, delta)
		}
		for _, l := range []string{next, delta} {
			if l != "" && !strings.HasPrefix(l, f.base+"/") {
				t.Fatalf("link %q is not an absolute URL under %s", l, f.base)
			}
		}
		link, deltaLink = next, delta
	}
	return entries, pages, deltaLink
}

func TestMessageDelta(t *testing.T) {
	f := setup(t)
	second := f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "second"})
	third := f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "third"})
	f.srv.AddMessage(aliceID, "sentitems", outlook.Message{Subject: "sent, not in the inbox"})

	// The SDK sends the function form, delta().
	entries, pages, deltaLink := walk(t, f, "/users/"+aliceID+"/mailFolders/inbox/messages/delta()", "Prefer", "odata.maxpagesize=2", "Prefer", immutable)
	if pages != 2 || len(entries) != 3 {
		t.Fatalf("initial round: %d entries in %d pages, want 3 in 2", len(entries), pages)
	}
	if entries[0]["id"] != f.msg.ID || entries[0]["subject"] != "Fleet renewal" {
		t.Errorf("first entry = %v", entries[0])
	}

	f.srv.UpdateMessage(aliceID, second.ID, func(m *outlook.Message) { m.Subject = "second, edited" })
	f.srv.DeleteItem(aliceID, third.ID)
	fourth := f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "fourth"})

	entries, _, deltaLink2 := walk(t, f, deltaLink, "Prefer", immutable)
	if len(entries) != 3 {
		t.Fatalf("changes = %v, want 3 entries", entries)
	}
	byID := map[string]map[string]any{}
	for _, e := range entries {
		byID[e["id"].(string)] = e
	}
	// "Updated instances are represented by their id with at least the properties that have been
	// updated" (delta-query-overview.md): the subject, not the body no one touched.
	if e := byID[second.ID]; e["subject"] != "second, edited" || e["changeKey"] == nil {
		t.Errorf("changed message = %v, want its new subject and change key", e)
	} else if _, has := e["body"]; has {
		t.Errorf("changed message = %v carries its unchanged body", e)
	}
	if e := byID[third.ID]; e["@removed"].(map[string]any)["reason"] != "deleted" {
		t.Errorf("deleted message = %v", e)
	}
	if e := byID[fourth.ID]; e["subject"] != "fourth" {
		t.Errorf("new message = %v", e)
	}

	if entries, _, _ := walk(t, f, deltaLink2); len(entries) != 0 {
		t.Errorf("no changes, yet delta answered %v", entries)
	}

	f.srv.ExpireDeltaTokens(aliceUPN)
	r := f.call(t, "GET", deltaLink2, nil)
	wantStatus(t, r, http.StatusGone)
	if r.errorCode() != "SyncStateNotFound" {
		t.Errorf("code = %q", r.errorCode())
	}
	if entries, _, _ := walk(t, f, "/users/"+aliceID+"/mailFolders/inbox/messages/delta"); len(entries) != 3 {
		t.Errorf("a fresh round after expiry has %d entries, want 3", len(entries))
	}
}

// A change made while a client pages through a round must not be lost: it comes in the next round.
func TestDeltaChangeWhilePaging(t *testing.T) {
	f := setup(t)
	second := f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "second"})
	r := f.call(t, "GET", "/users/"+aliceID+"/mailFolders/inbox/messages/delta", nil, "Prefer", "odata.maxpagesize=1")
	next := r.str("@odata.nextLink")
	f.srv.UpdateMessage(aliceID, second.ID, func(m *outlook.Message) { m.Categories = []string{"Red"} })
	rest, _, deltaLink := walk(t, f, next)
	if len(rest) != 0 {
		t.Errorf("rest of round = %v; the changed message belongs to the next round", rest)
	}
	changes, _, _ := walk(t, f, deltaLink)
	if len(changes) != 1 || changes[0]["id"] != f.srv.RESTID(aliceID, second.ID) || changes[0]["categories"] == nil {
		t.Errorf("next round = %v, want the changed message", changes)
	}
}

func TestCalendarViewDelta(t *testing.T) {
	f := setup(t)
	at := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	in := f.srv.AddEvent(aliceID, outlook.Event{Subject: "review", Start: at, End: at.Add(time.Hour), Organizer: outlook.Address{Email: aliceUPN}, IsOrganizer: true})
	f.srv.AddEvent(aliceID, outlook.Event{Subject: "next month", Start: at.AddDate(0, 1, 0)})

	path := "/users/" + aliceID + "/calendarView/delta"
	r := f.call(t, "GET", path, nil)
	wantStatus(t, r, http.StatusBadRequest)

	window := "?startDateTime=" + url.QueryEscape("2026-03-01T00:00:00Z") + "&endDateTime=2026-03-31T00:00:00"
	entries, _, deltaLink := walk(t, f, path+window)
	if len(entries) != 1 || entries[0]["subject"] != "review" || entries[0]["iCalUId"] != in.ICalUID {
		t.Fatalf("entries = %v", entries)
	}
	start := entries[0]["start"].(map[string]any)
	if start["dateTime"] != "2026-03-10T15:00:00.0000000" || start["timeZone"] != "UTC" {
		t.Errorf("start = %v", start)
	}
	// Moving the event out of the window removes it from the view.
	f.srv.UpdateEvent(aliceID, in.ID, func(e *outlook.Event) { e.Start, e.End = e.Start.AddDate(0, 2, 0), e.End.AddDate(0, 2, 0) })
	entries, _, _ = walk(t, f, deltaLink)
	if len(entries) != 1 || entries[0]["@removed"] == nil {
		t.Errorf("after moving the event away: %v", entries)
	}
}

func TestContactAndTaskDelta(t *testing.T) {
	f := setup(t)
	c := f.srv.AddContact(aliceID, outlook.Contact{GivenName: "Jonas", Surname: "Berg", EmailAddresses: []outlook.Address{{Name: "Jonas Berg", Email: "jonas.berg@litware.test"}}})
	entries, _, _ := walk(t, f, "/users/"+aliceUPN+"/contactFolders/"+contactFolder(t, f)+"/contacts/delta()", "Prefer", immutable)
	if len(entries) != 1 || entries[0]["id"] != c.ID || entries[0]["displayName"] != "Jonas Berg" {
		t.Errorf("contacts = %v", entries)
	}

	list := f.srv.AddTaskList(aliceID, "Tasks")
	task := f.srv.AddTask(aliceID, list, outlook.Task{Title: "Send the quote"})
	entries, _, deltaLink := walk(t, f, "/users/"+aliceID+"/todo/lists/"+list+"/tasks/delta")
	if len(entries) != 1 || entries[0]["title"] != "Send the quote" || entries[0]["status"] != "notStarted" {
		t.Errorf("tasks = %v", entries)
	}
	f.srv.UpdateTask(aliceID, task.ID, func(t *outlook.Task) { t.Status = "completed" })
	entries, _, _ = walk(t, f, deltaLink)
	if len(entries) != 1 || entries[0]["status"] != "completed" {
		t.Errorf("task changes = %v", entries)
	}
}

// contactFolder is the id of alice's default contacts folder, as a listed contact's parentFolderId
// gives it (user-list-contacts.md); the mailbox must hold a contact.
func contactFolder(t *testing.T, f *fixture) string {
	t.Helper()
	r := f.call(t, "GET", "/users/"+aliceID+"/contacts?$top=1&$select=parentFolderId", nil)
	wantStatus(t, r, http.StatusOK)
	vs := r.values()
	if len(vs) != 1 || vs[0]["parentFolderId"] == nil {
		t.Fatalf("contacts = %v, want one with its parentFolderId", vs)
	}
	return vs[0]["parentFolderId"].(string)
}
