package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Delta rounds over the calendar, the contacts and a To Do list. Like MessagesDelta, an empty link
// starts a round that lists every item, a NextLink or DeltaLink is requested as it is, and an expired
// link answers outlook.ErrSyncReset. Delta cannot expand extended properties or extensions, so the
// items of a page carry no Stamp: read an item to learn its stamp. An item's Sent says which properties
// its entry carried (see partial.go).

// deltaResponse is what every delta answer of the SDK carries.
type deltaResponse[G any] interface {
	GetValue() []G
	GetOdataNextLink() *string
	GetOdataDeltaLink() *string
}

// deltaEntry is an item of a delta answer: a changed item, or one marked "@removed".
type deltaEntry interface {
	GetId() *string
	GetAdditionalData() map[string]any
}

// deltaPreferences are the Prefer values of every delta request: immutable ids, UTC times (events), and
// pages small enough for a slow mailbox; extra ones ride along.
func deltaPreferences(extra ...string) *abs.RequestHeaders {
	return preferImmutable(append([]string{preferUTC, fmt.Sprintf("odata.maxpagesize=%d", deltaPageSize)}, extra...)...)
}

// EventsDelta reads one page of the changes to the calendar view between start and end: single events,
// and the occurrences, exceptions and masters of series, with times in UTC and bodies as text. The
// window is fixed by the first request of a round; links carry it on. An updated event, and every
// occurrence, may come with only some of its properties: see outlook.Properties.
func (m *Mailbox) EventsDelta(ctx context.Context, link string, start, end time.Time) (outlook.ItemPage[outlook.Event], error) {
	builder := m.me().CalendarView().Delta()
	// calendarView delta takes neither $select nor $expand.
	config := &users.ItemCalendarViewDeltaRequestBuilderGetRequestConfiguration{Headers: deltaPreferences(preferText)}
	if link == "" {
		from, to := start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339)
		config.QueryParameters = &users.ItemCalendarViewDeltaRequestBuilderGetQueryParameters{StartDateTime: &from, EndDateTime: &to}
	} else {
		builder = builder.WithUrl(link)
	}
	page, err := readDelta(ctx, m, func(ctx context.Context) (deltaResponse[models.Eventable], error) {
		return builder.GetAsDeltaGetResponse(ctx, config)
	}, deltaEvent, asIs)
	if err != nil {
		return page, fmt.Errorf("read delta of the calendar: %w", err)
	}
	return page, nil
}

// ContactsDelta reads one page of the changes to the default contacts folder, through the folder as
// contact-delta.md documents it (/users/{id}/contactFolders/{id}/contacts/delta; Graph refuses change
// tracking on /users/{id}/contacts). The default folder is known by a contact's parentFolderId: while
// the mailbox has no contact there is nothing to follow, and the page has neither link.
func (m *Mailbox) ContactsDelta(ctx context.Context, link string) (outlook.ItemPage[outlook.Contact], error) {
	config := &users.ItemContactFoldersItemContactsDeltaRequestBuilderGetRequestConfiguration{Headers: deltaPreferences()}
	var builder *users.ItemContactFoldersItemContactsDeltaRequestBuilder
	if !strings.Contains(strings.ToLower(link), "/contactfolders/") {
		link = "" // a link of the undocumented /contacts/delta, stored by an older crmsync: start over
	}
	if link == "" {
		folder, err := m.contactFolder(ctx)
		if errors.Is(err, errNoContactFolder) {
			return outlook.ItemPage[outlook.Contact]{}, nil
		}
		if err != nil {
			return outlook.ItemPage[outlook.Contact]{}, fmt.Errorf("read delta of the contacts: %w", err)
		}
		builder = m.me().ContactFolders().ByContactFolderId(folder).Contacts().Delta()
		config.QueryParameters = &users.ItemContactFoldersItemContactsDeltaRequestBuilderGetQueryParameters{Select: contactFields()}
	} else {
		// Any folder id will do: WithUrl replaces the whole URL.
		builder = m.me().ContactFolders().ByContactFolderId("_").Contacts().Delta().WithUrl(link)
	}
	page, err := readDelta(ctx, m, func(ctx context.Context) (deltaResponse[models.Contactable], error) {
		return builder.GetAsDeltaGetResponse(ctx, config)
	}, deltaContact, asIs)
	if err != nil {
		return page, fmt.Errorf("read delta of the contacts: %w", err)
	}
	return page, nil
}

// errNoContactFolder: the mailbox has no contact yet, so the default folder's id is not known.
var errNoContactFolder = errors.New("the mailbox has no contact yet")

// contactFolder returns the id of the default contacts folder: the parentFolderId of a contact listed
// by GET /users/{id}/contacts, which lists that folder (user-list-contacts.md). Remembered once known.
func (m *Mailbox) contactFolder(ctx context.Context) (string, error) {
	if id, ok := m.folders.Load("contacts"); ok {
		return id.(string), nil
	}
	top := int32(1)
	resp, err := fetch(ctx, m, func(ctx context.Context) (models.ContactCollectionResponseable, error) {
		return m.me().Contacts().Get(ctx, &users.ItemContactsRequestBuilderGetRequestConfiguration{
			Headers:         preferImmutable(),
			QueryParameters: &users.ItemContactsRequestBuilderGetQueryParameters{Top: &top, Select: []string{"id", "parentFolderId"}},
		})
	})
	if err != nil {
		return "", fmt.Errorf("find the contacts folder: %w", err)
	}
	for _, c := range resp.GetValue() {
		if c != nil && deref(c.GetParentFolderId()) != "" {
			m.folders.Store("contacts", *c.GetParentFolderId())
			return *c.GetParentFolderId(), nil
		}
	}
	return "", errNoContactFolder
}

// TasksDelta reads one page of the changes to a To Do list. Task ids, of items and of removals, are
// outlook.TaskItemID(listID, task id); ChangeKey is the task's @odata.etag.
func (m *Mailbox) TasksDelta(ctx context.Context, listID, link string) (outlook.ItemPage[outlook.Task], error) {
	builder := m.me().Todo().Lists().ByTodoTaskListId(listID).Tasks().Delta()
	config := &users.ItemTodoListsItemTasksDeltaRequestBuilderGetRequestConfiguration{Headers: deltaPreferences()}
	if link != "" {
		builder = builder.WithUrl(link)
	}
	convert := func(g models.TodoTaskable) outlook.Task { return deltaTask(listID, g) }
	removed := func(id string) string { return outlook.TaskItemID(listID, id) }
	page, err := readDelta(ctx, m, func(ctx context.Context) (deltaResponse[models.TodoTaskable], error) {
		return builder.GetAsDeltaGetResponse(ctx, config)
	}, convert, removed)
	if err != nil {
		return page, fmt.Errorf("read delta of task list %s: %w", listID, err)
	}
	return page, nil
}

// DefaultTaskList returns the id of the mailbox's default To Do list (wellknownListName "defaultList",
// "Tasks" in Outlook), or outlook.ErrNotFound when it has none.
func (m *Mailbox) DefaultTaskList(ctx context.Context) (string, error) {
	def, _, err := m.taskLists(ctx)
	if err == nil && def == "" {
		err = fmt.Errorf("find the default To Do list: %w: the mailbox has none", outlook.ErrNotFound)
	}
	return def, err
}

// TaskLists returns the ids of every To Do list of the mailbox, the default list first.
func (m *Mailbox) TaskLists(ctx context.Context) ([]string, error) {
	def, all, err := m.taskLists(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(all))
	if def != "" {
		out = append(out, def)
	}
	for _, id := range all {
		if id != def {
			out = append(out, id)
		}
	}
	return out, nil
}

func (m *Mailbox) taskLists(ctx context.Context) (def string, all []string, err error) {
	builder := m.me().Todo().Lists()
	config := &users.ItemTodoListsRequestBuilderGetRequestConfiguration{Headers: preferImmutable()}
	for {
		resp, err := fetch(ctx, m, func(ctx context.Context) (models.TodoTaskListCollectionResponseable, error) {
			return builder.Get(ctx, config)
		})
		if err != nil {
			return "", nil, fmt.Errorf("list the To Do lists: %w", err)
		}
		for _, l := range resp.GetValue() {
			if l == nil || deref(l.GetId()) == "" {
				continue
			}
			all = append(all, deref(l.GetId()))
			if l.GetWellknownListName() != nil && *l.GetWellknownListName() == models.DEFAULTLIST_WELLKNOWNLISTNAME {
				def = deref(l.GetId())
			}
		}
		next := deref(resp.GetOdataNextLink())
		if next == "" {
			return def, all, nil
		}
		builder = builder.WithUrl(next)
	}
}

// readDelta makes one delta request through the mailbox's limiter and error mapping, and splits its
// answer into converted items and the ids of removed ones (mapped by removedID).
func readDelta[G deltaEntry, T any](ctx context.Context, m *Mailbox, get func(context.Context) (deltaResponse[G], error),
	convert func(G) T, removedID func(string) string) (outlook.ItemPage[T], error) {
	var failure *apiFailure
	resp, err := fetch(ctx, m, func(ctx context.Context) (deltaResponse[G], error) {
		resp, err := get(ctx)
		if f := failureOf(err); f != nil {
			failure = f
		}
		return resp, err
	})
	if err != nil {
		if failure != nil && isSyncReset(failure) {
			err = fmt.Errorf("%w (%w)", outlook.ErrSyncReset, failure)
		}
		return outlook.ItemPage[T]{}, err
	}
	page := outlook.ItemPage[T]{NextLink: deref(resp.GetOdataNextLink()), DeltaLink: deref(resp.GetOdataDeltaLink())}
	for _, g := range resp.GetValue() {
		if any(g) == nil {
			continue
		}
		if _, gone := g.GetAdditionalData()["@removed"]; gone {
			page.Removed = append(page.Removed, removedID(deref(g.GetId())))
			continue
		}
		page.Items = append(page.Items, convert(g))
	}
	if page.NextLink == "" && page.DeltaLink == "" {
		return outlook.ItemPage[T]{}, errors.New("Graph answered without a next or delta link") //nolint:staticcheck // ST1005: it starts with a name
	}
	return page, nil
}

// asIs keeps an id as it is: Outlook items are removed under the id they are read by.
func asIs(id string) string { return id }
