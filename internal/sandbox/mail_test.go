package sandbox_test

import (
	"net/http"
	"testing"

	"github.com/crmsync/crmsync/internal/outlook"
)

// New message and Reply deliver mail as Exchange would: from a demo user (a copy in their Sent Items),
// from outside (to the demo users among the recipients), and as an answer to a message of an inbox.
// What is not mail is refused and sends nothing.
func TestNewMessageAndReply(t *testing.T) {
	h, b := setup(t, nil)
	sent := func() int { return len(b.mailbox.SentMail()) }
	inbox := func(user string) []outlook.Message { return b.mailbox.Messages(user, "inbox") }

	bobBefore := len(inbox("bob@contoso.test"))
	rec := do(t, h, http.MethodPost, "/dev/outlook/mail", "application/json",
		`{"from":"alice@contoso.test","to":["bob@contoso.test"],"subject":"Lunch?","body":"At noon."}`)
	if rec.Code != http.StatusAccepted || len(inbox("bob@contoso.test")) != bobBefore+1 || sent() != 1 {
		t.Fatalf("alice to bob: %d %s; bob's inbox %d (was %d), sent %d", rec.Code, rec.Body, len(inbox("bob@contoso.test")), bobBefore, sent())
	}

	aliceBefore := len(inbox("alice@contoso.test"))
	rec = do(t, h, http.MethodPost, "/dev/outlook/mail", "application/json",
		`{"from":"dana.whitfield@fabrikam.test","to":["alice@contoso.test"],"subject":"Order 1001","body":"Ten bikes, please."}`)
	if rec.Code != http.StatusAccepted || len(inbox("alice@contoso.test")) != aliceBefore+1 {
		t.Fatalf("from outside: %d %s", rec.Code, rec.Body)
	}
	var order outlook.Message
	for _, m := range inbox("alice@contoso.test") {
		if m.Subject == "Order 1001" {
			order = m
		}
	}
	if order.From.Email != "dana.whitfield@fabrikam.test" {
		t.Fatalf("the message from outside = %+v", order)
	}

	rec = do(t, h, http.MethodPost, "/dev/outlook/reply", "application/json",
		`{"user":"alice@contoso.test","itemId":"`+b.mailbox.RESTID("alice@contoso.test", order.ID)+`","comment":"Confirmed."}`)
	if rec.Code != http.StatusAccepted || sent() != 2 {
		t.Fatalf("reply: %d %s, sent %d", rec.Code, rec.Body, sent())
	}
	if last := b.mailbox.SentMail()[1]; last.Subject != "RE: Order 1001" || len(last.External) != 1 || last.External[0] != "dana.whitfield@fabrikam.test" {
		t.Fatalf("the reply = %+v, want RE: Order 1001 to dana", last)
	}

	for name, c := range map[string]struct {
		path, contentType, body string
		want                    int
	}{
		"not JSON":            {"/dev/outlook/mail", "text/plain", `from=alice`, http.StatusUnsupportedMediaType},
		"no recipient":        {"/dev/outlook/mail", "application/json", `{"from":"alice@contoso.test","to":[]}`, http.StatusBadRequest},
		"a bad recipient":     {"/dev/outlook/mail", "application/json", `{"from":"alice@contoso.test","to":["bob"]}`, http.StatusBadRequest},
		"a bad sender":        {"/dev/outlook/mail", "application/json", `{"from":"nobody","to":["bob@contoso.test"]}`, http.StatusBadRequest},
		"nobody here":         {"/dev/outlook/mail", "application/json", `{"from":"x@elsewhere.test","to":["y@elsewhere.test"]}`, http.StatusBadRequest},
		"an unknown member":   {"/dev/outlook/mail", "application/json", `{"from":"alice@contoso.test","to":["bob@contoso.test"],"cc":[]}`, http.StatusBadRequest},
		"reply to nothing":    {"/dev/outlook/reply", "application/json", `{"user":"alice@contoso.test","itemId":"nope","comment":"?"}`, http.StatusNotFound},
		"reply as a stranger": {"/dev/outlook/reply", "application/json", `{"user":"eve@elsewhere.test","itemId":"nope"}`, http.StatusBadRequest},
	} {
		if rec := do(t, h, http.MethodPost, c.path, c.contentType, c.body); rec.Code != c.want {
			t.Errorf("%s: %d %s, want %d", name, rec.Code, rec.Body, c.want)
		}
	}
	if sent() != 2 {
		t.Fatalf("refused requests sent mail: %d sent", sent())
	}
}
