package graphfake_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

// rawCall sends body as it is, so a test can send what json.Marshal would not write.
func (f *fixture) rawCall(t *testing.T, method, path, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, f.base+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer test-token")
	req.Header.Set("Content-Type", "application/json")
	return send(t, req)
}

func eventBody() map[string]any {
	return map[string]any{
		"@odata.type": "#microsoft.graph.event",
		"subject":     "Quote review",
		"body":        map[string]any{"contentType": "html", "content": "<p>Agenda</p>"},
		"start":       map[string]any{"dateTime": "2026-03-10T15:00:00.0000000", "timeZone": "UTC"},
		"end":         map[string]any{"dateTime": "2026-03-10T16:00:00.0000000", "timeZone": "UTC"},
		"location":    map[string]any{"displayName": "Room 4"},
		"attendees": []any{map[string]any{
			"emailAddress": map[string]any{"name": "Dana", "address": "dana.whitfield@fabrikam.test"}, "type": "optional",
		}},
		"categories":                    []string{outlook.TrackedCategory},
		"singleValueExtendedProperties": []any{map[string]any{"id": outlook.StampPropertyID, "value": "act-1"}},
	}
}

func TestPostValidation(t *testing.T) {
	f := setup(t)
	events := "/users/" + aliceID + "/events"
	withoutEnd := eventBody()
	delete(withoutEnd, "end")
	tests := []struct {
		name     string
		path     string
		body     string
		wantCode string
	}{
		{"malformed JSON", events, `{"subject":`, "RequestBodyRead"},
		{"not an object", events, `[1,2]`, "RequestBodyRead"},
		{"subject of the wrong type", events, `{"subject":7,"start":{"dateTime":"2026-03-10T15:00:00","timeZone":"UTC"},"end":{"dateTime":"2026-03-10T16:00:00","timeZone":"UTC"}}`, "RequestBodyRead"},
		{"event without an end", events, mustJSON(t, withoutEnd), "ErrorInvalidRequest"},
		{"event ending before it starts", events, `{"start":{"dateTime":"2026-03-10T15:00:00","timeZone":"UTC"},"end":{"dateTime":"2026-03-10T14:00:00","timeZone":"UTC"}}`, "ErrorInvalidRequest"},
		{"attendee of an unknown type", events, `{"start":{"dateTime":"2026-03-10T15:00:00","timeZone":"UTC"},"end":{"dateTime":"2026-03-10T16:00:00","timeZone":"UTC"},"attendees":[{"emailAddress":{"address":"a@b.test"},"type":"vip"}]}`, "RequestBodyRead"},
		{"categories not a list", "/users/" + aliceID + "/contacts", `{"givenName":"Jonas","categories":"Red"}`, "RequestBodyRead"},
		{"email addresses of the wrong type", "/users/" + aliceID + "/contacts", `{"emailAddresses":"jonas@litware.test"}`, "RequestBodyRead"},
		{"task status not a status", "/users/" + aliceID + "/todo/lists/" + f.srv.DefaultTaskListID(aliceID) + "/tasks", `{"title":"t","status":"done"}`, "RequestBodyRead"},
		{"task with an extended property", "/users/" + aliceID + "/todo/lists/" + f.srv.DefaultTaskListID(aliceID) + "/tasks", `{"title":"t","singleValueExtendedProperties":[]}`, "RequestBodyRead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.rawCall(t, "POST", tt.path, tt.body)
			wantStatus(t, r, http.StatusBadRequest)
			if r.errorCode() != tt.wantCode {
				t.Errorf("code = %q, want %q", r.errorCode(), tt.wantCode)
			}
		})
	}
	if n := len(f.srv.Events(aliceID)) + len(f.srv.Contacts(aliceID)) + len(f.srv.Tasks(aliceID)); n != 0 {
		t.Errorf("refused bodies created %d items", n)
	}
	r := f.call(t, "POST", "/users/"+aliceID+"/todo/lists/AAMkADU3bm90LWEtbGlzdA=/tasks", map[string]any{"title": "t"})
	wantStatus(t, r, http.StatusNotFound)
}

func TestPostEventStampsInOneRequest(t *testing.T) {
	f := setup(t)
	path := "/users/" + aliceID + "/calendarView/delta?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z"
	_, _, deltaLink := walk(t, f, path)

	r := f.call(t, "POST", "/users/"+aliceID+"/events", eventBody(), "Prefer", immutable)
	wantStatus(t, r, http.StatusCreated)
	id := r.str("id")
	got, ok := f.srv.Event(aliceID, id)
	if !ok {
		t.Fatalf("no event %q after POST (answer %v)", id, r.body)
	}
	if got.ID != id || r.str("changeKey") != got.ChangeKey || r.str("iCalUId") == "" || r.str("lastModifiedDateTime") == "" {
		t.Errorf("answer %v does not match the stored event %+v", r.body, got)
	}
	if got.Stamp != "act-1" || !slices.Equal(got.Categories, []string{outlook.TrackedCategory}) || f.srv.StampWrites(aliceID, id) != 1 {
		t.Errorf("stamp %q, categories %v, stamp writes %d", got.Stamp, got.Categories, f.srv.StampWrites(aliceID, id))
	}
	want := outlook.Event{Subject: "Quote review", Body: "<p>Agenda</p>", BodyType: "html", Location: "Room 4",
		Start: time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 10, 16, 0, 0, 0, time.UTC),
		Organizer: outlook.Address{Name: aliceUPN, Email: aliceUPN}, IsOrganizer: true,
		Attendees: []outlook.Attendee{{Address: outlook.Address{Name: "Dana", Email: "dana.whitfield@fabrikam.test"}, Type: "optional"}}}
	if got.Subject != want.Subject || got.Body != want.Body || got.BodyType != want.BodyType || got.Location != want.Location ||
		!got.Start.Equal(want.Start) || !got.End.Equal(want.End) || got.Organizer != want.Organizer || !got.IsOrganizer ||
		!slices.Equal(got.Attendees, want.Attendees) {
		t.Errorf("stored event %+v, want %+v", got, want)
	}

	entries, _, _ := walk(t, f, deltaLink, "Prefer", immutable)
	if len(entries) != 1 || entries[0]["id"] != id {
		t.Errorf("the next delta round = %v, want the new event", entries)
	}
}

func TestPostContactAndTask(t *testing.T) {
	f := setup(t)
	r := f.call(t, "POST", "/users/"+aliceID+"/contacts", map[string]any{
		"givenName": "Jonas", "surname": "Berg", "companyName": "Litware",
		"emailAddresses": []any{map[string]any{"name": "Jonas Berg", "address": "jonas.berg@litware.test"}},
		"businessPhones": []string{"+1 312 555 0188"}, "mobilePhone": "+1 312 555 0199",
	}, "Prefer", immutable)
	wantStatus(t, r, http.StatusCreated)
	contacts := f.srv.Contacts(aliceID)
	if len(contacts) != 1 || contacts[0].ID != r.str("id") || contacts[0].DisplayName != "Jonas Berg" ||
		contacts[0].EmailAddresses[0].Email != "jonas.berg@litware.test" || contacts[0].MobilePhone != "+1 312 555 0199" {
		t.Errorf("contacts after POST = %+v", contacts)
	}

	list := f.srv.DefaultTaskListID(aliceID)
	r = f.call(t, "POST", "/users/"+aliceID+"/todo/lists/"+list+"/tasks", map[string]any{
		"title": "Send the quote", "importance": "high",
		"dueDateTime": map[string]any{"dateTime": "2026-03-12T00:00:00.0000000", "timeZone": "UTC"},
	})
	wantStatus(t, r, http.StatusCreated)
	tasks := f.srv.Tasks(aliceID)
	if len(tasks) != 1 || tasks[0].ID != outlook.TaskItemID(list, r.str("id")) || tasks[0].Status != "notStarted" ||
		tasks[0].Importance != "high" || tasks[0].Due == nil || !tasks[0].Due.Equal(time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("tasks after POST = %+v", tasks)
	}
	if r.str("@odata.etag") != tasks[0].ChangeKey {
		t.Errorf("etag %q, stored %q", r.str("@odata.etag"), tasks[0].ChangeKey)
	}
}

func TestDeleteLeavesRemoved(t *testing.T) {
	f := setup(t)
	at := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	ev := f.srv.AddEvent(aliceID, outlook.Event{Subject: "e", Start: at})
	ct := f.srv.AddContact(aliceID, outlook.Contact{GivenName: "c"})
	list := f.srv.DefaultTaskListID(aliceID)
	task := f.srv.AddTask(aliceID, list, outlook.Task{Title: "t"})
	_, taskID, _ := outlook.SplitTaskItemID(task.ID)
	trash := f.call(t, "GET", "/users/"+aliceID+"/mailFolders/deleteditems", nil).str("id")
	cases := []struct {
		name, item, delta, id string
		// inTrash checks the item after one DELETE: an ordinary delete moves an event or contact to
		// Deleted Items, where Graph still finds it; a To Do task is gone.
		inTrash func(t *testing.T)
	}{
		{"event", "/users/" + aliceID + "/events/" + ev.ID, "/users/" + aliceID + "/calendarView/delta?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z", ev.ID,
			func(t *testing.T) {
				wantStatus(t, f.call(t, "GET", "/users/"+aliceID+"/events/"+ev.ID, nil), http.StatusOK)
				wantStatus(t, f.call(t, "GET", "/users/"+aliceID+"/calendar/events/"+ev.ID, nil), http.StatusNotFound)
			}},
		{"contact", "/users/" + aliceID + "/contacts/" + ct.ID, "/users/" + aliceID + "/contactFolders/" + contactFolder(t, f) + "/contacts/delta", ct.ID,
			func(t *testing.T) {
				r := f.call(t, "GET", "/users/"+aliceID+"/contacts/"+ct.ID, nil)
				wantStatus(t, r, http.StatusOK)
				if r.str("parentFolderId") != trash {
					t.Errorf("deleted contact's parentFolderId = %q, want Deleted Items %q", r.str("parentFolderId"), trash)
				}
			}},
		{"task", "/users/" + aliceID + "/todo/lists/" + list + "/tasks/" + taskID, "/users/" + aliceID + "/todo/lists/" + list + "/tasks/delta", taskID,
			func(t *testing.T) {
				wantStatus(t, f.call(t, "GET", "/users/"+aliceID+"/todo/lists/"+list+"/tasks/"+taskID, nil), http.StatusNotFound)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, deltaLink := walk(t, f, tc.delta, "Prefer", immutable)
			wantStatus(t, f.call(t, "DELETE", tc.item, nil), http.StatusNoContent)
			tc.inTrash(t)
			// Deleting what is in Deleted Items deletes it for good.
			if tc.name != "task" {
				wantStatus(t, f.call(t, "DELETE", tc.item, nil), http.StatusNoContent)
			}
			wantStatus(t, f.call(t, "GET", tc.item, nil), http.StatusNotFound)
			r := f.call(t, "DELETE", tc.item, nil)
			wantStatus(t, r, http.StatusNotFound)
			if r.errorCode() != "ErrorItemNotFound" {
				t.Errorf("DELETE of what is gone: code %q", r.errorCode())
			}
			entries, _, _ := walk(t, f, deltaLink, "Prefer", immutable)
			if len(entries) != 1 || entries[0]["id"] != tc.id || entries[0]["@removed"] == nil {
				t.Errorf("delta after DELETE = %v, want %s @removed", entries, tc.id)
			}
		})
	}
}

func TestPatchEveryWritableField(t *testing.T) {
	f := setup(t)
	at := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	ev := f.srv.AddEvent(aliceID, outlook.Event{Subject: "e", Start: at})
	r := f.call(t, "PATCH", "/users/"+aliceID+"/events/"+ev.ID, map[string]any{
		"subject": "moved", "body": map[string]any{"contentType": "text", "content": "new agenda"},
		"location":  map[string]any{"displayName": "Room 5"},
		"start":     map[string]any{"dateTime": "2026-03-11T15:00:00.0000000", "timeZone": "UTC"},
		"end":       map[string]any{"dateTime": "2026-03-11T15:30:00.0000000", "timeZone": "UTC"},
		"attendees": []any{map[string]any{"emailAddress": map[string]any{"address": "dana.whitfield@fabrikam.test"}, "type": "required"}},
	})
	wantStatus(t, r, http.StatusOK)
	got, _ := f.srv.Event(aliceID, ev.ID)
	// Exchange keeps a text body as the HTML it wraps it in.
	if got.Subject != "moved" || got.BodyType != "html" || !strings.Contains(got.Body, "<div>new agenda</div>") || got.Location != "Room 5" || !got.Start.Equal(at.AddDate(0, 0, 1)) ||
		!got.End.Equal(at.AddDate(0, 0, 1).Add(30*time.Minute)) || len(got.Attendees) != 1 || got.ChangeKey == ev.ChangeKey {
		t.Errorf("event after PATCH = %+v", got)
	}

	ct := f.srv.AddContact(aliceID, outlook.Contact{GivenName: "c", CompanyName: "Old"})
	r = f.call(t, "PATCH", "/users/"+aliceID+"/contacts/"+ct.ID, map[string]any{
		"givenName": "Jonas", "surname": "Berg", "displayName": "Jonas Berg", "companyName": nil, "jobTitle": "CFO",
		"mobilePhone": "+1", "businessPhones": []string{"+2"}, "emailAddresses": []any{map[string]any{"address": "jonas@litware.test"}},
	})
	wantStatus(t, r, http.StatusOK)
	gotC, _ := f.srv.Contact(aliceID, ct.ID)
	if gotC.DisplayName != "Jonas Berg" || gotC.CompanyName != "" || gotC.JobTitle != "CFO" || gotC.MobilePhone != "+1" ||
		!slices.Equal(gotC.BusinessPhones, []string{"+2"}) || gotC.EmailAddresses[0].Email != "jonas@litware.test" {
		t.Errorf("contact after PATCH = %+v", gotC)
	}

	list := f.srv.DefaultTaskListID(aliceID)
	due := at
	task := f.srv.AddTask(aliceID, list, outlook.Task{Title: "t", Due: &due})
	_, taskID, _ := outlook.SplitTaskItemID(task.ID)
	r = f.call(t, "PATCH", "/users/"+aliceID+"/todo/lists/"+list+"/tasks/"+taskID, map[string]any{
		"title": "done?", "status": "completed", "importance": "low", "dueDateTime": nil, "body": map[string]any{"content": "notes"},
	})
	wantStatus(t, r, http.StatusOK)
	gotT, _ := f.srv.Task(aliceID, task.ID)
	if gotT.Title != "done?" || gotT.Status != "completed" || gotT.Importance != "low" || gotT.Due != nil || gotT.Body != "notes" ||
		gotT.ChangeKey == task.ChangeKey || gotT.LastModified.IsZero() {
		t.Errorf("task after PATCH = %+v", gotT)
	}
}

func TestBodiesRecordsWritesInOrder(t *testing.T) {
	f := setup(t)
	f.srv.InjectFault("POST /users/{user}/contacts", graphfake.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	wantStatus(t, f.call(t, "POST", "/users/"+aliceID+"/contacts", map[string]any{"givenName": "first"}), http.StatusServiceUnavailable)
	wantStatus(t, f.call(t, "POST", "/users/"+aliceID+"/contacts", map[string]any{"givenName": "second"}), http.StatusCreated)
	wantStatus(t, f.call(t, "GET", "/users/"+aliceID+"/messages/"+f.msg.ID, nil), http.StatusOK)
	wantStatus(t, f.call(t, "PATCH", "/users/"+aliceUPN+"/messages/"+f.msg.ID, map[string]any{"categories": []string{"third"}}), http.StatusOK)

	bodies := f.srv.Bodies(aliceID)
	if len(bodies) != 3 || !strings.Contains(bodies[0], "first") || !strings.Contains(bodies[1], "second") || !strings.Contains(bodies[2], "third") {
		t.Errorf("Bodies = %q, want the three writes in order, the faulted one included", bodies)
	}
	if n := f.srv.Requests("POST /users/{user}/contacts"); n != 2 {
		t.Errorf("Requests(POST contacts) = %d, want 2", n)
	}
}

func TestDefaultTaskList(t *testing.T) {
	f := setup(t)
	list := f.srv.DefaultTaskListID(aliceID)
	if list == "" || f.srv.AddTaskList(aliceID, "Tasks") != list {
		t.Fatalf("default list %q; AddTaskList(Tasks) must return it", list)
	}
	other := f.srv.AddTaskList(aliceID, "Errands")
	r := f.call(t, "GET", "/users/"+aliceID+"/todo/lists", nil)
	wantStatus(t, r, http.StatusOK)
	lists := r.values()
	if len(lists) != 2 || lists[0]["id"] != list || lists[0]["wellknownListName"] != "defaultList" ||
		lists[1]["id"] != other || lists[1]["wellknownListName"] != "none" {
		t.Errorf("lists = %v", lists)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
