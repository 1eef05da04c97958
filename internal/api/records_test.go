package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

func TestRecordCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice := e.token("alice@contoso.test")
		acct := e.seedRecord(alice, "account", map[string]any{"name": "Fabrikam", "fields": map[string]any{"email": "info@fabrikam.test"}})
		r := e.do(http.MethodPost, "/api/v1/records/contact", alice, map[string]any{"fields": map[string]any{
			"firstName": "Dana", "lastName": "Whitfield", "email": "dana@fabrikam.test", "accountId": acct.ID}})
		var contact crm.Record
		r.want(http.StatusCreated, &contact)
		if r.Header().Get("Location") != "/api/v1/records/contact/"+contact.ID || contact.Name != "Dana Whitfield" || contact.Version != 1 {
			t.Fatalf("created %+v at %s", contact, r.Header().Get("Location"))
		}

		var got crm.Record
		e.do(http.MethodGet, "/api/v1/records/contact/"+contact.ID, alice, nil).want(http.StatusOK, &got)
		if got.Fields["accountId"] != acct.ID {
			t.Fatalf("got %+v", got)
		}

		var patched crm.Record
		e.do(http.MethodPatch, "/api/v1/records/contact/"+contact.ID, alice, map[string]any{"version": 1, "fields": map[string]any{"phone": "+1 555 0100"}}).
			want(http.StatusOK, &patched)
		if patched.Version != 2 || patched.Fields["email"] != "dana@fabrikam.test" || patched.Fields["phone"] != "+1 555 0100" {
			t.Fatalf("patched = %+v", patched)
		}

		var replaced crm.Record
		e.do(http.MethodPut, "/api/v1/records/contact/"+contact.ID, alice, map[string]any{"version": 2, "fields": map[string]any{"lastName": "Ross"}}).
			want(http.StatusOK, &replaced)
		if replaced.Version != 3 || replaced.Name != "Ross" || len(replaced.Fields) != 1 {
			t.Fatalf("replaced = %+v", replaced)
		}

		var found struct {
			Items      []crm.Record
			NextCursor string
		}
		e.do(http.MethodGet, "/api/v1/records?search=fabrikam", alice, nil).want(http.StatusOK, &found)
		if len(found.Items) != 1 || found.Items[0].ID != acct.ID {
			t.Fatalf("search = %+v", found)
		}
		e.do(http.MethodGet, "/api/v1/records?search=ross&type=account,contact", alice, nil).want(http.StatusOK, &found)
		if len(found.Items) != 1 || found.Items[0].ID != contact.ID {
			t.Fatalf("search across types = %+v", found)
		}
		e.do(http.MethodGet, "/api/v1/records/account", alice, nil).want(http.StatusOK, &found)
		if len(found.Items) != 1 {
			t.Fatalf("list accounts = %+v", found)
		}

		e.do(http.MethodDelete, "/api/v1/records/contact/"+contact.ID+"?version=2", alice, nil).problem(http.StatusConflict)
		e.do(http.MethodDelete, "/api/v1/records/contact/"+contact.ID, alice, nil, "If-Match", `"3"`).want(http.StatusNoContent, nil)
		e.do(http.MethodGet, "/api/v1/records/contact/"+contact.ID, alice, nil).problem(http.StatusNotFound)
	})
}

// Bad input gets a clear 4xx and changes nothing.
func TestRecordBadInputChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice := e.token("alice@contoso.test")
		acct := e.seedRecord(alice, "account", map[string]any{"name": "Fabrikam"})
		path := "/api/v1/records/account/" + acct.ID

		// A record of another tenant, reached with a valid token of that tenant.
		const other = "7b1f0c2e-9d8a-4c3b-8e7f-6a5b4c3d2e1f"
		eve := e.mint(identity.TokenRequest{UPN: "eve@evil.test", TenantID: other, Roles: []string{identity.RoleAdmin}})

		cases := []struct {
			name, method, path, token string
			body                      any
			headers                   []string
			status                    int
			field                     string // a field error the problem must name
		}{
			{name: "unknown record type", method: "POST", path: "/api/v1/records/spaceship", token: alice, body: map[string]any{"name": "X"}, status: 404},
			{name: "unknown record type read", method: "GET", path: "/api/v1/records/spaceship/" + acct.ID, token: alice, status: 404},
			{name: "invalid json", method: "POST", path: "/api/v1/records/account", token: alice, body: `{"name": "X",`, status: 400},
			{name: "not an object", method: "POST", path: "/api/v1/records/account", token: alice, body: `["X"]`, status: 422},
			{name: "empty body", method: "POST", path: "/api/v1/records/account", token: alice, body: ``, status: 400},
			{name: "unknown member", method: "POST", path: "/api/v1/records/account", token: alice, body: `{"name":"X","colour":"red"}`, status: 422, field: "colour"},
			{name: "name of wrong type", method: "POST", path: "/api/v1/records/account", token: alice, body: `{"name":5}`, status: 422, field: "name"},
			{name: "fields of wrong type", method: "POST", path: "/api/v1/records/account", token: alice, body: `{"name":"X","fields":[1]}`, status: 422, field: "fields"},
			{name: "field value of wrong type", method: "POST", path: "/api/v1/records/opportunity", token: alice, body: map[string]any{"name": "X", "fields": map[string]any{"estimatedValue": "lots"}}, status: 422, field: "fields.estimatedValue"},
			{name: "unknown field", method: "POST", path: "/api/v1/records/account", token: alice, body: map[string]any{"name": "X", "fields": map[string]any{"colour": "red"}}, status: 422, field: "fields.colour"},
			{name: "invalid email", method: "POST", path: "/api/v1/records/account", token: alice, body: map[string]any{"name": "X", "fields": map[string]any{"email": "x"}}, status: 422, field: "fields.email"},
			{name: "not json content type", method: "POST", path: "/api/v1/records/account", token: alice, body: `name=X`, headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415},
			{name: "oversize body", method: "POST", path: "/api/v1/records/account", token: alice, body: `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, status: 413},
			{name: "another tenant's record", method: "GET", path: path, token: eve, status: 404},
			{name: "another tenant's record update", method: "PUT", path: path, token: eve, body: map[string]any{"version": 1, "name": "Pwned"}, status: 404},
			{name: "another tenant's record delete", method: "DELETE", path: path, token: eve, status: 404},
			{name: "malformed id", method: "GET", path: "/api/v1/records/account/not-a-uuid", token: alice, status: 404},
			{name: "stale version", method: "PUT", path: path, token: alice, body: map[string]any{"version": 7, "name": "Stale"}, status: 409},
			{name: "missing version", method: "PUT", path: path, token: alice, body: map[string]any{"name": "No version"}, status: 422, field: "version"},
			{name: "version on create", method: "POST", path: "/api/v1/records/account", token: alice, body: map[string]any{"name": "X", "version": 1}, status: 422, field: "version"},
			{name: "bad limit", method: "GET", path: "/api/v1/records?limit=1000", token: alice, status: 422, field: "limit"},
			{name: "bad cursor", method: "GET", path: "/api/v1/records?cursor=abc", token: alice, status: 422, field: "cursor"},
			{name: "unknown type filter", method: "GET", path: "/api/v1/records?type=spaceship", token: alice, status: 404},
			{name: "bad delete version", method: "DELETE", path: path + "?version=x", token: alice, status: 422, field: "version"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p := e.do(tc.method, tc.path, tc.token, tc.body, tc.headers...).problem(tc.status)
				if tc.field != "" && !hasFieldError(p.Errors, tc.field) {
					t.Fatalf("errors = %+v, want one for %q", p.Errors, tc.field)
				}
				cur, err := s.Record(context.Background(), identity.DevTenantID, "account", acct.ID)
				if err != nil || cur.Version != 1 || cur.Name != "Fabrikam" {
					t.Fatalf("the record changed: %+v, %v", cur, err)
				}
				if n, _ := s.CountRecords(context.Background(), identity.DevTenantID, ""); n != 1 {
					t.Fatalf("records = %d, want 1", n)
				}
			})
		}
	})
}

func hasFieldError(errs []crm.FieldError, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Users reach what they own, managers read everything, admins do everything; a record a caller may not
// read does not exist for them.
func TestRecordAccessBySecurityRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test"), e.token("bob@contoso.test")
		manager := e.token("mia@contoso.test", identity.RoleManager)
		admin := e.token("adam@contoso.test", identity.RoleAdmin)
		rec := e.seedRecord(alice, "account", map[string]any{"name": "Alice's account"})
		path := "/api/v1/records/account/" + rec.ID

		e.do(http.MethodGet, path, bob, nil).problem(http.StatusNotFound)
		e.do(http.MethodPatch, path, bob, map[string]any{"version": 1, "name": "Bob's now"}).problem(http.StatusNotFound)
		var found struct{ Items []crm.Record }
		e.do(http.MethodGet, "/api/v1/records?search=alice", bob, nil).want(http.StatusOK, &found)
		if len(found.Items) != 0 {
			t.Fatalf("bob's search shows alice's record: %+v", found.Items)
		}

		e.do(http.MethodGet, path, manager, nil).want(http.StatusOK, nil)
		e.do(http.MethodGet, "/api/v1/records?search=alice", manager, nil).want(http.StatusOK, &found)
		if len(found.Items) != 1 {
			t.Fatalf("manager's search = %+v", found.Items)
		}
		e.do(http.MethodPatch, path, manager, map[string]any{"version": 1, "name": "Mia's now"}).problem(http.StatusForbidden)
		e.do(http.MethodDelete, path, manager, nil).problem(http.StatusForbidden)

		e.do(http.MethodPatch, path, admin, map[string]any{"version": 1, "name": "Renamed by admin"}).want(http.StatusOK, nil)

		// A stored rule takes a right away: users may no longer create leads.
		if err := s.SetAccessRule(context.Background(), identity.DevTenantID, crm.AccessRule{Role: crm.RoleUser, RecordType: "lead", Operation: crm.OpCreate, Level: crm.LevelNone}); err != nil {
			t.Fatal(err)
		}
		e.do(http.MethodPost, "/api/v1/records/lead", bob, map[string]any{"fields": map[string]any{"lastName": "Blocked"}}).problem(http.StatusForbidden)
		e.do(http.MethodPost, "/api/v1/records/lead", admin, map[string]any{"fields": map[string]any{"lastName": "Allowed"}}).want(http.StatusCreated, nil)
	})
}

func TestEntityTypesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		admin, bob := e.token("alice@contoso.test", identity.RoleAdmin), e.token("bob@contoso.test")
		var list struct{ Items []crm.EntityType }
		e.do(http.MethodGet, "/api/v1/entity-types", bob, nil).want(http.StatusOK, &list)
		if len(list.Items) != 5 {
			t.Fatalf("types = %d", len(list.Items))
		}
		project := map[string]any{"name": "project", "displayName": "Project", "fields": []map[string]any{
			{"name": "code", "kind": "text", "required": true}, {"name": "contactEmail", "kind": "email"}}}
		e.do(http.MethodPost, "/api/v1/entity-types", bob, project).problem(http.StatusForbidden)
		e.do(http.MethodPost, "/api/v1/entity-types", admin, project).want(http.StatusCreated, nil)
		e.do(http.MethodPost, "/api/v1/entity-types", admin, project).problem(http.StatusConflict)
		p := e.do(http.MethodPost, "/api/v1/entity-types", admin, map[string]any{"name": "Bad Name!", "fields": []map[string]any{{"name": "x", "kind": "blob"}}}).
			problem(http.StatusUnprocessableEntity)
		if !hasFieldError(p.Errors, "name") || !hasFieldError(p.Errors, "fields[0].kind") {
			t.Fatalf("errors = %+v", p.Errors)
		}

		// Custom types take records, and their email fields are searchable like built-in ones.
		rec := e.seedRecord(bob, "project", map[string]any{"name": "Apollo", "fields": map[string]any{"code": "AP-1", "contactEmail": "pm@apollo.test"}})
		var found struct{ Items []crm.Record }
		e.do(http.MethodGet, "/api/v1/records?search=pm@apollo", bob, nil).want(http.StatusOK, &found)
		if len(found.Items) != 1 || found.Items[0].ID != rec.ID {
			t.Fatalf("search = %+v", found.Items)
		}

		e.do(http.MethodPut, "/api/v1/entity-types/project", admin, map[string]any{"name": "other"}).problem(http.StatusUnprocessableEntity)
		e.do(http.MethodDelete, "/api/v1/entity-types/project", admin, nil).problem(http.StatusConflict)
		e.do(http.MethodDelete, "/api/v1/entity-types/account", admin, nil).problem(http.StatusConflict)
		e.do(http.MethodDelete, "/api/v1/entity-types/nothing", admin, nil).problem(http.StatusNotFound)
		e.do(http.MethodDelete, "/api/v1/records/project/"+rec.ID, bob, nil).want(http.StatusNoContent, nil)
	})
}

func TestActivitiesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test"), e.token("bob@contoso.test")
		acct := e.seedRecord(alice, "account", map[string]any{"name": "Fabrikam", "fields": map[string]any{"email": "info@fabrikam.test"}})
		var me struct{ UserID string }
		e.do(http.MethodGet, "/api/v1/me", alice, nil).want(http.StatusOK, &me)
		var bobMe struct{ UserID string }
		e.do(http.MethodGet, "/api/v1/me", bob, nil).want(http.StatusOK, &bobMe)
		for i := range 3 {
			_, err := s.CreateActivity(ctx, identity.DevTenantID, crm.Activity{Type: crm.ActivityEmail, Subject: fmt.Sprintf("Renewal %d", i),
				OwnerID: me.UserID, Regarding: &crm.Regarding{Type: "account", ID: acct.ID}, InternetMessageID: fmt.Sprintf("<%d@fabrikam.test>", i),
				Parties: []crm.Party{{Role: crm.PartyFrom, Address: "Info@Fabrikam.test", Record: &crm.RecordRef{Type: "account", ID: acct.ID}}}})
			if err != nil {
				t.Fatal(err)
			}
		}
		bobs, err := s.CreateActivity(ctx, identity.DevTenantID, crm.Activity{Type: crm.ActivityTask, Subject: "Bob's task", OwnerID: bobMe.UserID})
		if err != nil {
			t.Fatal(err)
		}

		var page struct {
			Items      []crm.Activity
			NextCursor string
		}
		e.do(http.MethodGet, "/api/v1/activities?regarding=account:"+acct.ID+"&limit=2", alice, nil).want(http.StatusOK, &page)
		if len(page.Items) != 2 || page.NextCursor == "" || page.Items[0].Subject != "Renewal 2" || page.Items[0].Regarding.Name != "Fabrikam" {
			t.Fatalf("first page = %+v", page)
		}
		if p := page.Items[0].Parties; len(p) != 1 || p[0].Address != "info@fabrikam.test" || p[0].Record.ID != acct.ID {
			t.Fatalf("parties = %+v", p)
		}
		e.do(http.MethodGet, "/api/v1/activities?regarding=account:"+acct.ID+"&limit=2&cursor="+page.NextCursor, alice, nil).want(http.StatusOK, &page)
		if len(page.Items) != 1 || page.NextCursor != "" || page.Items[0].Subject != "Renewal 0" {
			t.Fatalf("second page = %+v", page)
		}

		var one crm.Activity
		e.do(http.MethodGet, "/api/v1/activities/"+page.Items[0].ID, alice, nil).want(http.StatusOK, &one)
		if one.InternetMessageID != "<0@fabrikam.test>" {
			t.Fatalf("activity = %+v", one)
		}
		e.do(http.MethodGet, "/api/v1/activities/"+page.Items[0].ID, bob, nil).problem(http.StatusNotFound)
		e.do(http.MethodGet, "/api/v1/activities/"+bobs.ID, alice, nil).problem(http.StatusNotFound)
		e.do(http.MethodGet, "/api/v1/activities?regarding=account:"+acct.ID, bob, nil).problem(http.StatusNotFound)
		e.do(http.MethodGet, "/api/v1/activities?regarding=garbage", alice, nil).problem(http.StatusUnprocessableEntity)
		e.do(http.MethodGet, "/api/v1/activities", bob, nil).want(http.StatusOK, &page)
		if len(page.Items) != 1 || page.Items[0].ID != bobs.ID {
			t.Fatalf("bob sees %+v", page.Items)
		}
	})
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	e := setup(t, storetest.SQLite(t))
	e.do(http.MethodGet, "/healthz", "", nil).want(http.StatusOK, nil)
	var ready struct{ Status, Database string }
	e.do(http.MethodGet, "/readyz", "", nil).want(http.StatusOK, &ready)
	if ready.Database != "sqlite" {
		t.Fatalf("ready = %+v", ready)
	}
	r := e.do(http.MethodGet, "/api/v1/me", e.token("alice@contoso.test"), nil, "X-Request-Id", "trace-42")
	if r.Header().Get("X-Request-Id") != "trace-42" {
		t.Fatalf("request id = %q", r.Header().Get("X-Request-Id"))
	}
	e.do(http.MethodGet, "/api/v1/me", "", nil).problem(http.StatusUnauthorized)
	e.do(http.MethodGet, "/nowhere", "", nil).problem(http.StatusNotFound)
	body := e.do(http.MethodGet, "/metrics", "", nil).want(http.StatusOK, nil).Body.String()
	for _, want := range []string{
		`crmsync_http_requests_total{method="GET",route="/api/v1/me",status="200"} 1`,
		`crmsync_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1`,
		`crmsync_http_request_duration_seconds_bucket{method="GET",route="/api/v1/me",status="200"`,
		`crmsync_token_rejections_total{check="missing"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
