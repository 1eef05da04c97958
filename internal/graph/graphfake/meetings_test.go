package graphfake_test

import (
	"net/http"
	"testing"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

const dana = "dana.whitfield@fabrikam.test" // an external attendee

func attendee(address, typ string) map[string]any {
	return map[string]any{"emailAddress": map[string]any{"address": address}, "type": typ}
}

func meetingBody(attendees ...any) map[string]any {
	return map[string]any{
		"subject":   "Quote review",
		"body":      map[string]any{"contentType": "text", "content": "Agenda"},
		"start":     map[string]any{"dateTime": "2026-03-10T15:00:00", "timeZone": "UTC"},
		"end":       map[string]any{"dateTime": "2026-03-10T16:00:00", "timeZone": "UTC"},
		"location":  map[string]any{"displayName": "Room 4"},
		"attendees": attendees,
	}
}

// counts is the meeting messages sent to each address, by kind.
func counts(srv *graphfake.Server, kind graphfake.MeetingMessageKind, addresses ...string) []int {
	out := make([]int, len(addresses))
	for i, a := range addresses {
		out[i] = srv.MeetingMessageCount(kind, a)
	}
	return out
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// "When an event is sent, the server sends invitations to all the attendees" (user-post-events.md); an
// invitee gets an eventMessage of meetingMessageType meetingRequest, and "Outlook automatically creates an
// event instance in the invitee's calendar" (eventmessage.md). An event without attendees invites nobody.
func TestCreatingAMeetingSendsRequests(t *testing.T) {
	f := mailFixture(t)
	r := f.call(t, "POST", "/users/"+aliceID+"/events", meetingBody(attendee(bobUPN, "required"), attendee(dana, "optional")))
	wantStatus(t, r, http.StatusCreated)
	if got := counts(f.srv, graphfake.MeetingRequest, bobUPN, dana, aliceUPN); !equal(got, []int{1, 1, 0}) {
		t.Errorf("requests to bob, dana, alice = %v, want [1 1 0]", got)
	}
	msgs := f.srv.SentMeetingMessages()
	if len(msgs) != 2 || !msgs[0].Delivered || msgs[1].Delivered || msgs[0].From != aliceUPN || msgs[0].Subject != "Quote review" {
		t.Errorf("SentMeetingMessages() = %+v", msgs)
	}
	in := f.srv.Messages(bobID, "inbox")
	if len(in) != 1 {
		t.Fatalf("bob's inbox: %+v", in)
	}
	got := f.call(t, "GET", "/users/"+bobID+"/messages/"+in[0].ID, nil)
	wantStatus(t, got, http.StatusOK)
	if got.str("@odata.type") != "#microsoft.graph.eventMessageRequest" || got.str("meetingMessageType") != "meetingRequest" {
		t.Errorf("bob's request: %v", got.body)
	}
	copies := f.srv.Events(bobID)
	if len(copies) != 1 || copies[0].IsOrganizer || copies[0].Organizer.Email != aliceUPN || copies[0].ICalUID != r.str("iCalUId") {
		t.Errorf("bob's calendar: %+v", copies)
	}

	wantStatus(t, f.call(t, "POST", "/users/"+aliceID+"/events", meetingBody()), http.StatusCreated)
	if n := f.srv.MeetingMessageCount("", ""); n != 2 {
		t.Errorf("an event without attendees sent messages: %d in all", n)
	}
}

// event-update.md: "An event update that includes only the attendees property in the request body sends a
// meeting update to only the attendees that have changed"; a change of the meeting itself updates every
// attendee (with previousStartDateTime, eventmessagerequest.md); the organizer's own categories and
// extended properties send nothing.
func TestUpdatingAMeeting(t *testing.T) {
	f := mailFixture(t)
	r := f.call(t, "POST", "/users/"+aliceID+"/events", meetingBody(attendee(bobUPN, "required"), attendee(dana, "required")))
	wantStatus(t, r, http.StatusCreated)
	event := "/users/" + aliceID + "/events/" + r.str("id")

	wantStatus(t, f.call(t, "PATCH", event, map[string]any{"categories": []string{outlook.TrackedCategory},
		"singleValueExtendedProperties": []any{map[string]any{"id": outlook.StampPropertyID, "value": "act-1"}}}), http.StatusOK)
	if n := f.srv.MeetingMessageCount("", ""); n != 2 {
		t.Errorf("stamping sent messages: %d in all", n)
	}

	wantStatus(t, f.call(t, "PATCH", event, map[string]any{
		"start": map[string]any{"dateTime": "2026-03-11T15:00:00", "timeZone": "UTC"},
		"end":   map[string]any{"dateTime": "2026-03-11T16:00:00", "timeZone": "UTC"}}), http.StatusOK)
	if got := counts(f.srv, graphfake.MeetingUpdate, bobUPN, dana); !equal(got, []int{1, 1}) {
		t.Errorf("updates after a time change = %v, want [1 1]", got)
	}
	in := f.srv.Messages(bobID, "inbox")
	update := f.call(t, "GET", "/users/"+bobID+"/messages/"+in[len(in)-1].ID, nil)
	if prev, _ := update.body["previousStartDateTime"].(map[string]any); prev["dateTime"] != "2026-03-10T15:00:00.0000000" {
		t.Errorf("the update does not say the previous start: %v", update.body)
	}
	if copies := f.srv.Events(bobID); len(copies) != 1 || copies[0].Start.Day() != 11 {
		t.Errorf("bob's copy not moved: %+v", copies)
	}

	wantStatus(t, f.call(t, "PATCH", event, map[string]any{"attendees": []any{attendee(bobUPN, "required"), attendee(carolUPN, "optional")}}), http.StatusOK)
	if got := counts(f.srv, graphfake.MeetingRequest, bobUPN, dana, carolUPN); !equal(got, []int{1, 1, 1}) {
		t.Errorf("requests after swapping dana for carol = %v, want [1 1 1]", got)
	}
	if got := counts(f.srv, graphfake.MeetingCancellation, bobUPN, dana, carolUPN); !equal(got, []int{0, 1, 0}) {
		t.Errorf("cancellations = %v, want [0 1 0]", got)
	}
	if got := counts(f.srv, graphfake.MeetingUpdate, bobUPN, dana, carolUPN); !equal(got, []int{1, 1, 0}) {
		t.Errorf("updates after an attendees-only change = %v, want [1 1 0]", got)
	}
}

// "If the event is a meeting, deleting the event on the organizer's calendar sends a cancellation message
// to the meeting attendees" (event-delete.md); cancel sends one too, and "An attendee calling this action
// gets an error (HTTP 400 Bad Request)" (event-cancel.md). An attendee deleting its copy sends nothing.
func TestDeletingAMeetingCancelsIt(t *testing.T) {
	f := mailFixture(t)
	first := f.call(t, "POST", "/users/"+aliceID+"/events", meetingBody(attendee(bobUPN, "required"), attendee(dana, "required")))
	second := f.call(t, "POST", "/users/"+aliceID+"/events", meetingBody(attendee(bobUPN, "required")))

	wantStatus(t, f.call(t, "DELETE", "/users/"+aliceID+"/events/"+first.str("id"), nil), http.StatusNoContent)
	if got := counts(f.srv, graphfake.MeetingCancellation, bobUPN, dana); !equal(got, []int{1, 1}) {
		t.Errorf("cancellations after a delete = %v, want [1 1]", got)
	}
	bobs := f.srv.Events(bobID)
	if len(bobs) != 2 || !bobs[0].IsCancelled || bobs[1].IsCancelled {
		t.Errorf("bob's calendar: %+v", bobs)
	}
	in := f.srv.Messages(bobID, "inbox")
	if cancel := f.call(t, "GET", "/users/"+bobID+"/messages/"+in[len(in)-1].ID, nil); cancel.str("meetingMessageType") != "meetingCancelled" ||
		cancel.str("subject") != "Canceled: Quote review" {
		t.Errorf("bob's cancellation: %v", cancel.body)
	}

	wantStatus(t, f.call(t, "POST", "/users/"+bobID+"/events/"+f.srv.RESTID(bobID, bobs[1].ID)+"/cancel", map[string]any{"Comment": "no"}), http.StatusBadRequest)
	wantStatus(t, f.call(t, "DELETE", "/users/"+bobID+"/events/"+bobs[1].ID, nil), http.StatusNoContent)
	if n := f.srv.MeetingMessageCount(graphfake.MeetingCancellation, aliceUPN); n != 0 {
		t.Errorf("an attendee's delete sent %d cancellations", n)
	}
	wantStatus(t, f.call(t, "POST", "/users/"+aliceID+"/events/"+second.str("id")+"/cancel", map[string]any{"Comment": "Sorry"}), http.StatusAccepted)
	if n := f.srv.MeetingMessageCount(graphfake.MeetingCancellation, bobUPN); n != 2 {
		t.Errorf("cancellations to bob = %d, want 2", n)
	}
	if n := len(f.srv.Events(aliceID)); n != 0 {
		t.Errorf("alice still has %d events", n)
	}
}

// transactionId: "A custom identifier specified by a client app for the server to avoid redundant POST
// operations in case of client retries to create the same event … After you set transactionId when
// creating an event, you cannot change transactionId in a subsequent update" (event resource type).
func TestTransactionIDGuardsAgainstADuplicateCreate(t *testing.T) {
	f := mailFixture(t)
	body := meetingBody(attendee(bobUPN, "required"))
	body["transactionId"] = outlook.EventTransactionID("appt-7", 3)
	first := f.call(t, "POST", "/users/"+aliceID+"/events", body)
	wantStatus(t, first, http.StatusCreated)
	retry := f.call(t, "POST", "/users/"+aliceID+"/events", body)
	wantStatus(t, retry, http.StatusCreated)
	if retry.str("id") != first.str("id") || retry.str("transactionId") != body["transactionId"] {
		t.Errorf("the retry made %s, the first %s", retry.str("id"), first.str("id"))
	}
	if n := len(f.srv.Events(aliceID)); n != 1 {
		t.Errorf("%d events after a retried create", n)
	}
	if n := f.srv.MeetingMessageCount(graphfake.MeetingRequest, bobUPN); n != 1 {
		t.Errorf("%d requests after a retried create, want 1", n)
	}
	r := f.call(t, "PATCH", "/users/"+aliceID+"/events/"+first.str("id"), map[string]any{"transactionId": "another"})
	wantStatus(t, r, http.StatusBadRequest)

	body["transactionId"] = outlook.EventTransactionID("appt-7", 4)
	wantStatus(t, f.call(t, "POST", "/users/"+aliceID+"/events", body), http.StatusCreated)
	delete(body, "transactionId")
	wantStatus(t, f.call(t, "POST", "/users/"+aliceID+"/events", body), http.StatusCreated)
	if n := len(f.srv.Events(aliceID)); n != 3 {
		t.Errorf("%d events, want 3", n)
	}
	if got := first.body["transactionId"]; got != outlook.EventTransactionID("appt-7", 3) {
		t.Errorf("transactionId rendered as %v", got)
	}
}
