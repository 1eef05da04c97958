package graph

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Writing events and contacts, for CRM → Outlook synchronization. A created item is stamped in the same
// request: the stamp property holds e.Stamp and TrackedCategory joins the categories, so no item exists
// for a moment untracked. Updates PATCH only the named properties, so a value the caller did not mean
// to write never reaches Graph. Neither Graph's answer to a POST nor to a PATCH expands extended
// properties: a created item's Stamp is the one written, an updated item's Stamp is empty.

// CreateEvent creates e in the mailbox's calendar, with its subject, body, start and end (sent in UTC),
// isAllDay, location, attendees and categories, and returns the event as Graph answered: immutable id,
// iCalUId, change key, lastModified. A non-empty e.TransactionID is sent as the event's transactionId
// (event resource: "to avoid redundant POST operations in case of client retries to create the same
// event"), so a create retried after a lost answer returns the event the first attempt made; build it
// with outlook.EventTransactionID. Graph documents no window for it, and it cannot be changed later.
// Exchange sends a meeting request to every attendee of a created event.
func (m *Mailbox) CreateEvent(ctx context.Context, e outlook.Event) (outlook.Event, error) {
	fields := []string{"subject", "start", "end"} // and those of the others e has
	if e.Body != "" {
		fields = append(fields, "body")
	}
	if e.Location != "" {
		fields = append(fields, "location")
	}
	if len(e.Attendees) > 0 {
		fields = append(fields, "attendees")
	}
	body, err := eventBody(e, fields)
	if err != nil {
		return outlook.Event{}, fmt.Errorf("create event: %w", err)
	}
	body.SetIsAllDay(&e.IsAllDay)
	if e.TransactionID != "" {
		body.SetTransactionId(&e.TransactionID)
	}
	setStampOnCreate(e.Stamp, e.Categories, body.SetCategories, body.SetSingleValueExtendedProperties)
	g, err := fetch(ctx, m, func(ctx context.Context) (models.Eventable, error) {
		return m.me().Events().Post(ctx, body, &users.ItemEventsRequestBuilderPostRequestConfiguration{
			Headers: preferImmutable(preferUTC),
		})
	})
	if err != nil {
		return outlook.Event{}, fmt.Errorf("create event: %w", err)
	}
	created := event(g)
	if created.Stamp == "" {
		created.Stamp = e.Stamp
	}
	return created, nil
}

// UpdateEvent writes the named properties of e to the event id: any of "subject", "body", "location",
// "start", "end" and "attendees". It returns the event as Graph answered the PATCH, Stamp empty. With
// no fields nothing is written: the event is read.
func (m *Mailbox) UpdateEvent(ctx context.Context, id string, e outlook.Event, fields []string) (outlook.Event, error) {
	body, err := eventBody(e, fields)
	if err != nil {
		return outlook.Event{}, fmt.Errorf("update event %s: %w", id, err)
	}
	if len(fields) == 0 {
		return m.Event(ctx, id)
	}
	var g models.Eventable
	err = m.call(ctx, func(ctx context.Context) (err error) {
		g, err = m.me().Events().ByEventId(id).Patch(ctx, body, &users.ItemEventsEventItemRequestBuilderPatchRequestConfiguration{
			Headers: preferImmutable(preferUTC),
		})
		return err
	})
	if err != nil {
		return outlook.Event{}, fmt.Errorf("update event %s: %w", id, err)
	}
	if g == nil { // Graph may answer 204; read what it now holds
		return m.Event(ctx, id)
	}
	return event(g), nil
}

// DeleteEvent deletes the event id; one already gone answers outlook.ErrNotFound.
func (m *Mailbox) DeleteEvent(ctx context.Context, id string) error {
	err := m.call(ctx, func(ctx context.Context) error {
		return m.me().Events().ByEventId(id).Delete(ctx, &users.ItemEventsEventItemRequestBuilderDeleteRequestConfiguration{
			Headers: preferImmutable(),
		})
	})
	if err != nil {
		return fmt.Errorf("delete event %s: %w", id, err)
	}
	return nil
}

// CreateContact creates c in the default contacts folder, with its names (displayName from the given
// name and surname), email addresses, phones, company, job title and categories, and returns the
// contact as Graph answered.
func (m *Mailbox) CreateContact(ctx context.Context, c outlook.Contact) (outlook.Contact, error) {
	var fields []string // the properties c has; an empty one is not sent
	with := func(name string, has bool) {
		if has {
			fields = append(fields, name)
		}
	}
	with("givenName", c.GivenName != "")
	with("surname", c.Surname != "")
	with("emailAddresses", len(c.EmailAddresses) > 0)
	with("businessPhones", len(c.BusinessPhones) > 0)
	with("companyName", c.CompanyName != "")
	with("jobTitle", c.JobTitle != "")
	with("mobilePhone", c.MobilePhone != "")
	body, err := contactBody(c, fields)
	if err != nil {
		return outlook.Contact{}, fmt.Errorf("create contact: %w", err)
	}
	setStampOnCreate(c.Stamp, c.Categories, body.SetCategories, body.SetSingleValueExtendedProperties)
	g, err := fetch(ctx, m, func(ctx context.Context) (models.Contactable, error) {
		return m.me().Contacts().Post(ctx, body, &users.ItemContactsRequestBuilderPostRequestConfiguration{
			Headers: preferImmutable(),
		})
	})
	if err != nil {
		return outlook.Contact{}, fmt.Errorf("create contact: %w", err)
	}
	created := contact(g)
	if created.Stamp == "" {
		created.Stamp = c.Stamp
	}
	return created, nil
}

// UpdateContact writes the named properties of c to the contact id: any of "givenName", "surname",
// "emailAddresses", "businessPhones", "companyName", "jobTitle" and "mobilePhone". A new given name or
// surname also rewrites displayName from both. It returns the contact as Graph answered, Stamp empty.
// With no fields nothing is written: the contact is read.
func (m *Mailbox) UpdateContact(ctx context.Context, id string, c outlook.Contact, fields []string) (outlook.Contact, error) {
	body, err := contactBody(c, fields)
	if err != nil {
		return outlook.Contact{}, fmt.Errorf("update contact %s: %w", id, err)
	}
	if len(fields) == 0 {
		return m.Contact(ctx, id)
	}
	var g models.Contactable
	err = m.call(ctx, func(ctx context.Context) (err error) {
		g, err = m.me().Contacts().ByContactId(id).Patch(ctx, body, &users.ItemContactsContactItemRequestBuilderPatchRequestConfiguration{
			Headers: preferImmutable(),
		})
		return err
	})
	if err != nil {
		return outlook.Contact{}, fmt.Errorf("update contact %s: %w", id, err)
	}
	if g == nil {
		return m.Contact(ctx, id)
	}
	return contact(g), nil
}

// DeleteContact deletes the contact id; one already gone answers outlook.ErrNotFound.
func (m *Mailbox) DeleteContact(ctx context.Context, id string) error {
	err := m.call(ctx, func(ctx context.Context) error {
		return m.me().Contacts().ByContactId(id).Delete(ctx, &users.ItemContactsContactItemRequestBuilderDeleteRequestConfiguration{
			Headers: preferImmutable(),
		})
	})
	if err != nil {
		return fmt.Errorf("delete contact %s: %w", id, err)
	}
	return nil
}

// eventBody is a request body holding the named properties of e, and no others.
func eventBody(e outlook.Event, fields []string) (*models.Event, error) {
	body := models.NewEvent()
	for _, f := range fields {
		switch f {
		case "subject":
			body.SetSubject(&e.Subject)
		case "body":
			body.SetBody(itemBody(e.Body, e.BodyType))
		case "location":
			loc := models.NewLocation()
			loc.SetDisplayName(&e.Location)
			body.SetLocation(loc)
		case "start":
			body.SetStart(utcDateTime(e.Start))
		case "end":
			body.SetEnd(utcDateTime(e.End))
		case "attendees":
			as, err := graphAttendees(e.Attendees)
			if err != nil {
				return nil, err
			}
			body.SetAttendees(as)
		default:
			return nil, fmt.Errorf("%w: unknown event field %q (subject, body, location, start, end, attendees)", outlook.ErrInvalid, f)
		}
	}
	return body, nil
}

// contactBody is a request body holding the named properties of c, and displayName when a name is one.
func contactBody(c outlook.Contact, fields []string) (*models.Contact, error) {
	body := models.NewContact()
	for _, f := range fields {
		switch f {
		case "givenName":
			body.SetGivenName(&c.GivenName)
		case "surname":
			body.SetSurname(&c.Surname)
		case "companyName":
			body.SetCompanyName(&c.CompanyName)
		case "jobTitle":
			body.SetJobTitle(&c.JobTitle)
		case "mobilePhone":
			body.SetMobilePhone(&c.MobilePhone)
		case "businessPhones":
			body.SetBusinessPhones(append([]string{}, c.BusinessPhones...)) // [] clears, nil would not be sent
		case "emailAddresses":
			emails := make([]models.EmailAddressable, 0, len(c.EmailAddresses))
			for _, a := range c.EmailAddresses {
				emails = append(emails, graphEmailAddress(a))
			}
			body.SetEmailAddresses(emails)
		default:
			return nil, fmt.Errorf("%w: unknown contact field %q (givenName, surname, emailAddresses, businessPhones, companyName, jobTitle, mobilePhone)", outlook.ErrInvalid, f)
		}
		if f == "givenName" || f == "surname" {
			display := strings.TrimSpace(c.GivenName + " " + c.Surname)
			body.SetDisplayName(&display)
		}
	}
	return body, nil
}

// setStampOnCreate gives a new item its categories, and when stamp is set, the stamp property and
// TrackedCategory too.
func setStampOnCreate(stamp string, categories []string, setCategories func([]string),
	setProps func([]models.SingleValueLegacyExtendedPropertyable)) {
	if stamp == "" {
		if len(categories) > 0 {
			setCategories(categories)
		}
		return
	}
	setCategories(withCategory(categories))
	prop := models.NewSingleValueLegacyExtendedProperty()
	propID := outlook.StampPropertyID
	prop.SetId(&propID)
	prop.SetValue(&stamp)
	setProps([]models.SingleValueLegacyExtendedPropertyable{prop})
}

// itemBody is Graph's itemBody: HTML when contentType says so, text otherwise.
func itemBody(content, contentType string) models.ItemBodyable {
	b := models.NewItemBody()
	t := models.TEXT_BODYTYPE
	if strings.EqualFold(contentType, "html") {
		t = models.HTML_BODYTYPE
	}
	b.SetContent(&content)
	b.SetContentType(&t)
	return b
}

// utcDateTime writes t as a dateTimeTimeZone in UTC, the form Graph reads without a zone lookup.
func utcDateTime(t time.Time) models.DateTimeTimeZoneable {
	d := models.NewDateTimeTimeZone()
	s, zone := t.UTC().Format("2006-01-02T15:04:05.0000000"), "UTC"
	d.SetDateTime(&s)
	d.SetTimeZone(&zone)
	return d
}

func graphEmailAddress(a outlook.Address) models.EmailAddressable {
	e := models.NewEmailAddress()
	name, address := a.Name, a.Email
	if name != "" {
		e.SetName(&name)
	}
	e.SetAddress(&address)
	return e
}

// graphAttendees converts attendees; a missing type is "required".
func graphAttendees(as []outlook.Attendee) ([]models.Attendeeable, error) {
	out := make([]models.Attendeeable, 0, len(as))
	for _, a := range as {
		typ := a.Type
		if typ == "" {
			typ = "required"
		}
		parsed, _ := models.ParseAttendeeType(typ)
		t, ok := parsed.(*models.AttendeeType)
		if !ok || t == nil {
			return nil, fmt.Errorf("%w: attendee %s has type %q (required, optional, resource)", outlook.ErrInvalid, a.Email, a.Type)
		}
		g := models.NewAttendee()
		g.SetEmailAddress(graphEmailAddress(a.Address))
		g.SetTypeEscaped(t)
		out = append(out, g)
	}
	return out, nil
}
