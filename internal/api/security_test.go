package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

type fieldSecurityView struct {
	Items         []crm.FieldPermission `json:"items"`
	SecuredFields []struct {
		RecordType string `json:"recordType"`
		Field      string `json:"field"`
	} `json:"securedFields"`
}

// secureDeals adds the type deal with a secured field margin, as alice (an admin).
func secureDeals(e *env, alice string) {
	e.t.Helper()
	e.do(http.MethodPost, "/api/v1/entity-types", alice, map[string]any{"name": "deal", "fields": []any{
		map[string]any{"name": "title", "kind": "text"}, map[string]any{"name": "margin", "kind": "number", "secured": true}},
		"nameFrom": []string{"title"}}).want(http.StatusCreated, nil)
}

func (e *env) record(token, typ, id string) crm.Record {
	e.t.Helper()
	var rec crm.Record
	e.do(http.MethodGet, "/api/v1/records/"+typ+"/"+id, token, nil).want(http.StatusOK, &rec)
	return rec
}

func TestFieldSecurityAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		secureDeals(e, alice)
		e.do(http.MethodGet, "/api/v1/admin/field-security", bob, nil).problem(http.StatusForbidden)
		e.do(http.MethodPut, "/api/v1/admin/field-security", bob, map[string]any{"items": []any{}}).problem(http.StatusForbidden)

		var v fieldSecurityView
		e.do(http.MethodGet, "/api/v1/admin/field-security", alice, nil).want(http.StatusOK, &v)
		if len(v.Items) != 0 || len(v.SecuredFields) != 1 || v.SecuredFields[0].Field != "margin" {
			t.Fatalf("a new tenant's field security = %+v", v)
		}
		grants := []crm.FieldPermission{{Role: "CRM.Manager", RecordType: "deal", Field: "margin", Read: true, Update: true}}
		e.do(http.MethodPut, "/api/v1/admin/field-security", alice, map[string]any{"items": grants}).want(http.StatusOK, &v)
		if !slices.Equal(v.Items, grants) {
			t.Fatalf("PUT answered %+v", v.Items)
		}
		// A GET's answer can be sent back as is.
		e.do(http.MethodPut, "/api/v1/admin/field-security", alice, v).want(http.StatusOK, &v)

		tests := []struct {
			name   string
			body   string
			fields []string
		}{
			{name: "admin role", body: `{"items":[{"role":"CRM.Admin","recordType":"deal","field":"margin","read":true}]}`, fields: []string{"/items/0/role"}},
			{name: "field not secured", body: `{"items":[{"role":"user","recordType":"deal","field":"title","read":true}]}`, fields: []string{"/items/0/field"}},
			{name: "unknown type", body: `{"items":[{"role":"user","recordType":"invoice","field":"total","read":true}]}`, fields: []string{"/items/0/recordType"}},
			{name: "items missing", body: `{}`, fields: []string{"/items"}},
			{name: "unknown member", body: `{"items":[],"profiles":[]}`, fields: []string{"/profiles"}},
			{name: "wrong type", body: `{"items":[{"role":"user","recordType":"deal","field":"margin","read":"yes"}]}`, fields: []string{"/items/read"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := e.do(http.MethodPut, "/api/v1/admin/field-security", alice, tt.body).problem(http.StatusUnprocessableEntity)
				if !slices.Equal(fieldsOf(p), tt.fields) {
					t.Errorf("fields = %v, want %v", fieldsOf(p), tt.fields)
				}
				var now fieldSecurityView
				e.do(http.MethodGet, "/api/v1/admin/field-security", alice, nil).want(http.StatusOK, &now)
				if !slices.Equal(now.Items, grants) {
					t.Errorf("grants changed to %+v", now.Items)
				}
			})
		}
	})
}

// Field security applies to every record a user gets and every write they make; admins see and do
// everything.
func TestFieldSecurityOnRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s)
		alice, bob, carol := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test"), e.token("carol@contoso.test", "CRM.Manager")
		secureDeals(e, alice)
		e.do(http.MethodPut, "/api/v1/admin/field-security", alice, map[string]any{"items": []crm.FieldPermission{
			{Role: "CRM.Manager", RecordType: "deal", Field: "margin", Read: true, Update: true}}}).want(http.StatusOK, nil)

		// Creating with a secured field one may not set is refused, and nothing is created.
		for _, token := range []string{bob, carol} {
			p := e.do(http.MethodPost, "/api/v1/records/deal", token, map[string]any{"fields": map[string]any{"title": "Fleet", "margin": 0.2}}).
				problem(http.StatusForbidden)
			if !strings.Contains(p.Detail, "margin") {
				t.Errorf("detail %q does not name the field", p.Detail)
			}
		}
		if n, _ := s.CountRecords(ctx, identity.DevTenantID, "deal"); n != 0 {
			t.Fatalf("%d deals were created", n)
		}
		deal := e.seedRecord(bob, "deal", map[string]any{"fields": map[string]any{"title": "Fleet"}})
		// Admins may set it on anyone's record.
		var patched crm.Record
		e.do(http.MethodPatch, "/api/v1/records/deal/"+deal.ID, alice, map[string]any{"version": 1, "fields": map[string]any{"margin": 0.3}}).
			want(http.StatusOK, &patched)
		if patched.Fields["margin"] != 0.3 {
			t.Fatalf("admin's patch = %+v", patched)
		}

		// Reads: bob's own record lacks the field in every answer; the manager and the admin see it.
		var found struct{ Items []crm.Record }
		for _, path := range []string{"/api/v1/records/deal/" + deal.ID, "/api/v1/records/deal", "/api/v1/records?search=fleet", "/api/v1/records?search=fleet&type=deal"} {
			r := e.do(http.MethodGet, path, bob, nil)
			if r.Code != http.StatusOK || strings.Contains(r.Body.String(), "margin") || !strings.Contains(r.Body.String(), "Fleet") {
				t.Errorf("bob's GET %s = %d %s", path, r.Code, r.Body.String())
			}
			for _, token := range []string{alice, carol} {
				if r := e.do(http.MethodGet, path, token, nil); !strings.Contains(r.Body.String(), `"margin":0.3`) {
					t.Errorf("GET %s without the margin for a reader with a grant: %s", path, r.Body.String())
				}
			}
		}
		e.do(http.MethodGet, "/api/v1/records/deal", bob, nil).want(http.StatusOK, &found)
		if len(found.Items) != 1 || found.Items[0].Fields["title"] != "Fleet" {
			t.Fatalf("bob's list = %+v", found)
		}

		// Writes: changing or clearing it is refused and changes nothing; a replace that leaves it out keeps it.
		refused := []struct {
			name   string
			method string
			body   map[string]any
		}{
			{name: "patch sets it", method: http.MethodPatch, body: map[string]any{"version": 2, "fields": map[string]any{"margin": 0.9}}},
			{name: "patch clears it", method: http.MethodPatch, body: map[string]any{"version": 2, "fields": map[string]any{"margin": nil}}},
			{name: "replace sets it", method: http.MethodPut, body: map[string]any{"version": 2, "fields": map[string]any{"title": "Fleet", "margin": 0.1}}},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) {
				p := e.do(tt.method, "/api/v1/records/deal/"+deal.ID, bob, tt.body).problem(http.StatusForbidden)
				if !strings.Contains(p.Detail, "margin") {
					t.Errorf("detail %q does not name the field", p.Detail)
				}
				if now := e.record(alice, "deal", deal.ID); now.Version != 2 || now.Fields["margin"] != 0.3 {
					t.Errorf("the deal changed: %+v", now)
				}
			})
		}
		var replaced crm.Record
		e.do(http.MethodPut, "/api/v1/records/deal/"+deal.ID, bob, map[string]any{"version": 2, "fields": map[string]any{"title": "Fleet 2"}}).
			want(http.StatusOK, &replaced)
		if _, shown := replaced.Fields["margin"]; shown || replaced.Name != "Fleet 2" {
			t.Fatalf("bob's replace answered %+v", replaced)
		}
		if now := e.record(alice, "deal", deal.ID); now.Fields["margin"] != 0.3 || now.Version != 3 {
			t.Fatalf("after bob's replace: %+v", now)
		}
		// Sending back the value one may not change is no change.
		e.do(http.MethodPut, "/api/v1/records/deal/"+deal.ID, bob, map[string]any{"version": 3, "fields": map[string]any{"title": "Fleet 3", "margin": 0.3}}).
			want(http.StatusOK, nil)

		// The manager may update it on a deal of their own, but not create with it.
		own := e.seedRecord(carol, "deal", map[string]any{"fields": map[string]any{"title": "Carol's"}})
		e.do(http.MethodPatch, "/api/v1/records/deal/"+own.ID, carol, map[string]any{"version": 1, "fields": map[string]any{"margin": 0.5}}).
			want(http.StatusOK, &patched)
		if patched.Fields["margin"] != 0.5 {
			t.Fatalf("carol's patch = %+v", patched)
		}

		// A grant to the role user counts for everyone.
		e.do(http.MethodPut, "/api/v1/admin/field-security", alice, map[string]any{"items": []crm.FieldPermission{
			{Role: "user", RecordType: "deal", Field: "margin", Read: true}}}).want(http.StatusOK, nil)
		if got := e.record(bob, "deal", deal.ID); got.Fields["margin"] != 0.3 {
			t.Fatalf("with a user read grant bob sees %+v", got.Fields)
		}
		e.do(http.MethodPatch, "/api/v1/records/deal/"+deal.ID, bob, map[string]any{"version": 4, "fields": map[string]any{"margin": 0.4}}).
			problem(http.StatusForbidden)
	})
}

func TestAccessLevelsAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		acct := e.seedRecord(alice, "account", map[string]any{"name": "Fabrikam"})
		e.do(http.MethodGet, "/api/v1/records/account/"+acct.ID, bob, nil).problem(http.StatusNotFound)
		e.do(http.MethodGet, "/api/v1/admin/access", bob, nil).problem(http.StatusForbidden)
		e.do(http.MethodPut, "/api/v1/admin/access", bob, map[string]any{"items": []any{}}).problem(http.StatusForbidden)

		var v struct {
			Items    []crm.AccessLevel `json:"items"`
			Defaults []crm.AccessLevel `json:"defaults"`
		}
		e.do(http.MethodGet, "/api/v1/admin/access", alice, nil).want(http.StatusOK, &v)
		if len(v.Items) != 0 || len(v.Defaults) != 12 {
			t.Fatalf("a new tenant's access = %+v", v)
		}
		levels := []crm.AccessLevel{{Role: "user", RecordType: "account", Operation: "read", Level: "all"}}
		e.do(http.MethodPut, "/api/v1/admin/access", alice, map[string]any{"items": levels}).want(http.StatusOK, &v)
		if !slices.Equal(v.Items, levels) {
			t.Fatalf("PUT answered %+v", v.Items)
		}
		e.do(http.MethodGet, "/api/v1/records/account/"+acct.ID, bob, nil).want(http.StatusOK, nil)
		e.do(http.MethodPut, "/api/v1/admin/access", alice, v).want(http.StatusOK, nil) // a GET's answer goes back as is

		tests := []struct {
			name   string
			body   string
			fields []string
		}{
			{name: "unknown level", body: `{"items":[{"role":"user","recordType":"account","operation":"read","level":"most"}]}`, fields: []string{"/items/0/level"}},
			{name: "unknown type", body: `{"items":[{"role":"user","recordType":"invoice","operation":"read","level":"all"}]}`, fields: []string{"/items/0/recordType"}},
			{name: "twice", body: `{"items":[{"role":"user","recordType":"*","operation":"read","level":"all"},{"role":"user","recordType":"*","operation":"read","level":"own"}]}`,
				fields: []string{"/items/1"}},
			{name: "items missing", body: `{"defaults":[]}`, fields: []string{"/items"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := e.do(http.MethodPut, "/api/v1/admin/access", alice, tt.body).problem(http.StatusUnprocessableEntity)
				if !slices.Equal(fieldsOf(p), tt.fields) {
					t.Errorf("fields = %v, want %v", fieldsOf(p), tt.fields)
				}
				var now struct{ Items []crm.AccessLevel }
				e.do(http.MethodGet, "/api/v1/admin/access", alice, nil).want(http.StatusOK, &now)
				if !slices.Equal(now.Items, levels) {
					t.Errorf("levels changed to %+v", now.Items)
				}
			})
		}

		e.do(http.MethodPut, "/api/v1/admin/access", alice, map[string]any{"items": []any{}}).want(http.StatusOK, nil)
		e.do(http.MethodGet, "/api/v1/records/account/"+acct.ID, bob, nil).problem(http.StatusNotFound)
	})
}

// Searching must not match the values of an email field the searcher may not read: a hit would tell who
// has that address.
func TestSearchDoesNotMatchHiddenEmails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		e.do(http.MethodPost, "/api/v1/entity-types", alice, map[string]any{"name": "informant", "fields": []any{
			map[string]any{"name": "title", "kind": "text"}, map[string]any{"name": "privateEmail", "kind": "email", "secured": true}},
			"nameFrom": []string{"title"}}).want(http.StatusCreated, nil)
		e.do(http.MethodPut, "/api/v1/admin/access", alice, map[string]any{"items": []any{
			map[string]any{"role": "user", "recordType": "informant", "operation": "read", "level": "all"}}}).want(http.StatusOK, nil)
		e.do(http.MethodPost, "/api/v1/records/informant", alice, map[string]any{"fields": map[string]any{
			"title": "Deep Throat", "privateEmail": "mark.felt@hidden.test"}}).want(http.StatusCreated, nil)

		search := func(token, q string) int {
			var p struct{ Items []crm.Record }
			e.do(http.MethodGet, "/api/v1/records?type=informant&search="+q, token, nil).want(http.StatusOK, &p)
			return len(p.Items)
		}
		if n := search(alice, "mark.felt"); n != 1 {
			t.Fatalf("an admin's search by the email found %d, want 1", n)
		}
		if n := search(bob, "mark.felt"); n != 0 {
			t.Fatalf("bob's search by a hidden email found %d records, want 0", n)
		}
		if n := search(bob, "deep"); n != 1 {
			t.Fatalf("bob's search by name found %d, want 1", n)
		}
	})
}

// Record types answer, per field, what the caller's field security lets them do with it; the access sent
// back in a PUT is ignored.
func TestEntityTypeFieldAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		secureDeals(e, alice)
		e.do(http.MethodPut, "/api/v1/admin/field-security", alice, map[string]any{"items": []crm.FieldPermission{
			{Role: crm.RoleUser, RecordType: "deal", Field: "margin", Read: true, Create: true}}}).want(http.StatusOK, nil)
		access := func(token string) map[string]crm.FieldAccess {
			var deal crm.EntityType
			e.do(http.MethodGet, "/api/v1/entity-types/deal", token, nil).want(http.StatusOK, &deal)
			var list struct{ Items []crm.EntityType }
			e.do(http.MethodGet, "/api/v1/entity-types", token, nil).want(http.StatusOK, &list)
			out := map[string]crm.FieldAccess{}
			for _, f := range deal.Fields {
				out[f.Name] = *f.Access
			}
			for _, lt := range list.Items {
				for _, f := range lt.Fields {
					if lt.Name == "deal" && *f.Access != out[f.Name] {
						t.Fatalf("the list says %+v for %s, the type %+v", *f.Access, f.Name, out[f.Name])
					}
				}
			}
			return out
		}
		all := crm.FieldAccess{Read: true, Create: true, Update: true}
		if got := access(bob); got["title"] != all || got["margin"] != (crm.FieldAccess{Read: true, Create: true}) {
			t.Fatalf("bob's access = %+v", got)
		}
		if got := access(alice); got["margin"] != all {
			t.Fatalf("an admin's access = %+v", got)
		}
		// An admin's edit sends the type back as read: the access is not part of it.
		var deal crm.EntityType
		e.do(http.MethodGet, "/api/v1/entity-types/deal", bob, nil).want(http.StatusOK, &deal)
		deal.DisplayName = "Deal"
		var updated map[string]any
		e.do(http.MethodPut, "/api/v1/entity-types/deal", alice, deal).want(http.StatusOK, &updated)
		if strings.Contains(fmt.Sprint(updated), "access") {
			t.Fatalf("PUT answered %v", updated)
		}
		if got := access(bob); got["margin"] != (crm.FieldAccess{Read: true, Create: true}) {
			t.Fatalf("bob's access after the PUT = %+v", got)
		}
	})
}
