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

type filterPage struct {
	Items []crm.Filter `json:"items"`
}

func (e *env) filters(token, query string) []string {
	e.t.Helper()
	var p filterPage
	e.do(http.MethodGet, "/api/v1/sync-filters"+query, token, nil).want(http.StatusOK, &p)
	names := []string{}
	for _, f := range p.Items {
		names = append(names, f.Scope+":"+f.Name)
	}
	return names
}

func TestSyncFilterCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		defaults := []string{"user:My appointments", "user:My contacts", "user:My tasks"}
		if got := e.filters(bob, ""); !slices.Equal(got, defaults) {
			t.Fatalf("a new user's filters = %v", got)
		}

		var mine crm.Filter
		r := e.do(http.MethodPost, "/api/v1/sync-filters", bob, map[string]any{"name": "Open cases", "recordType": "case",
			"conditions": map[string]any{"and": []any{
				map[string]any{"field": "ownerId", "op": "eq", "value": "@me"},
				map[string]any{"or": []any{
					map[string]any{"field": "status", "op": "eq", "value": "active"},
					map[string]any{"field": "priority", "op": "in", "value": []string{"high"}}}}}}})
		r.want(http.StatusCreated, &mine)
		if r.Header().Get("Location") != "/api/v1/sync-filters/"+mine.ID || mine.Scope != crm.ScopeUser || mine.Kind != crm.FilterOnline || !mine.Enabled || mine.Default {
			t.Fatalf("created %+v at %s", mine, r.Header().Get("Location"))
		}
		var got crm.Filter
		e.do(http.MethodGet, "/api/v1/sync-filters/"+mine.ID, bob, nil).want(http.StatusOK, &got)
		if got.Name != "Open cases" || got.Conditions.Group != crm.GroupAnd || len(got.Conditions.Conditions) != 2 {
			t.Fatalf("got %+v", got)
		}

		// A system filter needs an admin; everyone sees it, only admins change it.
		e.do(http.MethodPost, "/api/v1/sync-filters", bob, map[string]any{"name": "All accounts", "recordType": "account", "scope": "system"}).
			problem(http.StatusForbidden)
		var system crm.Filter
		e.do(http.MethodPost, "/api/v1/sync-filters", alice, map[string]any{"name": "All accounts", "recordType": "account", "scope": "system", "kind": "offline"}).
			want(http.StatusCreated, &system)
		if got := e.filters(bob, ""); !slices.Equal(got, []string{"system:All accounts", "user:My appointments", "user:Open cases", "user:My contacts", "user:My tasks"}) {
			t.Fatalf("bob's filters = %v", got)
		}
		if got := e.filters(alice, ""); slices.Contains(got, "user:Open cases") || !slices.Contains(got, "system:All accounts") {
			t.Fatalf("alice's filters = %v", got)
		}
		if got := e.filters(bob, "?kind=offline"); !slices.Equal(got, []string{"system:All accounts"}) {
			t.Fatalf("offline filters = %v", got)
		}
		if got := e.filters(bob, "?recordType=case"); !slices.Equal(got, []string{"user:Open cases"}) {
			t.Fatalf("case filters = %v", got)
		}
		e.do(http.MethodGet, "/api/v1/sync-filters?kind=cached", bob, nil).problem(http.StatusUnprocessableEntity)
		e.do(http.MethodGet, "/api/v1/sync-filters/"+system.ID, bob, nil).want(http.StatusOK, nil)
		e.do(http.MethodPut, "/api/v1/sync-filters/"+system.ID, bob, map[string]any{"name": "Mine now", "recordType": "account"}).problem(http.StatusForbidden)
		e.do(http.MethodDelete, "/api/v1/sync-filters/"+system.ID, bob, nil).problem(http.StatusForbidden)

		// Another user's filter is not there, even for an admin.
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			e.do(method, "/api/v1/sync-filters/"+mine.ID, alice, map[string]any{"name": "x", "recordType": "case"}).problem(http.StatusNotFound)
		}
		e.do(http.MethodGet, "/api/v1/sync-filters/not-an-id", bob, nil).problem(http.StatusNotFound)

		// Replace: disable, rename, new conditions; the scope stays.
		var updated crm.Filter
		e.do(http.MethodPut, "/api/v1/sync-filters/"+mine.ID, bob, map[string]any{"name": "High cases", "recordType": "case", "enabled": false,
			"conditions": map[string]any{"and": []any{map[string]any{"field": "priority", "op": "eq", "value": "high"}}}}).want(http.StatusOK, &updated)
		if updated.ID != mine.ID || updated.Name != "High cases" || updated.Enabled || len(updated.Conditions.Conditions) != 1 || updated.UserID != mine.UserID {
			t.Fatalf("updated = %+v", updated)
		}
		p := e.do(http.MethodPut, "/api/v1/sync-filters/"+mine.ID, bob, map[string]any{"name": "x", "recordType": "case", "scope": "system"}).
			problem(http.StatusUnprocessableEntity)
		if !slices.Equal(fieldsOf(p), []string{"/scope"}) {
			t.Fatalf("fields = %v", fieldsOf(p))
		}
		e.do(http.MethodPut, "/api/v1/sync-filters/"+system.ID, alice, map[string]any{"name": "Every account", "recordType": "account", "kind": "offline"}).
			want(http.StatusOK, &updated)
		if updated.Scope != crm.ScopeSystem || updated.Name != "Every account" {
			t.Fatalf("system filter updated to %+v", updated)
		}

		// Default filters can be disabled and deleted like any other of one's own.
		e.do(http.MethodDelete, "/api/v1/sync-filters/"+mine.ID, bob, nil).want(http.StatusNoContent, nil)
		e.do(http.MethodGet, "/api/v1/sync-filters/"+mine.ID, bob, nil).problem(http.StatusNotFound)
		e.do(http.MethodDelete, "/api/v1/sync-filters/"+system.ID, alice, nil).want(http.StatusNoContent, nil)
		if got := e.filters(bob, ""); !slices.Equal(got, defaults) {
			t.Fatalf("after deletes: %v", got)
		}
	})
}

// A bad filter is refused with 422, the JSON pointer of each problem in errors[].field, and nothing stored.
func TestSyncFilterValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		e.do(http.MethodPost, "/api/v1/entity-types", alice, map[string]any{"name": "project", "fields": []any{
			map[string]any{"name": "budget", "kind": "number"}, map[string]any{"name": "stage", "kind": "choice", "choices": []string{"planned", "done"}}}}).
			want(http.StatusCreated, nil)
		before := e.filters(bob, "")
		var target crm.Filter
		e.do(http.MethodPost, "/api/v1/sync-filters", bob, map[string]any{"name": "Projects", "recordType": "project",
			"conditions": map[string]any{"or": []any{map[string]any{"field": "budget", "op": "gt", "value": 100}}}}).want(http.StatusCreated, &target)

		tests := []struct {
			name   string
			body   string
			fields []string
		}{
			{name: "bad operator", body: `{"name":"x","recordType":"project","conditions":{"and":[{"field":"budget","op":"gt","value":1},{"field":"budget","op":"between","value":[1,2]}]}}`,
				fields: []string{"/conditions/and/1/op"}},
			{name: "operator not for the kind", body: `{"name":"x","recordType":"project","conditions":{"and":[{"field":"stage","op":"contains","value":"pl"}]}}`,
				fields: []string{"/conditions/and/0/op"}},
			{name: "field of another type", body: `{"name":"x","recordType":"project","conditions":{"and":[{"field":"lastName","op":"eq","value":"x"}]}}`,
				fields: []string{"/conditions/and/0/field"}},
			{name: "bad value deep inside", body: `{"name":"x","recordType":"project","conditions":{"and":[{"or":[{"field":"stage","op":"in","value":["planned","paused"]}]}]}}`,
				fields: []string{"/conditions/and/0/or/0/value/1"}},
			{name: "@me on a number", body: `{"name":"x","recordType":"project","conditions":{"and":[{"field":"budget","op":"eq","value":"@me"}]}}`,
				fields: []string{"/conditions/and/0/value"}},
			{name: "email is not filtered", body: `{"name":"x","recordType":"email"}`, fields: []string{"/recordType"}},
			{name: "unknown type and kind", body: `{"name":"","recordType":"invoice","kind":"cached"}`, fields: []string{"/kind", "/name", "/recordType"}},
			{name: "unknown member", body: `{"name":"x","recordType":"project","shared":true}`, fields: []string{"/shared"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, req := range []struct{ method, path string }{{http.MethodPost, "/api/v1/sync-filters"}, {http.MethodPut, "/api/v1/sync-filters/" + target.ID}} {
					p := e.do(req.method, req.path, bob, tt.body).problem(http.StatusUnprocessableEntity)
					if !slices.Equal(fieldsOf(p), tt.fields) {
						t.Errorf("%s: fields = %v, want %v (%s)", req.method, fieldsOf(p), tt.fields, p.Detail)
					}
					if len(p.Errors) > 0 && !strings.Contains(p.Detail, p.Errors[0].Field) {
						t.Errorf("%s: detail %q does not give the position", req.method, p.Detail)
					}
				}
				if got := e.filters(bob, ""); len(got) != len(before)+1 {
					t.Errorf("filters now %v", got)
				}
				var still crm.Filter
				e.do(http.MethodGet, "/api/v1/sync-filters/"+target.ID, bob, nil).want(http.StatusOK, &still)
				if still.Name != "Projects" || still.Conditions.Group != crm.GroupOr {
					t.Errorf("the filter changed to %+v", still)
				}
			})
		}
		// A body that is not JSON at all is a 400, not a validation problem.
		e.do(http.MethodPost, "/api/v1/sync-filters", bob, `{"name":`).problem(http.StatusBadRequest)
		e.do(http.MethodPut, "/api/v1/sync-filters/"+target.ID, bob, `{"name":`).problem(http.StatusBadRequest)
		if got := e.filters(bob, ""); len(got) != len(before)+1 {
			t.Errorf("filters now %v", got)
		}
	})
}
