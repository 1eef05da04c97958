package graphfake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Sending mail as Exchange does: POST /users/{user}/sendMail (user-sendmail.md) and
// POST /users/{user}/messages/{id}/reply (message-reply.md) answer 202; every recipient that is a mailbox
// of this server gets the message in its Inbox, the sender a copy in Sent Items (unless saveToSentItems is
// false), and the others are counted as sent outside.

// SentMail is a message this server sent, for tests.
type SentMail struct {
	From              string // the sender's address
	InternetMessageID string
	Subject           string
	To, Cc, Bcc       []string
	Delivered         []string // addresses of this server's mailboxes that received it
	External          []string // addresses outside this server: counted as sent
	SavedToSentItems  bool
}

// SentMail returns every message sent through sendMail, reply or SendMail, in order. Meeting requests
// are counted by SentMeetingMessages instead.
func (s *Server) SentMail() []SentMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// Messages returns the messages of user's folder (a well-known name, display name or id) in the order
// they arrived, each as Message would return it.
func (s *Server) Messages(user, folder string) []outlook.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	f := mb.lookupFolder(folder)
	if f == nil {
		return nil
	}
	var out []outlook.Message
	for _, it := range mb.itemsOf(outlook.KindMessage) {
		if it.coll == "messages:"+f.id {
			out = append(out, it.messageValue())
		}
	}
	return out
}

// SendMail sends m from user's mailbox as POST /users/{user}/sendMail would, saving a copy in Sent
// Items, and returns that copy as Message would. Its From is the user; its InternetMessageID, unless
// set, is made up, and its InReplyTo and References are kept (which Graph's sendMail cannot set).
func (s *Server) SendMail(user string, m outlook.Message) (outlook.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sent, err := s.deliverMail(s.mustMailbox(user), m, true)
	if err != nil {
		return outlook.Message{}, err
	}
	return sent.messageValue(), nil
}

// Reply answers the message id (either form) in user's mailbox as POST …/messages/{id}/reply would,
// with comment as the body, and returns the reply's Sent Items copy.
func (s *Server) Reply(user, id, comment string) (outlook.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	orig := mb.find(id, outlook.KindMessage)
	if orig == nil {
		return outlook.Message{}, fmt.Errorf("graphfake: no message %s in mailbox %s", id, user)
	}
	sent, err := s.deliverMail(mb, replyTo(orig.msg, comment), true)
	if err != nil {
		return outlook.Message{}, err
	}
	return sent.messageValue(), nil
}

// ReceiveMail delivers m, sent from outside (m.From), to each of its To, Cc and Bcc recipients that is
// a mailbox of this server, and returns the copies delivered. Nothing is saved for the sender.
func (s *Server) ReceiveMail(m outlook.Message) ([]outlook.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.From.Email == "" {
		return nil, fmt.Errorf("graphfake: ReceiveMail needs a sender")
	}
	now := s.now().UTC().Truncate(time.Second)
	m = cloneMessage(m)
	if m.InternetMessageID == "" {
		m.InternetMessageID = s.newInternetMessageID(domainOf(m.From.Email))
	}
	var out []outlook.Message
	for _, addr := range uniqueAddresses(m.To, m.Cc, m.Bcc) {
		if rcpt := s.mailbox(addr); rcpt != nil {
			out = append(out, rcpt.addMessage("inbox", receivedCopy(m, now), now).messageValue())
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("graphfake: ReceiveMail: no recipient is a mailbox of this server")
	}
	return out, nil
}

// postSendMail serves POST /users/{user}/sendMail.
func postSendMail(c *call) response {
	fields, err := decodeObject(c.body)
	if err != nil {
		return graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
	}
	raw, okMsg := param(fields, "message")
	if !okMsg {
		return graphError(http.StatusBadRequest, "ErrorInvalidRequest", "The request has no message.")
	}
	msgFields, err := decodeObject(raw)
	if err != nil {
		return graphError(http.StatusBadRequest, "RequestBodyRead", "property message: "+err.Error())
	}
	m, fail := outgoing(c.mb, msgFields)
	if fail.status != 0 {
		return fail
	}
	save, err := saveToSentItems(fields)
	if err != nil {
		return graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
	}
	if _, err := c.s.deliverMail(c.mb, m, save); err != nil {
		return graphError(http.StatusBadRequest, "ErrorInvalidRecipients", err.Error())
	}
	return response{status: http.StatusAccepted}
}

// postReply serves POST /users/{user}/messages/{id}/reply: {"comment": …}, and optionally a message
// whose recipients replace the original sender.
func postReply(c *call) response {
	it, fail := c.lookup(c.params["id"], outlook.KindMessage)
	if it == nil {
		return fail
	}
	var body struct {
		Comment string          `json:"comment"`
		Message json.RawMessage `json:"message"`
	}
	if len(c.body) > 0 {
		if err := json.Unmarshal(c.body, &body); err != nil {
			return graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
		}
	}
	reply := replyTo(it.msg, body.Comment)
	if len(body.Message) > 0 && string(body.Message) != "null" {
		fields, err := decodeObject(body.Message)
		if err != nil {
			return graphError(http.StatusBadRequest, "RequestBodyRead", "property message: "+err.Error())
		}
		extra, fail := outgoing(c.mb, fields)
		if fail.status != 0 {
			return fail
		}
		if len(extra.To) > 0 {
			reply.To = extra.To
		}
		reply.Cc, reply.Bcc = extra.Cc, extra.Bcc
	}
	if _, err := c.s.deliverMail(c.mb, reply, true); err != nil {
		return graphError(http.StatusBadRequest, "ErrorInvalidRecipients", err.Error())
	}
	return response{status: http.StatusAccepted}
}

// replyTo is the reply Exchange builds to orig: to its sender, "RE: " subject, threaded by In-Reply-To
// and References.
func replyTo(orig *outlook.Message, comment string) outlook.Message {
	subject := orig.Subject
	if !strings.HasPrefix(strings.ToUpper(subject), "RE:") {
		subject = "RE: " + subject
	}
	refs := append(slices.Clone(orig.References), orig.InternetMessageID)
	return outlook.Message{Subject: subject, Body: comment, BodyType: "text", To: []outlook.Address{orig.From},
		InReplyTo: orig.InternetMessageID, References: refs}
}

// outgoing reads the message of a sendMail or reply body: subject, body, recipients and custom headers,
// which Graph allows only under names starting "x-". Sending as someone else is refused.
func outgoing(mb *mailbox, fields map[string]json.RawMessage) (outlook.Message, response) {
	var m outlook.Message
	var body itemBody
	var to, cc, bcc []wireRecipient
	var from *wireRecipient
	var headers []struct{ Name, Value string }
	for name, dst := range map[string]any{"subject": &m.Subject, "body": &body, "toRecipients": &to,
		"ccRecipients": &cc, "bccRecipients": &bcc, "from": &from, "internetMessageHeaders": &headers} {
		if raw, ok := fields[name]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return m, graphError(http.StatusBadRequest, "RequestBodyRead", fmt.Sprintf("property %s: %v", name, err))
			}
		}
	}
	for _, h := range headers {
		if !strings.HasPrefix(strings.ToLower(h.Name), "x-") {
			return m, graphError(http.StatusBadRequest, "InvalidInternetMessageHeader",
				fmt.Sprintf("The internet message header name '%s' should start with 'x-' or 'X-'.", h.Name))
		}
	}
	if from != nil && !strings.EqualFold(from.EmailAddress.Address, mb.upn) {
		return m, graphError(http.StatusForbidden, "ErrorSendAsDenied",
			"The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account.")
	}
	m.Body, m.BodyType = body.Content, strings.ToLower(or(body.ContentType, "text"))
	for _, list := range []struct {
		in  []wireRecipient
		out *[]outlook.Address
	}{{to, &m.To}, {cc, &m.Cc}, {bcc, &m.Bcc}} {
		for _, r := range list.in {
			*list.out = append(*list.out, outlook.Address{Name: r.EmailAddress.Name, Email: r.EmailAddress.Address})
		}
	}
	return m, response{}
}

// param finds an action parameter. Graph reads them without regard to case, and the SDK writes them
// capitalized ("Message", "SaveToSentItems", "Comment").
func param(fields map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	for k, v := range fields {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// saveToSentItems reads saveToSentItems: true when absent; a boolean, or the strings "true" and
// "false", which Graph's own example sends.
func saveToSentItems(fields map[string]json.RawMessage) (bool, error) {
	raw, ok := param(fields, "saveToSentItems")
	if !ok || string(raw) == "null" {
		return true, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, nil
	}
	var str string
	if err := json.Unmarshal(raw, &str); err == nil && (str == "true" || str == "false") {
		return str == "true", nil
	}
	return false, fmt.Errorf("property saveToSentItems: %s is not a boolean", raw)
}

// deliverMail sends m from mb: From is mb's user, an internetMessageId is made up unless set; each
// recipient that is a mailbox of this server gets it in its Inbox (without the Bcc line), the others are
// counted as external, and a copy goes to mb's Sent Items when save is set. It returns that copy, nil
// when not saved. Callers hold s.mu.
func (s *Server) deliverMail(mb *mailbox, m outlook.Message, save bool) (*item, error) {
	rcpts := uniqueAddresses(m.To, m.Cc, m.Bcc)
	if len(rcpts) == 0 {
		return nil, fmt.Errorf("At least one recipient is not valid: a message needs a recipient.") //nolint:staticcheck // ST1005: Graph's own message, word for word
	}
	for _, a := range rcpts {
		if !strings.Contains(a, "@") {
			return nil, fmt.Errorf("At least one recipient is not valid: %q is not an email address.", a) //nolint:staticcheck // ST1005: Graph's own message, word for word
		}
	}
	now := s.now().UTC().Truncate(time.Second) // Graph's instants are whole seconds
	m = cloneMessage(m)
	m.From = mb.address()
	m.ID, m.ChangeKey, m.ParentFolderID, m.Stamp, m.Categories, m.IsDraft = "", "", "", "", nil, false
	m.SentAt, m.ReceivedAt = now, now
	if m.InternetMessageID == "" {
		m.InternetMessageID = s.newInternetMessageID(domainOf(mb.upn))
	}
	record := SentMail{From: mb.upn, InternetMessageID: m.InternetMessageID, Subject: m.Subject,
		To: emails(m.To), Cc: emails(m.Cc), Bcc: emails(m.Bcc), SavedToSentItems: save}
	for _, addr := range rcpts {
		rcpt := s.mailbox(addr)
		if rcpt == nil {
			record.External = append(record.External, addr)
			continue
		}
		rcpt.addMessage("inbox", receivedCopy(m, now), now)
		record.Delivered = append(record.Delivered, addr)
	}
	s.sent = append(s.sent, record)
	if !save {
		return nil, nil
	}
	return mb.addMessage("sentitems", m, now), nil
}

// receivedCopy is what a recipient's Inbox holds of m: no Bcc line, a conversation id of its own mailbox.
func receivedCopy(m outlook.Message, now time.Time) outlook.Message {
	c := cloneMessage(m)
	c.Bcc, c.ConversationID, c.ReceivedAt = nil, "", now
	return c
}

// uniqueAddresses lists the lower-cased addresses of the lists, each once, in order.
func uniqueAddresses(lists ...[]outlook.Address) []string {
	var out []string
	for _, l := range lists {
		for _, a := range l {
			e := strings.ToLower(strings.TrimSpace(a.Email))
			if !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	}
	return out
}

func emails(as []outlook.Address) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.Email)
	}
	return out
}

// newInternetMessageID makes up an RFC 5322 Message-ID in the domain, unique on this server and the
// same on every run. Callers hold s.mu.
func (s *Server) newInternetMessageID(domain string) string {
	s.mailN++
	sum := sha256.Sum256(fmt.Appendf(nil, "sent/%d", s.mailN))
	return "<" + strings.ToUpper(hex.EncodeToString(sum[:16])) + "@" + domain + ">"
}
