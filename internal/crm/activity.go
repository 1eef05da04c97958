package crm

import "time"

// The activity types a tracked Outlook item becomes.
const (
	ActivityEmail       = "email"
	ActivityAppointment = "appointment"
	ActivityTask        = "task"
)

// ActivityTypes lists the activity types.
var ActivityTypes = []string{ActivityEmail, ActivityAppointment, ActivityTask}

// IsActivityType reports whether s names an activity type.
func IsActivityType(s string) bool {
	for _, t := range ActivityTypes {
		if t == s {
			return true
		}
	}
	return false
}

// The roles a party plays in an activity.
const (
	PartyFrom      = "from"
	PartyTo        = "to"
	PartyCc        = "cc"
	PartyBcc       = "bcc"
	PartyOrganizer = "organizer"
	PartyRequired  = "required"
	PartyOptional  = "optional"
	PartyOwner     = "owner"
)

// Activity is an email, appointment or task in the CRM, usually the copy of a tracked Outlook item.
type Activity struct {
	ID                string     `json:"id"`
	Type              string     `json:"type"`
	Subject           string     `json:"subject"`
	Body              string     `json:"body"`
	Start             *time.Time `json:"start"`
	End               *time.Time `json:"end"`
	Due               *time.Time `json:"due"`
	Location          string     `json:"location,omitempty"`
	Status            string     `json:"status"`
	Direction         string     `json:"direction"` // incoming | outgoing | "" for non-email
	OwnerID           string     `json:"ownerId"`
	Regarding         *Regarding `json:"regarding"`
	Parties           []Party    `json:"parties"`
	InternetMessageID string     `json:"internetMessageId"`
	ConversationID    string     `json:"conversationId"`
	ICalUID           string     `json:"iCalUId,omitempty"`
	Links             []LinkRef  `json:"links"`
	Version           int64      `json:"version"`
	CreatedAt         time.Time  `json:"createdAt"`
	UpdatedAt         time.Time  `json:"updatedAt"`
	// ScheduledAt is when the CRM last set the appointment's time: at its creation, and when it was
	// rescheduled. The synchronization invites attendees only to what was scheduled after it began.
	ScheduledAt *time.Time `json:"-"`
}

// Regarding is the record an activity is about.
type Regarding struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Party is a sender, recipient, organizer or attendee of an activity, and the record its address
// resolved to, if any.
type Party struct {
	Role    string     `json:"role"`
	Address string     `json:"address"`
	Name    string     `json:"name"`
	Record  *RecordRef `json:"record"`
}

// LinkRef names an Outlook item that is linked to a CRM activity or record: whose mailbox it is in (with
// their display name, or UPN when they have none), why it is linked (tracked, auto or filter), and when
// the link was made — for a tracked item, when it was tracked.
type LinkRef struct {
	UserID    string    `json:"userId"`
	ItemID    string    `json:"itemId"`
	UserName  string    `json:"userName"`
	Reason    string    `json:"reason"`
	TrackedAt time.Time `json:"trackedAt"`
}
