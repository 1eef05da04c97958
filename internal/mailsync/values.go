package mailsync

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
)

// Canonical forms of synchronized values. Both sides are compared in these forms, so a value that
// differs only in how Graph renders it (an HTML body around the same text, an address's case, a time's
// zone) is not a change.

func timeValue(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

func parseTimeValue(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil
	}
	return &t
}

// dateValue is a task's due date: To Do keeps dates, not times.
func dateValue(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func parseDateValue(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil
	}
	return &t
}

var (
	htmlBreaks = regexp.MustCompile(`(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6])\s*/?>`)
	htmlTags   = regexp.MustCompile(`(?s)<!--.*?-->|<(?i:style|script|head)[^>]*>.*?</(?i:style|script|head)>|<[^>]*>`)
	spaces     = regexp.MustCompile(`[ \t\r\f\v\x{00a0}]+`)
	blankLines = regexp.MustCompile(`\n\s*\n+`)
)

// textValue is a body as plain text: Outlook turns a text body into HTML on its own, which must not read
// as a user's change.
func textValue(body string) string {
	if strings.Contains(body, "<") && strings.Contains(body, ">") {
		body = htmlBreaks.ReplaceAllString(body, "\n")
		body = htmlTags.ReplaceAllString(body, "")
		body = html.UnescapeString(body)
	}
	body = spaces.ReplaceAllString(body, " ")
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

// addressesValue is a set of addresses: lower-cased, sorted, without duplicates, joined with ";".
func addressesValue(addrs []string) string {
	var out []string
	for _, a := range addrs {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return strings.Join(slices.Compact(out), ";")
}

func splitAddresses(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}

// taskStatusValue maps To Do's statuses onto the CRM's: a task is open or completed.
func taskStatusValue(status string) string {
	if status == "completed" {
		return "completed"
	}
	return "open"
}

// toDoStatus is the To Do status of a CRM task status.
func toDoStatus(status string) string {
	if status == "completed" {
		return "completed"
	}
	return "notStarted"
}

func stringField(fields map[string]any, name string) string {
	switch v := fields[name].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// Values of each item kind, CRM side and Outlook side, keyed by the CRM field of its field mapping.

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
	return values{"subject": e.Subject, "body": textValue(e.Body), "location": e.Location, "start": timeValue(&e.Start),
		"end": timeValue(&e.End), "requiredAttendees": addressesValue(required), "optionalAttendees": addressesValue(optional)}
}

// contactValues are a contact record's values; company is the name of its account, as Outlook shows it.
func contactValues(r crm.Record, company string) values {
	return values{"firstName": stringField(r.Fields, "firstName"), "lastName": stringField(r.Fields, "lastName"),
		"email": strings.ToLower(stringField(r.Fields, "email")), "phone": stringField(r.Fields, "phone"), "accountId": company}
}

func outlookContactValues(c outlook.Contact) values {
	v := values{"firstName": c.GivenName, "lastName": c.Surname, "email": "", "phone": "", "accountId": c.CompanyName}
	if len(c.EmailAddresses) > 0 {
		v["email"] = strings.ToLower(c.EmailAddresses[0].Email)
	}
	if len(c.BusinessPhones) > 0 {
		v["phone"] = c.BusinessPhones[0]
	}
	return v
}

func taskValues(a crm.Activity) values {
	return values{"subject": a.Subject, "body": textValue(a.Body), "due": dateValue(a.Due), "status": taskStatusValue(a.Status)}
}

func toDoValues(t outlook.Task) values {
	return values{"subject": t.Title, "body": textValue(t.Body), "due": dateValue(t.Due), "status": taskStatusValue(t.Status)}
}

// Outlook items built from values. Only the fields named go out; outlookFields lists the Graph properties
// they are written to.

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

func contactOf(v values) outlook.Contact {
	c := outlook.Contact{GivenName: v["firstName"], Surname: v["lastName"], CompanyName: v["accountId"]}
	if v["email"] != "" {
		c.EmailAddresses = []outlook.Address{{Email: v["email"], Name: strings.TrimSpace(v["firstName"] + " " + v["lastName"])}}
	}
	if v["phone"] != "" {
		c.BusinessPhones = []string{v["phone"]}
	}
	return c
}

func toDoOf(v values) outlook.Task {
	return outlook.Task{Title: v["subject"], Body: v["body"], Due: parseDateValue(v["due"]), Status: toDoStatus(v["status"])}
}

// outlookProperties names the Graph properties that hold the CRM fields, as the mappings say
// ("attendees[type=required]" and "emailAddresses/0" are parts of one property), without duplicates.
func outlookProperties(maps []crm.FieldMapping, fields values) []string {
	var out []string
	for _, m := range maps {
		if _, ok := fields[m.CRMField]; !ok {
			continue
		}
		p, _, _ := strings.Cut(m.OutlookField, "[")
		p, _, _ = strings.Cut(p, "/")
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
