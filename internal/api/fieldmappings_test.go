package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

func (e *env) mappings(token, query string) map[string]crm.FieldMapping {
	e.t.Helper()
	var p struct {
		Items []crm.FieldMapping `json:"items"`
	}
	e.do(http.MethodGet, "/api/v1/field-mappings"+query, token, nil).want(http.StatusOK, &p)
	out := map[string]crm.FieldMapping{}
	for _, m := range p.Items {
		out[m.ItemKind+"."+m.CRMField] = m
	}
	return out
}

func TestFieldMappings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")

		// Every user reads the table.
		all := e.mappings(bob, "")
		if len(all) != len(crm.DefaultFieldMappings()) {
			t.Fatalf("%d mappings, want %d", len(all), len(crm.DefaultFieldMappings()))
		}
		if m := all["appointment.start"]; !m.Fixed || m.Direction != "two_way" || m.OutlookField != "start" {
			t.Fatalf("appointment.start = %+v", m)
		}
		if contacts := e.mappings(bob, "?itemKind=contact"); len(contacts) != 5 || contacts["contact.email"].OutlookField != "emailAddresses/0" {
			t.Fatalf("contact mappings = %v", contacts)
		}
		e.do(http.MethodGet, "/api/v1/field-mappings?itemKind=note", bob, nil).problem(http.StatusUnprocessableEntity)

		// Only admins change it.
		e.do(http.MethodPut, "/api/v1/field-mappings", bob, map[string]any{"itemKind": "contact", "crmField": "phone", "direction": "none"}).
			problem(http.StatusForbidden)
		e.do(http.MethodPut, "/api/v1/field-mappings", alice, map[string]any{"itemKind": "contact", "crmField": "phone", "direction": "to_outlook"}).
			want(http.StatusOK, nil)
		e.do(http.MethodPut, "/api/v1/field-mappings", alice, []any{
			map[string]any{"itemKind": "task", "crmField": "due", "direction": "to_crm"},
			map[string]any{"itemKind": "email", "crmField": "body", "direction": "none"}}).want(http.StatusOK, nil)
		changed := e.mappings(bob, "")
		for key, want := range map[string]string{"contact.phone": "to_outlook", "task.due": "to_crm", "email.body": "none", "contact.email": "two_way"} {
			if changed[key].Direction != want {
				t.Errorf("%s = %s, want %s", key, changed[key].Direction, want)
			}
		}

		tests := []struct {
			name   string
			body   string
			fields []string
			names  string // the detail names this
		}{
			{name: "a fixed field", body: `{"itemKind":"appointment","crmField":"start","direction":"to_crm"}`, fields: []string{"/direction"}, names: "appointment.start"},
			{name: "a fixed field among valid ones", body: `[{"itemKind":"contact","crmField":"phone","direction":"none"},{"itemKind":"email","crmField":"regarding","direction":"none"}]`,
				fields: []string{"/1/direction"}, names: "email.regarding"},
			{name: "unknown kind", body: `[{"itemKind":"note","crmField":"subject","direction":"none"}]`, fields: []string{"/0/itemKind"}},
			{name: "unknown field", body: `[{"itemKind":"contact","crmField":"shoeSize","direction":"none"}]`, fields: []string{"/0/crmField"}, names: "shoeSize"},
			{name: "direction not allowed", body: `{"itemKind":"contact","crmField":"accountId","direction":"to_crm"}`, fields: []string{"/direction"}},
			{name: "unknown direction", body: `{"itemKind":"contact","crmField":"phone","direction":"both"}`, fields: []string{"/direction"}},
			{name: "empty", body: `[]`, fields: []string{"/"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := e.do(http.MethodPut, "/api/v1/field-mappings", alice, tt.body).problem(http.StatusUnprocessableEntity)
				if !slices.Equal(fieldsOf(p), tt.fields) {
					t.Errorf("fields = %v, want %v", fieldsOf(p), tt.fields)
				}
				if !strings.Contains(p.Detail, tt.names) {
					t.Errorf("detail %q does not name %s", p.Detail, tt.names)
				}
				now := e.mappings(bob, "")
				for key, m := range changed {
					if now[key].Direction != m.Direction {
						t.Errorf("%s changed from %s to %s", key, m.Direction, now[key].Direction)
					}
				}
			})
		}
	})
}
