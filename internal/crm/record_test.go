package crm_test

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
)

func TestDecodeRecordInput(t *testing.T) {
	ptr := func(s string) *string { return &s }
	version := func(v int64) *int64 { return &v }
	tests := []struct {
		name        string
		body        string
		want        crm.RecordInput // compared when wantMessage is empty
		wantMessage string          // a part of the error's message
		wantFields  []string        // the paths of the error's field errors
	}{
		{
			name: "valid body",
			body: `{"name":"Contoso","fields":{"email":"info@contoso.com","website":null,"tags":["a"],"address":{"city":"Oslo"}},"version":3}`,
			want: crm.RecordInput{
				Name: ptr("Contoso"),
				Fields: map[string]any{
					"email":   "info@contoso.com",
					"website": nil,
					"tags":    []any{"a"},
					"address": map[string]any{"city": "Oslo"},
				},
				Version: version(3),
			},
		},
		{
			name: "omitted members stay nil",
			body: ` {} `,
			want: crm.RecordInput{},
		},
		{
			name: "numbers stay exact as json.Number",
			body: `{"fields":{"big":123456789012345678901234567890,"small":0.1,"exp":1e400,"neg":-0}}`,
			want: crm.RecordInput{Fields: map[string]any{
				"big":   json.Number("123456789012345678901234567890"),
				"small": json.Number("0.1"),
				"exp":   json.Number("1e400"),
				"neg":   json.Number("-0"),
			}},
		},
		{
			name:        "invalid JSON names the byte offset",
			body:        `{"name": ?}`,
			wantMessage: "at byte 10",
		},
		{
			name:        "invalid JSON later in the body",
			body:        `{"name":"a","fields":{"x":1,}}`,
			wantMessage: "at byte 29",
		},
		{
			name:        "truncated body",
			body:        `{"name":"Contoso"`,
			wantMessage: "ends too early",
		},
		{
			name:        "empty body",
			body:        ``,
			wantMessage: "the body is empty",
		},
		{
			name:        "blank body",
			body:        " \n\t",
			wantMessage: "the body is empty",
		},
		{
			name:        "trailing object",
			body:        `{} {}`,
			wantMessage: "a single JSON value",
		},
		{
			name:        "trailing garbage",
			body:        `{"name":"a"} x`,
			wantMessage: "a single JSON value",
		},
		{
			name:        "an array instead of an object",
			body:        `[{"name":"a"}]`,
			wantMessage: "a JSON object was expected",
		},
		{
			name:        "unknown top-level member",
			body:        `{"name":"a","ownerId":"someone"}`,
			wantMessage: "unknown member",
			wantFields:  []string{"ownerId"},
		},
		{
			name:        "fields is an array",
			body:        `{"fields":[]}`,
			wantMessage: "wrong type",
			wantFields:  []string{"fields"},
		},
		{
			name:        "name is a number",
			body:        `{"name":5}`,
			wantMessage: "wrong type",
			wantFields:  []string{"name"},
		},
		{
			name:        "version is a string",
			body:        `{"version":"x"}`,
			wantMessage: "wrong type",
			wantFields:  []string{"version"},
		},
		{
			name:        "version is a fraction",
			body:        `{"version":1.5}`,
			wantMessage: "wrong type",
			wantFields:  []string{"version"},
		},
		{
			name:        "version overflows int64",
			body:        `{"version":99999999999999999999}`,
			wantMessage: "wrong type",
			wantFields:  []string{"version"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := crm.DecodeRecordInput([]byte(tt.body))
			if tt.wantMessage == "" {
				if err != nil {
					t.Fatalf("DecodeRecordInput(%s): %v", tt.body, err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("DecodeRecordInput(%s) = %s, want %s", tt.body, show(got), show(tt.want))
				}
				return
			}
			if err == nil {
				t.Fatalf("DecodeRecordInput(%s) = %s, want an error", tt.body, show(got))
			}
			if fields := invalidFields(t, err); !slices.Equal(fields, sorted(tt.wantFields)) {
				t.Errorf("field errors = %q, want %q", fields, tt.wantFields)
			}
			var e *crm.Error
			errors.As(err, &e)
			if !strings.Contains(e.Message, tt.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", e.Message, tt.wantMessage)
			}
			if !reflect.DeepEqual(got, crm.RecordInput{}) {
				t.Errorf("input on error = %s, want the zero value", show(got))
			}
		})
	}
}

// show renders a RecordInput with its pointers followed.
func show(in crm.RecordInput) string {
	b, err := json.Marshal(in)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// normalizeCase is one call of EntityType.Normalize: the body is decoded with DecodeRecordInput unless input
// is set, so that values arrive as they would from the API.
type normalizeCase struct {
	name  string
	typ   crm.EntityType
	body  string
	input *crm.RecordInput
	base  map[string]any

	wantErrs   []string // paths of the field errors; when set, the rest is not checked
	wantName   string
	wantFields map[string]any
	wantRefs   map[string]crm.RecordRef
	wantEmails []crm.RecordEmail
}

func TestEntityTypeNormalize(t *testing.T) {
	account := builtIn(t, crm.TypeAccount)
	contact := builtIn(t, crm.TypeContact)
	lead := builtIn(t, crm.TypeLead)
	opportunity := builtIn(t, crm.TypeOpportunity)
	kase := builtIn(t, crm.TypeCase)
	// Built-in types have no datetime or boolean field and no text limit of their own: an admin adds them.
	extended := builtIn(t, crm.TypeAccount)
	extended.Fields = append(extended.Fields,
		crm.Field{Name: "followUpAt", Kind: crm.KindDateTime},
		crm.Field{Name: "doNotEmail", Kind: crm.KindBoolean},
		crm.Field{Name: "code", Kind: crm.KindText, MaxLength: 5},
		crm.Field{Name: "notes", Kind: crm.KindText},
	)
	// A custom type whose name comes from optional fields.
	project := crm.EntityType{Name: "project", DisplayName: "Project", NameFrom: []string{"code", "title"}, Fields: []crm.Field{
		{Name: "code", Kind: crm.KindText}, {Name: "title", Kind: crm.KindText},
	}}
	const id = "6f9619ff-8b86-d011-b42d-00cf4fc964ff"

	tests := []normalizeCase{
		// Names.
		{
			name:       "contact name derived from first and last name",
			typ:        contact,
			body:       `{"fields":{"firstName":" Ada ","lastName":"Lovelace"}}`,
			wantName:   "Ada Lovelace",
			wantFields: map[string]any{"firstName": "Ada", "lastName": "Lovelace"},
		},
		{
			name:       "contact name from last name alone",
			typ:        contact,
			body:       `{"fields":{"lastName":"Lovelace"}}`,
			wantName:   "Lovelace",
			wantFields: map[string]any{"lastName": "Lovelace"},
		},
		{
			name:       "contact may repeat its derived name",
			typ:        contact,
			body:       `{"name":" Ada Lovelace","fields":{"firstName":"Ada","lastName":"Lovelace"}}`,
			wantName:   "Ada Lovelace",
			wantFields: map[string]any{"firstName": "Ada", "lastName": "Lovelace"},
		},
		{
			name:     "contact refuses a name other than the derived one",
			typ:      contact,
			body:     `{"name":"Countess","fields":{"firstName":"Ada","lastName":"Lovelace"}}`,
			wantErrs: []string{"name"},
		},
		{
			name:       "lead name derived from first and last name",
			typ:        lead,
			body:       `{"fields":{"firstName":"Grace","lastName":"Hopper","company":"Navy"}}`,
			wantName:   "Grace Hopper",
			wantFields: map[string]any{"firstName": "Grace", "lastName": "Hopper", "company": "Navy"},
		},
		{
			name:       "case name derived from title",
			typ:        kase,
			body:       `{"fields":{"title":"Printer on fire","priority":"high","status":"active"}}`,
			wantName:   "Printer on fire",
			wantFields: map[string]any{"title": "Printer on fire", "priority": "high", "status": "active"},
		},
		{
			name:       "account takes the given name, trimmed",
			typ:        account,
			body:       `{"name":"  Contoso Ltd\u00a0"}`,
			wantName:   "Contoso Ltd",
			wantFields: map[string]any{},
		},
		{
			name:     "account requires a name",
			typ:      account,
			body:     `{"fields":{"phone":"+47 1234"}}`,
			wantErrs: []string{"name"},
		},
		{
			name:     "account refuses a blank name",
			typ:      account,
			body:     `{"name":" \t "}`,
			wantErrs: []string{"name"},
		},
		{
			name:       "name of MaxNameLength characters",
			typ:        account,
			body:       `{"name":"` + strings.Repeat("a", crm.MaxNameLength) + `"}`,
			wantName:   strings.Repeat("a", crm.MaxNameLength),
			wantFields: map[string]any{},
		},
		{
			name:     "name longer than MaxNameLength",
			typ:      account,
			body:     `{"name":"` + strings.Repeat("a", crm.MaxNameLength+1) + `"}`,
			wantErrs: []string{"name"},
		},
		{
			name:     "name with a line feed",
			typ:      account,
			body:     `{"name":"Contoso\nLtd"}`,
			wantErrs: []string{"name"},
		},
		{
			name:     "name with a NUL",
			typ:      account,
			body:     `{"name":"Contoso\u0000"}`,
			wantErrs: []string{"name"},
		},
		{
			name:     "name with DEL",
			typ:      account,
			body:     `{"name":"Contoso\u007f Ltd"}`,
			wantErrs: []string{"name"},
		},
		{
			name:     "name with a C1 next-line control",
			typ:      account,
			body:     `{"name":"Contoso\u0085Ltd"}`,
			wantErrs: []string{"name"},
		},
		{
			name:     "derived name with a control character",
			typ:      contact,
			body:     `{"fields":{"lastName":"Love\u0007lace"}}`,
			wantErrs: []string{"name"},
		},
		{
			name:       "derived name from one optional field",
			typ:        project,
			body:       `{"fields":{"title":"Apollo"}}`,
			wantName:   "Apollo",
			wantFields: map[string]any{"title": "Apollo"},
		},
		{
			name:     "derived name from optional fields that are all empty",
			typ:      project,
			body:     `{"fields":{"code":" ","title":""}}`,
			wantErrs: []string{"name"},
		},

		// Required fields.
		{
			name:     "contact requires a last name",
			typ:      contact,
			body:     `{"fields":{"firstName":"Ada"}}`,
			wantErrs: []string{"fields.lastName"},
		},
		{
			name:     "case requires a title",
			typ:      kase,
			body:     `{"fields":{"priority":"low"}}`,
			wantErrs: []string{"fields.title"},
		},
		{
			name:     "a blank required text is missing",
			typ:      contact,
			body:     `{"fields":{"lastName":"   "}}`,
			wantErrs: []string{"fields.lastName"},
		},
		{
			name:     "a required field given null is missing",
			typ:      lead,
			body:     `{"fields":{"lastName":null}}`,
			wantErrs: []string{"fields.lastName"},
		},
		{
			name:       "a required field given by base",
			typ:        contact,
			body:       `{"fields":{"firstName":"Ada"}}`,
			base:       map[string]any{"lastName": "Lovelace"},
			wantName:   "Ada Lovelace",
			wantFields: map[string]any{"firstName": "Ada", "lastName": "Lovelace"},
		},
		{
			name:     "a required field of base cleared with null",
			typ:      contact,
			body:     `{"fields":{"firstName":"Ada","lastName":null}}`,
			base:     map[string]any{"lastName": "Lovelace"},
			wantErrs: []string{"fields.lastName"},
		},
		{
			name:     "a required field reported once when it is also wrong",
			typ:      kase,
			body:     `{"fields":{"title":7}}`,
			wantErrs: []string{"fields.title"},
		},

		// Email.
		{
			name:       "email kept as given and indexed in lower case",
			typ:        account,
			body:       `{"name":"Contoso","fields":{"email":" Info@Contoso.COM "}}`,
			wantName:   "Contoso",
			wantFields: map[string]any{"email": "Info@Contoso.COM"},
			wantEmails: []crm.RecordEmail{{Field: "email", Address: "info@contoso.com"}},
		},
		{
			name:     "email with a display name",
			typ:      account,
			body:     `{"name":"Contoso","fields":{"email":"Info <info@contoso.com>"}}`,
			wantErrs: []string{"fields.email"},
		},
		{
			name:     "email without @",
			typ:      account,
			body:     `{"name":"Contoso","fields":{"email":"contoso.com"}}`,
			wantErrs: []string{"fields.email"},
		},
		{
			name:     "email that is empty",
			typ:      account,
			body:     `{"name":"Contoso","fields":{"email":""}}`,
			wantErrs: []string{"fields.email"},
		},
		{
			name:     "email that is a number",
			typ:      account,
			body:     `{"name":"Contoso","fields":{"email":42}}`,
			wantErrs: []string{"fields.email"},
		},
		{
			name:     "email longer than 254 characters",
			typ:      account,
			body:     `{"name":"Contoso","fields":{"email":"` + strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + `.com"}}`,
			wantErrs: []string{"fields.email"},
		},

		// URL.
		{
			name:       "https URL",
			typ:        account,
			body:       `{"name":"Contoso","fields":{"website":"https://contoso.com/about?x=1"}}`,
			wantName:   "Contoso",
			wantFields: map[string]any{"website": "https://contoso.com/about?x=1"},
		},
		{
			name:       "http URL",
			typ:        account,
			body:       `{"name":"Contoso","fields":{"website":"http://contoso.com"}}`,
			wantName:   "Contoso",
			wantFields: map[string]any{"website": "http://contoso.com"},
		},
		{
			name:     "ftp URL",
			typ:      account,
			body:     `{"name":"Contoso","fields":{"website":"ftp://contoso.com"}}`,
			wantErrs: []string{"fields.website"},
		},
		{
			name:     "javascript URL",
			typ:      account,
			body:     `{"name":"Contoso","fields":{"website":"javascript:alert(1)"}}`,
			wantErrs: []string{"fields.website"},
		},
		{
			name:     "URL without a host",
			typ:      account,
			body:     `{"name":"Contoso","fields":{"website":"https:///about"}}`,
			wantErrs: []string{"fields.website"},
		},
		{
			name:     "URL without a scheme",
			typ:      account,
			body:     `{"name":"Contoso","fields":{"website":"contoso.com"}}`,
			wantErrs: []string{"fields.website"},
		},

		// Phone.
		{
			name:       "phone kept as given",
			typ:        account,
			body:       `{"name":"Contoso","fields":{"phone":"+47 22 00 00 00"}}`,
			wantName:   "Contoso",
			wantFields: map[string]any{"phone": "+47 22 00 00 00"},
		},
		{
			name:     "phone with a control character",
			typ:      account,
			body:     `{"name":"Contoso","fields":{"phone":"22\t00"}}`,
			wantErrs: []string{"fields.phone"},
		},

		// Number.
		{
			name:       "number",
			typ:        opportunity,
			body:       `{"name":"Deal","fields":{"estimatedValue":1234.5}}`,
			wantName:   "Deal",
			wantFields: map[string]any{"estimatedValue": 1234.5},
		},
		{
			name:       "number given as a float64",
			typ:        opportunity,
			input:      &crm.RecordInput{Name: new("Deal"), Fields: map[string]any{"estimatedValue": 2.5}},
			wantName:   "Deal",
			wantFields: map[string]any{"estimatedValue": 2.5},
		},
		{
			name:     "number that overflows float64",
			typ:      opportunity,
			body:     `{"name":"Deal","fields":{"estimatedValue":1e400}}`,
			wantErrs: []string{"fields.estimatedValue"},
		},
		{
			name:     "number that is NaN",
			typ:      opportunity,
			input:    &crm.RecordInput{Name: new("Deal"), Fields: map[string]any{"estimatedValue": json.Number("NaN")}},
			wantErrs: []string{"fields.estimatedValue"},
		},
		{
			name:     "number that is infinite",
			typ:      opportunity,
			input:    &crm.RecordInput{Name: new("Deal"), Fields: map[string]any{"estimatedValue": json.Number("-Inf")}},
			wantErrs: []string{"fields.estimatedValue"},
		},
		{
			name:     "number given as a string",
			typ:      opportunity,
			body:     `{"name":"Deal","fields":{"estimatedValue":"12"}}`,
			wantErrs: []string{"fields.estimatedValue"},
		},

		// Date.
		{
			name:       "date",
			typ:        opportunity,
			body:       `{"name":"Deal","fields":{"closeDate":"2026-01-31"}}`,
			wantName:   "Deal",
			wantFields: map[string]any{"closeDate": "2026-01-31"},
		},
		{
			name:     "date that does not exist",
			typ:      opportunity,
			body:     `{"name":"Deal","fields":{"closeDate":"2026-02-30"}}`,
			wantErrs: []string{"fields.closeDate"},
		},
		{
			name:     "date in another format",
			typ:      opportunity,
			body:     `{"name":"Deal","fields":{"closeDate":"31/01/2026"}}`,
			wantErrs: []string{"fields.closeDate"},
		},
		{
			name:     "date with a time",
			typ:      opportunity,
			body:     `{"name":"Deal","fields":{"closeDate":"2026-01-31T00:00:00Z"}}`,
			wantErrs: []string{"fields.closeDate"},
		},

		// Datetime.
		{
			name:       "datetime converted to UTC",
			typ:        extended,
			body:       `{"name":"Contoso","fields":{"followUpAt":"2026-01-31T09:30:00+02:00"}}`,
			wantName:   "Contoso",
			wantFields: map[string]any{"followUpAt": "2026-01-31T07:30:00Z"},
		},
		{
			name:       "datetime keeps fractional seconds",
			typ:        extended,
			body:       `{"name":"Contoso","fields":{"followUpAt":"2026-01-31T23:30:00.25-01:00"}}`,
			wantName:   "Contoso",
			wantFields: map[string]any{"followUpAt": "2026-02-01T00:30:00.25Z"},
		},
		{
			name:     "datetime without a time",
			typ:      extended,
			body:     `{"name":"Contoso","fields":{"followUpAt":"2026-01-31"}}`,
			wantErrs: []string{"fields.followUpAt"},
		},
		{
			name:     "datetime without a zone",
			typ:      extended,
			body:     `{"name":"Contoso","fields":{"followUpAt":"2026-01-31T09:30:00"}}`,
			wantErrs: []string{"fields.followUpAt"},
		},

		// Boolean.
		{
			name:       "boolean",
			typ:        extended,
			body:       `{"name":"Contoso","fields":{"doNotEmail":false}}`,
			wantName:   "Contoso",
			wantFields: map[string]any{"doNotEmail": false},
		},
		{
			name:     "boolean given as a string",
			typ:      extended,
			body:     `{"name":"Contoso","fields":{"doNotEmail":"true"}}`,
			wantErrs: []string{"fields.doNotEmail"},
		},
		{
			name:     "boolean given as a number",
			typ:      extended,
			body:     `{"name":"Contoso","fields":{"doNotEmail":1}}`,
			wantErrs: []string{"fields.doNotEmail"},
		},

		// Choice.
		{
			name:       "choice",
			typ:        kase,
			body:       `{"fields":{"title":"Outage","priority":" high "}}`,
			wantName:   "Outage",
			wantFields: map[string]any{"title": "Outage", "priority": "high"},
		},
		{
			name:     "choice not among the choices",
			typ:      kase,
			body:     `{"fields":{"title":"Outage","priority":"urgent"}}`,
			wantErrs: []string{"fields.priority"},
		},
		{
			name:     "choice in another case",
			typ:      kase,
			body:     `{"fields":{"title":"Outage","priority":"High"}}`,
			wantErrs: []string{"fields.priority"},
		},

		// Reference.
		{
			name:       "reference in canonical form",
			typ:        contact,
			body:       `{"fields":{"lastName":"Lovelace","accountId":"` + id + `"}}`,
			wantName:   "Lovelace",
			wantFields: map[string]any{"lastName": "Lovelace", "accountId": id},
			wantRefs:   map[string]crm.RecordRef{"accountId": {ID: id}},
		},
		{
			name:       "reference in upper case and braces made canonical",
			typ:        kase,
			body:       `{"fields":{"title":"Outage","customerId":"{` + strings.ToUpper(id) + `}"}}`,
			wantName:   "Outage",
			wantFields: map[string]any{"title": "Outage", "customerId": id},
			wantRefs:   map[string]crm.RecordRef{"customerId": {ID: id}},
		},
		{
			name:     "reference that is not a UUID",
			typ:      contact,
			body:     `{"fields":{"lastName":"Lovelace","accountId":"42"}}`,
			wantErrs: []string{"fields.accountId"},
		},
		{
			name:     "reference that is a number",
			typ:      opportunity,
			body:     `{"name":"Deal","fields":{"accountId":42}}`,
			wantErrs: []string{"fields.accountId"},
		},

		// Text.
		{
			name:       "text at the default limit of 4000",
			typ:        lead,
			body:       `{"fields":{"lastName":"Hopper","company":"` + strings.Repeat("c", 4000) + `"}}`,
			wantName:   "Hopper",
			wantFields: map[string]any{"lastName": "Hopper", "company": strings.Repeat("c", 4000)},
		},
		{
			name:     "text over the default limit of 4000",
			typ:      lead,
			body:     `{"fields":{"lastName":"Hopper","company":"` + strings.Repeat("c", 4001) + `"}}`,
			wantErrs: []string{"fields.company"},
		},
		{
			name:       "text at its own MaxLength",
			typ:        extended,
			body:       `{"name":"Contoso","fields":{"code":"ABCDE"}}`,
			wantName:   "Contoso",
			wantFields: map[string]any{"code": "ABCDE"},
		},
		{
			name:     "text over its own MaxLength",
			typ:      extended,
			body:     `{"name":"Contoso","fields":{"code":"ABCDEF"}}`,
			wantErrs: []string{"fields.code"},
		},
		{
			name:       "text may hold line breaks",
			typ:        extended,
			body:       `{"name":"Contoso","fields":{"notes":"line one\nline two"}}`,
			wantName:   "Contoso",
			wantFields: map[string]any{"notes": "line one\nline two"},
		},
		{
			name:     "text given as an object",
			typ:      extended,
			body:     `{"name":"Contoso","fields":{"notes":{"a":1}}}`,
			wantErrs: []string{"fields.notes"},
		},

		// Unknown fields.
		{
			name:     "unknown field",
			typ:      account,
			body:     `{"name":"Contoso","fields":{"fax":"+47 1"}}`,
			wantErrs: []string{"fields.fax"},
		},
		{
			name:     "unknown field set to null",
			typ:      account,
			body:     `{"name":"Contoso","fields":{"fax":null}}`,
			wantErrs: []string{"fields.fax"},
		},

		// Merges.
		{
			name:       "merge keeps the values of base",
			typ:        account,
			body:       `{"name":"Contoso","fields":{"phone":"2"}}`,
			base:       map[string]any{"email": "info@contoso.com", "phone": "1", "website": "https://contoso.com"},
			wantName:   "Contoso",
			wantFields: map[string]any{"email": "info@contoso.com", "phone": "2", "website": "https://contoso.com"},
			wantEmails: []crm.RecordEmail{{Field: "email", Address: "info@contoso.com"}},
		},
		{
			name:       "null clears a field of base",
			typ:        account,
			body:       `{"name":"Contoso","fields":{"email":null}}`,
			base:       map[string]any{"email": "info@contoso.com", "phone": "1"},
			wantName:   "Contoso",
			wantFields: map[string]any{"phone": "1"},
		},
		{
			name:       "null for a field not set is fine",
			typ:        account,
			body:       `{"name":"Contoso","fields":{"website":null}}`,
			wantName:   "Contoso",
			wantFields: map[string]any{},
		},
		{
			name:       "merge drops base values the type no longer has",
			typ:        account,
			body:       `{"name":"Contoso"}`,
			base:       map[string]any{"fax": "1", "phone": "2"},
			wantName:   "Contoso",
			wantFields: map[string]any{"phone": "2"},
		},
		{
			name:       "merge derives the name from base and input",
			typ:        contact,
			body:       `{"fields":{"firstName":"Augusta"}}`,
			base:       map[string]any{"firstName": "Ada", "lastName": "Lovelace", "accountId": id},
			wantName:   "Augusta Lovelace",
			wantFields: map[string]any{"firstName": "Augusta", "lastName": "Lovelace", "accountId": id},
			wantRefs:   map[string]crm.RecordRef{"accountId": {ID: id}},
		},

		// Every problem at once.
		{
			name: "all errors are reported, not just the first",
			typ:  contact,
			body: `{"name":"Someone","fields":{"email":"nope","accountId":"42","fax":"1","phone":"1\u0000"}}`,
			wantErrs: []string{
				"fields.accountId", "fields.email", "fields.fax", "fields.lastName", "fields.phone", "name",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
}

func (tt normalizeCase) run(t *testing.T) {
	t.Helper()
	in := tt.input
	if in == nil {
		decoded, err := crm.DecodeRecordInput([]byte(tt.body))
		if err != nil {
			t.Fatalf("DecodeRecordInput(%s): %v", tt.body, err)
		}
		in = &decoded
	}
	baseBefore := maps.Clone(tt.base)
	got, err := tt.typ.Normalize(*in, tt.base)
	if !reflect.DeepEqual(tt.base, baseBefore) {
		t.Errorf("Normalize changed base: %v, was %v", tt.base, baseBefore)
	}
	if tt.wantErrs != nil {
		if err == nil {
			t.Fatalf("Normalize = %+v, want field errors %q", got, tt.wantErrs)
		}
		if fields := invalidFields(t, err); !slices.Equal(fields, sorted(tt.wantErrs)) {
			t.Errorf("field errors = %q, want %q (%v)", fields, sorted(tt.wantErrs), err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	if got.Name != tt.wantName {
		t.Errorf("Name = %q, want %q", got.Name, tt.wantName)
	}
	if !reflect.DeepEqual(got.Fields, tt.wantFields) {
		t.Errorf("Fields = %#v, want %#v", got.Fields, tt.wantFields)
	}
	wantRefs := tt.wantRefs
	if wantRefs == nil {
		wantRefs = map[string]crm.RecordRef{}
	}
	if !reflect.DeepEqual(got.References, wantRefs) {
		t.Errorf("References = %v, want %v", got.References, wantRefs)
	}
	if !slices.Equal(got.Emails, tt.wantEmails) {
		t.Errorf("Emails = %v, want %v", got.Emails, tt.wantEmails)
	}
}
