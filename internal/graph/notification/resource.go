// Package notification holds what crmsync knows of Microsoft Graph change notifications, as plain
// values: the resources a mailbox subscribes to and how long Graph lets each subscription live, a
// subscription request and what Graph answers, the errors subscribing ends in, and a strict, bounded
// decoder for the bodies Graph POSTs to the notification and lifecycle URLs.
//
// It imports no SDK, so the notification endpoint (internal/api) and subscription management
// (internal/mailsync) build fast and test against small interfaces; package graph sends the requests.
package notification

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is the kind of resource a subscription watches.
type Kind string

// The kinds crmsync subscribes to.
const (
	KindMessages Kind = "messages" // a mail folder's messages, or a mailbox's when Folder is empty
	KindEvents   Kind = "events"   // a mailbox's events
	KindContacts Kind = "contacts" // a mailbox's personal contacts
	KindTasks    Kind = "tasks"    // one To Do list's tasks; Graph allows it with delegated permissions only
)

// Resource is a subscription's resource path, read. The paths are those the change notifications
// overview lists as supported (concepts/change-notifications-overview.md, supported resources, and
// outlook-change-notifications-overview.md): /users/{id}/mailFolders('{folder}')/messages,
// /users/{id}/messages, /users/{id}/events, /users/{id}/contacts and, for To Do,
// /me/todo/lists/{todoTaskListId}/tasks.
type Resource struct {
	Kind Kind
	// User is the mailbox's object id or UPN, as the path names it; empty for "me".
	User string
	// Folder is the mail folder of KindMessages: a well-known name ("inbox", "sentitems") or a folder
	// id; empty for every message of the mailbox.
	Folder string
	// ListID is the To Do list of KindTasks.
	ListID string
}

// ErrResource reports a resource path crmsync does not subscribe to.
var ErrResource = errors.New("not a resource crmsync subscribes to")

// MessagesResource is the resource of the messages in user's folder, a well-known name such as
// "inbox" or "sentitems", or a folder id: users/{user}/mailFolders('{folder}')/messages.
func MessagesResource(user, folder string) string {
	return Resource{Kind: KindMessages, User: user, Folder: folder}.String()
}

// EventsResource is the resource of every event in user's mailbox: users/{user}/events.
func EventsResource(user string) string {
	return Resource{Kind: KindEvents, User: user}.String()
}

// ContactsResource is the resource of user's personal contacts: users/{user}/contacts.
func ContactsResource(user string) string {
	return Resource{Kind: KindContacts, User: user}.String()
}

// TasksResource is the resource of the tasks of one To Do list of the signed-in user:
// me/todo/lists/{listID}/tasks. Graph documents only the "me" form for To Do, and only with delegated
// permissions, so it names no user: the token does.
func TasksResource(listID string) string {
	return Resource{Kind: KindTasks, ListID: listID}.String()
}

// String is the path crmsync sends as a subscription's resource: no leading slash, as the
// subscription resource page asks ("Do not include the base URL").
func (r Resource) String() string {
	owner := "me"
	if r.User != "" {
		owner = "users/" + r.User
	}
	switch r.Kind {
	case KindMessages:
		if r.Folder == "" {
			return owner + "/messages"
		}
		return owner + "/mailFolders('" + r.Folder + "')/messages"
	case KindEvents:
		return owner + "/events"
	case KindContacts:
		return owner + "/contacts"
	case KindTasks:
		return owner + "/todo/lists/" + r.ListID + "/tasks"
	}
	return ""
}

// ParseResource reads a resource path of one of the forms Resource lists, with or without a leading
// slash, "me" or "users/{id}", path segments in any case; a mail folder as mailFolders('{folder}') or
// mailFolders/{folder}. Query options ($select, $filter) are refused: crmsync asks for none.
func ParseResource(path string) (Resource, error) {
	if strings.ContainsAny(path, "?#") {
		return Resource{}, fmt.Errorf("%w: %q has query options", ErrResource, path)
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var r Resource
	switch {
	case len(segs) >= 1 && strings.EqualFold(segs[0], "me"):
		segs = segs[1:]
	case len(segs) >= 2 && strings.EqualFold(segs[0], "users") && segs[1] != "":
		r.User, segs = segs[1], segs[2:]
	default:
		return Resource{}, fmt.Errorf("%w: %q names no mailbox", ErrResource, path)
	}
	// A folder written mailFolders('inbox') is one segment; mailFolders/inbox is two.
	if len(segs) >= 1 {
		head := segs[0]
		if name, ok := cutKey(head, "mailFolders"); ok {
			segs = append([]string{"mailFolders", name}, segs[1:]...)
		}
	}
	switch {
	case len(segs) == 1 && strings.EqualFold(segs[0], "messages"):
		r.Kind = KindMessages
	case len(segs) == 3 && strings.EqualFold(segs[0], "mailFolders") && segs[1] != "" && strings.EqualFold(segs[2], "messages"):
		r.Kind, r.Folder = KindMessages, segs[1]
	case len(segs) == 1 && strings.EqualFold(segs[0], "events"):
		r.Kind = KindEvents
	case len(segs) == 1 && strings.EqualFold(segs[0], "contacts"):
		r.Kind = KindContacts
	case len(segs) == 4 && strings.EqualFold(segs[0], "todo") && strings.EqualFold(segs[1], "lists") && segs[2] != "" && strings.EqualFold(segs[3], "tasks"):
		r.Kind, r.ListID = KindTasks, segs[2]
	default:
		return Resource{}, fmt.Errorf("%w: %q", ErrResource, path)
	}
	return r, nil
}

// cutKey reads an OData key segment such as mailFolders('inbox'): the name before the parenthesis must
// be want (any case), the key a quoted literal.
func cutKey(seg, want string) (string, bool) {
	name, rest, ok := strings.Cut(seg, "(")
	if !ok || !strings.EqualFold(name, want) || !strings.HasSuffix(rest, ")") {
		return "", false
	}
	key := strings.TrimSuffix(rest, ")")
	if len(key) < 3 || key[0] != '\'' || key[len(key)-1] != '\'' {
		return "", false
	}
	return key[1 : len(key)-1], true
}

// Same reports whether two resource paths name the same resource, as Graph compares them when it
// refuses a duplicate subscription: a mail folder by well-known name is compared without case.
func Same(a, b string) bool {
	ra, errA := ParseResource(a)
	rb, errB := ParseResource(b)
	if errA != nil || errB != nil {
		return strings.EqualFold(strings.TrimPrefix(a, "/"), strings.TrimPrefix(b, "/"))
	}
	return ra.Kind == rb.Kind && strings.EqualFold(ra.User, rb.User) && strings.EqualFold(ra.Folder, rb.Folder) && ra.ListID == rb.ListID
}
