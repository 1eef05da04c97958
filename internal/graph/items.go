package graph

import (
	"context"
	"fmt"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/crmsync/crmsync/internal/outlook"
)

// preferUTC makes Graph write event times in UTC rather than the mailbox's zone.
const preferUTC = `outlook.timezone="UTC"`

// preferText asks for bodies as text: Exchange keeps an event's text body as the HTML it wraps it in,
// and returns HTML unless asked otherwise (Prefer: outlook.body-content-type, event-get.md). The CRM
// keeps appointments' bodies as text.
const preferText = `outlook.body-content-type="text"`

// The properties read of each kind: what package outlook holds, and no more.
func messageFields() []string {
	return []string{"id", "internetMessageId", "conversationId", "subject", "body", "from", "toRecipients",
		"ccRecipients", "bccRecipients", "sentDateTime", "receivedDateTime", "internetMessageHeaders",
		"isDraft", "categories", "changeKey", "parentFolderId", "lastModifiedDateTime"}
}

func eventFields() []string {
	return []string{"id", "iCalUId", "subject", "body", "start", "end", "isAllDay", "location", "organizer",
		"attendees", "isOrganizer", "isCancelled", "categories", "changeKey", "lastModifiedDateTime", "type", "seriesMasterId"}
}

func contactFields() []string {
	return []string{"id", "givenName", "surname", "displayName", "emailAddresses", "companyName", "jobTitle",
		"businessPhones", "mobilePhone", "categories", "changeKey", "parentFolderId", "createdDateTime", "lastModifiedDateTime"}
}

// Message reads an email by its immutable id, with its stamp and the In-Reply-To and References headers.
func (m *Mailbox) Message(ctx context.Context, id string) (outlook.Message, error) {
	g, err := m.getMessage(ctx, id, messageFields())
	if err != nil {
		return outlook.Message{}, fmt.Errorf("read message %s: %w", id, err)
	}
	return message(g), nil
}

// Event reads a calendar item by its immutable id, with times in UTC and the body as text.
func (m *Mailbox) Event(ctx context.Context, id string) (outlook.Event, error) {
	g, err := m.getEvent(ctx, id, eventFields())
	if err != nil {
		return outlook.Event{}, fmt.Errorf("read event %s: %w", id, err)
	}
	return event(g), nil
}

// Contact reads a contact by its immutable id.
func (m *Mailbox) Contact(ctx context.Context, id string) (outlook.Contact, error) {
	g, err := m.getContact(ctx, id, contactFields())
	if err != nil {
		return outlook.Contact{}, fmt.Errorf("read contact %s: %w", id, err)
	}
	return contact(g), nil
}

func (m *Mailbox) getMessage(ctx context.Context, id string, fields []string) (models.Messageable, error) {
	return fetch(ctx, m, func(ctx context.Context) (models.Messageable, error) {
		return m.me().Messages().ByMessageId(id).Get(ctx, &users.ItemMessagesMessageItemRequestBuilderGetRequestConfiguration{
			Headers: preferImmutable(),
			QueryParameters: &users.ItemMessagesMessageItemRequestBuilderGetQueryParameters{
				Select: fields,
				Expand: []string{stampExpand},
			},
		})
	})
}

func (m *Mailbox) getEvent(ctx context.Context, id string, fields []string) (models.Eventable, error) {
	return fetch(ctx, m, func(ctx context.Context) (models.Eventable, error) {
		return m.me().Events().ByEventId(id).Get(ctx, &users.ItemEventsEventItemRequestBuilderGetRequestConfiguration{
			Headers: preferImmutable(preferUTC, preferText),
			QueryParameters: &users.ItemEventsEventItemRequestBuilderGetQueryParameters{
				Select: fields,
				Expand: []string{stampExpand},
			},
		})
	})
}

func (m *Mailbox) getContact(ctx context.Context, id string, fields []string) (models.Contactable, error) {
	return fetch(ctx, m, func(ctx context.Context) (models.Contactable, error) {
		return m.me().Contacts().ByContactId(id).Get(ctx, &users.ItemContactsContactItemRequestBuilderGetRequestConfiguration{
			Headers: preferImmutable(),
			QueryParameters: &users.ItemContactsContactItemRequestBuilderGetQueryParameters{
				Select: fields,
				Expand: []string{stampExpand},
			},
		})
	})
}
