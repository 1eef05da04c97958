package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Exists reports whether an item is still where its user keeps it. Deleting an item, in Outlook or
// through Graph, moves it to Deleted Items, where Graph still finds it by its id: only permanentDelete
// (message-permanentdelete.md) or emptying Deleted Items removes it. So a message or contact whose
// folder is Deleted Items does not exist for crmsync, nor does an event that is no longer in the
// calendar (read through /calendar/events/{id}, which the deleted event has left), nor anything Graph
// does not find. A message or contact moved to another folder exists.
func (m *Mailbox) Exists(ctx context.Context, kind outlook.Kind, id string) (bool, error) {
	var folder string
	var err error
	switch kind {
	case outlook.KindMessage:
		var g models.Messageable
		if g, err = m.getMessage(ctx, id, []string{"id", "parentFolderId"}); err == nil {
			folder = deref(g.GetParentFolderId())
		}
	case outlook.KindContact:
		var g models.Contactable
		if g, err = m.getContact(ctx, id, []string{"id", "parentFolderId"}); err == nil {
			folder = deref(g.GetParentFolderId())
		}
	case outlook.KindAppointment:
		_, err = fetch(ctx, m, func(ctx context.Context) (models.Eventable, error) {
			return m.me().Calendar().Events().ByEventId(id).Get(ctx, &users.ItemCalendarEventsEventItemRequestBuilderGetRequestConfiguration{
				Headers:         preferImmutable(),
				QueryParameters: &users.ItemCalendarEventsEventItemRequestBuilderGetQueryParameters{Select: []string{"id"}},
			})
		})
	case outlook.KindTask:
		_, err = m.Task(ctx, id)
	default:
		err = errUnknownKind(kind)
	}
	if errors.Is(err, outlook.ErrNotFound) {
		return false, nil
	}
	if err != nil || folder == "" {
		return err == nil, wrapExists(kind, id, err)
	}
	trash, err := m.wellKnownFolder(ctx, "deleteditems")
	if err != nil {
		return false, wrapExists(kind, id, err)
	}
	return folder != trash, nil
}

func wrapExists(kind outlook.Kind, id string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("look for %s %s: %w", kind, id, err)
}

// wellKnownFolder returns the id of a mail folder by its well-known name, such as "deleteditems",
// read once per Mailbox.
func (m *Mailbox) wellKnownFolder(ctx context.Context, name string) (string, error) {
	if id, ok := m.folders.Load(name); ok {
		return id.(string), nil
	}
	g, err := fetch(ctx, m, func(ctx context.Context) (models.MailFolderable, error) {
		return m.me().MailFolders().ByMailFolderId(name).Get(ctx, &users.ItemMailFoldersMailFolderItemRequestBuilderGetRequestConfiguration{
			Headers:         preferImmutable(),
			QueryParameters: &users.ItemMailFoldersMailFolderItemRequestBuilderGetQueryParameters{Select: []string{"id"}},
		})
	})
	if err != nil {
		return "", fmt.Errorf("find folder %s: %w", name, err)
	}
	id := deref(g.GetId())
	m.folders.Store(name, id)
	return id, nil
}
