package graphfake_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

// A To Do task's id: "by default, this value changes when the item is moved from one list to another"
// (todotask.md).
func TestMovingATaskChangesItsID(t *testing.T) {
	f := setup(t)
	home := f.srv.DefaultTaskListID(aliceID)
	errands := f.srv.AddTaskList(aliceID, "Errands")
	task := f.srv.AddTask(aliceID, home, outlook.Task{Title: "call Dana", Categories: []string{"Tracked to CRM"}, Stamp: "act-1"})
	_, _, homeLink := walk(t, f, "/users/"+aliceID+"/todo/lists/"+home+"/tasks/delta")
	_, _, errandsLink := walk(t, f, "/users/"+aliceID+"/todo/lists/"+errands+"/tasks/delta")

	moved := f.srv.MoveTask(aliceID, task.ID, errands)
	_, oldID, _ := outlook.SplitTaskItemID(task.ID)
	list, newID, _ := outlook.SplitTaskItemID(moved.ID)
	if newID == oldID || list != errands || moved.Title != "call Dana" || moved.Stamp != "act-1" || len(moved.Categories) != 1 {
		t.Fatalf("moved task = %+v", moved)
	}
	wantStatus(t, f.call(t, "GET", "/users/"+aliceID+"/todo/lists/"+home+"/tasks/"+oldID, nil), http.StatusNotFound)
	wantStatus(t, f.call(t, "GET", "/users/"+aliceID+"/todo/lists/"+errands+"/tasks/"+oldID, nil), http.StatusNotFound)
	r := f.call(t, "GET", "/users/"+aliceID+"/todo/lists/"+errands+"/tasks/"+newID+"?$expand=extensions", nil)
	wantStatus(t, r, http.StatusOK)
	if exts, _ := r.body["extensions"].([]any); len(exts) != 1 {
		t.Errorf("the moved task's extensions = %v", r.body["extensions"])
	}
	if entries, _, _ := walk(t, f, homeLink); len(entries) != 1 || entries[0]["id"] != oldID || entries[0]["@removed"] == nil {
		t.Errorf("old list's delta = %v", entries)
	}
	if entries, _, _ := walk(t, f, errandsLink); len(entries) != 1 || entries[0]["id"] != newID || entries[0]["title"] != "call Dana" {
		t.Errorf("new list's delta = %v", entries)
	}
}

// An ordinary delete moves a message to Deleted Items, where Graph still finds it; permanentDelete
// places it "in the Purges folder" where clients cannot reach it (message-permanentdelete.md).
func TestDeletingAMessageMovesItToDeletedItems(t *testing.T) {
	f := setup(t)
	trash := f.call(t, "GET", "/users/"+aliceID+"/mailFolders/deleteditems", nil).str("id")
	_, _, inboxLink := walk(t, f, "/users/"+aliceID+"/mailFolders/inbox/messages/delta", "Prefer", immutable)

	wantStatus(t, f.call(t, "DELETE", "/users/"+aliceID+"/messages/"+f.msg.ID, nil), http.StatusNoContent)
	r := f.call(t, "GET", "/users/"+aliceID+"/messages/"+f.msg.ID, nil)
	wantStatus(t, r, http.StatusOK)
	if r.str("parentFolderId") != trash || !f.srv.InDeletedItems(aliceID, f.msg.ID) {
		t.Errorf("deleted message in folder %q, want Deleted Items %q", r.str("parentFolderId"), trash)
	}
	if entries, _, _ := walk(t, f, inboxLink, "Prefer", immutable); len(entries) != 1 || entries[0]["@removed"] == nil {
		t.Errorf("inbox delta = %v", entries)
	}
	wantStatus(t, f.call(t, "POST", "/users/"+aliceID+"/messages/"+f.msg.ID+"/permanentDelete", nil), http.StatusNoContent)
	wantStatus(t, f.call(t, "GET", "/users/"+aliceID+"/messages/"+f.msg.ID, nil), http.StatusNotFound)

	// The user's own delete does the same; PurgeItem empties it from Deleted Items.
	other := f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "other"})
	f.srv.DeleteItem(aliceID, other.ID)
	if got, ok := f.srv.Message(aliceID, other.ID); !ok || got.ParentFolderID != trash {
		t.Errorf("after the user's delete: %+v", got)
	}
	f.srv.PurgeItem(aliceID, other.ID)
	if _, ok := f.srv.Message(aliceID, other.ID); ok {
		t.Error("a purged message is still there")
	}
}

// "Open and schema extensions service limits": any request, 455 per 10 seconds, per app per tenant
// (throttling-limits.md), whichever mailbox.
func TestOpenExtensionLimitPerTenant(t *testing.T) {
	f := setup(t, graphfake.WithExtensionLimit(3, time.Minute))
	const bob = "bob@contoso.test"
	f.srv.AddMailbox("99999999-2222-3333-4444-555555555555", bob)
	var paths []string
	for _, user := range []string{aliceID, bob} {
		list := f.srv.DefaultTaskListID(user)
		task := f.srv.AddTask(user, list, outlook.Task{Title: "t"})
		_, id, _ := outlook.SplitTaskItemID(task.ID)
		paths = append(paths, "/users/"+user+"/todo/lists/"+list+"/tasks/"+id)
	}
	ext := map[string]any{"@odata.type": "microsoft.graph.openTypeExtension", "extensionName": "com.example", "n": 1}
	wantStatus(t, f.call(t, "POST", paths[0]+"/extensions", ext), http.StatusCreated)
	wantStatus(t, f.call(t, "GET", paths[0]+"/extensions/com.example", nil), http.StatusOK)
	wantStatus(t, f.call(t, "POST", paths[1]+"/extensions", ext), http.StatusCreated)
	r := f.call(t, "PATCH", paths[1]+"/extensions/com.example", map[string]any{"n": 2})
	wantStatus(t, r, http.StatusTooManyRequests)
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	if n := f.srv.ExtensionRequestsThrottled(); n != 1 {
		t.Errorf("ExtensionRequestsThrottled = %d, want 1", n)
	}
	// Other requests are not extension requests.
	wantStatus(t, f.call(t, "GET", paths[1], nil), http.StatusOK)
}

// A message's subject and body are "updatable only if isDraft = true" (message-update.md).
func TestSubjectAndBodyOfADraftOnly(t *testing.T) {
	f := setup(t)
	for _, patch := range []map[string]any{{"subject": "x"}, {"body": map[string]any{"contentType": "text", "content": "x"}}} {
		r := f.call(t, "PATCH", "/users/"+aliceID+"/messages/"+f.msg.ID, patch)
		wantStatus(t, r, http.StatusBadRequest)
		if r.errorCode() != "ErrorInvalidPropertyUpdateSentMessage" {
			t.Errorf("code = %q", r.errorCode())
		}
	}
	if got, _ := f.srv.Message(aliceID, f.msg.ID); got.Subject != "Fleet renewal" {
		t.Errorf("subject = %q", got.Subject)
	}
	draft := f.srv.AddMessage(aliceID, "drafts", outlook.Message{Subject: "draft", IsDraft: true})
	wantStatus(t, f.call(t, "PATCH", "/users/"+aliceID+"/messages/"+draft.ID, map[string]any{"subject": "better"}), http.StatusOK)
}

// "Filtering the string name (Name) in the id of an extended property is case-sensitive"
// (singlevaluelegacyextendedproperty-get.md); the GUID is a GUID in any case.
func TestExtendedPropertyNamesAreCaseSensitive(t *testing.T) {
	f := setup(t)
	const id = "String {6b1c3f2e-7d4a-4f3b-9a57-1c2d3e4f5a6b} Name CrmActivityId"
	wantStatus(t, f.call(t, "PATCH", "/users/"+aliceID+"/messages/"+f.msg.ID, map[string]any{
		"singleValueExtendedProperties": []any{map[string]any{"id": id, "value": "act-1"}}}), http.StatusOK)
	expand := func(filterID string) int {
		q := url.QueryEscape("singleValueExtendedProperties($filter=id eq '" + filterID + "')")
		r := f.call(t, "GET", "/users/"+aliceID+"/messages/"+f.msg.ID+"?$expand="+q, nil)
		props, _ := r.body["singleValueExtendedProperties"].([]any)
		return len(props)
	}
	if n := expand(id); n != 1 {
		t.Errorf("exact id: %d properties", n)
	}
	if n := expand("string {6B1C3F2E-7D4A-4F3B-9A57-1C2D3E4F5A6B} name CrmActivityId"); n != 1 {
		t.Errorf("type and GUID in another case: %d properties", n)
	}
	if n := expand("String {6b1c3f2e-7d4a-4f3b-9a57-1c2d3e4f5a6b} Name crmactivityid"); n != 0 {
		t.Errorf("name in another case: %d properties, want 0", n)
	}
}

// Timestamps carry fractions of a second: "createdDateTime": "2017-10-07T04:59:12.9698856Z" in the
// answer to creating an event (user-post-events.md); a client must not assume whole seconds.
func TestTimestampsHaveFractions(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC)
	f := setup(t, graphfake.WithClock(func() time.Time { return now }))
	ev := f.srv.AddEvent(aliceID, outlook.Event{Subject: "e", Start: now})
	r := f.call(t, "GET", "/users/"+aliceID+"/events/"+ev.ID, nil)
	if got := r.str("lastModifiedDateTime"); got != "2026-03-02T09:00:00.1234567Z" {
		t.Errorf("lastModifiedDateTime = %q", got)
	}
	if !ev.LastModified.Equal(time.Date(2026, 3, 2, 9, 0, 0, 123456700, time.UTC)) {
		t.Errorf("LastModified = %v", ev.LastModified)
	}
}

// Exchange keeps a text event body as HTML wrapping the text, and Graph returns it so unless asked
// otherwise with Prefer: outlook.body-content-type (event-get.md).
func TestTextEventBodiesAreWrappedInHTML(t *testing.T) {
	f := setup(t)
	r := f.call(t, "POST", "/users/"+aliceID+"/events", map[string]any{
		"subject": "review", "body": map[string]any{"contentType": "text", "content": "Agenda:\n1. price & terms"},
		"start": map[string]any{"dateTime": "2026-03-10T15:00:00", "timeZone": "UTC"}, "end": map[string]any{"dateTime": "2026-03-10T16:00:00", "timeZone": "UTC"},
	})
	wantStatus(t, r, http.StatusCreated)
	id := r.str("id")
	body := f.call(t, "GET", "/users/"+aliceID+"/events/"+id, nil).body["body"].(map[string]any)
	if body["contentType"] != "html" || !strings.Contains(body["content"].(string), "<html>") || !strings.Contains(body["content"].(string), "price &amp; terms") {
		t.Errorf("body = %v", body)
	}
	text := f.call(t, "GET", "/users/"+aliceID+"/events/"+id, nil, "Prefer", `outlook.body-content-type="text"`).body["body"].(map[string]any)
	if text["contentType"] != "text" || text["content"] != "Agenda:\n1. price & terms" {
		t.Errorf("body as text = %q", text)
	}
}
