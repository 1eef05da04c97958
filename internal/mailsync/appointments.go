package mailsync

import (
	"context"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
)

// FolderCalendar is the calendar's delta folder, as sync_state names it.
const FolderCalendar = "calendar"

// folderCalendarWindow keeps the start of the calendar view window the calendar's delta link covers.
const folderCalendarWindow = "calendar-window"

// The calendar view a pass follows: from calendarPast before the window's start, calendarSpan long. The
// window moves on weekly, which costs one full round of the calendar a week.
const (
	calendarPast = 30 * 24 * time.Hour
	calendarSpan = 400 * 24 * time.Hour
)

// appointments are CRM appointments and Outlook calendar events.
type appointments struct{ activityKind }

func (appointments) kind() outlook.Kind { return outlook.KindAppointment }
func (appointments) itemKind() string   { return crm.ItemAppointment }

// folders is the calendar, once its delta follows the current window.
func (appointments) folders(ctx context.Context, p *pass) ([]string, error) {
	if err := moveCalendarWindow(ctx, p); err != nil {
		return nil, err
	}
	return []string{FolderCalendar}, nil
}

// othersItems: a tracked meeting may be organized by someone else.
func (appointments) othersItems() bool { return true }

func (appointments) delta(ctx context.Context, p *pass, _, link string) (itemPage, error) {
	start, end := calendarWindow(p)
	pg, err := p.items.EventsDelta(ctx, link, start, end)
	return pageOf(pg, eventItem), err
}

func (appointments) read(ctx context.Context, p *pass, id string) (outlookItem, error) {
	e, err := p.items.Event(ctx, id)
	return eventItem(e), err
}

func (appointments) create(ctx context.Context, p *pass, v values, c crmItem) (outlookItem, error) {
	e := eventOf(v)
	e.Stamp = c.ID
	// Graph's guard against a retried POST creating a second event (and, with attendees, a second
	// round of meeting requests).
	e.TransactionID = outlook.EventTransactionID(c.ID, c.Version)
	got, err := p.items.CreateEvent(ctx, e)
	return eventItem(got), err
}

func (appointments) update(ctx context.Context, p *pass, id string, v values, props []string) (outlookItem, error) {
	got, err := p.items.UpdateEvent(ctx, id, eventOf(v), props)
	return eventItem(got), err
}

func (appointments) remove(ctx context.Context, p *pass, id string) error {
	return p.items.DeleteEvent(ctx, id)
}

func eventItem(e outlook.Event) outlookItem {
	return outlookItem{ID: e.ID, ChangeKey: e.ChangeKey, Modified: e.LastModified, Values: eventValues(e), Categories: e.Categories, Stamp: e.Stamp,
		ReadOnly: e.ID != "" && e.Sent.Has("isOrganizer") && !e.IsOrganizer, ReadOnlyUnknown: !e.Sent.Has("isOrganizer"),
		Series: e.Type == outlook.EventSeriesMaster}
}

// eventProperties are the Graph properties of an event's synchronized fields.
var eventProperties = map[string]string{"subject": "subject", "body": "body", "location": "location", "start": "start", "end": "end",
	"requiredAttendees": "attendees", "optionalAttendees": "attendees"}

func appointmentValues(a crm.Activity) values {
	var required, optional []string
	for _, p := range a.Parties {
		switch p.Role {
		case crm.PartyRequired:
			required = append(required, p.Address)
		case crm.PartyOptional:
			optional = append(optional, p.Address)
		}
	}
	return values{"subject": a.Subject, "body": textValue(a.Body), "location": a.Location, "start": timeValue(a.Start),
		"end": timeValue(a.End), "requiredAttendees": addressesValue(required), "optionalAttendees": addressesValue(optional)}
}

func eventValues(e outlook.Event) values {
	var required, optional []string
	for _, at := range e.Attendees {
		switch at.Type {
		case "optional":
			optional = append(optional, at.Email)
		case "resource":
		default:
			required = append(required, at.Email)
		}
	}
	return present(values{"subject": e.Subject, "body": textValue(e.Body), "location": e.Location, "start": timeValue(&e.Start),
		"end": timeValue(&e.End), "requiredAttendees": addressesValue(required), "optionalAttendees": addressesValue(optional)},
		e.Sent, eventProperties)
}

func eventOf(v values) outlook.Event {
	e := outlook.Event{Subject: v["subject"], Body: v["body"], BodyType: "text", Location: v["location"]}
	if t := parseTimeValue(v["start"]); t != nil {
		e.Start = *t
	}
	if t := parseTimeValue(v["end"]); t != nil {
		e.End = *t
	}
	for _, a := range splitAddresses(v["requiredAttendees"]) {
		e.Attendees = append(e.Attendees, outlook.Attendee{Address: outlook.Address{Email: a}, Type: "required"})
	}
	for _, a := range splitAddresses(v["optionalAttendees"]) {
		e.Attendees = append(e.Attendees, outlook.Attendee{Address: outlook.Address{Email: a}, Type: "optional"})
	}
	return e
}

// calendarWindow is the calendar view the pass follows.
func calendarWindow(p *pass) (time.Time, time.Time) {
	start := windowStart(p.now())
	return start, start.Add(calendarSpan)
}

// windowStart is calendarPast before now, moved back to the week's Monday so it changes weekly.
func windowStart(now time.Time) time.Time {
	d := now.UTC().Add(-calendarPast).Truncate(24 * time.Hour)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// moveCalendarWindow starts the calendar's delta over when its window moved on: a delta link keeps the
// window it began with. The full round that follows only reconciles linked items, so nothing doubles.
func moveCalendarWindow(ctx context.Context, p *pass) error {
	want := windowStart(p.now()).Format(time.DateOnly)
	got, _, err := p.store.DeltaLink(ctx, p.m.TenantID, p.m.UserID, folderCalendarWindow)
	if err != nil && !crm.IsNotFound(err) {
		return err
	}
	if got == want {
		return nil
	}
	if err := p.store.DeleteDeltaLink(ctx, p.m.TenantID, p.m.UserID, FolderCalendar); err != nil {
		return err
	}
	return p.store.SaveDeltaLink(ctx, p.m.TenantID, p.m.UserID, folderCalendarWindow, want)
}
