package crm_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
)

func TestEntityTypeValidate(t *testing.T) {
	good := func(name string) crm.Field { return crm.Field{Name: name, Kind: crm.KindText} }
	manyFields := make([]crm.Field, 201)
	for i := range manyFields {
		manyFields[i] = good(fmt.Sprintf("f%d", i))
	}
	tests := []struct {
		name        string
		typ         crm.EntityType
		wantErrs    []string // paths of the field errors; nil: valid
		wantMessage string   // a part of the first field error's message
	}{
		{name: "type name too short", typ: crm.EntityType{Name: "p"}, wantErrs: []string{"name"}},
		{name: "type name empty", typ: crm.EntityType{Name: ""}, wantErrs: []string{"name"}},
		{name: "type name with upper case", typ: crm.EntityType{Name: "Project"}, wantErrs: []string{"name"}},
		{name: "type name starting with a digit", typ: crm.EntityType{Name: "1project"}, wantErrs: []string{"name"}},
		{name: "type name with a dash", typ: crm.EntityType{Name: "my-project"}, wantErrs: []string{"name"}},
		{name: "type name with a slash", typ: crm.EntityType{Name: "a/b"}, wantErrs: []string{"name"}},
		{name: "type name of 41 characters", typ: crm.EntityType{Name: strings.Repeat("p", 41)}, wantErrs: []string{"name"}},
		{name: "type name reserved: email", typ: crm.EntityType{Name: "email"}, wantErrs: []string{"name"}, wantMessage: "reserved"},
		{name: "type name reserved: task", typ: crm.EntityType{Name: "task"}, wantErrs: []string{"name"}, wantMessage: "reserved"},
		{name: "type name reserved: appointment", typ: crm.EntityType{Name: "appointment"}, wantErrs: []string{"name"}, wantMessage: "reserved"},
		{name: "type name reserved: activities", typ: crm.EntityType{Name: "activities"}, wantErrs: []string{"name"}, wantMessage: "reserved"},
		{name: "type name reserved: users", typ: crm.EntityType{Name: "users"}, wantErrs: []string{"name"}, wantMessage: "reserved"},
		{name: "type name reserved: records", typ: crm.EntityType{Name: "records"}, wantErrs: []string{"name"}, wantMessage: "reserved"},
		{
			name:     "display name too long",
			typ:      crm.EntityType{Name: "project", DisplayName: strings.Repeat("P", 101)},
			wantErrs: []string{"displayName"},
		},
		{
			name:     "field name empty",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{good("code"), good("")}},
			wantErrs: []string{"fields[1].name"},
		},
		{
			name:     "field name starting with upper case",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{good("code"), good("Budget")}},
			wantErrs: []string{"fields[1].name"},
		},
		{
			name:     "field name with an underscore",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{good("code"), good("start_date")}},
			wantErrs: []string{"fields[1].name"},
		},
		{
			name:     "field name with a dot",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{good("code"), good("a.b")}},
			wantErrs: []string{"fields[1].name"},
		},
		{
			name:     "field name of 41 characters",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{good("code"), good(strings.Repeat("f", 41))}},
			wantErrs: []string{"fields[1].name"},
		},
		{
			name:        "field name used twice",
			typ:         crm.EntityType{Name: "project", Fields: []crm.Field{good("code"), good("code")}},
			wantErrs:    []string{"fields[1].name"},
			wantMessage: "twice",
		},
		{
			name:     "field name clashing with name",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{good("name")}},
			wantErrs: []string{"fields[0].name"},
		},
		{
			name:     "field name clashing with id",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{good("code"), good("id")}},
			wantErrs: []string{"fields[1].name"},
		},
		{
			name:     "field name clashing with ownerId",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{good("ownerId")}},
			wantErrs: []string{"fields[0].name"},
		},
		{
			name:     "field name clashing with version",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{good("version")}},
			wantErrs: []string{"fields[0].name"},
		},
		{
			name:     "unknown kind",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{good("code"), {Name: "budget", Kind: "money"}}},
			wantErrs: []string{"fields[1].kind"},
		},
		{
			name:     "missing kind",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{{Name: "budget"}}},
			wantErrs: []string{"fields[0].kind"},
		},
		{
			name:     "reference without targets",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{good("code"), {Name: "accountId", Kind: crm.KindReference}}},
			wantErrs: []string{"fields[1].targets"},
		},
		{
			name:     "targets on a text field",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{{Name: "code", Kind: crm.KindText, Targets: []string{"account"}}}},
			wantErrs: []string{"fields[0].targets"},
		},
		{
			name:     "choice without choices",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{{Name: "stage", Kind: crm.KindChoice}}},
			wantErrs: []string{"fields[0].choices"},
		},
		{
			name:     "choices on a text field",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{{Name: "stage", Kind: crm.KindText, Choices: []string{"a"}}}},
			wantErrs: []string{"fields[0].choices"},
		},
		{
			name:     "negative maxLength",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{{Name: "code", Kind: crm.KindText, MaxLength: -1}}},
			wantErrs: []string{"fields[0].maxLength"},
		},
		{
			name:     "maxLength over 100000",
			typ:      crm.EntityType{Name: "project", Fields: []crm.Field{{Name: "code", Kind: crm.KindText, MaxLength: 100_001}}},
			wantErrs: []string{"fields[0].maxLength"},
		},
		{
			name:     "nameFrom names no field",
			typ:      crm.EntityType{Name: "project", NameFrom: []string{"code", "title"}, Fields: []crm.Field{good("code")}},
			wantErrs: []string{"nameFrom"},
		},
		{
			name:     "more than 200 fields",
			typ:      crm.EntityType{Name: "project", Fields: manyFields},
			wantErrs: []string{"fields"},
		},
		{
			name: "every problem is reported",
			typ: crm.EntityType{Name: "task", Fields: []crm.Field{
				good("id"),
				{Name: "Stage", Kind: crm.KindChoice},
				{Name: "accountId", Kind: crm.KindReference, Choices: []string{"x"}},
			}},
			wantErrs: []string{"fields[0].name", "fields[1].choices", "fields[1].name", "fields[2].choices", "fields[2].targets", "name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.typ.Validate()
			if err == nil {
				t.Fatalf("Validate(%+v) = nil, want field errors %q", tt.typ, tt.wantErrs)
			}
			if got := invalidFields(t, err); !slices.Equal(got, sorted(tt.wantErrs)) {
				t.Errorf("field errors = %q, want %q (%v)", got, sorted(tt.wantErrs), err)
			}
			var e *crm.Error
			errors.As(err, &e)
			if tt.wantMessage != "" && !strings.Contains(e.Fields[0].Message, tt.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", e.Fields[0].Message, tt.wantMessage)
			}
		})
	}
}

// validCase is a record type Validate accepts, and the display names it ends up with.
type validCase struct {
	name            string
	typ             crm.EntityType
	wantDisplay     string
	wantPlural      string
	wantFieldTitles []string
}

func TestEntityTypeValidateAccepts(t *testing.T) {
	tests := []validCase{
		{
			name: "custom type gets display and plural names",
			typ: crm.EntityType{Name: "project", NameFrom: []string{"code"}, Fields: []crm.Field{
				{Name: "code", Kind: crm.KindText, Required: true, MaxLength: 100_000},
				{Name: "budget", DisplayName: "Budget (NOK)", Kind: crm.KindNumber},
				{Name: "accountId", Kind: crm.KindReference, Targets: []string{crm.TypeAccount}},
				{Name: "stage", Kind: crm.KindChoice, Choices: []string{"idea", "done"}},
				{Name: "startsAt", Kind: crm.KindDateTime},
			}},
			wantDisplay:     "Project",
			wantPlural:      "Projects",
			wantFieldTitles: []string{"code", "Budget (NOK)", "accountId", "stage", "startsAt"},
		},
		{
			name:            "given display names are kept",
			typ:             crm.EntityType{Name: "property", DisplayName: "Property", PluralName: "Properties"},
			wantDisplay:     "Property",
			wantPlural:      "Properties",
			wantFieldTitles: []string{},
		},
		{
			name:            "plural derived from a given display name",
			typ:             crm.EntityType{Name: "site_visit", DisplayName: "Site visit"},
			wantDisplay:     "Site visit",
			wantPlural:      "Site visits",
			wantFieldTitles: []string{},
		},
		{
			name:            "type name of 40 characters",
			typ:             crm.EntityType{Name: strings.Repeat("p", 40)},
			wantDisplay:     "P" + strings.Repeat("p", 39),
			wantPlural:      "P" + strings.Repeat("p", 39) + "s",
			wantFieldTitles: []string{},
		},
	}
	for _, typ := range crm.BuiltInTypes() {
		titles := make([]string, len(typ.Fields))
		for i, f := range typ.Fields {
			titles[i] = f.DisplayName
		}
		tests = append(tests, validCase{"built-in " + typ.Name, typ, typ.DisplayName, typ.PluralName, titles})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ := tt.typ
			typ.Fields = slices.Clone(tt.typ.Fields)
			if err := typ.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if typ.DisplayName != tt.wantDisplay || typ.PluralName != tt.wantPlural {
				t.Errorf("names = %q, %q; want %q, %q", typ.DisplayName, typ.PluralName, tt.wantDisplay, tt.wantPlural)
			}
			titles := make([]string, len(typ.Fields))
			for i, f := range typ.Fields {
				titles[i] = f.DisplayName
			}
			if !slices.Equal(titles, tt.wantFieldTitles) {
				t.Errorf("field display names = %q, want %q", titles, tt.wantFieldTitles)
			}
		})
	}
}
