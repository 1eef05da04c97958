package crm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/mail"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Record is one CRM record of any type. Fields holds the type's field values by field name.
type Record struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	Name      string         `json:"name"`
	OwnerID   string         `json:"ownerId"`
	Fields    map[string]any `json:"fields"`
	Version   int64          `json:"version"`
	CreatedAt time.Time      `json:"createdAt"`
	UpdatedAt time.Time      `json:"updatedAt"`
}

// RecordRef points at a record of some type.
type RecordRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// RecordInput is what a client sends to create or change a record. A nil Name means "not given"; a field
// set to null is cleared.
type RecordInput struct {
	Name    *string        `json:"name"`
	Fields  map[string]any `json:"fields"`
	Version *int64         `json:"version"`
}

// MaxNameLength bounds a record's name.
const MaxNameLength = 400

// DecodeRecordInput reads a record's JSON body strictly: unknown top-level members, trailing data and
// wrongly typed members are refused with a CodeInvalid error that names the member.
func DecodeRecordInput(data []byte) (RecordInput, error) {
	var in RecordInput
	if err := decodeStrict(data, &in); err != nil {
		return RecordInput{}, err
	}
	return in, nil
}

// decodeStrict decodes one JSON value into v, keeping numbers exact and refusing unknown members.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Invalid("the body must be a single JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return Invalid("the body is empty; a JSON object was expected")
	case errors.As(err, &syntax):
		return Invalid(fmt.Sprintf("the body is not valid JSON (at byte %d)", syntax.Offset))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return Invalid(fmt.Sprintf("a JSON object was expected, not %s", typeErr.Value))
		}
		return Invalid("a member has the wrong type", FieldError{field, fmt.Sprintf("must be %s, not %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return Invalid("the body has an unknown member", FieldError{name, "is not a known member"})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Invalid("the body is not valid JSON (it ends too early)")
	}
	return Invalid("the body is not valid JSON: " + err.Error())
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "int64", "int", "float64":
		return "a number"
	case "bool":
		return "true or false"
	}
	return goKind
}

// DecodeStrict decodes a JSON request body into v with the same strict rules as records.
func DecodeStrict(data []byte, v any) error { return decodeStrict(data, v) }

// Normalized is a record input checked against its type: the name to store, every field value in its
// canonical form, the references to check, and the email addresses to index.
type Normalized struct {
	Name       string
	Fields     map[string]any
	References map[string]RecordRef // field name → id (Type left empty: any of the field's targets)
	Emails     []RecordEmail
}

// RecordEmail is an email address held by a record field, indexed for party resolution.
type RecordEmail struct {
	Field   string
	Address string // lower case
}

// Normalize checks in against the record type and returns what to store. base holds the record's current
// fields when in is a partial update (nil for a create or a full replace): values of base stay unless in
// changes them. Every problem is reported, not just the first.
func (t EntityType) Normalize(in RecordInput, base map[string]any) (Normalized, error) {
	fields := make(map[string]any, len(t.Fields))
	for k, v := range base {
		if _, ok := t.Field(k); ok {
			fields[k] = v
		}
	}
	var errs []FieldError
	names := make([]string, 0, len(in.Fields))
	for name := range in.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		raw := in.Fields[name]
		f, ok := t.Field(name)
		if !ok {
			errs = append(errs, FieldError{"fields." + name, fmt.Sprintf("%s has no field %q", t.Name, name)})
			continue
		}
		if raw == nil {
			delete(fields, name)
			continue
		}
		v, msg := f.normalize(raw)
		if msg != "" {
			errs = append(errs, FieldError{"fields." + name, msg})
			continue
		}
		fields[name] = v
	}
	for _, f := range t.Fields {
		// A blank text is trimmed to "", which is no value: a required name part must not be empty.
		if v := fields[f.Name]; f.Required && (v == nil || v == "") {
			if !hasError(errs, "fields."+f.Name) {
				errs = append(errs, FieldError{"fields." + f.Name, "is required"})
			}
		}
	}
	out := Normalized{Fields: fields, References: map[string]RecordRef{}}
	if len(t.NameFrom) > 0 {
		var parts []string
		for _, n := range t.NameFrom {
			if s, _ := fields[n].(string); s != "" {
				parts = append(parts, s)
			}
		}
		out.Name = strings.Join(parts, " ")
		if in.Name != nil && strings.TrimSpace(*in.Name) != out.Name {
			errs = append(errs, FieldError{"name", fmt.Sprintf("is derived from %s for a %s; leave it out", strings.Join(t.NameFrom, " and "), t.Name)})
		}
	} else if in.Name != nil {
		out.Name = strings.TrimSpace(*in.Name)
	}
	switch {
	case out.Name == "" && len(t.NameFrom) == 0:
		errs = append(errs, FieldError{"name", "is required"})
	case out.Name == "":
		// A record always has a name; when it is derived, blame the fields unless they already carry an error.
		if !slices.ContainsFunc(t.NameFrom, func(n string) bool { return hasError(errs, "fields."+n) }) {
			errs = append(errs, FieldError{"name", fmt.Sprintf("is derived from %s for a %s; give at least one of them", strings.Join(t.NameFrom, " and "), t.Name)})
		}
	case utf8.RuneCountInString(out.Name) > MaxNameLength:
		errs = append(errs, FieldError{"name", fmt.Sprintf("must be at most %d characters", MaxNameLength)})
	case strings.ContainsFunc(out.Name, isControl):
		errs = append(errs, FieldError{"name", "must not contain control characters"})
	}
	if len(errs) > 0 {
		return Normalized{}, Invalid(fmt.Sprintf("the %s is not valid", t.DisplayName), errs...)
	}
	for _, f := range t.Fields {
		v, ok := fields[f.Name].(string)
		if !ok {
			continue
		}
		switch f.Kind {
		case KindReference:
			out.References[f.Name] = RecordRef{ID: v}
		case KindEmail:
			out.Emails = append(out.Emails, RecordEmail{Field: f.Name, Address: strings.ToLower(v)})
		}
	}
	return out, nil
}

func hasError(errs []FieldError, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

// isControl reports C0 and C1 control characters and DEL (C1 holds NEL, a line break).
func isControl(r rune) bool { return unicode.IsControl(r) }

// Default lengths for text-like kinds when a field sets no MaxLength.
var defaultMaxLength = map[FieldKind]int{KindText: 4000, KindEmail: 254, KindPhone: 50, KindURL: 2048}

// normalize checks one value against the field and returns its canonical form, or a message.
func (f Field) normalize(raw any) (any, string) {
	switch f.Kind {
	case KindText, KindEmail, KindPhone, KindURL, KindChoice, KindDate, KindDateTime, KindReference:
		s, ok := raw.(string)
		if !ok {
			return nil, fmt.Sprintf("must be a string (%s)", f.Kind)
		}
		s = strings.TrimSpace(s)
		limit := f.MaxLength
		if limit == 0 {
			limit = defaultMaxLength[f.Kind]
		}
		if limit > 0 && utf8.RuneCountInString(s) > limit {
			return nil, fmt.Sprintf("must be at most %d characters", limit)
		}
		return f.normalizeString(s)
	case KindNumber:
		n, ok := raw.(json.Number)
		if !ok {
			if x, isFloat := raw.(float64); isFloat {
				n = json.Number(fmt.Sprint(x))
			} else {
				return nil, "must be a number"
			}
		}
		x, err := n.Float64()
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, "must be a finite number"
		}
		return x, ""
	case KindBoolean:
		b, ok := raw.(bool)
		if !ok {
			return nil, "must be true or false"
		}
		return b, ""
	}
	return nil, fmt.Sprintf("has an unknown kind %q", f.Kind)
}

func (f Field) normalizeString(s string) (any, string) {
	if f.Kind != KindText && strings.ContainsFunc(s, isControl) {
		return nil, "must not contain control characters"
	}
	switch f.Kind {
	case KindEmail:
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s || !strings.Contains(s, "@") {
			return nil, "must be an email address such as name@example.com"
		}
	case KindURL:
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, "must be an http or https URL"
		}
	case KindDate:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, "must be a date such as 2026-01-31"
		}
	case KindDateTime:
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, "must be a time such as 2026-01-31T09:30:00Z"
		}
		return t.UTC().Format(time.RFC3339Nano), ""
	case KindChoice:
		for _, c := range f.Choices {
			if c == s {
				return s, ""
			}
		}
		return nil, fmt.Sprintf("must be one of %s", strings.Join(f.Choices, ", "))
	case KindReference:
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, "must be a record id (a UUID)"
		}
		return id.String(), ""
	}
	return s, ""
}
