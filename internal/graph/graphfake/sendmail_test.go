package graphfake_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/crmsync/crmsync/internal/outlook"
)

func recipient(address string) map[string]any {
	return map[string]any{"emailAddress": map[string]any{"address": address}}
}

func mailFixture(t *testing.T) *fixture {
	t.Helper()
	f := setup(t)
	f.srv.AddMailbox(bobID, bobUPN)
	f.srv.AddMailbox(carolID, carolUPN)
	f.srv.SetDisplayName(aliceID, "Alice Johnson")
	return f
}

// POST /users/{id}/sendMail answers 202 Accepted with no body, and "saves the message in the Sent Items
// folder" unless saveToSentItems is false (user-sendmail.md). Exchange delivers to every recipient: here
// each one with a mailbox gets it in its Inbox, Bcc recipients unseen by the others.
func TestSendMailDeliversToEveryMailbox(t *testing.T) {
	f := mailFixture(t)
	r := f.call(t, "POST", "/users/"+aliceID+"/sendMail", map[string]any{"message": map[string]any{
		"subject":                "Renewal quote",
		"body":                   map[string]any{"contentType": "HTML", "content": "<p>Attached.</p>"},
		"toRecipients":           []any{recipient(bobUPN), recipient("dana.whitfield@fabrikam.test")},
		"ccRecipients":           []any{recipient("CAROL@contoso.test")},
		"bccRecipients":          []any{recipient(aliceUPN)},
		"internetMessageHeaders": []any{map[string]any{"name": "x-crm-quote", "value": "Q-17"}},
	}})
	wantStatus(t, r, http.StatusAccepted)
	if r.body != nil {
		t.Errorf("202 with a body: %v", r.body)
	}
	sent := f.srv.Messages(aliceID, "sentitems")
	if len(sent) != 1 || len(sent[0].Bcc) != 1 || sent[0].From.Email != aliceUPN || sent[0].From.Name != "Alice Johnson" || sent[0].BodyType != "html" {
		t.Fatalf("Sent Items: %+v", sent)
	}
	id := sent[0].InternetMessageID
	for _, user := range []string{bobID, carolID, aliceID} {
		in := f.srv.Messages(user, "inbox")
		if len(in) == 0 {
			t.Fatalf("%s's inbox is empty", user)
		}
		if m := in[len(in)-1]; m.InternetMessageID != id || m.Subject != "Renewal quote" || m.From.Email != aliceUPN || len(m.Bcc) != 0 {
			t.Errorf("%s's inbox: %+v", user, m)
		}
	}
	got := f.srv.SentMail()
	if len(got) != 1 || !slices.Equal(got[0].External, []string{"dana.whitfield@fabrikam.test"}) || len(got[0].Delivered) != 3 || !got[0].SavedToSentItems {
		t.Errorf("SentMail() = %+v", got)
	}
}

// saveToSentItems: "Specify it only if the parameter is false" (user-sendmail.md, whose example sends the
// string "false").
func TestSendMailWithoutSentItemsCopy(t *testing.T) {
	f := mailFixture(t)
	r := f.call(t, "POST", "/users/"+bobID+"/sendMail", map[string]any{
		"message":         map[string]any{"subject": "Lunch?", "toRecipients": []any{recipient(aliceUPN)}},
		"saveToSentItems": "false",
	})
	wantStatus(t, r, http.StatusAccepted)
	if n := len(f.srv.Messages(bobID, "sentitems")); n != 0 {
		t.Errorf("%d messages in Sent Items", n)
	}
	if n := len(f.srv.Messages(aliceID, "inbox")); n != 2 { // the fixture's message and this one
		t.Errorf("alice's inbox holds %d messages, want 2", n)
	}
}

// Graph refuses a message without a recipient, custom headers not named x-… ("The internet message
// header name 'In-Reply-To' should start with 'x-' or 'X-'", InvalidInternetMessageHeader), and sending as
// someone else (ErrorSendAsDenied); nothing is sent then.
func TestSendMailRefusals(t *testing.T) {
	f := mailFixture(t)
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"no recipient", map[string]any{"message": map[string]any{"subject": "x"}}, 400, "ErrorInvalidRecipients"},
		{"not an address", map[string]any{"message": map[string]any{"toRecipients": []any{recipient("bob")}}}, 400, "ErrorInvalidRecipients"},
		{"threading header", map[string]any{"message": map[string]any{"toRecipients": []any{recipient(bobUPN)},
			"internetMessageHeaders": []any{map[string]any{"name": "In-Reply-To", "value": "<a@b>"}}}}, 400, "InvalidInternetMessageHeader"},
		{"as someone else", map[string]any{"message": map[string]any{"toRecipients": []any{recipient(bobUPN)},
			"from": recipient(bobUPN)}}, 403, "ErrorSendAsDenied"},
		{"no message", map[string]any{"subject": "x"}, 400, "ErrorInvalidRequest"},
		{"recipients of the wrong type", map[string]any{"message": map[string]any{"toRecipients": bobUPN}}, 400, "RequestBodyRead"},
		{"saveToSentItems not a boolean", map[string]any{"message": map[string]any{"toRecipients": []any{recipient(bobUPN)}},
			"saveToSentItems": "no"}, 400, "RequestBodyRead"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.call(t, "POST", "/users/"+aliceID+"/sendMail", tc.body)
			wantStatus(t, r, tc.status)
			if r.errorCode() != tc.code {
				t.Errorf("code %q, want %q", r.errorCode(), tc.code)
			}
		})
	}
	if n := len(f.srv.SentMail()); n != 0 {
		t.Errorf("%d messages sent", n)
	}
}

// A reply (message-reply.md: POST …/messages/{id}/reply, 202) goes to the sender with In-Reply-To and
// References set by Exchange, which crmsync reads to correlate threads; the sender sees it in the same
// conversation.
func TestReplyThreadsTheConversation(t *testing.T) {
	f := mailFixture(t)
	original, err := f.srv.SendMail(aliceID, outlook.Message{Subject: "Fleet renewal", Body: "Pricing?", To: []outlook.Address{{Email: bobUPN}}})
	if err != nil {
		t.Fatal(err)
	}
	received := f.srv.Messages(bobID, "inbox")[0]
	wantStatus(t, f.call(t, "POST", "/users/"+bobID+"/messages/"+f.srv.RESTID(bobID, received.ID)+"/reply", map[string]any{"comment": "Friday."}), http.StatusAccepted)

	in := f.srv.Messages(aliceID, "inbox")
	reply := in[len(in)-1]
	if reply.Subject != "RE: Fleet renewal" || reply.From.Email != bobUPN || reply.InReplyTo != original.InternetMessageID ||
		!slices.Equal(reply.References, []string{original.InternetMessageID}) || reply.ConversationID != original.ConversationID {
		t.Errorf("reply in alice's inbox: %+v\noriginal: %+v", reply, original)
	}
	r := f.call(t, "GET", "/users/"+aliceID+"/messages/"+reply.ID+"?$select=internetMessageHeaders", nil)
	wantStatus(t, r, http.StatusOK)
	headers, _ := r.body["internetMessageHeaders"].([]any)
	found := false
	for _, h := range headers {
		h := h.(map[string]any)
		found = found || (h["name"] == "In-Reply-To" && h["value"] == original.InternetMessageID)
	}
	if !found {
		t.Errorf("In-Reply-To not among the headers: %v", headers)
	}

	if _, err := f.srv.Reply(aliceID, reply.ID, "Great."); err != nil {
		t.Fatal(err)
	}
	back := f.srv.Messages(bobID, "inbox")
	if last := back[len(back)-1]; last.Subject != "RE: Fleet renewal" || len(last.References) != 2 {
		t.Errorf("second reply: %+v", last)
	}
}

// Mail from outside lands in the inboxes of the recipients that have a mailbox here.
func TestReceiveMailFromOutside(t *testing.T) {
	f := mailFixture(t)
	got, err := f.srv.ReceiveMail(outlook.Message{Subject: "Demo request", From: outlook.Address{Name: "Sofia", Email: "sofia@tailspintoys.test"},
		To: []outlook.Address{{Email: bobUPN}, {Email: "someone@else.test"}}, Cc: []outlook.Address{{Email: carolUPN}}})
	if err != nil || len(got) != 2 || got[0].InternetMessageID == "" || got[0].InternetMessageID != got[1].InternetMessageID {
		t.Fatalf("ReceiveMail = %+v, %v", got, err)
	}
	if in := f.srv.Messages(bobID, "inbox"); len(in) != 1 || in[0].From.Email != "sofia@tailspintoys.test" {
		t.Errorf("bob's inbox: %+v", in)
	}
	if _, err := f.srv.ReceiveMail(outlook.Message{Subject: "x", From: outlook.Address{Email: "a@b.test"}, To: []outlook.Address{{Email: "c@d.test"}}}); err == nil {
		t.Error("mail for nobody here was accepted")
	}
}
