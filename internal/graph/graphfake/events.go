package graphfake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

func eventKind() kindDesc {
	return kindDesc{kind: outlook.KindAppointment, set: "events", render: renderEvent, patch: patchEvent, create: createEvent}
}

// AddEvent stores e in user's calendar, assigning ids, change key and (when empty) an iCalUId, and
// returns it as Event would. A non-empty e.Stamp is stored without counting as a stamp write.
func (s *Server) AddEvent(user string, e outlook.Event) outlook.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	now := s.now().UTC()
	id, rest := mb.newItemIDs(outlook.KindAppointment)
	e = cloneEvent(e)
	if e.ICalUID == "" {
		e.ICalUID = iCalUID(rest)
	}
	if e.End.IsZero() {
		e.End = e.Start.Add(30 * time.Minute)
	}
	e.BodyType = or(e.BodyType, "text")
	it := &item{kind: outlook.KindAppointment, id: id, rest: rest, coll: "events", ev: &e}
	mb.add(it, now)
	it.setStamp(e.Stamp)
	return it.eventValue()
}

// iCalUID gives a new event the shape of Exchange's iCalUIds: a fixed Outlook prefix, then a
// per-meeting GUID.
func iCalUID(rest string) string {
	sum := sha256.Sum256([]byte(rest))
	return "040000008200E00074C5B7101A82E00800000000" + strings.ToUpper(hex.EncodeToString(sum[:16]))
}

// Events returns every event of user's calendar in the order they were created, each with its current
// stamp: single events, series masters and exceptions (Occurrences lists a series' meetings); not those
// in Deleted Items.
func (s *Server) Events(user string) []outlook.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []outlook.Event
	for _, it := range s.mustMailbox(user).itemsOf(outlook.KindAppointment) {
		if !it.trashed {
			out = append(out, it.eventValue())
		}
	}
	return out
}

// createEvent builds the event a POST /users/{user}/events describes. Like Graph it needs a start and
// an end, and makes the mailbox's user the organizer.
func createEvent(c *call, fields map[string]json.RawMessage) (*item, response) {
	e := &outlook.Event{BodyType: "text", Organizer: outlook.Address{Name: c.mb.upn, Email: c.mb.upn}, IsOrganizer: true}
	it := newItem(outlook.KindAppointment, "events")
	it.ev = e
	if err := decodeField(fields, "transactionId", &e.TransactionID); err != nil {
		return nil, graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
	}
	if err := patchCommon(it, fields); err != nil {
		return nil, graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
	}
	if err := patchEvent(it, fields); err != nil {
		return nil, graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
	}
	for _, name := range []string{"start", "end"} {
		if raw, ok := fields[name]; !ok || string(raw) == "null" {
			return nil, badRequest(fmt.Sprintf("An event needs a start and an end; the request has no %s.", name))
		}
	}
	if e.End.Before(e.Start) {
		return nil, badRequest("The event's end is before its start.")
	}
	it.id, it.rest = c.mb.newItemIDs(outlook.KindAppointment)
	e.ICalUID = iCalUID(it.rest)
	return it, response{}
}

// Event returns the current state of an event, id in either form, with its Stamp and Categories.
func (s *Server) Event(user, id string) (outlook.Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.mustMailbox(user).find(id, outlook.KindAppointment)
	if it == nil {
		return outlook.Event{}, false
	}
	return it.eventValue(), true
}

// UpdateEvent simulates the user editing an event, as UpdateMessage does for a message.
func (s *Server) UpdateEvent(user, id string, change func(*outlook.Event)) {
	s.edit(user, id, outlook.KindAppointment, func(it *item) {
		v := it.eventValue()
		change(&v)
		v.ID, v.ChangeKey, v.LastModified = it.id, "", time.Time{}
		it.setStamp(v.Stamp)
		v.Stamp = ""
		e := cloneEvent(v)
		it.ev = &e
	})
}

func (it *item) eventValue() outlook.Event {
	e := cloneEvent(*it.ev)
	e.ID, e.Stamp, e.ChangeKey, e.LastModified = it.id, it.stamp(), it.changeKey(), it.lastModified()
	e.Type = it.eventType()
	if it.master != nil {
		e.SeriesMasterID = it.master.id
	}
	return e
}

func cloneEvent(e outlook.Event) outlook.Event {
	e.Attendees, e.Categories = slices.Clone(e.Attendees), slices.Clone(e.Categories)
	return e
}

// nilIfEmpty renders an optional string property: null when unset, as Graph renders transactionId.
func nilIfEmpty(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// overlaps reports whether the event falls in a calendar view window, as calendarView decides; a
// series master, whether any of its meetings may.
func (it *item) overlaps(start, end time.Time) bool {
	from, to := it.ev.Start, it.ev.End
	if it.series != nil {
		from, to = it.span()
	}
	return from.Before(end) && to.After(start)
}

func renderEvent(c *call, it *item) map[string]any {
	e := it.ev
	response := "none"
	if e.IsOrganizer {
		response = "organizer"
	}
	attendees := []any{}
	for _, a := range e.Attendees {
		attendees = append(attendees, map[string]any{
			"type":         or(a.Type, "required"),
			"status":       map[string]any{"response": "none", "time": "0001-01-01T00:00:00Z"},
			"emailAddress": emailAddress(a.Address),
		})
	}
	location := map[string]any{"displayName": e.Location, "locationType": "default", "uniqueIdType": "unknown", "address": map[string]any{}, "coordinates": map[string]any{}}
	locations := []any{}
	if e.Location != "" {
		locations = append(locations, location)
	}
	var seriesMaster, originalStart any
	if it.master != nil {
		seriesMaster = it.master.idFor(c.immutable)
		originalStart = instant(it.master.ev.Start.Add(time.Duration(it.index) * it.master.series.step()))
	}
	obj := map[string]any{
		"@odata.etag":                it.etag(),
		"id":                         it.idFor(c.immutable),
		"createdDateTime":            it.timestamp(it.created),
		"lastModifiedDateTime":       it.timestamp(it.modified),
		"changeKey":                  it.changeKey(),
		"categories":                 nonNil(e.Categories),
		"transactionId":              nilIfEmpty(e.TransactionID),
		"originalStartTimeZone":      "UTC",
		"originalEndTimeZone":        "UTC",
		"iCalUId":                    e.ICalUID,
		"uid":                        e.ICalUID,
		"reminderMinutesBeforeStart": 15,
		"isReminderOn":               true,
		"hasAttachments":             false,
		"subject":                    e.Subject,
		"bodyPreview":                preview(e.Body, e.BodyType),
		"importance":                 "normal",
		"sensitivity":                "normal",
		"isAllDay":                   e.IsAllDay,
		"isCancelled":                e.IsCancelled,
		"isOrganizer":                e.IsOrganizer,
		"responseRequested":          true,
		"seriesMasterId":             seriesMaster,
		"showAs":                     "busy",
		"type":                       it.eventType(),
		"webLink":                    "https://outlook.office365.com/owa/?itemid=" + url.QueryEscape(it.rest) + "&exvsurl=1&path=/calendar/item",
		"onlineMeetingUrl":           nil,
		"isOnlineMeeting":            false,
		"onlineMeetingProvider":      "unknown",
		"allowNewTimeProposals":      true,
		"isDraft":                    false,
		"hideAttendees":              false,
		"recurrence":                 it.recurrenceJSON(),
		"onlineMeeting":              nil,
		"responseStatus":             map[string]any{"response": response, "time": "0001-01-01T00:00:00Z"},
		"body":                       c.renderBody(e.Body, e.BodyType),
		"start":                      dateTimeTZ(e.Start),
		"end":                        dateTimeTZ(e.End),
		"location":                   location,
		"locations":                  locations,
		"attendees":                  attendees,
		"organizer":                  recipient(e.Organizer),
	}
	if originalStart != nil {
		obj["originalStart"] = originalStart
	}
	return obj
}

// patchEvent applies the event properties a client may change besides categories and stamps.
func patchEvent(it *item, fields map[string]json.RawMessage) error {
	e := it.ev
	// "After you set transactionId when creating an event, you cannot change transactionId in a
	// subsequent update" (event resource type).
	if _, ok := fields["transactionId"]; ok {
		tx := e.TransactionID
		if err := decodeField(fields, "transactionId", &tx); err != nil {
			return err
		}
		if tx != e.TransactionID {
			return fmt.Errorf("property transactionId: it cannot be changed once the event is created")
		}
	}
	if err := decodeField(fields, "subject", &e.Subject); err != nil {
		return err
	}
	if _, ok := fields["body"]; ok {
		var b itemBody
		if err := decodeField(fields, "body", &b); err != nil {
			return err
		}
		// Exchange keeps an event's text body as HTML it wraps the text in.
		e.Body, e.BodyType = storedBody(b.Content, b.ContentType)
	}
	if _, ok := fields["location"]; ok {
		var loc struct {
			DisplayName string `json:"displayName"`
		}
		if err := decodeField(fields, "location", &loc); err != nil {
			return err
		}
		e.Location = loc.DisplayName
	}
	if err := decodeField(fields, "isAllDay", &e.IsAllDay); err != nil {
		return err
	}
	if _, ok := fields["attendees"]; ok {
		var as []struct {
			EmailAddress wireEmail `json:"emailAddress"`
			Type         string    `json:"type"`
		}
		if err := decodeField(fields, "attendees", &as); err != nil {
			return err
		}
		e.Attendees = nil
		for _, a := range as {
			typ := or(a.Type, "required")
			if !slices.Contains([]string{"required", "optional", "resource"}, typ) {
				return fmt.Errorf("property attendees: the type %q is not valid", a.Type)
			}
			e.Attendees = append(e.Attendees, outlook.Attendee{Address: outlook.Address{Name: a.EmailAddress.Name, Email: a.EmailAddress.Address}, Type: typ})
		}
	}
	for name, dst := range map[string]*time.Time{"start": &e.Start, "end": &e.End} {
		if _, ok := fields[name]; !ok {
			continue
		}
		var d dateTimeTimeZone
		if err := decodeField(fields, name, &d); err != nil {
			return err
		}
		t, err := d.time()
		if err != nil {
			return err
		}
		*dst = t
	}
	return nil
}
