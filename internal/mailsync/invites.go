package mailsync

import (
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
)

// No meeting requests nobody asked for. Exchange sends a meeting request to every attendee of an event
// created with attendees, an update when it changes, a cancellation when its organizer deletes it. A
// CRM appointment pushed to Outlook with its attendees would therefore mail every customer on it: on a
// first synchronization, hundreds of requests for meetings long past. So an appointment's Outlook copy
// invites its attendees only when all of these hold:
//   - it is in its owner's calendar (another user whose filters pick it gets a copy of their own);
//   - it is still to come;
//   - it was created or rescheduled in the CRM after that mailbox's synchronization began.
//
// Every other copy lists the attendees at the end of its body, and its attendees do not synchronize:
// a change to them in the CRM rewrites that list, and one in Outlook is the user's own business. The
// choice is made when the copy is created and kept in its link (AttendeesInBody). An Outlook copy with
// attendees is updated property by property (only what changed), and when its appointment is deleted
// in the CRM after it ended, it is let go rather than deleted, which would send cancellations.

// attendeeShaper is an item kind whose Outlook copies may carry attendees or list them (appointments).
type attendeeShaper interface {
	// invites reports whether the Outlook copy of c crmsync is about to create invites its attendees.
	invites(p *pass, c crmItem) bool
	// keepWhenDeleted reports whether the copy of c, deleted in the CRM, stays in Outlook (unlinked).
	keepWhenDeleted(p *pass, l crm.ItemLink, c crmItem) bool
}

// invites: see the rule above.
func (appointments) invites(p *pass, c crmItem) bool {
	start := parseTimeValue(c.Values["start"])
	return c.OwnerID == p.m.UserID && start != nil && start.After(p.now()) &&
		!p.began.IsZero() && c.Scheduled.After(p.began)
}

// keepWhenDeleted: a copy that invited its attendees is not deleted once the meeting is over.
func (appointments) keepWhenDeleted(p *pass, l crm.ItemLink, c crmItem) bool {
	if l.AttendeesInBody || (l.Synced["requiredAttendees"] == "" && l.Synced["optionalAttendees"] == "") {
		return false
	}
	end := parseTimeValue(c.Values["end"])
	if end == nil {
		end = parseTimeValue(c.Values["start"])
	}
	return end == nil || !end.After(p.now())
}

// The list of attendees at the end of a copy's body.
const (
	attendeesHeading = "Attendees in the CRM (not invited from Outlook):"
	requiredPrefix   = "Required: "
	optionalPrefix   = "Optional: "
)

// withAttendeesInBody is the CRM side's values as a copy that lists its attendees holds them: the list
// at the end of the body, no attendees.
func withAttendeesInBody(v values) values {
	out := make(values, len(v))
	for f, val := range v {
		out[f] = val
	}
	var lines []string
	if r := v["requiredAttendees"]; r != "" {
		lines = append(lines, requiredPrefix+strings.ReplaceAll(r, ";", "; "))
	}
	if o := v["optionalAttendees"]; o != "" {
		lines = append(lines, optionalPrefix+strings.ReplaceAll(o, ";", "; "))
	}
	if _, ok := v["body"]; ok && len(lines) > 0 {
		out["body"] = textValue(v["body"] + "\n\n" + attendeesHeading + "\n" + strings.Join(lines, "\n"))
	}
	if _, ok := v["requiredAttendees"]; ok {
		out["requiredAttendees"] = ""
	}
	if _, ok := v["optionalAttendees"]; ok {
		out["optionalAttendees"] = ""
	}
	return out
}

// withoutAttendees is an Outlook copy's values as a copy that lists its attendees is compared: its
// attendees are the user's own business.
func withoutAttendees(v values) values {
	out := make(values, len(v))
	for f, val := range v {
		out[f] = val
	}
	for _, f := range []string{"requiredAttendees", "optionalAttendees"} {
		if _, ok := out[f]; ok {
			out[f] = ""
		}
	}
	return out
}

// stripAttendeeList takes the list of attendees off a body going to the CRM: the user edited the body
// of a copy that lists them.
func stripAttendeeList(body string) string {
	if body == attendeesHeading || strings.HasPrefix(body, attendeesHeading+"\n") {
		return ""
	}
	if i := strings.LastIndex(body, "\n\n"+attendeesHeading); i >= 0 {
		return body[:i]
	}
	return body
}

// began is when a mailbox's synchronization began; zero when unknown.
func began(at *time.Time) time.Time {
	if at == nil {
		return time.Time{}
	}
	return *at
}
