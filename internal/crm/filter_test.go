package crm_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
)

// project is a custom type with a field of every kind, for filter tests.
var project = crm.EntityType{Name: "project", DisplayName: "Project", Fields: []crm.Field{
	{Name: "title", Kind: crm.KindText},
	{Name: "sponsorEmail", Kind: crm.KindEmail},
	{Name: "budget", Kind: crm.KindNumber},
	{Name: "kickoff", Kind: crm.KindDate},
	{Name: "reviewAt", Kind: crm.KindDateTime},
	{Name: "active", Kind: crm.KindBoolean},
	{Name: "accountId", Kind: crm.KindReference, Targets: []string{"account"}},
	{Name: "stage", Kind: crm.KindChoice, Choices: []string{"planned", "running", "done"}},
}}

func lookupTypes(name string) (crm.EntityType, bool) {
	if name == project.Name {
		return project, true
	}
	for _, t := range crm.BuiltInTypes() {
		if t.Name == name {
			return t, true
		}
	}
	return crm.EntityType{}, false
}

// buildFilter decodes and checks a filter body.
func buildFilter(body string) (crm.Filter, error) {
	in, err := crm.DecodeFilterInput([]byte(body))
	if err != nil {
		return crm.Filter{}, err
	}
	return in.Filter(lookupTypes)
}

func TestFilterParsesValidBodies(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // the conditions as stored
	}{
		{name: "defaults: online, user, enabled, every record", body: `{"name":"All projects","recordType":"project"}`,
			want: `{"and":[]}`},
		{name: "owner is me", body: `{"name":"Mine","recordType":"contact","conditions":{"and":[{"field":"ownerId","op":"eq","value":"@me"}]}}`,
			want: `{"and":[{"field":"ownerId","op":"eq","value":"@me"}]}`},
		{name: "nested or inside and", body: `{"name":"n","recordType":"project","conditions":{"and":[
			{"field":"active","op":"eq","value":true},
			{"or":[{"field":"budget","op":"gt","value":1000},{"field":"stage","op":"in","value":["planned","running"]}]}]}}`,
			want: `{"and":[{"field":"active","op":"eq","value":true},{"or":[{"field":"budget","op":"gt","value":1000},{"field":"stage","op":"in","value":["planned","running"]}]}]}`},
		{name: "values are made canonical", body: `{"name":"n","recordType":"project","conditions":{"or":[
			{"field":"reviewAt","op":"lt","value":"2026-03-01T10:00:00+01:00"},
			{"field":"title","op":"contains","value":"  bike "},
			{"field":"accountId","op":"eq","value":"0B6D3E0A-8C5B-4F3B-9A57-1C2D3E4F5A6B"}]}}`,
			want: `{"or":[{"field":"reviewAt","op":"lt","value":"2026-03-01T09:00:00Z"},{"field":"title","op":"contains","value":"bike"},{"field":"accountId","op":"eq","value":"0b6d3e0a-8c5b-4f3b-9a57-1c2d3e4f5a6b"}]}`},
		{name: "null takes no value", body: `{"name":"n","recordType":"project","conditions":{"and":[{"field":"kickoff","op":"null"}]}}`,
			want: `{"and":[{"field":"kickoff","op":"null"}]}`},
		{name: "on-or-after a day on a time field", body: `{"name":"n","recordType":"appointment","conditions":{"and":[{"field":"start","op":"on-or-after","value":"2026-01-01"}]}}`,
			want: `{"and":[{"field":"start","op":"on-or-after","value":"2026-01-01"}]}`},
		{name: "common fields on a task", body: `{"name":"n","recordType":"task","conditions":{"and":[{"field":"createdAt","op":"gt","value":"2026-01-01T00:00:00Z"},{"field":"name","op":"contains","value":"call"}]}}`,
			want: `{"and":[{"field":"createdAt","op":"gt","value":"2026-01-01T00:00:00Z"},{"field":"name","op":"contains","value":"call"}]}`},
		{name: "@me in a reference field's in", body: `{"name":"n","recordType":"project","conditions":{"and":[{"field":"accountId","op":"in","value":["@me"]}]}}`,
			want: `{"and":[{"field":"accountId","op":"in","value":["@me"]}]}`},
		{name: "four levels deep", body: `{"name":"n","recordType":"contact","conditions":{"and":[{"or":[{"and":[{"or":[{"field":"name","op":"null"}]}]}]}]}}`,
			want: `{"and":[{"or":[{"and":[{"or":[{"field":"name","op":"null"}]}]}]}]}`},
		{name: "fifty conditions", body: `{"name":"n","recordType":"contact","conditions":{"or":[` + strings.TrimSuffix(strings.Repeat(`{"field":"name","op":"not-null"},`, 50), ",") + `]}}`,
			want: `{"or":[` + strings.TrimSuffix(strings.Repeat(`{"field":"name","op":"not-null"},`, 50), ",") + `]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := buildFilter(tt.body)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			got, _ := json.Marshal(f.Conditions)
			if string(got) != tt.want {
				t.Errorf("conditions = %s\nwant         %s", got, tt.want)
			}
			if f.Kind != crm.FilterOnline || f.Scope != crm.ScopeUser || !f.Enabled {
				t.Errorf("defaults: kind %q scope %q enabled %v", f.Kind, f.Scope, f.Enabled)
			}
			// What is stored reads back the same.
			var back crm.Condition
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("read back: %v", err)
			}
			if again, _ := json.Marshal(back); string(again) != string(got) {
				t.Errorf("round trip = %s, want %s", again, got)
			}
		})
	}
}

// A bad filter is refused with the JSON pointer of the offending node.
func TestFilterErrorsPointAtTheNode(t *testing.T) {
	deep := `{"and":[{"or":[{"and":[{"or":[{"and":[{"field":"name","op":"null"}]}]}]}]}]}`
	tests := []struct {
		name string
		body string
		want []string // the pointers reported
	}{
		{name: "operator unknown", body: `{"name":"n","recordType":"contact","conditions":{"and":[{"field":"name","op":"null"},{"field":"name","op":"like","value":"x"}]}}`,
			want: []string{"/conditions/and/1/op"}},
		{name: "field not of the type", body: `{"name":"n","recordType":"contact","conditions":{"and":[{"field":"shoeSize","op":"eq","value":"42"}]}}`,
			want: []string{"/conditions/and/0/field"}},
		{name: "operator does not suit the kind", body: `{"name":"n","recordType":"project","conditions":{"or":[{"field":"title","op":"gt","value":"a"},{"field":"budget","op":"contains","value":"1"},{"field":"budget","op":"on-or-after","value":1}]}}`,
			want: []string{"/conditions/or/0/op", "/conditions/or/1/op", "/conditions/or/2/op"}},
		{name: "in needs an array", body: `{"name":"n","recordType":"project","conditions":{"and":[{"field":"stage","op":"in","value":"planned"}]}}`,
			want: []string{"/conditions/and/0/value"}},
		{name: "an element of in is wrong", body: `{"name":"n","recordType":"project","conditions":{"and":[{"field":"stage","op":"in","value":["planned","paused"]}]}}`,
			want: []string{"/conditions/and/0/value/1"}},
		{name: "null with a value", body: `{"name":"n","recordType":"project","conditions":{"and":[{"field":"kickoff","op":"not-null","value":"2026-01-01"}]}}`,
			want: []string{"/conditions/and/0/value"}},
		{name: "eq without a value", body: `{"name":"n","recordType":"project","conditions":{"and":[{"field":"kickoff","op":"eq"}]}}`,
			want: []string{"/conditions/and/0/value"}},
		{name: "@me on a text field", body: `{"name":"n","recordType":"project","conditions":{"and":[{"field":"title","op":"eq","value":"@me"}]}}`,
			want: []string{"/conditions/and/0/value"}},
		{name: "value of the wrong kind", body: `{"name":"n","recordType":"project","conditions":{"and":[{"field":"budget","op":"gt","value":"lots"},{"field":"kickoff","op":"lt","value":"soon"},{"field":"active","op":"eq","value":1}]}}`,
			want: []string{"/conditions/and/0/value", "/conditions/and/1/value", "/conditions/and/2/value"}},
		{name: "null value", body: `{"name":"n","recordType":"project","conditions":{"and":[{"field":"title","op":"eq","value":null}]}}`,
			want: []string{"/conditions/and/0/value"}},
		{name: "unknown member of a condition", body: `{"name":"n","recordType":"contact","conditions":{"and":[{"field":"name","op":"null","negate":true}]}}`,
			want: []string{"/conditions/and/0/negate"}},
		{name: "root must be a group", body: `{"name":"n","recordType":"contact","conditions":{"field":"name","op":"null"}}`,
			want: []string{"/conditions"}},
		{name: "and and or together", body: `{"name":"n","recordType":"contact","conditions":{"and":[],"or":[]}}`,
			want: []string{"/conditions"}},
		{name: "empty inner group", body: `{"name":"n","recordType":"contact","conditions":{"and":[{"or":[]}]}}`,
			want: []string{"/conditions/and/0/or"}},
		{name: "condition is not an object", body: `{"name":"n","recordType":"contact","conditions":{"and":["name eq x"]}}`,
			want: []string{"/conditions/and/0"}},
		{name: "too deep", body: `{"name":"n","recordType":"contact","conditions":` + deep + `}`,
			want: []string{"/conditions/and/0/or/0/and/0/or/0"}}, // the fifth group
		{name: "too many conditions", body: `{"name":"n","recordType":"contact","conditions":{"or":[` + strings.TrimSuffix(strings.Repeat(`{"field":"name","op":"null"},`, 51), ",") + `]}}`,
			want: []string{"/conditions/or/50"}},
		{name: "filter members", body: `{"name":" ","recordType":"email","kind":"cached","scope":"team"}`,
			want: []string{"/kind", "/name", "/recordType", "/scope"}},
		{name: "unknown record type", body: `{"name":"n","recordType":"invoice"}`, want: []string{"/recordType"}},
		{name: "unknown member of the filter", body: `{"name":"n","recordType":"contact","owner":"x"}`, want: []string{"/owner"}},
		{name: "member of the wrong type", body: `{"name":"n","recordType":"contact","enabled":"yes"}`, want: []string{"/enabled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := buildFilter(tt.body)
			if got := invalidFields(t, err); !reflect.DeepEqual(got, sorted(tt.want)) {
				t.Errorf("pointers = %v, want %v (%v)", got, tt.want, err)
			}
			var e *crm.Error
			if errors.As(err, &e) && len(e.Fields) > 0 && !strings.Contains(e.Message, e.Fields[0].Field) {
				t.Errorf("message %q does not name the position %s", e.Message, e.Fields[0].Field)
			}
		})
	}
}

func TestFilterMatchesEachOperator(t *testing.T) {
	me, other := "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
	created := time.Date(2026, 1, 10, 9, 30, 0, 0, time.UTC)
	fields := map[string]any{
		"title": "E-Bike Pilot", "sponsorEmail": "dana@fabrikam.test", "budget": 48000.0, "kickoff": "2026-02-01",
		"reviewAt": "2026-03-01T09:00:00Z", "active": true, "accountId": other, "stage": "running", "empty": "",
		crm.FieldCreatedAt: created,
	}
	tests := []struct {
		cond string
		want bool
	}{
		{`{"field":"title","op":"eq","value":"e-bike pilot"}`, true},
		{`{"field":"title","op":"eq","value":"Pilot"}`, false},
		{`{"field":"title","op":"ne","value":"Pilot"}`, true},
		{`{"field":"title","op":"ne","value":"E-BIKE PILOT"}`, false},
		{`{"field":"kickoff","op":"ne","value":"2026-01-01"}`, true},
		{`{"field":"sponsorEmail","op":"ne","value":"x@y.test"}`, true},
		{`{"field":"stage","op":"in","value":["planned","running"]}`, true},
		{`{"field":"stage","op":"in","value":["done"]}`, false},
		{`{"field":"title","op":"contains","value":"BIKE"}`, true},
		{`{"field":"title","op":"contains","value":"car"}`, false},
		{`{"field":"budget","op":"gt","value":40000}`, true},
		{`{"field":"budget","op":"gt","value":48000}`, false},
		{`{"field":"budget","op":"lt","value":50000}`, true},
		{`{"field":"budget","op":"eq","value":48000}`, true},
		{`{"field":"kickoff","op":"gt","value":"2026-01-31"}`, true},
		{`{"field":"kickoff","op":"lt","value":"2026-02-01"}`, false},
		{`{"field":"kickoff","op":"on-or-after","value":"2026-02-01"}`, true},
		{`{"field":"kickoff","op":"on-or-after","value":"2026-02-02"}`, false},
		{`{"field":"reviewAt","op":"on-or-after","value":"2026-03-01"}`, true},
		{`{"field":"reviewAt","op":"on-or-after","value":"2026-03-01T09:00:01Z"}`, false},
		{`{"field":"reviewAt","op":"eq","value":"2026-03-01T10:00:00+01:00"}`, true},
		{`{"field":"createdAt","op":"lt","value":"2026-01-10T09:30:01Z"}`, true},
		{`{"field":"createdAt","op":"gt","value":"2026-01-10T09:30:00Z"}`, false},
		{`{"field":"active","op":"eq","value":true}`, true},
		{`{"field":"active","op":"ne","value":true}`, false},
		{`{"field":"ownerId","op":"eq","value":"@me"}`, true},
		{`{"field":"ownerId","op":"ne","value":"@me"}`, false},
		{`{"field":"ownerId","op":"eq","value":"` + other + `"}`, false},
		{`{"field":"accountId","op":"eq","value":"@me"}`, false},
		{`{"field":"accountId","op":"in","value":["@me","` + other + `"]}`, true},
		{`{"field":"kickoff","op":"null"}`, false},
		{`{"field":"empty","op":"null"}`, true},
		{`{"field":"missing","op":"null"}`, true},
		{`{"field":"missing","op":"not-null"}`, false},
		{`{"field":"title","op":"not-null"}`, true},
		// An empty field equals nothing, so ne matches it and comparisons do not.
		{`{"field":"missing","op":"eq","value":"x"}`, false},
		{`{"field":"missing","op":"ne","value":"x"}`, true},
		{`{"field":"missing","op":"gt","value":1}`, false},
		{`{"field":"missing","op":"in","value":["x"]}`, false},
		{`{"field":"missing","op":"contains","value":"x"}`, false},
		// Groups.
		{`{"and":[]}`, true},
		{`{"and":[{"field":"active","op":"eq","value":true},{"field":"budget","op":"gt","value":50000}]}`, false},
		{`{"or":[{"field":"active","op":"eq","value":false},{"field":"budget","op":"gt","value":40000}]}`, true},
		{`{"or":[{"field":"active","op":"eq","value":false},{"and":[{"field":"stage","op":"eq","value":"running"},{"field":"ownerId","op":"eq","value":"@me"}]}]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			cond := tt.cond
			if !strings.HasPrefix(cond, `{"and"`) && !strings.HasPrefix(cond, `{"or"`) {
				cond = `{"and":[` + cond + `]}`
			}
			var c crm.Condition
			if err := json.Unmarshal([]byte(cond), &c); err != nil {
				t.Fatal(err)
			}
			f := crm.Filter{Enabled: true, Conditions: c}
			if got := f.Matches(fields, me, me); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

// Values stored by the API (strings, float64) and values of Go activities (time.Time) compare alike.
func TestFilterMatchesRecordsAndActivities(t *testing.T) {
	me := "11111111-1111-1111-1111-111111111111"
	start := time.Date(2026, 5, 4, 14, 0, 0, 0, time.UTC)
	appt := crm.Activity{Type: crm.ActivityAppointment, Subject: "Fleet review", OwnerID: me, Start: &start,
		Regarding: &crm.Regarding{Type: "account", ID: "0b6d3e0a-8c5b-4f3b-9a57-1c2d3e4f5a6b"}}
	f, err := buildFilter(`{"name":"Upcoming reviews","recordType":"appointment","conditions":{"and":[
		{"field":"ownerId","op":"eq","value":"@me"},{"field":"start","op":"on-or-after","value":"2026-05-04"},
		{"field":"name","op":"contains","value":"review"},{"field":"regardingType","op":"eq","value":"account"}]}}`)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Matches(crm.ActivityFields(appt), appt.OwnerID, me) {
		t.Error("the appointment does not match")
	}
	if f.Matches(crm.ActivityFields(appt), appt.OwnerID, "33333333-3333-3333-3333-333333333333") {
		t.Error("the appointment matches for another user")
	}
	if f.Matches(crm.ActivityFields(appt), appt.OwnerID, "") {
		t.Error("@me matches when there is no user")
	}

	contact := crm.Record{Type: "contact", Name: "Dana Whitfield", OwnerID: me, Fields: map[string]any{"lastName": "Whitfield", "email": "dana@fabrikam.test"},
		CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	mine := crm.DefaultFilters()[1]
	if mine.RecordType != crm.TypeContact || !mine.Matches(crm.RecordFields(contact), contact.OwnerID, me) {
		t.Errorf("My contacts does not match the user's contact: %+v", mine)
	}
	if mine.Matches(crm.RecordFields(contact), contact.OwnerID, "someone-else") {
		t.Error("My contacts matches another user's contact")
	}
}

func TestMatchesAnyIsTheOrOfEnabledFilters(t *testing.T) {
	cond := func(s string) crm.Condition {
		var c crm.Condition
		if err := json.Unmarshal([]byte(s), &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	london := crm.Filter{Name: "London", RecordType: "account", Kind: crm.FilterOnline, Enabled: true, Conditions: cond(`{"and":[{"field":"city","op":"eq","value":"London"}]}`)}
	big := crm.Filter{Name: "Big", RecordType: "account", Kind: crm.FilterOnline, Enabled: true, Conditions: cond(`{"and":[{"field":"size","op":"gt","value":100}]}`)}
	disabled := crm.Filter{Name: "All", RecordType: "account", Kind: crm.FilterOnline, Enabled: false, Conditions: cond(`{"and":[]}`)}
	offline := crm.Filter{Name: "All offline", RecordType: "account", Kind: crm.FilterOffline, Enabled: true, Conditions: cond(`{"and":[]}`)}
	paris := map[string]any{"city": "Paris", "size": 10.0}
	tests := []struct {
		name    string
		filters []crm.Filter
		fields  map[string]any
		want    bool
	}{
		{name: "no filters: nothing syncs", filters: nil, fields: paris, want: false},
		{name: "only disabled filters: nothing syncs", filters: []crm.Filter{disabled}, fields: paris, want: false},
		{name: "one of two matches", filters: []crm.Filter{london, big}, fields: map[string]any{"city": "Paris", "size": 500.0}, want: true},
		{name: "none matches", filters: []crm.Filter{london, big}, fields: paris, want: false},
		{name: "a disabled filter does not count", filters: []crm.Filter{london, disabled}, fields: paris, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := crm.MatchesAny(tt.filters, tt.fields, "", ""); got != tt.want {
				t.Errorf("MatchesAny = %v, want %v", got, tt.want)
			}
		})
	}
	all := []crm.Filter{london, big, disabled, offline, {Name: "Contacts", RecordType: "contact", Kind: crm.FilterOnline, Enabled: true}}
	var names []string
	for _, f := range crm.FiltersFor(all, "account", crm.FilterOnline) {
		names = append(names, f.Name)
	}
	if fmt.Sprint(names) != "[London Big]" {
		t.Errorf("FiltersFor = %v, want the enabled online account filters", names)
	}
}

func TestDefaultFilters(t *testing.T) {
	var got []string
	for _, f := range crm.DefaultFilters() {
		c, _ := json.Marshal(f.Conditions)
		got = append(got, fmt.Sprintf("%s/%s/%s/%s/%v/%v %s", f.Name, f.RecordType, f.Kind, f.Scope, f.Enabled, f.Default, c))
	}
	want := []string{
		`My appointments/appointment/online/user/true/true {"and":[{"field":"ownerId","op":"eq","value":"@me"}]}`,
		`My contacts/contact/online/user/true/true {"and":[{"field":"ownerId","op":"eq","value":"@me"}]}`,
		`My tasks/task/online/user/true/true {"and":[{"field":"ownerId","op":"eq","value":"@me"}]}`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func FuzzFilterInput(f *testing.F) {
	f.Add(`{"name":"n","recordType":"project","conditions":{"and":[{"field":"budget","op":"gt","value":1},{"or":[{"field":"stage","op":"in","value":["done"]}]}]}}`)
	f.Add(`{"name":"n","recordType":"appointment","conditions":{"or":[{"field":"start","op":"on-or-after","value":"2026-01-01"}]}}`)
	f.Fuzz(func(t *testing.T, body string) {
		flt, err := buildFilter(body)
		if err != nil {
			if crm.ErrorCode(err) != crm.CodeInvalid {
				t.Fatalf("error %v is not a validation error", err)
			}
			return
		}
		// Whatever is accepted is stored and read back unchanged, and can be evaluated.
		raw, err := json.Marshal(flt.Conditions)
		if err != nil {
			t.Fatal(err)
		}
		var back crm.Condition
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatalf("stored conditions %s do not read back: %v", raw, err)
		}
		flt.Matches(map[string]any{"budget": 2.0, "stage": "done"}, "", "me")
	})
}
