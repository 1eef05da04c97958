package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/crmsync/crmsync/internal/outlook"
)

// SendMail sends msg from the mailbox (POST /users/{id}/sendMail, user-sendmail.md): its subject, body
// (text or HTML by BodyType) and To, Cc and Bcc recipients; Graph answers 202 and delivers later. A copy
// is kept in Sent Items unless saveToSentItems is false. Exchange writes the message's
// internetMessageId and threading headers itself: Graph refuses any internetMessageHeaders name not
// starting with "x-", so In-Reply-To and References cannot be sent here; answer with Reply instead.
func (m *Mailbox) SendMail(ctx context.Context, msg outlook.Message, saveToSentItems bool) error {
	if len(msg.To)+len(msg.Cc)+len(msg.Bcc) == 0 {
		return fmt.Errorf("send mail: %w: no recipient", outlook.ErrInvalid)
	}
	g := models.NewMessage()
	g.SetSubject(&msg.Subject)
	g.SetBody(itemBody(msg.Body, msg.BodyType))
	g.SetToRecipients(graphRecipients(msg.To))
	if len(msg.Cc) > 0 {
		g.SetCcRecipients(graphRecipients(msg.Cc))
	}
	if len(msg.Bcc) > 0 {
		g.SetBccRecipients(graphRecipients(msg.Bcc))
	}
	body := users.NewItemSendMailPostRequestBody()
	body.SetMessage(g)
	body.SetSaveToSentItems(&saveToSentItems)
	err := m.call(ctx, func(ctx context.Context) error {
		return m.me().SendMail().Post(ctx, body, nil)
	})
	if err != nil {
		return fmt.Errorf("send mail %q: %w", msg.Subject, err)
	}
	return nil
}

// Reply answers the message id's sender with comment as the body (POST /users/{id}/messages/{id}/reply):
// Exchange addresses it, prefixes the subject, sets In-Reply-To and References and keeps the reply in
// Sent Items. Graph answers 202.
func (m *Mailbox) Reply(ctx context.Context, id, comment string) error {
	body := users.NewItemMessagesItemReplyPostRequestBody()
	body.SetComment(&comment)
	err := m.call(ctx, func(ctx context.Context) error {
		return m.me().Messages().ByMessageId(id).Reply().Post(ctx, body, &users.ItemMessagesItemReplyRequestBuilderPostRequestConfiguration{
			Headers: preferImmutable(),
		})
	})
	if err != nil {
		return fmt.Errorf("reply to message %s: %w", id, err)
	}
	return nil
}

// graphRecipients converts addresses to Graph recipients; an empty one is refused by Graph, not here.
func graphRecipients(as []outlook.Address) []models.Recipientable {
	out := make([]models.Recipientable, 0, len(as))
	for _, a := range as {
		r := models.NewRecipient()
		r.SetEmailAddress(graphEmailAddress(outlook.Address{Name: a.Name, Email: strings.TrimSpace(a.Email)}))
		out = append(out, r)
	}
	return out
}
