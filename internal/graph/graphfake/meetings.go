package graphfake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Meetings as Exchange runs them, for events the mailbox's user organizes:
//   - creating an event with attendees sends each a meeting request (user-post-events.md: "When an event
//     is sent, the server sends invitations to all the attendees"); one without attendees sends nothing;
//   - updating it (event-update.md) sends an update to its attendees when a meeting property changes
//     (subject, body, start, end, location, isAllDay, recurrence), a request to attendees added and a
//     cancellation to attendees removed; "An event update that includes only the attendees property in
//     the request body sends a meeting update to only the attendees that have changed". Categories and
//     extended properties are the organizer's own and send nothing;
//   - deleting it sends a cancellation ("deleting the event on the organizer's calendar sends a
//     cancellation message to the meeting attendees", event-delete.md), and so does
//     POST …/events/{id}/cancel, which only the organizer may call (event-cancel.md).
// Every message is counted, whoever it goes to. An attendee who has a mailbox here gets the message in
// its Inbox as an eventMessageRequest or eventMessage (eventmessagerequest.md, eventmessage.md), and the
// meeting in its calendar, as Outlook's calendar attendant does. Seeding and the simulated user edits
// (AddEvent, UpdateEvent, DeleteItem) send nothing: they stand for what happened before or outside.
//
// POST /users/{user}/events with a transactionId already used by an event of the mailbox answers 201
// with that event instead of creating another: the event resource documents transactionId as the guard
// "to avoid redundant POST operations in case of client retries to create the same event", without a
// status or a time window; this fake keeps the guard as long as the event exists.

// MeetingMessageKind is the kind of a meeting message.
type MeetingMessageKind string

// The meeting messages Exchange sends for an organizer.
const (
	MeetingRequest      MeetingMessageKind = "request"
	MeetingUpdate       MeetingMessageKind = "update"
	MeetingCancellation MeetingMessageKind = "cancellation"
)

// MeetingMessage is a meeting request, update or cancellation sent to one attendee.
type MeetingMessage struct {
	Kind       MeetingMessageKind
	From       string // the organizer's address
	To         string // the attendee's address, lower-cased
	Subject    string
	ICalUID    string
	Start, End time.Time
	Delivered  bool // To is a mailbox of this server: the message is in its Inbox
}

// SentMeetingMessages returns every meeting message sent so far, to anyone, in order.
func (s *Server) SentMeetingMessages() []MeetingMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.meetings)
}

// MeetingMessageCount counts the meeting messages of kind sent to the address to; an empty kind or
// address counts every kind or recipient.
func (s *Server) MeetingMessageCount(kind MeetingMessageKind, to string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.meetings {
		if (kind == "" || m.Kind == kind) && (to == "" || strings.EqualFold(m.To, to)) {
			n++
		}
	}
	return n
}

// meetingMessage is what makes a message of an Inbox a meeting message.
type meetingMessage struct {
	kind       MeetingMessageKind
	start, end time.Time
	location   string
	isAllDay   bool
	previous   *outlook.Event // the meeting before an update
}

// render adds the eventMessage properties to a message's JSON.
func (mm *meetingMessage) render(obj map[string]any) {
	obj["@odata.type"] = "#microsoft.graph.eventMessageRequest"
	obj["meetingMessageType"] = "meetingRequest"
	if mm.kind == MeetingCancellation {
		obj["@odata.type"] = "#microsoft.graph.eventMessage"
		obj["meetingMessageType"] = "meetingCancelled"
	} else {
		obj["isOutOfDate"] = false
		obj["responseRequested"] = true
		obj["allowNewTimeProposals"] = true
	}
	obj["isDelegated"] = false
	obj["type"] = "singleInstance"
	obj["isAllDay"] = mm.isAllDay
	obj["startDateTime"] = dateTimeTZ(mm.start)
	obj["endDateTime"] = dateTimeTZ(mm.end)
	obj["location"] = map[string]any{"displayName": mm.location, "locationType": "default", "uniqueIdType": "unknown"}
	if p := mm.previous; p != nil {
		// "If the meeting update changes the meeting start time, this property specifies the previous
		// meeting start time" (eventmessagerequest.md); likewise end and location.
		if !p.Start.Equal(mm.start) {
			obj["previousStartDateTime"] = dateTimeTZ(p.Start)
		}
		if !p.End.Equal(mm.end) {
			obj["previousEndDateTime"] = dateTimeTZ(p.End)
		}
		if p.Location != mm.location {
			obj["previousLocation"] = map[string]any{"displayName": p.Location, "locationType": "default", "uniqueIdType": "unknown"}
		}
	}
}

// postEvent serves POST /users/{user}/events.
func postEvent(c *call) response {
	fields, err := decodeObject(c.body)
	if err != nil {
		return graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
	}
	var tx string
	if err := decodeField(fields, "transactionId", &tx); err != nil {
		return graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
	}
	if tx != "" {
		for _, it := range c.mb.itemsOf(outlook.KindAppointment) {
			if it.ev.TransactionID == tx {
				return response{status: http.StatusCreated, body: c.entity(eventKind(), it, false)}
			}
		}
	}
	it, fail := createEvent(c, fields)
	if it == nil {
		return fail
	}
	c.mb.add(it, c.now)
	c.s.sendMeeting(c.mb, *it.ev, nil, MeetingRequest, it.ev.Attendees, "")
	return response{status: http.StatusCreated, body: c.entity(eventKind(), it, false)}
}

// meetingProperties are the event properties whose change Exchange sends to the attendees as an update.
var meetingProperties = []string{"subject", "body", "start", "end", "location", "locations", "isAllDay", "recurrence"}

// patchMeeting serves PATCH /users/{user}/events/{id}, and sends what the change means to attendees.
func patchMeeting(c *call) response {
	it, fail := c.lookup(c.params["id"], outlook.KindAppointment)
	if it == nil {
		return fail
	}
	before := cloneEvent(*it.ev)
	resp := patchItem(eventKind())(c)
	if resp.status != http.StatusOK || !before.IsOrganizer {
		return resp
	}
	fields, _ := decodeObject(c.body) // the PATCH succeeded: the body is an object
	after := *it.ev
	changed := slices.ContainsFunc(meetingProperties, func(p string) bool { _, ok := fields[p]; return ok })
	var added, removed, kept []outlook.Attendee
	for _, a := range after.Attendees {
		if hasAttendee(before.Attendees, a.Email) {
			kept = append(kept, a)
		} else {
			added = append(added, a)
		}
	}
	for _, a := range before.Attendees {
		if !hasAttendee(after.Attendees, a.Email) {
			removed = append(removed, a)
		}
	}
	c.s.sendMeeting(c.mb, after, nil, MeetingRequest, added, "")
	c.s.sendMeeting(c.mb, after, nil, MeetingCancellation, removed, "")
	if changed {
		c.s.sendMeeting(c.mb, after, &before, MeetingUpdate, kept, "")
	}
	return resp
}

// deleteMeeting serves DELETE /users/{user}/events/{id}: an organizer's deletion cancels the meeting.
func deleteMeeting(c *call) response {
	it, fail := c.lookup(c.params["id"], outlook.KindAppointment)
	if it == nil {
		return fail
	}
	before := cloneEvent(*it.ev)
	resp := deleteItem(eventKind())(c)
	if resp.status == http.StatusNoContent && before.IsOrganizer && !before.IsCancelled {
		c.s.sendMeeting(c.mb, before, nil, MeetingCancellation, before.Attendees, "")
	}
	return resp
}

// cancelMeeting serves POST /users/{user}/events/{id}/cancel: {"Comment": …}, 202, the event gone.
func cancelMeeting(c *call) response {
	it, fail := c.lookup(c.params["id"], outlook.KindAppointment)
	if it == nil {
		return fail
	}
	if !it.ev.IsOrganizer {
		return badRequest("Your request can't be completed. You need to be an organizer to cancel a meeting.")
	}
	var body struct {
		Comment string `json:"Comment"`
	}
	if len(c.body) > 0 {
		if err := json.Unmarshal(c.body, &body); err != nil {
			return graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
		}
	}
	before := cloneEvent(*it.ev)
	c.mb.remove(it)
	c.s.sendMeeting(c.mb, before, nil, MeetingCancellation, before.Attendees, body.Comment)
	return response{status: http.StatusAccepted}
}

func hasAttendee(as []outlook.Attendee, email string) bool {
	return slices.ContainsFunc(as, func(a outlook.Attendee) bool { return strings.EqualFold(a.Email, email) })
}

// sendMeeting sends a meeting message of kind about ev from org to each of to, counting it, and
// delivering it to those with a mailbox here. previous is the meeting before an update; comment replaces
// the body of a cancellation. Callers hold s.mu.
func (s *Server) sendMeeting(org *mailbox, ev outlook.Event, previous *outlook.Event, kind MeetingMessageKind, to []outlook.Attendee, comment string) {
	now := s.now().UTC()
	for _, a := range to {
		addr := strings.ToLower(strings.TrimSpace(a.Email))
		if addr == "" || strings.EqualFold(addr, org.upn) {
			continue
		}
		rcpt := s.mailbox(addr)
		s.meetings = append(s.meetings, MeetingMessage{Kind: kind, From: org.upn, To: addr, Subject: ev.Subject,
			ICalUID: ev.ICalUID, Start: ev.Start, End: ev.End, Delivered: rcpt != nil && rcpt != org})
		if rcpt == nil || rcpt == org {
			continue
		}
		m := outlook.Message{Subject: ev.Subject, Body: ev.Body, BodyType: ev.BodyType, From: org.address(),
			InternetMessageID: s.newInternetMessageID(domainOf(org.upn))}
		if kind == MeetingCancellation {
			m.Subject, m.Body, m.BodyType = "Canceled: "+ev.Subject, comment, "text"
		}
		for _, at := range ev.Attendees {
			if at.Type == "optional" {
				m.Cc = append(m.Cc, at.Address)
			} else {
				m.To = append(m.To, at.Address)
			}
		}
		msg := rcpt.addMessage("inbox", m, now)
		msg.meeting = &meetingMessage{kind: kind, start: ev.Start, end: ev.End, location: ev.Location, isAllDay: ev.IsAllDay, previous: previous}
		attendeeCopy(rcpt, org, ev, kind, now)
	}
}

// attendeeCopy keeps the meeting in an attendee's calendar, as the calendar attendant does: created by a
// request, changed by an update, marked cancelled by a cancellation.
func attendeeCopy(rcpt, org *mailbox, ev outlook.Event, kind MeetingMessageKind, now time.Time) {
	var copyOf *item
	for _, it := range rcpt.itemsOf(outlook.KindAppointment) {
		if it.ev.ICalUID == ev.ICalUID && !it.ev.IsOrganizer {
			copyOf = it
			break
		}
	}
	if kind == MeetingCancellation {
		if copyOf != nil && !copyOf.ev.IsCancelled {
			copyOf.ev.IsCancelled = true
			rcpt.touch(copyOf, now)
		}
		return
	}
	e := cloneEvent(ev)
	e.ID, e.Stamp, e.ChangeKey, e.TransactionID, e.Categories = "", "", "", "", nil
	e.IsOrganizer, e.IsCancelled, e.Organizer = false, false, org.address()
	if copyOf != nil {
		copyOf.ev = &e
		rcpt.touch(copyOf, now)
		return
	}
	it := newItem(outlook.KindAppointment, "events")
	it.id, it.rest = rcpt.newItemIDs(outlook.KindAppointment)
	it.ev = &e
	rcpt.add(it, now)
}
