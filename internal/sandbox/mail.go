package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"strings"

	"github.com/crmsync/crmsync/internal/demo"
	"github.com/crmsync/crmsync/internal/outlook"
)

// New message and Reply: mail between the demo users and people outside, delivered by the demo mailbox
// as Exchange would (and so notified to crmsync, which may track it automatically).

// mailRequest is POST /dev/outlook/mail's body: a message from a demo user (sent from their mailbox, a
// copy in their Sent Items) or from anyone else (received by the demo users among its recipients).
type mailRequest struct {
	From     string   `json:"from"`
	FromName string   `json:"fromName"`
	To       []string `json:"to"`
	Subject  string   `json:"subject"`
	Body     string   `json:"body"`
}

// replyRequest is POST /dev/outlook/reply's body: a demo user answers a message of their inbox.
type replyRequest struct {
	User    string `json:"user"`
	ItemID  string `json:"itemId"`
	Comment string `json:"comment"`
}

// Limits of what the sandbox sends.
const (
	maxMailBody   = 256 << 10
	maxRecipients = 20
	maxSubject    = 255
)

// decodeJSON reads one JSON object of at most maxMailBody bytes, refusing other media types and unknown
// members; false when it answered with the problem.
func decodeJSON(w http.ResponseWriter, r *http.Request, into any) bool {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeProblem(w, r, http.StatusUnsupportedMediaType, "unsupported-media-type", "send application/json")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxMailBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		writeProblem(w, r, http.StatusBadRequest, "validation", "the body is not valid JSON: "+err.Error())
		return false
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		writeProblem(w, r, http.StatusBadRequest, "validation", "the body must be one JSON object")
		return false
	}
	return true
}

// address checks one email address and returns it as written; "" when it is not one.
func address(a string) string {
	a = strings.TrimSpace(a)
	p, err := mail.ParseAddress(a)
	if err != nil || p.Address != a {
		return ""
	}
	return a
}

// isDemoUser reports whether addr is one of the demo mailboxes.
func isDemoUser(addr string) bool {
	return strings.EqualFold(addr, demo.Alice) || strings.EqualFold(addr, demo.Bob)
}

// sendMail sends or delivers a new message.
func (h *handler) sendMail(w http.ResponseWriter, r *http.Request) {
	var req mailRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	from := address(req.From)
	var to []outlook.Address
	for _, a := range req.To {
		if addr := address(a); addr != "" {
			to = append(to, outlook.Address{Email: addr})
		} else {
			writeProblem(w, r, http.StatusBadRequest, "validation", fmt.Sprintf("%q is not an email address", a))
			return
		}
	}
	switch {
	case from == "":
		writeProblem(w, r, http.StatusBadRequest, "validation", "from must be an email address")
		return
	case len(to) == 0 || len(to) > maxRecipients:
		writeProblem(w, r, http.StatusBadRequest, "validation", fmt.Sprintf("send to 1 to %d addresses", maxRecipients))
		return
	case len(req.Subject) > maxSubject:
		writeProblem(w, r, http.StatusBadRequest, "validation", fmt.Sprintf("the subject is longer than %d bytes", maxSubject))
		return
	}
	m := outlook.Message{Subject: req.Subject, Body: req.Body, BodyType: "text", To: to}
	var err error
	if isDemoUser(from) {
		_, err = h.deps.Mailbox.SendMail(from, m)
	} else {
		name := strings.TrimSpace(req.FromName)
		if name == "" {
			name = from
		}
		m.From = outlook.Address{Name: name, Email: from}
		_, err = h.deps.Mailbox.ReceiveMail(m)
	}
	if err != nil {
		writeProblem(w, r, http.StatusBadRequest, "validation", err.Error())
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// reply answers a message of a demo user's inbox.
func (h *handler) reply(w http.ResponseWriter, r *http.Request) {
	var req replyRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if !isDemoUser(req.User) || req.ItemID == "" {
		writeProblem(w, r, http.StatusBadRequest, "validation", "name a demo user and a message of their inbox")
		return
	}
	if _, err := h.deps.Mailbox.Reply(req.User, req.ItemID, req.Comment); err != nil {
		writeProblem(w, r, http.StatusNotFound, "not-found", err.Error())
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
