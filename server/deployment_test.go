package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	addinmanifest "github.com/crmsync/crmsync/addin-manifest"
	"github.com/crmsync/crmsync/internal/identity"
)

// localToken prints a development token for a demo user of the server at base.
func localToken(t *testing.T, dataDir, base, upn string) string {
	t.Helper()
	var out strings.Builder
	env := map[string]string{"CRMSYNC_ADDR": strings.TrimPrefix(base, "http://"), "CRMSYNC_DATA_DIR": dataDir}
	if err := run(context.Background(), []string{"dev-token", "--user", upn}, envOf(env), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out.String())
}

// In local mode the admin console describes the local deployment, and its check reads this process's
// /healthz on loopback and opens the admin's demo mailbox; other users are refused.
func TestLocalDeployment(t *testing.T) {
	dataDir := t.TempDir()
	srv := startServe(t, map[string]string{"CRMSYNC_ADDR": "127.0.0.1:0", "CRMSYNC_DATA_DIR": dataDir, "CRMSYNC_LOG_LEVEL": "warn"})
	alice, bob := localToken(t, dataDir, srv.base, "alice@contoso.test"), localToken(t, dataDir, srv.base, "bob@contoso.test")

	var d struct {
		PublicURL        string
		ClientID         string
		ApplicationIDURI string `json:"applicationIdUri"`
		RedirectURIs     []string
		GraphPermissions []struct{ Name, Type, Why string }
		SyncMode         string
		ManifestURLs     struct{ XML, JSON string }
	}
	if code := call(t, "GET", srv.base+"/api/v1/admin/deployment", alice, nil, &d); code != http.StatusOK {
		t.Fatalf("GET /admin/deployment = %d", code)
	}
	if d.PublicURL != addinmanifest.LocalURL || d.ClientID != identity.DevClientID || d.SyncMode != "client" ||
		d.ApplicationIDURI != "api://localhost:8443/"+identity.DevClientID || d.ManifestURLs.JSON != addinmanifest.LocalURL+"/manifest.json" ||
		!slices.Equal(d.RedirectURIs, []string{"brk-multihub://localhost:8443", addinmanifest.LocalURL + "/app/", addinmanifest.LocalURL + "/taskpane/auth.html"}) {
		t.Fatalf("deployment = %+v", d)
	}
	var perms []string
	for _, p := range d.GraphPermissions {
		perms = append(perms, p.Type+" "+p.Name)
		if p.Why == "" {
			t.Errorf("%s says not why", p.Name)
		}
	}
	if !slices.Equal(perms, []string{"Delegated openid", "Delegated profile", "Delegated offline_access", "Delegated User.Read",
		"Delegated Mail.ReadWrite", "Delegated Calendars.ReadWrite", "Delegated Contacts.ReadWrite", "Delegated Tasks.ReadWrite"}) {
		t.Fatalf("client mode's permissions = %v", perms)
	}

	var checked struct {
		Checks []struct {
			Name   string
			OK     bool
			Detail string
		}
	}
	if code := call(t, "POST", srv.base+"/api/v1/admin/deployment/check", alice, nil, &checked); code != http.StatusOK {
		t.Fatalf("POST /admin/deployment/check = %d", code)
	}
	if len(checked.Checks) != 2 {
		t.Fatalf("checks = %+v", checked.Checks)
	}
	for _, c := range checked.Checks {
		if !c.OK || !strings.HasPrefix(c.Detail, "local mode") {
			t.Errorf("check %+v", c)
		}
	}
	for _, req := range []struct{ method, path string }{{"GET", "/api/v1/admin/deployment"}, {"POST", "/api/v1/admin/deployment/check"}} {
		if code := call(t, req.method, srv.base+req.path, bob, nil, nil); code != http.StatusForbidden {
			t.Errorf("bob's %s %s = %d, want 403", req.method, req.path, code)
		}
	}
}
