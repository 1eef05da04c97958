package graph_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/entrafake"
	"github.com/crmsync/crmsync/internal/outlook"
)

const (
	appID      = "6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e" // the app registration
	homeTenant = "0a1b2c3d-0000-4000-8000-00000000c0de" // where the identities live
	jwtBearer  = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// secretless is the Graph client of a deployment without a secret, pointed at the stand-ins.
func secretless(t *testing.T, a *entrafake.Authority, g *recordingGraph, opts graph.Options) *graph.Client {
	t.Helper()
	opts.BaseURL, opts.Authority, opts.ClientID = g.url, a.URL, appID
	opts.HTTPClient, opts.DisableInstanceDiscovery = a.Client(), true
	opts.IdentityRetryMin, opts.IdentityRetryMax = time.Millisecond, 10*time.Millisecond
	opts.Logger = slog.New(slog.DiscardHandler)
	c, err := graph.NewClient(opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	g.AddMailbox(userID, upn)
	return c
}

func check(t *testing.T, c *graph.Client, assertion string) error {
	t.Helper()
	mb, err := c.Mailbox(graph.User{TenantID: tenant, ObjectID: userID, Assertion: assertion})
	if err != nil {
		t.Fatal(err)
	}
	return mb.Check(context.Background())
}

// appRequest finds the token request made as the app registration in the user's tenant.
func appRequest(t *testing.T, a *entrafake.Authority) entrafake.TokenRequest {
	t.Helper()
	for _, r := range a.Requests() {
		if r.Tenant == tenant && r.Form.Get("client_id") == appID {
			return r
		}
	}
	t.Fatalf("no token request as the app in tenant %s among %+v", tenant, a.Requests())
	return entrafake.TokenRequest{}
}

func wantAppAssertion(t *testing.T, r entrafake.TokenRequest, assertion, userAssertion string) {
	t.Helper()
	f := r.Form
	if f.Get("client_assertion") != assertion || f.Get("client_assertion_type") != jwtBearer {
		t.Errorf("client assertion = %q (%s), want %q", f.Get("client_assertion"), f.Get("client_assertion_type"), assertion)
	}
	if f.Has("client_secret") {
		t.Error("a client secret was sent")
	}
	if !strings.Contains(f.Get("scope"), "https://graph.microsoft.com/.default") {
		t.Errorf("scope = %q, want Graph's", f.Get("scope"))
	}
	if userAssertion == "" {
		if f.Get("grant_type") != "client_credentials" {
			t.Errorf("grant_type = %q, want client_credentials (app-only)", f.Get("grant_type"))
		}
		return
	}
	if f.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || f.Get("requested_token_use") != "on_behalf_of" || f.Get("assertion") != userAssertion {
		t.Errorf("on-behalf-of request = %v", f)
	}
}

func TestManagedIdentityIsTheClientAssertion(t *testing.T) {
	for _, tc := range []struct{ name, userAssertion string }{{"app-only", ""}, {"on behalf of a user", "user-token"}} {
		t.Run(tc.name, func(t *testing.T) {
			a, g, mi := entrafake.StartAuthority(t), startRecordingGraph(t), entrafake.StartManagedIdentity(t)
			miID := uuid.NewString()
			c := secretless(t, a, g, graph.Options{Credential: graph.CredentialManagedIdentity, ManagedIdentityClientID: miID})
			if err := check(t, c, tc.userAssertion); err != nil {
				t.Fatalf("Check: %v", err)
			}
			asked := mi.Requests()
			if len(asked) != 1 {
				t.Fatalf("the managed identity was asked %d times, want 1", len(asked))
			}
			if q := asked[0]; q.Get("resource") != "api://AzureADTokenExchange" || q.Get("client_id") != miID || q.Get("api-version") != "2019-08-01" {
				t.Errorf("managed identity request = %v, want the token exchange audience for identity %s", q, miID)
			}
			if len(mi.BadRequests()) > 0 {
				t.Errorf("requests without IDENTITY_HEADER: %v", mi.BadRequests())
			}
			wantAppAssertion(t, appRequest(t, a), "mi-token-1", tc.userAssertion)
			if got := g.bearers(); len(got) == 0 || got[0] != "token-1" {
				t.Errorf("Graph received %q, want the token Entra issued to the app", got)
			}
		})
	}
}

// workloadToken writes a service account token file as Kubernetes projects it.
func workloadToken(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "azure-identity-token")
	if err := os.WriteFile(path, []byte(content+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWorkloadIdentityExchangesTheServiceAccountToken(t *testing.T) {
	for _, tc := range []struct{ name, userAssertion string }{{"app-only", ""}, {"on behalf of a user", "user-token"}} {
		t.Run(tc.name, func(t *testing.T) {
			a, g := entrafake.StartAuthority(t), startRecordingGraph(t)
			identityID := uuid.NewString()
			a.SetIssue(func(r entrafake.TokenRequest) (int, string) {
				if r.Form.Get("client_id") == identityID {
					return entrafake.Issued(r, "exchange-for-"+r.Form.Get("client_assertion"))
				}
				return entrafake.Issued(r, "graph-token")
			})
			c := secretless(t, a, g, graph.Options{Credential: graph.CredentialWorkloadIdentity,
				FederatedTokenFile: workloadToken(t, "sa-token-1"), WorkloadClientID: identityID, WorkloadTenantID: homeTenant})
			if err := check(t, c, tc.userAssertion); err != nil {
				t.Fatalf("Check: %v", err)
			}
			reqs := a.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d token requests, want 2 (exchange, then the app's): %+v", len(reqs), reqs)
			}
			exchange := reqs[0]
			if exchange.Tenant != homeTenant || exchange.Form.Get("client_id") != identityID || exchange.Form.Get("client_assertion") != "sa-token-1" ||
				!strings.HasPrefix(exchange.Form.Get("scope"), "api://AzureADTokenExchange/.default") || exchange.Form.Get("grant_type") != "client_credentials" {
				t.Errorf("exchange request = %+v, want the service account token for the identity's token exchange audience", exchange)
			}
			wantAppAssertion(t, appRequest(t, a), "exchange-for-sa-token-1", tc.userAssertion)
			if got := g.bearers(); len(got) == 0 || got[0] != "graph-token" {
				t.Errorf("Graph received %q", got)
			}
		})
	}
}

func TestWorkloadIdentityFederatedWithTheAppItself(t *testing.T) {
	a, g := entrafake.StartAuthority(t), startRecordingGraph(t)
	c := secretless(t, a, g, graph.Options{Credential: graph.CredentialWorkloadIdentity,
		FederatedTokenFile: workloadToken(t, "sa-token-1"), WorkloadClientID: appID, WorkloadTenantID: homeTenant})
	if err := check(t, c, ""); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if reqs := a.Requests(); len(reqs) != 1 {
		t.Fatalf("%d token requests, want only the app's: %+v", len(reqs), reqs)
	}
	wantAppAssertion(t, appRequest(t, a), "sa-token-1", "")
}

func TestWorkloadIdentityTokenFileRotates(t *testing.T) {
	a, g := entrafake.StartAuthority(t), startRecordingGraph(t)
	file := workloadToken(t, "sa-token-1")
	c := secretless(t, a, g, graph.Options{Credential: graph.CredentialWorkloadIdentity,
		FederatedTokenFile: file, WorkloadClientID: appID, WorkloadTenantID: homeTenant})
	if err := check(t, c, ""); err != nil {
		t.Fatal(err)
	}
	// Kubernetes swaps the projected token before it expires; the next token request sends the new one.
	if err := os.WriteFile(file, []byte("sa-token-2"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := check(t, c, ""); err != nil {
		t.Fatal(err)
	}
	var sent []string
	for _, r := range a.Requests() {
		sent = append(sent, r.Form.Get("client_assertion"))
	}
	if len(sent) != 2 || sent[0] != "sa-token-1" || sent[1] != "sa-token-2" {
		t.Fatalf("assertions sent = %q, want the first token, then the rotated one", sent)
	}
}

// wantIdentityOutage checks what a Graph call does while the identity fails: an error that makes the job
// wait and come back without spending an attempt (as throttling does), never a permission error (which
// would fail the click or disable the mailbox), and no call to Graph without a token.
func wantIdentityOutage(t *testing.T, err error, g *recordingGraph, graphCalls int) {
	t.Helper()
	var wait *outlook.ThrottledError
	if !errors.As(err, &wait) || wait.RetryAfter < time.Second || errors.Is(err, outlook.ErrPermission) {
		t.Fatalf("error = %v, want one that makes the job wait", err)
	}
	if n := len(g.bearers()); n != graphCalls {
		t.Fatalf("Graph was called %d times, want %d: no call without a token", n, graphCalls)
	}
}

func wantState(t *testing.T, c *graph.Client, state, says string) graph.IdentityStatus {
	t.Helper()
	var st graph.IdentityStatus
	eventually(t, "identity "+state, func() bool {
		st, _ = c.IdentityStatus()
		return st.State == state
	})
	if !strings.Contains(st.Error, says) {
		t.Fatalf("identity error = %q, want it to say %q", st.Error, says)
	}
	return st
}

func TestWorkloadIdentityTokenFileMissing(t *testing.T) {
	a, g := entrafake.StartAuthority(t), startRecordingGraph(t)
	file := filepath.Join(t.TempDir(), "azure-identity-token")
	c := secretless(t, a, g, graph.Options{Credential: graph.CredentialWorkloadIdentity,
		FederatedTokenFile: file, WorkloadClientID: uuid.NewString(), WorkloadTenantID: homeTenant})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.WatchIdentity(ctx)

	wantIdentityOutage(t, check(t, c, ""), g, 0)
	st := wantState(t, c, graph.IdentityFailing, "workload identity gave no token")
	if !strings.Contains(st.Error, "AZURE_FEDERATED_TOKEN_FILE") || st.Kind != graph.CredentialWorkloadIdentity {
		t.Fatalf("status = %+v, want it to name AZURE_FEDERATED_TOKEN_FILE", st)
	}
	if err := os.WriteFile(file, []byte("sa-token-1"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantState(t, c, graph.IdentityOK, "")
	if err := check(t, c, ""); err != nil {
		t.Fatalf("after the token file appeared: %v", err)
	}
}

func TestManagedIdentityOutage(t *testing.T) {
	cases := []struct {
		name string
		// fail breaks the endpoint; works before it (when set) proves it worked first.
		fail       func(t *testing.T, mi *entrafake.ManagedIdentity) (restore func())
		worksFirst bool
		says       string
	}{
		{name: "endpoint down at start", says: "managed identity gave no token", fail: func(t *testing.T, mi *entrafake.ManagedIdentity) func() {
			// Nothing listens there: connection refused.
			dead := httptestClosedURL(t)
			t.Setenv("IDENTITY_ENDPOINT", dead)
			return func() { t.Setenv("IDENTITY_ENDPOINT", mi.URL) }
		}},
		{name: "answering 500 at start", says: "500", fail: func(t *testing.T, mi *entrafake.ManagedIdentity) func() {
			mi.Set(entrafake.MIFails)
			return func() { mi.Set(entrafake.MIWorks) }
		}},
		{name: "answering 500 later", worksFirst: true, says: "500", fail: func(t *testing.T, mi *entrafake.ManagedIdentity) func() {
			mi.Set(entrafake.MIFails)
			return func() { mi.Set(entrafake.MIWorks) }
		}},
		{name: "going away later", worksFirst: true, says: "managed identity gave no token", fail: func(t *testing.T, mi *entrafake.ManagedIdentity) func() {
			mi.Set(entrafake.MIGone)
			return func() { mi.Set(entrafake.MIWorks) }
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, g, mi := entrafake.StartAuthority(t), startRecordingGraph(t), entrafake.StartManagedIdentity(t)
			c := secretless(t, a, g, graph.Options{Credential: graph.CredentialManagedIdentity, ManagedIdentityClientID: uuid.NewString()})
			if st, ok := c.IdentityStatus(); !ok || st.State != graph.IdentityStarting || st.Kind != graph.CredentialManagedIdentity {
				t.Fatalf("status before the first token = %+v, %v", st, ok)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			graphCalls := 0
			if tc.worksFirst {
				go c.WatchIdentity(ctx)
				wantState(t, c, graph.IdentityOK, "")
				if err := check(t, c, ""); err != nil {
					t.Fatal(err)
				}
				graphCalls = len(g.bearers())
			}
			restore := tc.fail(t, mi)
			if !tc.worksFirst {
				go c.WatchIdentity(ctx) // the probe at start meets the broken endpoint
			}
			wantIdentityOutage(t, check(t, c, ""), g, graphCalls)
			st := wantState(t, c, graph.IdentityFailing, tc.says)
			// The watcher keeps asking, with backoff, while the identity fails.
			asked := len(mi.Requests())
			if tc.name != "endpoint down at start" {
				eventually(t, "the watcher asks again", func() bool { return len(mi.Requests()) >= asked+2 })
			}
			restore()
			back := wantState(t, c, graph.IdentityOK, "")
			if !back.Since.After(st.Since) && !back.Since.Equal(st.Since) {
				t.Errorf("since went back: %v then %v", st.Since, back.Since)
			}
			if err := check(t, c, ""); err != nil {
				t.Fatalf("after the identity recovered: %v", err)
			}
			last := a.Requests()[len(a.Requests())-1]
			if !strings.HasPrefix(last.Form.Get("client_assertion"), "mi-token-") {
				t.Fatalf("after recovery the app's assertion is %q, want the managed identity's token", last.Form.Get("client_assertion"))
			}
		})
	}
}

// httptestClosedURL is the URL of a port where nothing listens any more.
func httptestClosedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/msi/token"
}

func TestIdentityRefusesIncompleteOptions(t *testing.T) {
	cases := []struct {
		name string
		opts graph.Options
		want string
	}{
		{"managed identity without its client id", graph.Options{Credential: graph.CredentialManagedIdentity}, "ManagedIdentityClientID"},
		{"workload identity without its file", graph.Options{Credential: graph.CredentialWorkloadIdentity, WorkloadClientID: "x", WorkloadTenantID: "y"}, "FederatedTokenFile"},
		{"managed identity with a secret", graph.Options{Credential: graph.CredentialManagedIdentity, ManagedIdentityClientID: "x", ClientSecret: "s"}, "needs no ClientSecret"},
		{"an unknown credential", graph.Options{Credential: "password"}, `unknown credential "password"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.ClientID = appID
			if _, err := graph.NewClient(tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewClient error = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestDatabaseToken(t *testing.T) {
	t.Run("managed identity", func(t *testing.T) {
		mi := entrafake.StartManagedIdentity(t)
		miID := uuid.NewString()
		token, err := graph.DatabaseToken(graph.Options{ClientID: appID, Credential: graph.CredentialManagedIdentity, ManagedIdentityClientID: miID})
		if err != nil {
			t.Fatal(err)
		}
		got, err := token(context.Background())
		if err != nil || got != "mi-token-1" {
			t.Fatalf("token = %q, %v", got, err)
		}
		if q := mi.Requests()[0]; q.Get("resource") != "https://ossrdbms-aad.database.windows.net" || q.Get("client_id") != miID {
			t.Fatalf("managed identity request = %v, want Azure Database for PostgreSQL's resource", q)
		}
		mi.Set(entrafake.MIFails)
		if _, err := token(context.Background()); err == nil || !strings.Contains(err.Error(), "get a database token from the managed identity") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("workload identity", func(t *testing.T) {
		a := entrafake.StartAuthority(t)
		identityID := uuid.NewString()
		token, err := graph.DatabaseToken(graph.Options{ClientID: appID, Credential: graph.CredentialWorkloadIdentity, Authority: a.URL,
			HTTPClient: a.Client(), DisableInstanceDiscovery: true,
			FederatedTokenFile: workloadToken(t, "sa-token-1"), WorkloadClientID: identityID, WorkloadTenantID: homeTenant})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := token(context.Background()); err != nil || got != "token-1" {
			t.Fatalf("token = %q, %v", got, err)
		}
		r := a.Requests()[0]
		if r.Tenant != homeTenant || r.Form.Get("client_id") != identityID || r.Form.Get("client_assertion") != "sa-token-1" ||
			!strings.HasPrefix(r.Form.Get("scope"), "https://ossrdbms-aad.database.windows.net/.default") {
			t.Fatalf("token request = %+v", r)
		}
	})
	t.Run("a secret has no identity", func(t *testing.T) {
		if _, err := graph.DatabaseToken(graph.Options{ClientID: appID, ClientSecret: "s"}); err == nil {
			t.Fatal("a database token from a secret")
		}
	})
}
