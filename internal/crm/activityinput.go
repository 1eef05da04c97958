package crm

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The statuses of appointments and tasks.
const (
	StatusScheduled = "scheduled" // appointment, the default
	StatusCanceled  = "canceled"  // appointment
	StatusOpen      = "open"      // task, the default
	StatusCompleted = "completed" // appointment or task
)

// activityStatuses lists the statuses each writable activity type allows, its default first.
var activityStatuses = map[string][]string{
	ActivityAppointment: {StatusScheduled, StatusCompleted, StatusCanceled},
	ActivityTask:        {StatusOpen, StatusCompleted},
}

// Limits of what a client may write into an appointment or a task.
const (
	MaxSubjectLength      = 400       // characters
	MaxLocationLength     = 400       // characters
	MaxPartyNameLength    = 200       // characters
	MaxActivityBodyBytes  = 256 << 10 // the same bound tracking keeps of an Outlook item's body
	MaxActivityAttendees  = 500
	maxAddressLength      = 254
	activityTimeFormatTip = "must be a time such as 2026-01-31T09:30:00Z"
)

// ActivityInput is what a client sends to create or replace an appointment or a task. Times are RFC 3339
// strings, read by Normalize rather than by the JSON decoder, so that a bad one is reported by its member.
type ActivityInput struct {
	Type      string       `json:"type"`
	Subject   string       `json:"subject"`
	Body      string       `json:"body"`
	Start     *string      `json:"start"`
	End       *string      `json:"end"`
	Due       *string      `json:"due"`
	Location  string       `json:"location"`
	Status    string       `json:"status"`
	Regarding *RecordRef   `json:"regarding"`
	OwnerID   string       `json:"ownerId"`
	Parties   []PartyInput `json:"parties"`
	Version   *int64       `json:"version"`
}

// PartyInput is an attendee of an appointment as a client names it; the service resolves the address to
// a record.
type PartyInput struct {
	Role    string `json:"role"`
	Address string `json:"address"`
	Name    string `json:"name"`
}

// DecodeActivityInput reads an activity's JSON body strictly: unknown members (at any depth), trailing
// data and wrongly typed members are refused with a CodeInvalid error that names the member.
func DecodeActivityInput(data []byte) (ActivityInput, error) {
	var in ActivityInput
	if err := decodeStrict(data, &in); err != nil {
		return ActivityInput{}, err
	}
	return in, nil
}

// NewActivity checks an input for a new appointment or task and returns the activity to create. OwnerID
// is what the client named ("" when it named nobody: the caller decides); id and version are left to the
// store. Every problem is reported, not just the first.
func (in ActivityInput) NewActivity() (Activity, error) {
	var errs []FieldError
	if in.Version != nil {
		errs = append(errs, FieldError{"version", "is set by the service; leave it out when creating"})
	}
	switch {
	case in.Type == ActivityEmail:
		return Activity{}, Invalid("emails cannot be created here: they come from tracking an Outlook message",
			FieldError{"type", "must be appointment or task; emails come from tracking"})
	case in.Type == "":
		errs = append(errs, FieldError{"type", "is required: appointment or task"})
	case activityStatuses[in.Type] == nil:
		errs = append(errs, FieldError{"type", "must be appointment or task"})
	}
	if in.OwnerID != "" {
		if id, err := uuid.Parse(in.OwnerID); err != nil {
			errs = append(errs, FieldError{"ownerId", "must be a user id (a UUID)"})
		} else {
			in.OwnerID = id.String()
		}
	}
	a, more := in.normalize(in.Type)
	errs = append(errs, more...)
	if len(errs) > 0 {
		return Activity{}, Invalid(invalidMessage(in.Type), errs...)
	}
	a.OwnerID = in.OwnerID
	return a, nil
}

// Replacement checks an input that replaces the values of current, an appointment or task, and returns
// current with them. The input must carry the version it was based on; its type and owner, when given,
// must be current's: this endpoint neither converts nor reassigns.
func (in ActivityInput) Replacement(current Activity) (Activity, error) {
	if current.Type == ActivityEmail {
		return Activity{}, Invalid("emails are changed by tracking: use Set Regarding to change what one is regarding")
	}
	var errs []FieldError
	if in.Version == nil {
		errs = append(errs, FieldError{"version", "is required: send the version you last read"})
	}
	if in.Type != "" && in.Type != current.Type {
		errs = append(errs, FieldError{"type", "cannot be changed; this activity is " + withArticle(current.Type)})
	}
	if in.OwnerID != "" && !strings.EqualFold(in.OwnerID, current.OwnerID) {
		errs = append(errs, FieldError{"ownerId", fmt.Sprintf("cannot be changed here; the owner is %s", current.OwnerID)})
	}
	a, more := in.normalize(current.Type)
	errs = append(errs, more...)
	if len(errs) > 0 {
		return Activity{}, Invalid(invalidMessage(current.Type), errs...)
	}
	out := current
	out.Subject, out.Body, out.Location, out.Status = a.Subject, a.Body, a.Location, a.Status
	out.Start, out.End, out.Due, out.Regarding = a.Start, a.End, a.Due, a.Regarding
	out.Parties = a.Parties
	if in.Version != nil {
		out.Version = *in.Version
	}
	return out, nil
}

func invalidMessage(typ string) string {
	if activityStatuses[typ] == nil {
		return "the activity is not valid"
	}
	return fmt.Sprintf("the %s is not valid", typ)
}

func withArticle(typ string) string {
	if strings.HasPrefix(typ, "a") || strings.HasPrefix(typ, "e") {
		return "an " + typ
	}
	return "a " + typ
}

// normalize checks the members every writable type shares against typ ("" or unknown: only what does not
// depend on the type) and returns the activity they describe, without owner or version.
func (in ActivityInput) normalize(typ string) (Activity, []FieldError) {
	var errs []FieldError
	a := Activity{Type: typ, Body: in.Body}

	a.Subject = strings.TrimSpace(in.Subject)
	switch {
	case a.Subject == "":
		errs = append(errs, FieldError{"subject", "is required"})
	case utf8.RuneCountInString(a.Subject) > MaxSubjectLength:
		errs = append(errs, FieldError{"subject", fmt.Sprintf("must be at most %d characters", MaxSubjectLength)})
	case strings.ContainsFunc(a.Subject, isControl):
		errs = append(errs, FieldError{"subject", "must not contain control characters"})
	}
	switch {
	case len(in.Body) > MaxActivityBodyBytes:
		errs = append(errs, FieldError{"body", fmt.Sprintf("must be at most %d KiB", MaxActivityBodyBytes>>10)})
	case strings.ContainsRune(in.Body, 0):
		// Line breaks and tabs belong in a body; NUL does not, and PostgreSQL cannot store it.
		errs = append(errs, FieldError{"body", "must not contain NUL characters"})
	}

	var ok bool
	if a.Start, ok = parseActivityTime(in.Start); !ok {
		errs = append(errs, FieldError{"start", activityTimeFormatTip})
	}
	if a.End, ok = parseActivityTime(in.End); !ok {
		errs = append(errs, FieldError{"end", activityTimeFormatTip})
	}
	if a.Due, ok = parseActivityTime(in.Due); !ok {
		errs = append(errs, FieldError{"due", activityTimeFormatTip})
	}
	location := strings.TrimSpace(in.Location)
	switch {
	case utf8.RuneCountInString(location) > MaxLocationLength:
		errs = append(errs, FieldError{"location", fmt.Sprintf("must be at most %d characters", MaxLocationLength)})
	case strings.ContainsFunc(location, isControl):
		errs = append(errs, FieldError{"location", "must not contain control characters"})
	}
	a.Location = location

	switch typ {
	case ActivityAppointment:
		if in.Start == nil {
			errs = append(errs, FieldError{"start", "is required for an appointment"})
		}
		if in.End == nil {
			errs = append(errs, FieldError{"end", "is required for an appointment"})
		}
		if a.Start != nil && a.End != nil && a.End.Before(*a.Start) {
			errs = append(errs, FieldError{"end", "must not be before start"})
		}
		if in.Due != nil {
			errs = append(errs, FieldError{"due", "is for tasks; an appointment has start and end"})
		}
	case ActivityTask:
		for _, m := range []struct {
			name string
			v    *string
		}{{"start", in.Start}, {"end", in.End}} {
			if m.v != nil && !hasError(errs, m.name) {
				errs = append(errs, FieldError{m.name, "is for appointments; a task has a due time"})
			}
		}
		if location != "" && !hasError(errs, "location") {
			errs = append(errs, FieldError{"location", "is for appointments; a task has no location"})
		}
		if len(in.Parties) > 0 {
			errs = append(errs, FieldError{"parties", "is for appointments; a task has no attendees"})
		}
	}

	if statuses := activityStatuses[typ]; statuses != nil {
		a.Status = in.Status
		if a.Status == "" {
			a.Status = statuses[0]
		} else if !slices.Contains(statuses, a.Status) {
			errs = append(errs, FieldError{"status", fmt.Sprintf("must be one of %s for %s", strings.Join(statuses, ", "), withArticle(typ))})
		}
	}

	if in.Regarding != nil {
		ref, more := normalizeRegarding(*in.Regarding)
		errs = append(errs, more...)
		a.Regarding = ref
	}

	a.Parties = []Party{}
	if typ != ActivityTask {
		parties, more := normalizeAttendees(in.Parties)
		errs = append(errs, more...)
		a.Parties = parties
	}
	return a, errs
}

// parseActivityTime reads an optional RFC 3339 time as UTC; ok is false for a malformed one. Times keep
// microseconds, the most both databases store.
func parseActivityTime(s *string) (t *time.Time, ok bool) {
	if s == nil {
		return nil, true
	}
	v, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(*s))
	if err != nil {
		return nil, false
	}
	v = v.UTC().Truncate(time.Microsecond)
	return &v, true
}

func normalizeRegarding(in RecordRef) (*Regarding, []FieldError) {
	var errs []FieldError
	typ := strings.TrimSpace(in.Type)
	if typ == "" {
		errs = append(errs, FieldError{"regarding.type", "is required: the record type, such as account"})
	} else if strings.ContainsFunc(typ, isControl) || utf8.RuneCountInString(typ) > 100 {
		errs = append(errs, FieldError{"regarding.type", "must be a record type name, such as account"})
	}
	id, err := uuid.Parse(strings.TrimSpace(in.ID))
	if err != nil {
		errs = append(errs, FieldError{"regarding.id", "must be a record id (a UUID)"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &Regarding{Type: typ, ID: id.String()}, nil
}

// normalizeAttendees checks an appointment's attendees: required or optional, each address once.
func normalizeAttendees(in []PartyInput) ([]Party, []FieldError) {
	if len(in) > MaxActivityAttendees {
		return nil, []FieldError{{"parties", fmt.Sprintf("must have at most %d attendees", MaxActivityAttendees)}}
	}
	var errs []FieldError
	out := make([]Party, 0, len(in))
	seen := make(map[string]int, len(in))
	for i, p := range in {
		path := fmt.Sprintf("parties[%d]", i)
		if p.Role != PartyRequired && p.Role != PartyOptional {
			errs = append(errs, FieldError{path + ".role", "must be required or optional"})
		}
		address := strings.TrimSpace(p.Address)
		if msg := checkAddress(address); msg != "" {
			errs = append(errs, FieldError{path + ".address", msg})
		} else if j, dup := seen[strings.ToLower(address)]; dup {
			errs = append(errs, FieldError{path + ".address", fmt.Sprintf("is already attendee %d", j)})
		} else {
			seen[strings.ToLower(address)] = i
		}
		name := strings.TrimSpace(p.Name)
		switch {
		case utf8.RuneCountInString(name) > MaxPartyNameLength:
			errs = append(errs, FieldError{path + ".name", fmt.Sprintf("must be at most %d characters", MaxPartyNameLength)})
		case strings.ContainsFunc(name, isControl):
			errs = append(errs, FieldError{path + ".name", "must not contain control characters"})
		}
		out = append(out, Party{Role: p.Role, Address: address, Name: name})
	}
	return out, errs
}

// checkAddress says what is wrong with an email address, or "" when it is a plain one, as record email
// fields accept them.
func checkAddress(s string) string {
	switch {
	case s == "":
		return "is required"
	case len(s) > maxAddressLength:
		return fmt.Sprintf("must be at most %d characters", maxAddressLength)
	case strings.ContainsFunc(s, isControl):
		return "must not contain control characters"
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s, "@") {
		return "must be an email address such as name@example.com"
	}
	return ""
}
