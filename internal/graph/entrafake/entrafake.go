// Package entrafake stands in for what Microsoft Entra ID and an Azure host serve across the network
// when crmsync authenticates without a secret: a tenant's token endpoint (with its OpenID metadata), and
// the managed identity endpoint that Container Apps and App Service give a container through
// IDENTITY_ENDPOINT and IDENTITY_HEADER. Tests point the real azidentity at them and read what reached
// them, such as the client assertion of a token request.
package entrafake

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Authority is a stand-in for Entra: it answers the OpenID metadata of any tenant and records every
// token request. By default it issues "token-N" living a minute (an hour for on-behalf-of), so that
// MSAL, which refreshes five minutes before expiry, never serves a client-credentials token from its
// cache and every Graph call shows its assertion here. Point azidentity at URL with instance discovery
// off, through Client.
type Authority struct {
	URL string
	srv *httptest.Server
	mu  sync.Mutex
	got []TokenRequest
	// issue answers a token request; nil issues the default token.
	issue func(r TokenRequest) (status int, body string)
}

// TokenRequest is one POST to a tenant's token endpoint.
type TokenRequest struct {
	Tenant string
	Form   url.Values
}

// StartAuthority serves an Authority over TLS until the test ends.
func StartAuthority(t testing.TB) *Authority {
	t.Helper()
	a := &Authority{}
	a.srv = httptest.NewTLSServer(http.HandlerFunc(a.serve))
	a.URL = a.srv.URL
	t.Cleanup(a.srv.Close)
	return a
}

// Client is an HTTP client that trusts the authority's certificate (and reaches plain HTTP as usual).
func (a *Authority) Client() *http.Client { return a.srv.Client() }

// SetIssue replaces how token requests are answered.
func (a *Authority) SetIssue(issue func(r TokenRequest) (status int, body string)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.issue = issue
}

// Requests returns the token requests so far, in order.
func (a *Authority) Requests() []TokenRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]TokenRequest(nil), a.got...)
}

func (a *Authority) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	tenant, _, _ := strings.Cut(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case strings.HasSuffix(r.URL.Path, "/openid-configuration"):
		base := a.URL + "/" + tenant
		fmt.Fprintf(w, `{"token_endpoint":%q,"authorization_endpoint":%q,"issuer":%q}`,
			base+"/oauth2/v2.0/token", base+"/oauth2/v2.0/authorize", base+"/v2.0")
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token"):
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req := TokenRequest{Tenant: tenant, Form: r.PostForm}
		a.mu.Lock()
		a.got = append(a.got, req)
		n, issue := len(a.got), a.issue
		a.mu.Unlock()
		status, body := Issued(req, fmt.Sprintf("token-%d", n))
		if issue != nil {
			status, body = issue(req)
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	default:
		http.Error(w, `{"error":"not_found"}`, http.StatusNotFound)
	}
}

// Issued is the authority's answer giving token: a minute's life, an hour's for on-behalf-of (MSAL
// refuses an on-behalf-of token about to expire).
func Issued(r TokenRequest, token string) (int, string) {
	life := 60
	if r.Form.Get("requested_token_use") == "on_behalf_of" {
		life = 3600
	}
	return http.StatusOK, fmt.Sprintf(`{"token_type":"Bearer","expires_in":%d,"access_token":%q}`, life, token)
}

// The answers a ManagedIdentity can give.
const (
	MIWorks = "ok"   // a token "mi-token-N" for the asked resource
	MIFails = "500"  // an internal error
	MIGone  = "drop" // the connection closes without an answer, as an endpoint that went away
)

// ManagedIdentity is a stand-in for the managed identity endpoint of Container Apps and App Service,
// which azidentity finds through IDENTITY_ENDPOINT and IDENTITY_HEADER (set for the test's duration).
// Its tokens live a minute, so MSAL's managed identity cache (shared by the whole process) never
// serves one: every assertion is asked for here.
type ManagedIdentity struct {
	URL    string // the endpoint, as in IDENTITY_ENDPOINT
	Header string // the secret header value, as in IDENTITY_HEADER
	srv    *httptest.Server
	mu     sync.Mutex
	mode   string
	got    []url.Values
	bad    []string
}

// StartManagedIdentity serves a ManagedIdentity until the test ends and points the environment at it.
// Tests that use it cannot run in parallel (t.Setenv).
func StartManagedIdentity(t testing.TB) *ManagedIdentity {
	t.Helper()
	m := &ManagedIdentity{Header: "identity-header-" + strings.ReplaceAll(t.Name(), "/", "-"), mode: MIWorks}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	m.URL = m.srv.URL + "/msi/token"
	t.Cleanup(m.srv.Close)
	t.Setenv("IDENTITY_ENDPOINT", m.URL)
	t.Setenv("IDENTITY_HEADER", m.Header)
	return m
}

func (m *ManagedIdentity) serve(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.got = append(m.got, r.URL.Query())
	if r.Header.Get("X-IDENTITY-HEADER") != m.Header {
		m.bad = append(m.bad, r.URL.String())
	}
	n, mode := len(m.got), m.mode
	m.mu.Unlock()
	switch mode {
	case MIFails:
		http.Error(w, `{"error":"internal_error","error_description":"the identity service failed"}`, http.StatusInternalServerError)
	case MIGone:
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	default:
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"mi-token-%d","expires_on":"%d","resource":%q,"token_type":"Bearer","client_id":%q}`,
			n, time.Now().Add(time.Minute).Unix(), r.URL.Query().Get("resource"), r.URL.Query().Get("client_id"))
	}
}

// Set changes how the endpoint answers from now on: MIWorks, MIFails or MIGone.
func (m *ManagedIdentity) Set(mode string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mode = mode
}

// Requests returns the query of every request so far.
func (m *ManagedIdentity) Requests() []url.Values {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]url.Values(nil), m.got...)
}

// BadRequests lists the requests that came without the right X-IDENTITY-HEADER.
func (m *ManagedIdentity) BadRequests() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.bad...)
}
