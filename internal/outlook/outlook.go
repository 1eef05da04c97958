// Package outlook holds what crmsync knows of Outlook items, as plain values: messages, events, contacts
// and To Do tasks, the stamp that marks an item as tracked, and the errors a mailbox can answer with.
// It has no dependency on the Graph SDK, so the packages that use these values build fast; package graph
// translates between them and Microsoft Graph.
package outlook

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind is the kind of an Outlook item.
type Kind string

// The item kinds tracking and synchronization handle.
const (
	KindMessage     Kind = "message"
	KindAppointment Kind = "appointment" // a calendar event
	KindContact     Kind = "contact"
	KindTask        Kind = "task" // a Microsoft To Do task
)

// Kinds lists every item kind.
var Kinds = []Kind{KindMessage, KindAppointment, KindContact, KindTask}

// ParseKind reads an item kind as the add-in names it.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown item type %q (message, appointment, contact, task)", s)
}

// TrackedCategory is the category crmsync adds to a tracked item, so users see it in Outlook.
const TrackedCategory = "Tracked to CRM"

// StampPropertyID is the named extended property that holds the CRM id of a tracked item: the source of
// truth for "is this item tracked". MAPI named-property form: String {GUID} Name CrmActivityId.
const StampPropertyID = "String {6b1c3f2e-7d4a-4f3b-9a57-1c2d3e4f5a6b} Name CrmActivityId"

// StampExtensionName is the open extension that stamps a To Do task: tasks have no MAPI extended
// properties in Graph v1.0, so the CRM id lives in extension "com.crmsync.tracking", property "crmId".
const StampExtensionName = "com.crmsync.tracking"

// TaskItemID names a To Do task as one string, "<list id>:<task id>"; Graph addresses a task through its
// list, and ':' never occurs in Graph ids.
func TaskItemID(listID, taskID string) string { return listID + ":" + taskID }

// SplitTaskItemID reverses TaskItemID.
func SplitTaskItemID(id string) (listID, taskID string, ok bool) {
	listID, taskID, ok = strings.Cut(id, ":")
	return listID, taskID, ok && listID != "" && taskID != ""
}

// Stamp is what crmsync writes on a tracked item: the CRM id (activity or record) and the category.
type Stamp struct {
	CRMID string
}

// Address is a name and email address.
type Address struct {
	Name  string
	Email string
}

// Attendee is a meeting attendee.
type Attendee struct {
	Address
	Type string // required | optional | resource
}

// Message is an email.
type Message struct {
	ID                string // immutable id
	InternetMessageID string
	ConversationID    string
	Subject           string
	Body              string // plain text or HTML as Graph returned it
	BodyType          string // text | html
	From              Address
	To, Cc, Bcc       []Address
	SentAt            time.Time
	ReceivedAt        time.Time
	InReplyTo         string   // internetMessageId of the message this one answers
	References        []string // internetMessageIds of the thread, oldest first
	IsDraft           bool
	Categories        []string
	Stamp             string // the CRM id stamped on the item, "" when untracked
	ChangeKey         string
	ParentFolderID    string
	LastModified      time.Time // Graph's lastModifiedDateTime
}

// Event is a calendar item: a single meeting, or one of a recurring series (see Type).
type Event struct {
	ID          string
	ICalUID     string // different for each occurrence of a series (event resource)
	Subject     string
	Body        string
	BodyType    string
	Start, End  time.Time
	IsAllDay    bool
	Location    string
	Organizer   Address
	Attendees   []Attendee
	IsOrganizer bool
	IsCancelled bool
	Categories  []string
	Stamp       string
	ChangeKey   string
	// TransactionID, when set on a create, is Graph's guard against a duplicate event when the create is
	// retried: a POST repeating it gets the event the first one made. See EventTransactionID.
	TransactionID string
	// Type is Graph's event type: EventSingle, EventOccurrence, EventException or EventSeriesMaster; ""
	// when Graph did not say (treat it as unchanged).
	Type string
	// SeriesMasterID is the id of the series an occurrence or exception belongs to.
	SeriesMasterID string

	LastModified time.Time // Graph's lastModifiedDateTime

	// Sent names the properties Graph sent, when it did not send them all. See Properties.
	Sent Properties
}

// Graph's event types (event resource, type property).
const (
	EventSingle       = "singleInstance"
	EventOccurrence   = "occurrence"   // one meeting of a series, as the series made it
	EventException    = "exception"    // one meeting of a series, changed on its own
	EventSeriesMaster = "seriesMaster" // the series itself
)

// Properties names the properties Graph sent for an item, by their Graph names ("subject",
// "attendees", ...). A delta round represents an updated item by its id "with at least the properties
// that have been updated" (delta-query-overview.md), and a calendar view's delta an occurrence of a
// series by little more than its times: a property such an entry lacks is unchanged, never cleared. A
// nil Properties means the item was sent whole (a read, or a delta entry of an item new to the round):
// then every property is there, an absent one being empty.
type Properties map[string]bool

// Has reports whether Graph sent property name: always for an item sent whole.
func (p Properties) Has(name string) bool { return p == nil || p[name] }

// Whole reports whether the item was sent whole.
func (p Properties) Whole() bool { return p == nil }

// EventTransactionID is the transactionId of the Outlook copy of CRM record crmID at version: the same
// for every retry of one create, different once the record changed (or its copy is made again at a
// later version), so a retried POST is recognised and a deliberate new copy is not. Shaped as a GUID.
func EventTransactionID(crmID string, version int64) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "crmsync/event/%s/%d", crmID, version))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Contact is an Outlook contact.
type Contact struct {
	ID             string
	GivenName      string
	Surname        string
	DisplayName    string
	EmailAddresses []Address
	CompanyName    string
	JobTitle       string
	BusinessPhones []string
	MobilePhone    string
	Categories     []string
	Stamp          string
	ChangeKey      string
	ParentFolderID string    // the contacts folder, or Deleted Items once the user deleted it
	LastModified   time.Time // Graph's lastModifiedDateTime

	// Sent names the properties Graph sent, when it did not send them all. See Properties.
	Sent Properties
}

// Task is a Microsoft To Do task. Its id changes when the user moves it to another list ("by default,
// this value changes when the item is moved from one list to another", todotask.md).
type Task struct {
	ID         string // TaskItemID(ListID, task id)
	ListID     string
	Title      string
	Body       string
	Due        *time.Time
	Status     string // notStarted | inProgress | completed | waitingOnOthers | deferred
	Importance string // low | normal | high
	Categories []string
	Stamp      string
	ChangeKey  string // Graph's @odata.etag for tasks

	LastModified time.Time // Graph's lastModifiedDateTime

	// Sent names the properties Graph sent, when it did not send them all. See Properties.
	Sent Properties
}

// ItemPage is one page of a delta round over events, contacts or To Do tasks.
type ItemPage[T any] struct {
	Items     []T      // new or changed items (for events: the calendar view's occurrences/single events)
	Removed   []string // ids of items deleted or moved out of the collection (Graph's "@removed")
	NextLink  string   // continues the round; "" on the last page
	DeltaLink string   // on the last page only: store the whole URL, it starts the next round
}

// Errors a mailbox answers with. Callers tell them apart with errors.Is / errors.As.
var (
	// ErrNotFound: the item (or mailbox) does not exist, or no longer does (404, 410 on an item).
	ErrNotFound = errors.New("the item no longer exists in the mailbox")
	// ErrPermission: consent is missing or was revoked, or the mailbox may not be accessed (401, 403).
	ErrPermission = errors.New("crmsync may not access this mailbox")
	// ErrInvalid: Graph refused the request as malformed, such as an id that is not an id (400).
	ErrInvalid = errors.New("Microsoft Graph refused the request as invalid") //nolint:staticcheck // ST1005: it starts with a name
	// ErrSyncReset: a delta link expired and synchronization must start over: 410 Gone, or a 40X error
	// with a code such as syncStateNotFound or resyncRequired (delta-query-overview.md, errors.md).
	ErrSyncReset = errors.New("the synchronization state expired")
)

// ThrottledError says Graph asked us to wait (429, or 503 with Retry-After), or that crmsync's own
// account of Graph's limits says so.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("Microsoft Graph is throttling this mailbox; retry after %s", e.RetryAfter)
}

// TransientError is a failure worth retrying with backoff: 5xx, a timeout, a reset connection.
type TransientError struct {
	Status int // 0 when no response arrived
	Err    error
}

func (e *TransientError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("Microsoft Graph did not answer: %v", e.Err)
	}
	return fmt.Sprintf("Microsoft Graph answered %d: %v", e.Status, e.Err)
}

func (e *TransientError) Unwrap() error { return e.Err }
