package graphfake

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

func messageKind() kindDesc {
	return kindDesc{kind: outlook.KindMessage, set: "messages", render: renderMessage, patch: patchMessage}
}

// AddMessage stores m in user's folder: a well-known name ("inbox", "sentitems", "drafts", …), a folder
// id, or any other name, which creates that folder. It assigns the ids and change key and fills what
// Exchange would (internetMessageId, a conversationId shared along References, received and sent
// times), and returns the message as Message would, its ID the immutable id. A non-empty m.Stamp is
// stored as the stamp property without counting as a stamp write.
func (s *Server) AddMessage(user, folder string, m outlook.Message) outlook.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustMailbox(user).addMessage(folder, m, s.now().UTC()).messageValue()
}

// addMessage stores m in folder as AddMessage describes, and returns the new item.
func (mb *mailbox) addMessage(folder string, m outlook.Message, now time.Time) *item {
	f := mb.folder(folder)
	id, rest := mb.newItemIDs(outlook.KindMessage)
	m = cloneMessage(m)
	m.ParentFolderID = f.id
	if m.InternetMessageID == "" {
		sum := sha256.Sum256([]byte(rest))
		m.InternetMessageID = "<" + strings.ToUpper(hex.EncodeToString(sum[:12])) + "@" + domainOf(mb.upn) + ">"
	}
	if m.ConversationID == "" {
		m.ConversationID = conversationID(mb, m)
	}
	if m.ReceivedAt.IsZero() {
		m.ReceivedAt = now
	}
	if m.SentAt.IsZero() {
		m.SentAt = m.ReceivedAt
	}
	m.BodyType = or(m.BodyType, "text")
	it := &item{kind: outlook.KindMessage, id: id, rest: rest, coll: "messages:" + f.id, msg: &m}
	mb.add(it, now)
	it.setStamp(m.Stamp)
	return it
}

// Message returns the current state of a message, id in either form, with its Stamp and Categories.
func (s *Server) Message(user, id string) (outlook.Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.mustMailbox(user).find(id, outlook.KindMessage)
	if it == nil {
		return outlook.Message{}, false
	}
	return it.messageValue(), true
}

// UpdateMessage simulates the user editing a message: change sees its current state; the ids, change
// key and folder are not changeable, the Stamp is (an edit can copy or clear it). The message gets a new
// change key and shows in delta.
func (s *Server) UpdateMessage(user, id string, change func(*outlook.Message)) {
	s.edit(user, id, outlook.KindMessage, func(it *item) {
		v := it.messageValue()
		change(&v)
		v.ID, v.ChangeKey, v.LastModified, v.ParentFolderID = it.id, "", time.Time{}, it.msg.ParentFolderID
		it.setStamp(v.Stamp)
		v.Stamp = ""
		m := cloneMessage(v)
		it.msg = &m
	})
}

func (it *item) messageValue() outlook.Message {
	m := cloneMessage(*it.msg)
	m.ID, m.Stamp, m.ChangeKey, m.LastModified = it.id, it.stamp(), it.changeKey(), it.lastModified()
	return m
}

func cloneMessage(m outlook.Message) outlook.Message {
	m.To, m.Cc, m.Bcc = slices.Clone(m.To), slices.Clone(m.Cc), slices.Clone(m.Bcc)
	m.References, m.Categories = slices.Clone(m.References), slices.Clone(m.Categories)
	return m
}

// conversationID gives a thread one conversation id, derived from its first message's id.
func conversationID(mb *mailbox, m outlook.Message) string {
	root := m.InternetMessageID
	switch {
	case len(m.References) > 0:
		root = m.References[0]
	case m.InReplyTo != "":
		root = m.InReplyTo
	}
	sum := sha256.Sum256([]byte(mb.objectID + "/" + root))
	return "AAQkAGI2" + base64.URLEncoding.EncodeToString(sum[:23])
}

func domainOf(upn string) string {
	if _, d, ok := strings.Cut(upn, "@"); ok {
		return d
	}
	return "outlook.test"
}

func renderMessage(c *call, it *item) map[string]any {
	m := it.msg
	obj := map[string]any{
		"@odata.etag":                it.etag(),
		"id":                         it.idFor(c.immutable),
		"createdDateTime":            it.timestamp(it.created),
		"lastModifiedDateTime":       it.timestamp(it.modified),
		"changeKey":                  it.changeKey(),
		"categories":                 nonNil(m.Categories),
		"receivedDateTime":           instant(m.ReceivedAt),
		"sentDateTime":               instant(m.SentAt),
		"hasAttachments":             false,
		"internetMessageId":          m.InternetMessageID,
		"subject":                    m.Subject,
		"bodyPreview":                preview(m.Body, m.BodyType),
		"importance":                 "normal",
		"parentFolderId":             m.ParentFolderID,
		"conversationId":             m.ConversationID,
		"isDeliveryReceiptRequested": false,
		"isReadReceiptRequested":     false,
		"isRead":                     true,
		"isDraft":                    m.IsDraft,
		"webLink":                    "https://outlook.office365.com/owa/?ItemID=" + url.QueryEscape(it.rest) + "&exvsurl=1&viewmodel=ReadMessageItem",
		"inferenceClassification":    "focused",
		"body":                       c.renderBody(m.Body, m.BodyType),
		"sender":                     recipient(m.From),
		"from":                       recipient(m.From),
		"toRecipients":               recipients(m.To),
		"ccRecipients":               recipients(m.Cc),
		"bccRecipients":              recipients(m.Bcc),
		"replyTo":                    []any{},
		"flag":                       map[string]any{"flagStatus": "notFlagged"},
	}
	if it.meeting != nil {
		it.meeting.render(obj)
	}
	// Graph returns the headers only when $select names them, and never for drafts.
	if selects(c, "internetMessageHeaders") && !m.IsDraft {
		obj["internetMessageHeaders"] = messageHeaders(m)
	}
	return obj
}

func messageHeaders(m *outlook.Message) []any {
	h := []any{
		map[string]any{"name": "Message-ID", "value": m.InternetMessageID},
		map[string]any{"name": "Subject", "value": m.Subject},
	}
	if m.InReplyTo != "" {
		h = append(h, map[string]any{"name": "In-Reply-To", "value": m.InReplyTo})
	}
	if len(m.References) > 0 {
		h = append(h, map[string]any{"name": "References", "value": strings.Join(m.References, " ")})
	}
	return h
}

// patchMessage applies the message properties a client may change besides categories and stamps. The
// subject and body are "updatable only if isDraft = true" (message-update.md): a received or sent
// message keeps them.
func patchMessage(it *item, fields map[string]json.RawMessage) error {
	for _, name := range []string{"subject", "body"} {
		if _, ok := fields[name]; ok && !it.msg.IsDraft {
			return &refusal{graphError(http.StatusBadRequest, "ErrorInvalidPropertyUpdateSentMessage",
				"Update operation is invalid for property of a sent message.")}
		}
	}
	if err := decodeField(fields, "subject", &it.msg.Subject); err != nil {
		return err
	}
	if _, ok := fields["body"]; ok {
		var b itemBody
		if err := decodeField(fields, "body", &b); err != nil {
			return err
		}
		it.msg.Body, it.msg.BodyType = b.Content, or(b.ContentType, "text")
	}
	return nil
}

// getFolderMessage serves GET /users/{user}/mailFolders/{folder}/messages/{id}.
func getFolderMessage(c *call) response {
	if c.mb.lookupFolder(c.params["folder"]) == nil {
		return notFound()
	}
	it, fail := c.lookup(c.params["id"], outlook.KindMessage)
	if it == nil {
		return fail
	}
	if f := c.mb.lookupFolder(c.params["folder"]); f.id != it.msg.ParentFolderID {
		return notFound()
	}
	return ok(c.entity(messageKind(), it, true))
}

// getFolder answers for a mail folder by well-known name or id; crmsync reads the inbox to prove it
// may access a mailbox.
func getFolder(c *call) response {
	f := c.mb.lookupFolder(c.params["folder"])
	if f == nil {
		return notFound()
	}
	return ok(map[string]any{"id": f.id, "displayName": f.name})
}
