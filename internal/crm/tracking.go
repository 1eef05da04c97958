package crm

import "time"

// The actions a user takes on an Outlook item from the ribbon or the taskpane.
const (
	ActionTrack        = "track"
	ActionSetRegarding = "set_regarding"
	ActionUntrack      = "untrack"
)

// The states of a track request.
const (
	StateQueued     = "queued"
	StateProcessing = "processing"
	StateDone       = "done"
	StateFailed     = "failed"
)

// TrackStates lists the states of a track request, in the order a request goes through them.
var TrackStates = []string{StateQueued, StateProcessing, StateDone, StateFailed}

// Why an Outlook item is linked to the CRM.
const (
	ReasonTracked = "tracked" // the user clicked Track or Set Regarding
	ReasonFilter  = "filter"  // a synchronization filter pushed the record to Outlook
	ReasonAuto    = "auto"    // automatic email tracking picked the message
)

// TrackRequest is one click on Track, Set Regarding or Untrack, from acceptance to its outcome. It is
// idempotent per user, item and action: a retried click finds the same request.
type TrackRequest struct {
	ID                string
	TenantID          string
	UserID            string
	ItemKey           string // what identifies the item for idempotency: the immutable id when known, else the REST id
	ItemID            string // the id the add-in sent (a REST id)
	ImmutableID       string // the item's immutable id, once known
	ItemType          string // message | appointment | contact | task
	Action            string
	Generation        int64 // bumped each time the request is queued again; a job of an older generation does nothing
	InternetMessageID string
	ConversationID    string
	Regarding         *RecordRef
	State             string
	Error             string
	ActivityID        string
	RecordID          string
	Assertion         []byte // the user's token, sealed, kept only while the request is open (client mode)
	Auto              bool   // made by automatic tracking rather than a click
	CreatedAt         time.Time
	UpdatedAt         time.Time
	FinishedAt        *time.Time
}

// LinkReason is why the item this request tracks is linked.
func (r TrackRequest) LinkReason() string {
	if r.Auto {
		return ReasonAuto
	}
	return ReasonTracked
}

// Open reports whether the request is still waiting for or under work.
func (r TrackRequest) Open() bool { return r.State == StateQueued || r.State == StateProcessing }

// ItemLink ties one user's Outlook item to a CRM activity (email, appointment, task) or record (contact),
// with what reconciliation needs to know about the last synchronized state of both sides.
type ItemLink struct {
	TenantID    string
	UserID      string
	ItemID      string // immutable Graph id
	RESTItemID  string
	Kind        string
	ActivityID  string
	RecordID    string
	Reason      string
	CreatedByUs bool // the Outlook item was created by crmsync (from a CRM record)
	Stamped     bool
	ChangeKey   string
	CRMVersion  int64
	FieldHash   string
	// Synced holds, per CRM field, the value both sides agreed on at the link's last synchronization.
	Synced map[string]string
	// AttendeesInBody: the Outlook copy lists the appointment's attendees in its body instead of inviting
	// them (see mailsync's appointments), so attendees do not synchronize through it.
	AttendeesInBody bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// CRMID is the id of what the link points at: the activity, else the record.
func (l ItemLink) CRMID() string {
	if l.ActivityID != "" {
		return l.ActivityID
	}
	return l.RecordID
}
