package crm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The kinds of synchronization filter: online filters choose what the synchronization pushes to Outlook,
// offline filters what the taskpane caches for use without a connection.
const (
	FilterOnline  = "online"
	FilterOffline = "offline"
)

// The scopes of a synchronization filter: a user's own, or a system filter an admin defined for everyone.
const (
	ScopeUser   = "user"
	ScopeSystem = "system"
)

// Limits of a filter.
const (
	MaxFilterNameLength = 100
	// MaxFiltersPerOwner bounds the filters one user, or the tenant's system scope, may hold.
	MaxFiltersPerOwner = 100
)

// Filter is a synchronization filter: which records (or appointments, or tasks) of one type a user's
// mailbox receives or the taskpane keeps offline. RecordType is a record type's name or one of the
// activity types appointment and task. Several enabled filters of one type and kind are combined with OR;
// a type without an enabled filter is not synchronized.
type Filter struct {
	ID         string    `json:"id"`
	TenantID   string    `json:"-"`
	UserID     string    `json:"userId,omitempty"` // the owner of a user filter; empty for a system filter
	Name       string    `json:"name"`
	RecordType string    `json:"recordType"`
	Kind       string    `json:"kind"`
	Scope      string    `json:"scope"`
	Enabled    bool      `json:"enabled"`
	Default    bool      `json:"default"` // one of the filters every new user starts with
	Conditions Condition `json:"conditions"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// DefaultFilters returns the filters every new user starts with: their own appointments, contacts and
// tasks, as Dynamics' "My appointments", "My contacts" and "My tasks".
func DefaultFilters() []Filter {
	mine := Condition{Group: GroupAnd, Conditions: []Condition{{Field: FieldOwnerID, Op: CondEq, Value: MeValue}}}
	f := func(name, recordType string) Filter {
		return Filter{Name: name, RecordType: recordType, Kind: FilterOnline, Scope: ScopeUser, Enabled: true, Default: true, Conditions: mine}
	}
	return []Filter{f("My appointments", ActivityAppointment), f("My contacts", TypeContact), f("My tasks", ActivityTask)}
}

// FilterInput is what a client sends to create or replace a filter. Members left out take their
// defaults: kind online, scope user, enabled, and conditions that match every record of the type.
type FilterInput struct {
	Name       *string         `json:"name"`
	RecordType string          `json:"recordType"`
	Kind       string          `json:"kind"`
	Scope      string          `json:"scope"`
	Enabled    *bool           `json:"enabled"`
	Conditions json.RawMessage `json:"conditions"`
}

// DecodeFilterInput reads a filter's JSON body strictly. Its errors name members with JSON pointers, as
// every error about a filter does.
func DecodeFilterInput(data []byte) (FilterInput, error) {
	var in FilterInput
	if err := decodeStrict(data, &in); err != nil {
		err = PointerFields(err)
		if e, ok := err.(*Error); ok && len(e.Fields) > 0 {
			e.Message = "the filter is not valid at " + e.Fields[0].Field + ": " + e.Fields[0].Message
		}
		return FilterInput{}, err
	}
	return in, nil
}

// PointerFields rewrites the field names of a validation error ("a.b") as JSON pointers ("/a/b"), for
// bodies whose errors are all reported at JSON pointers. Other errors pass unchanged.
func PointerFields(err error) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	for i, f := range e.Fields {
		if !strings.HasPrefix(f.Field, "/") {
			e.Fields[i].Field = "/" + strings.ReplaceAll(f.Field, ".", "/")
		}
	}
	return e
}

// FilterTypeLookup finds the record type a filter names; false when there is none.
type FilterTypeLookup func(name string) (EntityType, bool)

// Filter checks the input and returns the filter it describes (without ids or owner). lookup finds the
// tenant's record types; the activity types appointment and task are known here. Every problem is
// reported, each at a JSON pointer into the body, such as /conditions/and/1/op.
func (in FilterInput) Filter(lookup FilterTypeLookup) (Filter, error) {
	var errs []FieldError
	f := Filter{Kind: in.Kind, Scope: in.Scope, Enabled: in.Enabled == nil || *in.Enabled, RecordType: in.RecordType}
	switch {
	case in.Name == nil || strings.TrimSpace(*in.Name) == "":
		errs = append(errs, FieldError{"/name", "is required"})
	case utf8.RuneCountInString(strings.TrimSpace(*in.Name)) > MaxFilterNameLength:
		errs = append(errs, FieldError{"/name", fmt.Sprintf("must be at most %d characters", MaxFilterNameLength)})
	case strings.ContainsFunc(*in.Name, isControl):
		errs = append(errs, FieldError{"/name", "must not contain control characters"})
	default:
		f.Name = strings.TrimSpace(*in.Name)
	}
	var schema *EntityType
	switch in.RecordType {
	case "":
		errs = append(errs, FieldError{"/recordType", "is required: a record type such as contact, or appointment or task"})
	case ActivityEmail:
		errs = append(errs, FieldError{"/recordType", "email is not synchronized by filters: use appointment, task or a record type"})
	default:
		if et, ok := ActivityFilterType(in.RecordType); ok {
			schema = &et
		} else if et, ok := lookup(in.RecordType); ok {
			schema = &et
		} else {
			errs = append(errs, FieldError{"/recordType", fmt.Sprintf("there is no record type %q", in.RecordType)})
		}
	}
	switch f.Kind {
	case "":
		f.Kind = FilterOnline
	case FilterOnline, FilterOffline:
	default:
		errs = append(errs, FieldError{"/kind", "must be online (synchronized to Outlook) or offline (kept by the taskpane)"})
	}
	switch f.Scope {
	case "":
		f.Scope = ScopeUser
	case ScopeUser, ScopeSystem:
	default:
		errs = append(errs, FieldError{"/scope", "must be user (yours) or system (everyone's; admins only)"})
	}
	cond, condErrs := parseConditions(in.Conditions, schema)
	f.Conditions = cond
	errs = append(errs, condErrs...)
	if len(errs) > 0 {
		return Filter{}, Invalid("the filter is not valid at "+errs[0].Field+": "+errs[0].Message, errs...)
	}
	return f, nil
}

// parseConditions reads a filter's conditions; empty or null means every record of the type.
func parseConditions(raw json.RawMessage, schema *EntityType) (Condition, []FieldError) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return Condition{Group: GroupAnd, Conditions: []Condition{}}, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return Condition{}, []FieldError{{"/conditions", "is not valid JSON"}}
	}
	p := conditionParser{schema: schema}
	c := p.node(v, "/conditions", 0)
	return c, p.errs
}

// FiltersFor returns the enabled filters of one record type and kind: those the synchronization
// combines with OR. None means the type is not synchronized.
func FiltersFor(filters []Filter, recordType, kind string) []Filter {
	var out []Filter
	for _, f := range filters {
		if f.Enabled && f.RecordType == recordType && f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

// MatchesAny reports whether any enabled filter matches: the OR of a type's filters. It is false when no
// filter is enabled, so a type without filters does not synchronize. The caller passes the filters of one
// record type and kind (see FiltersFor).
func MatchesAny(filters []Filter, fields map[string]any, ownerID, me string) bool {
	for _, f := range filters {
		if f.Enabled && f.Matches(fields, ownerID, me) {
			return true
		}
	}
	return false
}

// Matches reports whether a record or activity, given as its field values (see RecordFields and
// ActivityFields), is chosen by the filter for the user me. ownerID, when not empty, is the value of the
// ownerId field. A disabled filter still matches by its conditions; MatchesAny skips it.
func (f Filter) Matches(fields map[string]any, ownerID, me string) bool {
	return f.Conditions.matches(fields, ownerID, me)
}

// RecordFields returns a record's values as filters see them: its fields and the common fields name,
// ownerId, createdAt and updatedAt.
func RecordFields(r Record) map[string]any {
	out := make(map[string]any, len(r.Fields)+4)
	for k, v := range r.Fields {
		out[k] = v
	}
	out[FieldName], out[FieldOwnerID] = r.Name, r.OwnerID
	out[FieldCreatedAt], out[FieldUpdatedAt] = r.CreatedAt, r.UpdatedAt
	return out
}

// ActivityFields returns an activity's values as filters see them (see ActivityFilterType); its name is
// its subject.
func ActivityFields(a Activity) map[string]any {
	out := map[string]any{"subject": a.Subject, "body": a.Body, "status": a.Status, FieldName: a.Subject,
		FieldOwnerID: a.OwnerID, FieldCreatedAt: a.CreatedAt, FieldUpdatedAt: a.UpdatedAt}
	for name, t := range map[string]*time.Time{"start": a.Start, "end": a.End, "due": a.Due} {
		if t != nil {
			out[name] = *t
		}
	}
	if a.Regarding != nil {
		out["regardingType"], out["regardingId"] = a.Regarding.Type, a.Regarding.ID
	}
	return out
}

// The fields every filter may use besides its record type's own.
const (
	FieldOwnerID   = "ownerId"
	FieldName      = "name"
	FieldCreatedAt = "createdAt"
	FieldUpdatedAt = "updatedAt"
)

// commonFilterFields are the fields every record and activity has.
var commonFilterFields = []Field{
	{Name: FieldOwnerID, DisplayName: "Owner", Kind: KindReference, Targets: []string{"user"}},
	{Name: FieldName, DisplayName: "Name", Kind: KindText},
	{Name: FieldCreatedAt, DisplayName: "Created on", Kind: KindDateTime},
	{Name: FieldUpdatedAt, DisplayName: "Modified on", Kind: KindDateTime},
}

// ActivityFilterType describes the activity types filters can choose (appointment and task) as a record
// type whose fields filters may name.
func ActivityFilterType(name string) (EntityType, bool) {
	fields := []Field{
		{Name: "subject", DisplayName: "Subject", Kind: KindText},
		{Name: "body", DisplayName: "Description", Kind: KindText},
		{Name: "status", DisplayName: "Status", Kind: KindText},
		{Name: "regardingType", DisplayName: "Regarding type", Kind: KindText},
		{Name: "regardingId", DisplayName: "Regarding", Kind: KindReference, Targets: []string{AnyType}},
	}
	switch name {
	case ActivityAppointment:
		fields = append(fields, Field{Name: "start", DisplayName: "Start time", Kind: KindDateTime},
			Field{Name: "end", DisplayName: "End time", Kind: KindDateTime})
		return EntityType{Name: name, DisplayName: "Appointment", PluralName: "Appointments", BuiltIn: true, Fields: fields}, true
	case ActivityTask:
		fields = append(fields, Field{Name: "due", DisplayName: "Due date", Kind: KindDateTime})
		return EntityType{Name: name, DisplayName: "Task", PluralName: "Tasks", BuiltIn: true, Fields: fields}, true
	}
	return EntityType{}, false
}

// filterField finds a field a filter on t may name: a common field (which wins over a custom field of the
// same name) or one of t's own.
func filterField(t EntityType, name string) (Field, bool) {
	for _, f := range commonFilterFields {
		if f.Name == name {
			return f, true
		}
	}
	return t.Field(name)
}

// filterFieldNames lists the fields a filter on t may name, for messages.
func filterFieldNames(t EntityType) string {
	names := make([]string, 0, len(commonFilterFields)+len(t.Fields))
	for _, f := range commonFilterFields {
		names = append(names, f.Name)
	}
	for _, f := range t.Fields {
		if _, common := filterField(EntityType{}, f.Name); !common {
			names = append(names, f.Name)
		}
	}
	return strings.Join(names, ", ")
}
