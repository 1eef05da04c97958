package crm_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
)

func TestDefaultFieldMappings(t *testing.T) {
	maps := crm.DefaultFieldMappings()
	seen := map[crm.FieldMappingKey]bool{}
	kinds := map[string]bool{}
	for _, m := range maps {
		key := crm.FieldMappingKey{ItemKind: m.ItemKind, CRMField: m.CRMField}
		if seen[key] {
			t.Errorf("%v is mapped twice", key)
		}
		seen[key], kinds[m.ItemKind] = true, true
		if !slices.Contains(m.AllowedDirections, m.Direction) {
			t.Errorf("%v: direction %s is not among its allowed %v", key, m.Direction, m.AllowedDirections)
		}
		if m.Fixed && len(m.AllowedDirections) != 1 {
			t.Errorf("%v is fixed but allows %v", key, m.AllowedDirections)
		}
		if m.OutlookField == "" {
			t.Errorf("%v has no Outlook property", key)
		}
	}
	for _, kind := range crm.ItemKinds {
		if !kinds[kind] {
			t.Errorf("no mapping for %s", kind)
		}
	}
	// Dynamics' rule: times, attendees, organizer and regarding are fixed two-way.
	for _, key := range []crm.FieldMappingKey{{"appointment", "start"}, {"appointment", "end"}, {"appointment", "organizer"},
		{"appointment", "requiredAttendees"}, {"appointment", "optionalAttendees"}, {"appointment", "regarding"},
		{"task", "regarding"}, {"email", "regarding"}} {
		i := slices.IndexFunc(maps, func(m crm.FieldMapping) bool { return m.ItemKind == key.ItemKind && m.CRMField == key.CRMField })
		if i < 0 || !maps[i].Fixed || maps[i].Direction != crm.DirectionTwoWay {
			t.Errorf("%v is not fixed two-way", key)
		}
	}
	// An email never flows from CRM to Outlook.
	for _, m := range maps {
		if m.ItemKind == crm.ItemEmail && m.CRMField != "regarding" && slices.ContainsFunc(m.AllowedDirections, func(d string) bool {
			return d == crm.DirectionToOutlook || d == crm.DirectionTwoWay
		}) {
			t.Errorf("email.%s may flow to Outlook: %v", m.CRMField, m.AllowedDirections)
		}
	}
}

func TestEffectiveFieldMappings(t *testing.T) {
	stored := map[crm.FieldMappingKey]string{
		{ItemKind: "contact", CRMField: "phone"}:     crm.DirectionToOutlook,
		{ItemKind: "appointment", CRMField: "start"}: crm.DirectionNone,   // fixed: ignored
		{ItemKind: "contact", CRMField: "accountId"}: crm.DirectionTwoWay, // not allowed: ignored
	}
	got := map[string]string{}
	for _, m := range crm.EffectiveFieldMappings(stored) {
		got[m.ItemKind+"."+m.CRMField] = m.Direction
	}
	want := map[string]string{"contact.phone": "to_outlook", "appointment.start": "two_way", "contact.accountId": "to_outlook", "contact.email": "two_way"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestDecodeFieldMappingChanges(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		want      []string // kind.field=direction
		wantPaths []string
	}{
		{name: "one mapping", body: `{"itemKind":"contact","crmField":"phone","direction":"to_outlook"}`, want: []string{"contact.phone=to_outlook"}},
		{name: "an array", body: `[{"itemKind":"contact","crmField":"phone","direction":"none"},{"itemKind":"task","crmField":"due","direction":"to_crm"}]`,
			want: []string{"contact.phone=none", "task.due=to_crm"}},
		{name: "a mapping sent back as read", body: `{"itemKind":"appointment","crmField":"start","outlookField":"start","direction":"two_way","fixed":true,"allowedDirections":["two_way"]}`,
			want: []string{"appointment.start=two_way"}},
		{name: "a fixed field changed", body: `[{"itemKind":"contact","crmField":"phone","direction":"none"},{"itemKind":"appointment","crmField":"organizer","direction":"to_crm"}]`,
			wantPaths: []string{"/1/direction"}},
		{name: "a fixed field changed, single", body: `{"itemKind":"email","crmField":"regarding","direction":"none"}`, wantPaths: []string{"/direction"}},
		{name: "a direction the field does not allow", body: `{"itemKind":"email","crmField":"body","direction":"two_way"}`, wantPaths: []string{"/direction"}},
		{name: "unknown kind", body: `[{"itemKind":"note","crmField":"subject","direction":"none"}]`, wantPaths: []string{"/0/itemKind"}},
		{name: "unknown field", body: `[{"itemKind":"contact","crmField":"shoeSize","direction":"none"}]`, wantPaths: []string{"/0/crmField"}},
		{name: "unknown direction", body: `[{"itemKind":"contact","crmField":"phone","direction":"sideways"}]`, wantPaths: []string{"/0/direction"}},
		{name: "Outlook property changed", body: `[{"itemKind":"contact","crmField":"phone","outlookField":"mobilePhone","direction":"none"}]`, wantPaths: []string{"/0/outlookField"}},
		{name: "the same field twice", body: `[{"itemKind":"contact","crmField":"phone","direction":"none"},{"itemKind":"contact","crmField":"phone","direction":"two_way"}]`,
			wantPaths: []string{"/1/crmField"}},
		{name: "unknown member", body: `[{"itemKind":"contact","crmField":"phone","direction":"none","why":"x"}]`, wantPaths: []string{"/0/why"}},
		{name: "empty array", body: `[]`, wantPaths: []string{"/"}},
		{name: "not JSON", body: `[{`, wantPaths: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := crm.DecodeFieldMappingChanges([]byte(tt.body))
			if tt.want == nil {
				if paths := invalidFields(t, err); tt.wantPaths != nil && !reflect.DeepEqual(paths, tt.wantPaths) {
					t.Errorf("paths = %v, want %v (%v)", paths, tt.wantPaths, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, m := range got {
				names = append(names, m.ItemKind+"."+m.CRMField+"="+m.Direction)
			}
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("changes = %v, want %v", names, tt.want)
			}
		})
	}
}
