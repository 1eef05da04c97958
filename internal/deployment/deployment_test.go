package deployment_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/deployment"
	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
)

const (
	tenant   = "8f0c3c5e-6f4c-4c39-9d47-0f5b0c1e2a11"
	objectID = "3b9e6f2a-1c4d-4e8f-9a0b-2c3d4e5f6a7b"
	clientID = "6f1c0d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f"
)

func permissionNames(ps []deployment.Permission) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Type+" "+p.Name)
	}
	return out
}

func TestDescribe(t *testing.T) {
	cfg := deployment.Config{PublicURL: "https://crm.example.com/", ClientID: clientID}
	d := cfg.Describe(crm.SyncModeServer)
	if d.PublicURL != "https://crm.example.com" || d.ApplicationIDURI != "api://crm.example.com/"+clientID ||
		!slices.Equal(d.RedirectURIs, []string{"brk-multihub://crm.example.com", "https://crm.example.com/app/", "https://crm.example.com/taskpane/auth.html"}) ||
		d.ManifestURLs != (deployment.ManifestURLs{XML: "https://crm.example.com/manifest.xml", JSON: "https://crm.example.com/manifest.json"}) {
		t.Fatalf("described = %+v", d)
	}
	// Server mode works app-only; users still sign in.
	signIn := []string{"Delegated openid", "Delegated profile", "Delegated offline_access", "Delegated User.Read"}
	if got := permissionNames(d.GraphPermissions); !slices.Equal(got, append(signIn, "Application Mail.ReadWrite",
		"Application Calendars.ReadWrite", "Application Contacts.ReadWrite", "Application Tasks.ReadWrite.All")) {
		t.Fatalf("server mode = %v", got)
	}
	// Client mode works on behalf of the user.
	if got := permissionNames(deployment.Permissions(crm.SyncModeClient)); !slices.Equal(got, append(signIn,
		"Delegated Mail.ReadWrite", "Delegated Calendars.ReadWrite", "Delegated Contacts.ReadWrite", "Delegated Tasks.ReadWrite")) {
		t.Fatalf("client mode = %v", got)
	}
}

// opener opens mailboxes of a fake Graph through the real SDK, as the service does.
func opener(t *testing.T) (deployment.MailboxOpener, *graphfake.Server) {
	t.Helper()
	fake, url := graphfake.Start(t)
	fake.AddMailbox(objectID, "ada@contoso.test")
	c, err := graph.NewClient(graph.Options{BaseURL: url, DevToken: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, tenantID, objectID, assertion string) error {
		mb, err := c.Mailbox(graph.User{TenantID: tenantID, ObjectID: objectID, Assertion: assertion})
		if err != nil {
			return err
		}
		return mb.Check(ctx)
	}, fake
}

func TestCheck(t *testing.T) {
	health := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			_, _ = w.Write([]byte(`{"status":"ok"}`))
			return
		}
		http.NotFound(w, r)
	})
	healthy := httptest.NewTLSServer(health)
	defer healthy.Close()
	self := httptest.NewServer(health) // local mode's plain HTTP
	defer self.Close()
	other := httptest.NewTLSServer(http.NotFoundHandler())
	defer other.Close()
	gone := httptest.NewTLSServer(http.NotFoundHandler())
	gone.Close()
	open, fake := opener(t)
	admin := deployment.Admin{TenantID: tenant, ObjectID: objectID, SyncMode: crm.SyncModeServer}

	for _, tc := range []struct {
		name      string
		cfg       deployment.Config
		client    *http.Client
		admin     deployment.Admin
		fault     bool
		ok        [2]bool
		mentioned [2]string
	}{
		{"production, all well", deployment.Config{PublicURL: healthy.URL, ClientID: clientID}, healthy.Client(), admin, false,
			[2]bool{true, true}, [2]string{healthy.URL + "/healthz", "app's own credentials"}},
		{"not https", deployment.Config{PublicURL: "http://crm.example.com", ClientID: clientID}, nil, admin, false,
			[2]bool{false, true}, [2]string{"not https", ""}},
		{"another site", deployment.Config{PublicURL: other.URL, ClientID: clientID}, other.Client(), admin, false,
			[2]bool{false, true}, [2]string{"404", ""}},
		{"nothing there", deployment.Config{PublicURL: gone.URL, ClientID: clientID}, gone.Client(), admin, false,
			[2]bool{false, true}, [2]string{"did not answer", ""}},
		{"Graph refuses", deployment.Config{PublicURL: healthy.URL, ClientID: clientID}, healthy.Client(), admin, true,
			[2]bool{true, false}, [2]string{"", "could not be opened"}},
		{"an unknown mailbox", deployment.Config{PublicURL: healthy.URL, ClientID: clientID}, healthy.Client(),
			deployment.Admin{TenantID: tenant, ObjectID: "00000000-0000-0000-0000-000000000001", SyncMode: crm.SyncModeServer}, false,
			[2]bool{true, false}, [2]string{"", "could not be opened"}},
		{"local mode", deployment.Config{PublicURL: "https://localhost:8443", Local: true, SelfURL: self.URL},
			nil, admin, false, [2]bool{true, true}, [2]string{"local mode: " + self.URL + "/healthz answered on loopback", "local mode"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault {
				fake.InjectFault("*", graphfake.Fault{Status: http.StatusForbidden, Times: 0})
				defer fake.ClearFaults()
			}
			got := deployment.New(tc.cfg, tc.client, open).Check(context.Background(), tc.admin)
			if len(got) != 2 {
				t.Fatalf("checks = %+v", got)
			}
			for i, c := range got {
				if c.OK != tc.ok[i] || !strings.Contains(c.Detail, tc.mentioned[i]) || c.Detail == "" {
					t.Errorf("check %d = %+v, want ok %v mentioning %q", i, c, tc.ok[i], tc.mentioned[i])
				}
			}
		})
	}
}
