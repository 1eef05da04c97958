package graph

import (
	"regexp"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Conversions from the SDK's models to the plain values of package outlook. Every getter of the SDK may
// return nil; these helpers turn nil into the zero value.

func address(r models.Recipientable) outlook.Address {
	if r == nil {
		return outlook.Address{}
	}
	return emailAddress(r.GetEmailAddress())
}

func emailAddress(e models.EmailAddressable) outlook.Address {
	if e == nil {
		return outlook.Address{}
	}
	return outlook.Address{Name: deref(e.GetName()), Email: deref(e.GetAddress())}
}

func addresses(rs []models.Recipientable) []outlook.Address {
	if len(rs) == 0 {
		return nil
	}
	out := make([]outlook.Address, 0, len(rs))
	for _, r := range rs {
		out = append(out, address(r))
	}
	return out
}

func attendees(as []models.Attendeeable) []outlook.Attendee {
	if len(as) == 0 {
		return nil
	}
	out := make([]outlook.Attendee, 0, len(as))
	for _, a := range as {
		if a == nil {
			continue
		}
		at := outlook.Attendee{Address: emailAddress(a.GetEmailAddress())}
		if t := a.GetTypeEscaped(); t != nil {
			at.Type = t.String()
		}
		out = append(out, at)
	}
	return out
}

// body returns the content of b and its type, "text" or "html".
func body(b models.ItemBodyable) (content, contentType string) {
	if b == nil {
		return "", ""
	}
	if t := b.GetContentType(); t != nil {
		contentType = t.String()
	}
	return deref(b.GetContent()), contentType
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// dateTimeLayouts are the forms Graph writes a dateTimeTimeZone's dateTime in: no offset, fractional
// seconds of varying length.
var dateTimeLayouts = [...]string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02"}

// dateTime reads a dateTimeTimeZone. Requests ask for UTC; a zone Graph named anyway is honored when it
// is an IANA name, and read as UTC otherwise (Windows zone names have no Go equivalent).
func dateTime(d models.DateTimeTimeZoneable) time.Time {
	if d == nil || d.GetDateTime() == nil {
		return time.Time{}
	}
	loc := time.UTC
	if zone := deref(d.GetTimeZone()); zone != "" && !strings.EqualFold(zone, "UTC") {
		if l, err := time.LoadLocation(zone); err == nil {
			loc = l
		}
	}
	for _, layout := range dateTimeLayouts {
		if t, err := time.ParseInLocation(layout, *d.GetDateTime(), loc); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// stampOf finds the stamp among an item's expanded single-value extended properties.
func stampOf(props []models.SingleValueLegacyExtendedPropertyable) string {
	for _, p := range props {
		if p != nil && samePropertyID(deref(p.GetId()), outlook.StampPropertyID) {
			return deref(p.GetValue())
		}
	}
	return ""
}

// samePropertyID compares two named extended property ids, "String {GUID} Name X": the type and the
// GUID may come back in another case or spacing, but the name is case-sensitive ("filtering the string
// name (Name) in the id of an extended property is case-sensitive", singlevaluelegacyextendedproperty-get.md).
func samePropertyID(a, b string) bool {
	ha, na, okA := strings.Cut(strings.Join(strings.Fields(a), " "), " Name ")
	hb, nb, okB := strings.Cut(strings.Join(strings.Fields(b), " "), " Name ")
	return okA == okB && strings.EqualFold(ha, hb) && na == nb
}

// messageIDPattern matches one <id@host> of an In-Reply-To or References header.
var messageIDPattern = regexp.MustCompile(`<[^<>\s]+>`)

// messageIDs reads the message ids of an In-Reply-To or References header, in order, angle brackets kept
// as Graph's internetMessageId keeps them. Folded headers and stray text between ids are tolerated.
func messageIDs(header string) []string {
	ids := messageIDPattern.FindAllString(header, -1)
	if len(ids) == 0 {
		ids = strings.Fields(header)
	}
	return ids
}

// threadHeaders reads In-Reply-To and References from a message's internet headers.
func threadHeaders(hs []models.InternetMessageHeaderable) (inReplyTo string, references []string) {
	for _, h := range hs {
		if h == nil {
			continue
		}
		switch strings.ToLower(deref(h.GetName())) {
		case "in-reply-to":
			if ids := messageIDs(deref(h.GetValue())); len(ids) > 0 {
				inReplyTo = ids[0]
			}
		case "references":
			references = append(references, messageIDs(deref(h.GetValue()))...)
		}
	}
	return inReplyTo, references
}

func message(g models.Messageable) outlook.Message {
	content, contentType := body(g.GetBody())
	inReplyTo, references := threadHeaders(g.GetInternetMessageHeaders())
	return outlook.Message{
		ID:                deref(g.GetId()),
		InternetMessageID: deref(g.GetInternetMessageId()),
		ConversationID:    deref(g.GetConversationId()),
		Subject:           deref(g.GetSubject()),
		Body:              content,
		BodyType:          contentType,
		From:              address(g.GetFrom()),
		To:                addresses(g.GetToRecipients()),
		Cc:                addresses(g.GetCcRecipients()),
		Bcc:               addresses(g.GetBccRecipients()),
		SentAt:            timeOf(g.GetSentDateTime()),
		ReceivedAt:        timeOf(g.GetReceivedDateTime()),
		InReplyTo:         inReplyTo,
		References:        references,
		IsDraft:           deref(g.GetIsDraft()),
		Categories:        g.GetCategories(),
		Stamp:             stampOf(g.GetSingleValueExtendedProperties()),
		ChangeKey:         deref(g.GetChangeKey()),
		ParentFolderID:    deref(g.GetParentFolderId()),
		LastModified:      timeOf(g.GetLastModifiedDateTime()),
	}
}

func event(g models.Eventable) outlook.Event {
	content, contentType := body(g.GetBody())
	location := ""
	if l := g.GetLocation(); l != nil {
		location = deref(l.GetDisplayName())
	}
	return outlook.Event{
		ID:           deref(g.GetId()),
		ICalUID:      deref(g.GetICalUId()),
		Subject:      deref(g.GetSubject()),
		Body:         content,
		BodyType:     contentType,
		Start:        dateTime(g.GetStart()),
		End:          dateTime(g.GetEnd()),
		IsAllDay:     deref(g.GetIsAllDay()),
		Location:     location,
		Organizer:    address(g.GetOrganizer()),
		Attendees:    attendees(g.GetAttendees()),
		IsOrganizer:  deref(g.GetIsOrganizer()),
		IsCancelled:  deref(g.GetIsCancelled()),
		Categories:   g.GetCategories(),
		Stamp:        stampOf(g.GetSingleValueExtendedProperties()),
		ChangeKey:    deref(g.GetChangeKey()),
		LastModified: timeOf(g.GetLastModifiedDateTime()),

		TransactionID:  deref(g.GetTransactionId()),
		Type:           eventType(g),
		SeriesMasterID: deref(g.GetSeriesMasterId()),
	}
}

func eventType(g models.Eventable) string {
	if t := g.GetTypeEscaped(); t != nil {
		return t.String()
	}
	return ""
}

func contact(g models.Contactable) outlook.Contact {
	var emails []outlook.Address
	for _, e := range g.GetEmailAddresses() {
		emails = append(emails, emailAddress(e))
	}
	return outlook.Contact{
		ID:             deref(g.GetId()),
		GivenName:      deref(g.GetGivenName()),
		Surname:        deref(g.GetSurname()),
		DisplayName:    deref(g.GetDisplayName()),
		EmailAddresses: emails,
		CompanyName:    deref(g.GetCompanyName()),
		JobTitle:       deref(g.GetJobTitle()),
		BusinessPhones: g.GetBusinessPhones(),
		MobilePhone:    deref(g.GetMobilePhone()),
		Categories:     g.GetCategories(),
		Stamp:          stampOf(g.GetSingleValueExtendedProperties()),
		ChangeKey:      deref(g.GetChangeKey()),
		ParentFolderID: deref(g.GetParentFolderId()),
		LastModified:   timeOf(g.GetLastModifiedDateTime()),
	}
}
