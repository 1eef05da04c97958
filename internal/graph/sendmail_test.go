package graph_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

const (
	peerID  = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f"
	peerUPN = "grace@contoso.test"
)

func TestSendMail(t *testing.T) {
	mb, b := setup(t)
	b.fake.AddMailbox(peerID, peerUPN)
	msg := outlook.Message{Subject: "Quote", Body: "<p>Attached</p>", BodyType: "html",
		To: []outlook.Address{{Name: "Grace", Email: peerUPN}}, Cc: []outlook.Address{{Email: "linus@fabrikam.test"}}}
	if err := mb.SendMail(ctx, msg, true); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	in := b.fake.Messages(peerID, "inbox")
	if len(in) != 1 || in[0].Subject != "Quote" || in[0].From.Email != upn || in[0].BodyType != "html" {
		t.Errorf("grace's inbox: %+v", in)
	}
	if sent := b.fake.Messages(userID, "sentitems"); len(sent) != 1 || sent[0].InternetMessageID != in[0].InternetMessageID {
		t.Errorf("Sent Items: %+v", sent)
	}
	if got := b.fake.SentMail(); len(got) != 1 || !slices.Equal(got[0].External, []string{"linus@fabrikam.test"}) {
		t.Errorf("SentMail() = %+v", got)
	}

	if err := mb.SendMail(ctx, outlook.Message{Subject: "No copy", To: []outlook.Address{{Email: peerUPN}}}, false); err != nil {
		t.Fatal(err)
	}
	if n := len(b.fake.Messages(userID, "sentitems")); n != 1 {
		t.Errorf("saveToSentItems false kept a copy: %d in Sent Items", n)
	}
	if err := mb.SendMail(ctx, outlook.Message{Subject: "nobody"}, true); !errors.Is(err, outlook.ErrInvalid) {
		t.Errorf("SendMail without recipients = %v, want ErrInvalid", err)
	}
	b.fake.InjectFault("POST /users/{user}/sendMail", graphfake.Fault{Status: 403})
	if err := mb.SendMail(ctx, msg, true); !errors.Is(err, outlook.ErrPermission) {
		t.Errorf("SendMail refused = %v, want ErrPermission", err)
	}
}

func TestReplyCarriesTheThread(t *testing.T) {
	mb, b := setup(t)
	b.fake.AddMailbox(peerID, peerUPN)
	original, err := b.fake.SendMail(peerID, outlook.Message{Subject: "Renewal", To: []outlook.Address{{Email: upn}}})
	if err != nil {
		t.Fatal(err)
	}
	received := b.fake.Messages(userID, "inbox")[0]
	if err := mb.Reply(ctx, received.ID, "Yes, Friday."); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	back := b.fake.Messages(peerID, "inbox")
	if len(back) != 1 || back[0].InReplyTo != original.InternetMessageID || !strings.HasPrefix(back[0].Subject, "RE: ") {
		t.Errorf("grace's inbox: %+v", back)
	}
	// What tracking reads of it: the thread headers, through the SDK.
	got, err := mb.Message(ctx, b.fake.Messages(userID, "sentitems")[0].ID)
	if err != nil || got.InReplyTo != original.InternetMessageID || !slices.Equal(got.References, []string{original.InternetMessageID}) {
		t.Errorf("the reply in Sent Items: %+v, %v", got, err)
	}
	if err := mb.Reply(ctx, "AAMkAGI2bm90aGVyZQ=", "x"); !errors.Is(err, outlook.ErrNotFound) {
		t.Errorf("Reply to nothing = %v, want ErrNotFound", err)
	}
}

// A create retried with the same transactionId gets the first event back, and sends no second request.
func TestCreateEventWithTransactionID(t *testing.T) {
	mb, b := setup(t)
	b.fake.AddMailbox(peerID, peerUPN)
	e := outlook.Event{Subject: "Review", Start: at("2026-03-10T15:00:00Z"), End: at("2026-03-10T16:00:00Z"),
		Attendees:     []outlook.Attendee{{Address: outlook.Address{Email: peerUPN}, Type: "required"}},
		TransactionID: outlook.EventTransactionID("appt-42", 7), Stamp: "appt-42"}
	first, err := mb.CreateEvent(ctx, e)
	if err != nil {
		t.Fatalf("CreateEvent: %v", err)
	}
	again, err := mb.CreateEvent(ctx, e)
	if err != nil {
		t.Fatalf("CreateEvent again: %v", err)
	}
	if again.ID != first.ID || first.TransactionID != e.TransactionID {
		t.Errorf("the retry made %s (first %s, transactionId %q)", again.ID, first.ID, first.TransactionID)
	}
	if n := len(b.fake.Events(userID)); n != 1 {
		t.Errorf("%d events", n)
	}
	if n := b.fake.MeetingMessageCount(graphfake.MeetingRequest, peerUPN); n != 1 {
		t.Errorf("%d requests to the attendee, want 1", n)
	}
	bodies := b.fake.Bodies(userID)
	if !strings.Contains(bodies[0], `"transactionId":"`+e.TransactionID+`"`) {
		t.Errorf("POST body without the transactionId: %s", bodies[0])
	}

	e.TransactionID = ""
	if _, err := mb.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	if n := len(b.fake.Events(userID)); n != 2 {
		t.Errorf("without a transactionId: %d events, want 2", n)
	}
}

func TestEventTransactionIDIsStableAndDistinct(t *testing.T) {
	a := outlook.EventTransactionID("appt-42", 7)
	if a != outlook.EventTransactionID("appt-42", 7) || a == outlook.EventTransactionID("appt-42", 8) || a == outlook.EventTransactionID("appt-43", 7) {
		t.Error("EventTransactionID is not a function of id and version alone")
	}
	if len(a) != 36 || strings.Count(a, "-") != 4 {
		t.Errorf("EventTransactionID = %q, want a GUID shape", a)
	}
}

// What Exchange sends for crmsync's writes of a meeting it organizes, through the SDK: a request per
// attendee on create, an update on a time change, a cancellation to an attendee removed, and
// cancellations when the event is deleted.
func TestMeetingMessagesOfEventWrites(t *testing.T) {
	mb, b := setup(t)
	b.fake.AddMailbox(peerID, peerUPN)
	external := "linus@fabrikam.test"
	e := outlook.Event{Subject: "Review", Start: at("2026-03-10T15:00:00Z"), End: at("2026-03-10T16:00:00Z"),
		Attendees: []outlook.Attendee{{Address: outlook.Address{Email: peerUPN}}, {Address: outlook.Address{Email: external}}}}
	created, err := mb.CreateEvent(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	e.Start, e.End = at("2026-03-11T15:00:00Z"), at("2026-03-11T16:00:00Z")
	if _, err := mb.UpdateEvent(ctx, created.ID, e, []string{"start", "end"}); err != nil {
		t.Fatal(err)
	}
	e.Attendees = e.Attendees[:1]
	if _, err := mb.UpdateEvent(ctx, created.ID, e, []string{"attendees"}); err != nil {
		t.Fatal(err)
	}
	if err := mb.DeleteEvent(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	count := func(kind graphfake.MeetingMessageKind, to string) int { return b.fake.MeetingMessageCount(kind, to) }
	got := []int{count(graphfake.MeetingRequest, peerUPN), count(graphfake.MeetingRequest, external),
		count(graphfake.MeetingUpdate, peerUPN), count(graphfake.MeetingUpdate, external),
		count(graphfake.MeetingCancellation, peerUPN), count(graphfake.MeetingCancellation, external)}
	if !slices.Equal(got, []int{1, 1, 1, 1, 1, 1}) {
		t.Errorf("requests, updates, cancellations to grace and linus = %v, want one of each", got)
	}
}
