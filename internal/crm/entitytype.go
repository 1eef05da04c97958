package crm

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// FieldKind is the type of value a record field holds.
type FieldKind string

// The field kinds a record type can declare.
const (
	KindText      FieldKind = "text"
	KindEmail     FieldKind = "email"
	KindPhone     FieldKind = "phone"
	KindURL       FieldKind = "url"
	KindNumber    FieldKind = "number"
	KindDate      FieldKind = "date"     // a calendar day, "2006-01-02"
	KindDateTime  FieldKind = "datetime" // RFC 3339, kept in UTC
	KindBoolean   FieldKind = "boolean"
	KindReference FieldKind = "reference" // the id of a record of one of Targets
	KindChoice    FieldKind = "choice"    // one of Choices
)

var fieldKinds = []FieldKind{KindText, KindEmail, KindPhone, KindURL, KindNumber, KindDate, KindDateTime,
	KindBoolean, KindReference, KindChoice}

// Field describes one field of a record type.
type Field struct {
	Name        string    `json:"name"`
	DisplayName string    `json:"displayName"`
	Kind        FieldKind `json:"kind"`
	Required    bool      `json:"required"`
	MaxLength   int       `json:"maxLength,omitempty"`
	Secured     bool      `json:"secured"`
	BuiltIn     bool      `json:"builtIn"`
	Targets     []string  `json:"targets,omitempty"`
	Choices     []string  `json:"choices,omitempty"`
	// Access is what the reader may do with the field by their field security, in what the API answers
	// them (records.Service.EntityTypes); it is ignored in what the API is sent.
	Access *FieldAccess `json:"access,omitempty"`
}

// FieldAccess is what one user's field security lets them do with a field: read it, set it on a new
// record, change it on an existing one. Every grant is true for a field that is not secured.
type FieldAccess struct {
	Read   bool `json:"read"`
	Create bool `json:"create"`
	Update bool `json:"update"`
}

// IsEmail reports whether the field holds an email address, which makes the record a candidate when
// resolving the parties of an email or meeting.
func (f Field) IsEmail() bool { return f.Kind == KindEmail }

// EntityType is a record type: a built-in one (account, contact, lead, opportunity, case) or one an admin
// added. NameFrom lists the fields a record's name is derived from; when empty the name is given.
type EntityType struct {
	Name        string   `json:"name"`
	DisplayName string   `json:"displayName"`
	PluralName  string   `json:"pluralName"`
	BuiltIn     bool     `json:"builtIn"`
	NameFrom    []string `json:"nameFrom,omitempty"`
	Fields      []Field  `json:"fields"`
}

// Field returns the named field.
func (t EntityType) Field(name string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// EmailFields returns the names of the fields that hold email addresses.
func (t EntityType) EmailFields() []string {
	var names []string
	for _, f := range t.Fields {
		if f.IsEmail() {
			names = append(names, f.Name)
		}
	}
	return names
}

// HasEmail reports whether records of this type can be matched by email address.
func (t EntityType) HasEmail() bool { return len(t.EmailFields()) > 0 }

// Built-in record type names.
const (
	TypeAccount     = "account"
	TypeContact     = "contact"
	TypeLead        = "lead"
	TypeOpportunity = "opportunity"
	TypeCase        = "case"
)

// BuiltInTypes returns the record types every tenant starts with. A fresh slice each call, so that callers
// may change what they get.
func BuiltInTypes() []EntityType {
	text := func(name, display string, required bool) Field {
		return Field{Name: name, DisplayName: display, Kind: KindText, Required: required, BuiltIn: true}
	}
	email := Field{Name: "email", DisplayName: "Email", Kind: KindEmail, BuiltIn: true}
	phone := Field{Name: "phone", DisplayName: "Phone", Kind: KindPhone, BuiltIn: true}
	types := []EntityType{
		{Name: TypeAccount, DisplayName: "Account", PluralName: "Accounts", Fields: []Field{
			email, phone, {Name: "website", DisplayName: "Website", Kind: KindURL, BuiltIn: true},
		}},
		{Name: TypeContact, DisplayName: "Contact", PluralName: "Contacts", NameFrom: []string{"firstName", "lastName"}, Fields: []Field{
			text("firstName", "First name", false), text("lastName", "Last name", true), email, phone,
			{Name: "accountId", DisplayName: "Account", Kind: KindReference, Targets: []string{TypeAccount}, BuiltIn: true},
		}},
		{Name: TypeLead, DisplayName: "Lead", PluralName: "Leads", NameFrom: []string{"firstName", "lastName"}, Fields: []Field{
			text("firstName", "First name", false), text("lastName", "Last name", true), text("company", "Company", false), email, phone,
		}},
		{Name: TypeOpportunity, DisplayName: "Opportunity", PluralName: "Opportunities", Fields: []Field{
			{Name: "accountId", DisplayName: "Account", Kind: KindReference, Targets: []string{TypeAccount}, BuiltIn: true},
			{Name: "estimatedValue", DisplayName: "Estimated value", Kind: KindNumber, BuiltIn: true},
			{Name: "closeDate", DisplayName: "Close date", Kind: KindDate, BuiltIn: true},
		}},
		{Name: TypeCase, DisplayName: "Case", PluralName: "Cases", NameFrom: []string{"title"}, Fields: []Field{
			text("title", "Title", true),
			{Name: "customerId", DisplayName: "Customer", Kind: KindReference, Targets: []string{TypeAccount, TypeContact}, BuiltIn: true},
			{Name: "priority", DisplayName: "Priority", Kind: KindChoice, Choices: []string{"low", "normal", "high"}, BuiltIn: true},
			{Name: "status", DisplayName: "Status", Kind: KindChoice, Choices: []string{"active", "resolved", "cancelled"}, BuiltIn: true},
		}},
	}
	for i := range types {
		types[i].BuiltIn = true
	}
	return types
}

// Names of record types and fields: lower camel case for fields (as in the API's JSON), lower case for
// types (they appear in URLs).
var (
	typeNamePattern  = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
	fieldNamePattern = regexp.MustCompile(`^[a-z][A-Za-z0-9]{0,39}$`)
)

// reservedTypeNames are names that would clash with other parts of the API or with activities.
var reservedTypeNames = []string{"email", "appointment", "task", "activity", "activities", "user", "users", "record", "records"}

// Validate checks a record type definition as an admin sends it: its name, its fields' names, kinds and
// options. It fills in display names left empty. Reference targets are checked by the store, which knows
// the tenant's types.
func (t *EntityType) Validate() error {
	var errs []FieldError
	if !typeNamePattern.MatchString(t.Name) {
		errs = append(errs, FieldError{"name", "must be 2 to 40 characters: lower-case letters, digits and _, starting with a letter"})
	} else if slices.Contains(reservedTypeNames, t.Name) {
		errs = append(errs, FieldError{"name", fmt.Sprintf("%q is reserved", t.Name)})
	}
	if t.DisplayName == "" {
		t.DisplayName = strings.ToUpper(t.Name[:min(1, len(t.Name))]) + t.Name[min(1, len(t.Name)):]
	}
	if t.PluralName == "" {
		t.PluralName = t.DisplayName + "s"
	}
	if len(t.DisplayName) > 100 || len(t.PluralName) > 100 {
		errs = append(errs, FieldError{"displayName", "must be at most 100 characters"})
	}
	if len(t.Fields) > 200 {
		errs = append(errs, FieldError{"fields", "at most 200 fields"})
	}
	seen := map[string]bool{"name": true, "id": true, "ownerId": true, "version": true}
	for i := range t.Fields {
		errs = append(errs, t.Fields[i].validate(fmt.Sprintf("fields[%d]", i), seen)...)
	}
	for _, n := range t.NameFrom {
		if f, ok := t.Field(n); !ok {
			errs = append(errs, FieldError{"nameFrom", fmt.Sprintf("no field %q", n)})
		} else if f.Secured {
			// Everyone who reads a record sees its name, so field security could not hide the field.
			errs = append(errs, FieldError{"nameFrom", fmt.Sprintf("%q is secured: a record's name cannot be derived from a secured field", n)})
		}
	}
	if len(errs) > 0 {
		return Invalid("the record type is not valid", errs...)
	}
	return nil
}

func (f *Field) validate(path string, seen map[string]bool) []FieldError {
	var errs []FieldError
	if !fieldNamePattern.MatchString(f.Name) {
		errs = append(errs, FieldError{path + ".name", "must be 1 to 40 letters or digits, starting with a lower-case letter"})
	} else if seen[f.Name] {
		errs = append(errs, FieldError{path + ".name", fmt.Sprintf("%q is used twice or reserved", f.Name)})
	}
	seen[f.Name] = true
	if f.DisplayName == "" {
		f.DisplayName = f.Name
	}
	if !slices.Contains(fieldKinds, f.Kind) {
		errs = append(errs, FieldError{path + ".kind", fmt.Sprintf("must be one of %v", fieldKinds)})
	}
	if f.MaxLength < 0 || f.MaxLength > 100_000 {
		errs = append(errs, FieldError{path + ".maxLength", "must be between 0 and 100000"})
	}
	if f.Kind == KindReference && len(f.Targets) == 0 {
		errs = append(errs, FieldError{path + ".targets", "a reference field needs at least one target type"})
	}
	if f.Kind != KindReference && len(f.Targets) > 0 {
		errs = append(errs, FieldError{path + ".targets", "only reference fields have targets"})
	}
	if f.Kind == KindChoice && len(f.Choices) == 0 {
		errs = append(errs, FieldError{path + ".choices", "a choice field needs choices"})
	}
	if f.Kind != KindChoice && len(f.Choices) > 0 {
		errs = append(errs, FieldError{path + ".choices", "only choice fields have choices"})
	}
	return errs
}
