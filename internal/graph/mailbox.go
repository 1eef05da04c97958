package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Mailbox is one user's mailbox, reached through Microsoft Graph. Its methods answer with the errors of
// package outlook, wrapped with what was being done: ErrNotFound, ErrPermission, ErrInvalid,
// *ThrottledError and *TransientError.
type Mailbox struct {
	graph     *msgraphsdk.GraphServiceClient
	user      string // object id: the mailbox is /users/{user}
	delegated bool   // opened on behalf of the user (client mode), not with the app's own permissions
	sem       *gate
	ext       *gate // the tenant's open-extension budget, shared by every mailbox of the tenant
	log       *slog.Logger
	now       func() time.Time
	folders   sync.Map // well-known folder → id, read once per Mailbox
}

// call runs one Graph request inside the mailbox's concurrency limit and classifies its failure.
func (m *Mailbox) call(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := m.sem.acquire(ctx); err != nil {
		return err
	}
	defer m.sem.release()
	p := &probe{}
	err := classify(ctx, fn(withProbe(ctx, p)), p)
	var throttled *outlook.ThrottledError
	if errors.As(err, &throttled) {
		m.log.Info("graph throttled the mailbox", "retry_after", throttled.RetryAfter)
	}
	return err
}

// me is the request builder of the mailbox's user.
func (m *Mailbox) me() *users.UserItemRequestBuilder {
	return m.graph.Users().ByUserId(m.user)
}

// Check proves that crmsync may read the mailbox, with one cheap call.
func (m *Mailbox) Check(ctx context.Context) error {
	err := m.call(ctx, func(ctx context.Context) error {
		_, err := m.me().MailFolders().ByMailFolderId("inbox").Get(ctx,
			&users.ItemMailFoldersMailFolderItemRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.ItemMailFoldersMailFolderItemRequestBuilderGetQueryParameters{
					Select: []string{"id"},
				},
			})
		return err
	})
	if err != nil {
		return fmt.Errorf("check mailbox %s: %w", m.user, err)
	}
	return nil
}

// ImmutableID returns Graph's immutable id, which survives moves between folders, of the item the
// add-in names by its REST id (Office.js item ids, once converted with convertToRestId). It reads the
// item's id alone asking for immutable ids (Prefer: IdType="ImmutableId"), which Graph allows with
// delegated and application permissions alike: translateExchangeIds, which would translate the id
// without reading the item, is not supported with application permissions, those of server mode. To
// Do task ids are not Exchange ids and come back as they are.
func (m *Mailbox) ImmutableID(ctx context.Context, kind outlook.Kind, restID string) (string, error) {
	idOnly := []string{"id"}
	var (
		id  *string
		err error
	)
	switch kind {
	case outlook.KindTask:
		return restID, nil
	case outlook.KindMessage:
		var g models.Messageable
		if g, err = m.getMessage(ctx, restID, idOnly); err == nil {
			id = g.GetId()
		}
	case outlook.KindAppointment:
		var g models.Eventable
		if g, err = m.getEvent(ctx, restID, idOnly); err == nil {
			id = g.GetId()
		}
	case outlook.KindContact:
		var g models.Contactable
		if g, err = m.getContact(ctx, restID, idOnly); err == nil {
			id = g.GetId()
		}
	default:
		return "", fmt.Errorf("immutable id of %s: %w: unknown item kind %q", restID, outlook.ErrInvalid, kind)
	}
	if err != nil {
		return "", fmt.Errorf("immutable id of %s %s: %w", kind, restID, err)
	}
	if deref(id) == "" {
		return "", fmt.Errorf("immutable id of %s %s: %w", kind, restID, errEmptyAnswer)
	}
	return *id, nil
}

// preferImmutable asks Graph for immutable ids in what it answers; extra preferences ride along.
func preferImmutable(extra ...string) *abs.RequestHeaders {
	h := abs.NewRequestHeaders()
	h.Add("Prefer", `IdType="ImmutableId"`, extra...)
	return h
}

// stampExpand expands only the stamp property of an Outlook item.
const stampExpand = "singleValueExtendedProperties($filter=id eq '" + outlook.StampPropertyID + "')"

// errEmptyAnswer reports a successful response without the item it should carry.
var errEmptyAnswer = errors.New("Graph answered without a body") //nolint:staticcheck // ST1005: it starts with a name

// fetch makes one Graph call through the mailbox's limiter and error mapping and returns its item; an
// answer without one is an error, never a nil item.
func fetch[T any](ctx context.Context, m *Mailbox, get func(context.Context) (T, error)) (T, error) {
	var g T
	err := m.call(ctx, func(ctx context.Context) (err error) {
		g, err = get(ctx)
		if err == nil && any(g) == nil {
			err = errEmptyAnswer
		}
		return err
	})
	return g, err
}

// errUnknownKind reports a kind the method does not handle.
func errUnknownKind(kind outlook.Kind) error {
	return fmt.Errorf("%w: unknown item kind %q", outlook.ErrInvalid, kind)
}

// ignoreNotFound treats an item already gone as done.
func ignoreNotFound(err error) error {
	if errors.Is(err, outlook.ErrNotFound) {
		return nil
	}
	return err
}
