package api_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/deployment"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// The deployment is described for the tenant's mode and checked, for admins only; nothing changes.
// (The Graph half of the check is tested against graphfake in internal/deployment, and end to end in
// server's TestLocalDeployment.)
func TestDeploymentForAdmins(t *testing.T) {
	public := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	defer public.Close()
	d := deployment.New(deployment.Config{PublicURL: public.URL, ClientID: "6f1c0d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f"}, public.Client(), nil)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s, withDeployment(d), withTracker())
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		e.userID(bob) // signed in once, so that the snapshot has his mailbox
		before := e.snapshot(alice)

		var got deployment.Description
		e.do(http.MethodGet, "/api/v1/admin/deployment", alice, nil).want(http.StatusOK, &got)
		if got.SyncMode != "client" || got.PublicURL != public.URL || !strings.HasPrefix(got.ApplicationIDURI, "api://127.0.0.1:") ||
			got.GraphPermissions[len(got.GraphPermissions)-1].Name != "Tasks.ReadWrite" {
			t.Fatalf("client mode = %+v", got)
		}
		e.do(http.MethodPatch, "/api/v1/admin/settings", alice, map[string]any{"syncMode": "server"}).want(http.StatusOK, nil)
		e.do(http.MethodGet, "/api/v1/admin/deployment", alice, nil).want(http.StatusOK, &got)
		if got.SyncMode != "server" || !slices.ContainsFunc(got.GraphPermissions, func(p deployment.Permission) bool { return p.Name == "Tasks.ReadWrite.All" }) {
			t.Fatalf("server mode = %+v", got)
		}
		e.do(http.MethodPatch, "/api/v1/admin/settings", alice, map[string]any{"syncMode": "client"}).want(http.StatusOK, nil)

		var checked struct{ Checks []deployment.Check }
		e.do(http.MethodPost, "/api/v1/admin/deployment/check", alice, nil).want(http.StatusOK, &checked)
		if len(checked.Checks) != 2 || !checked.Checks[0].OK || checked.Checks[1].OK || checked.Checks[1].Detail == "" {
			t.Fatalf("checks = %+v", checked.Checks)
		}

		// Not for users; and a check changes nothing.
		e.do(http.MethodGet, "/api/v1/admin/deployment", bob, nil).problem(http.StatusForbidden)
		e.do(http.MethodPost, "/api/v1/admin/deployment/check", bob, nil).problem(http.StatusForbidden)
		e.do(http.MethodGet, "/api/v1/admin/deployment", "", nil).problem(http.StatusUnauthorized)
		if after := e.snapshot(alice); after != before {
			t.Fatalf("something changed:\nbefore %s\nafter  %s", before, after)
		}
	})
}
