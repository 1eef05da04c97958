package api_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/api/openapitest"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// A body that is not JSON at all answers 400 invalid-json on every route that takes a body, the routes
// taken from the OpenAPI document so that a new one is covered as soon as it is described; JSON that
// fails validation stays 422. Nothing changes either way.
func TestBodyThatIsNotJSONIs400(t *testing.T) {
	doc, err := openapitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for path, item := range doc.Spec.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil {
				routes = append(routes, method+" "+path)
			}
		}
	}
	slices.Sort(routes)
	if len(routes) < 15 {
		t.Fatalf("only %d routes take a body: %v", len(routes), routes)
	}
	params := strings.NewReplacer("{type}", "account", "{name}", "account", "{id}", "6c1d4bb0-4d3e-4a8e-9a59-8d1b7f0f7c11",
		"{itemId}", "AAMkAGI2", "{userId}", "6c1d4bb0-4d3e-4a8e-9a59-8d1b7f0f7c11")
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s, withTracker())
		alice := e.token("alice@contoso.test", identity.RoleAdmin)
		e.seedRecord(alice, "account", map[string]any{"name": "Fabrikam"})
		before := e.snapshot(alice)
		for _, route := range routes {
			method, path, _ := strings.Cut(route, " ")
			for name, body := range map[string]string{"broken": `{"name": "X",`, "text": `name=X`, "empty": ``, "two values": `{} {}`} {
				t.Run(route+"/"+name, func(t *testing.T) {
					p := e.do(method, openapitest.Prefix+params.Replace(path), alice, body).problem(http.StatusBadRequest)
					if p.Type != "urn:crmsync:problem:invalid-json" || p.Title != "The body is not JSON" {
						t.Fatalf("problem = %+v", p)
					}
				})
			}
		}
		// Valid JSON that is not what the route takes is still a validation problem.
		p := e.do(http.MethodPost, "/api/v1/records/account", alice, `["X"]`).problem(http.StatusUnprocessableEntity)
		if p.Type != "urn:crmsync:problem:validation" {
			t.Fatalf("problem = %+v", p)
		}
		if after := e.snapshot(alice); after != before {
			t.Fatalf("something changed:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// snapshot reads what the body-taking routes could change, as one string to compare.
func (e *env) snapshot(admin string) string {
	e.t.Helper()
	var b strings.Builder
	for _, path := range []string{"/me", "/records/account", "/entity-types", "/activities", "/sync-filters", "/field-mappings",
		"/admin/settings", "/admin/access", "/admin/field-security", "/admin/mailboxes", "/track"} {
		r := e.do(http.MethodGet, openapitest.Prefix+path, admin, nil).want(http.StatusOK, nil)
		b.WriteString(path + " " + r.Body.String() + "\n")
	}
	n, err := e.store.CountTrackRequests(context.Background(), identity.DevTenantID)
	if err != nil {
		e.t.Fatal(err)
	}
	b.WriteString("track requests " + strconv.Itoa(n))
	return b.String()
}
