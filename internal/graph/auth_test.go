package graph

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/crmsync/crmsync/internal/outlook"
)

const testTenant = "11111111-2222-3333-4444-555555555555"

func TestMailboxPicksCredential(t *testing.T) {
	certPath := writeTestCert(t)
	cases := []struct {
		name      string
		opts      Options
		assertion string
		want      string
	}{
		{"app-only with secret", Options{ClientSecret: "s3cret"}, "", "*azidentity.ClientSecretCredential"},
		{"app-only with certificate", Options{ClientCertPath: certPath}, "", "*azidentity.ClientCertificateCredential"},
		{"on-behalf-of with secret", Options{ClientSecret: "s3cret"}, "user-token", "*azidentity.OnBehalfOfCredential"},
		{"on-behalf-of with certificate", Options{ClientCertPath: certPath}, "user-token", "*azidentity.OnBehalfOfCredential"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.ClientID = "app-id"
			c, err := NewClient(tc.opts)
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			u := User{TenantID: testTenant, ObjectID: "user-1", Assertion: tc.assertion}
			if _, err := c.Mailbox(u); err != nil {
				t.Fatalf("Mailbox: %v", err)
			}
			s, err := c.session(u)
			if err != nil {
				t.Fatal(err)
			}
			if got := typeName(s.cred); got != tc.want {
				t.Errorf("credential is %s, want %s", got, tc.want)
			}
			again, _ := c.session(User{TenantID: testTenant, ObjectID: "user-2", Assertion: tc.assertion})
			if again != s {
				t.Error("the credential was not cached")
			}
		})
	}
}

func TestOnBehalfOfCachedPerAssertion(t *testing.T) {
	c, err := NewClient(Options{ClientID: "app-id", ClientSecret: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	a, _ := c.session(User{TenantID: testTenant, ObjectID: "u", Assertion: "one"})
	b, _ := c.session(User{TenantID: testTenant, ObjectID: "u", Assertion: "two"})
	app, _ := c.session(User{TenantID: testTenant, ObjectID: "u"})
	if a == b || a == app {
		t.Fatal("different assertions share a credential")
	}
	now = now.Add(oboSessionTTL)
	if again, _ := c.session(User{TenantID: testTenant, ObjectID: "u", Assertion: "one"}); again == a {
		t.Error("an expired on-behalf-of session was reused")
	}
	if len(c.sessions) != 2 { // the new "one" and app-only; "two" expired
		t.Errorf("%d sessions cached, want 2", len(c.sessions))
	}
}

func TestNewClientRefusesBadConfiguration(t *testing.T) {
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"missing certificate file", Options{ClientID: "a", ClientCertPath: filepath.Join(t.TempDir(), "nope.pem")}, "read client certificate"},
		{"certificate file without a certificate", Options{ClientID: "a", ClientCertPath: garbage}, "parse client certificate"},
		{"no credential", Options{ClientID: "a"}, "ClientSecret, ClientCertPath, a managed or workload identity, or DevToken"},
		{"no client id", Options{ClientSecret: "s"}, "ClientID"},
		{"plain http to a remote host", Options{ClientID: "a", ClientSecret: "s", BaseURL: "http://graph.example.com/v1.0"}, "https"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewClient(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewClient error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestMailboxRefusesIncompleteUser(t *testing.T) {
	c, err := NewClient(Options{ClientID: "a", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Mailbox(User{TenantID: testTenant}); err == nil {
		t.Error("Mailbox accepted a user without object id")
	}
	if _, err := c.Mailbox(User{ObjectID: "u"}); err == nil {
		t.Error("Mailbox accepted a user without tenant")
	}
}

// TestCredentialFailureIsPermission runs the real azidentity flow against a stand-in for Entra that
// refuses consent, as it does for a tenant whose admin never consented (AADSTS65001).
func TestCredentialFailureIsPermission(t *testing.T) {
	for _, assertion := range []string{"", "user-token"} {
		t.Run("assertion="+assertion, func(t *testing.T) {
			entra := &fakeEntra{status: http.StatusBadRequest, body: `{"error":"invalid_grant","error_description":"AADSTS65001: The user or administrator has not consented to use the application.","error_codes":[65001]}`}
			c, err := NewClient(Options{ClientID: "app-id", ClientSecret: "s3cret", HTTPClient: &http.Client{Transport: entra}})
			if err != nil {
				t.Fatal(err)
			}
			mb, err := c.Mailbox(User{TenantID: testTenant, ObjectID: "user-1", Assertion: assertion})
			if err != nil {
				t.Fatal(err)
			}
			_, err = mb.Message(context.Background(), "AAkAid")
			if !errors.Is(err, outlook.ErrPermission) {
				t.Fatalf("Message error = %v, want ErrPermission", err)
			}
			if entra.graphCalls.Load() != 0 {
				t.Error("Graph was called without a token")
			}
		})
	}
}

func TestCredentialOutageIsTransient(t *testing.T) {
	entra := &fakeEntra{status: http.StatusInternalServerError, body: `{"error":"temporarily_unavailable"}`}
	c, err := NewClient(Options{ClientID: "app-id", ClientSecret: "s3cret", HTTPClient: &http.Client{Transport: entra}})
	if err != nil {
		t.Fatal(err)
	}
	mb, err := c.Mailbox(User{TenantID: testTenant, ObjectID: "user-1"})
	if err != nil {
		t.Fatal(err)
	}
	var transient *outlook.TransientError
	if err := mb.Check(context.Background()); !errors.As(err, &transient) {
		t.Fatalf("Check error = %v, want *TransientError", err)
	}
}

// fakeEntra answers Entra's discovery documents and refuses every token request with status and body.
type fakeEntra struct {
	status     int
	body       string
	graphCalls atomic.Int32
}

func (f *fakeEntra) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	respond := func(status int, body string) (*http.Response, error) {
		return &http.Response{
			StatusCode: status,
			Status:     http.StatusText(status),
			Header:     http.Header{"Content-Type": {"application/json"}},
			Body:       io.NopCloser(strings.NewReader(body)),
			Request:    r,
		}, nil
	}
	host := "https://" + r.URL.Host
	switch {
	case r.URL.Host == "graph.microsoft.com":
		f.graphCalls.Add(1)
		return respond(http.StatusOK, `{}`)
	case strings.Contains(r.URL.Path, "discovery/instance"):
		return respond(http.StatusOK, `{"tenant_discovery_endpoint":"`+host+`/`+testTenant+`/v2.0/.well-known/openid-configuration",`+
			`"metadata":[{"preferred_network":"`+r.URL.Host+`","preferred_cache":"`+r.URL.Host+`","aliases":["`+r.URL.Host+`"]}]}`)
	case strings.Contains(r.URL.Path, "openid-configuration"):
		return respond(http.StatusOK, `{"token_endpoint":"`+host+`/`+testTenant+`/oauth2/v2.0/token",`+
			`"authorization_endpoint":"`+host+`/`+testTenant+`/oauth2/v2.0/authorize",`+
			`"issuer":"`+host+`/`+testTenant+`/v2.0"}`)
	default:
		return respond(f.status, f.body)
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *azidentity.ClientSecretCredential:
		return "*azidentity.ClientSecretCredential"
	case *azidentity.ClientCertificateCredential:
		return "*azidentity.ClientCertificateCredential"
	case *azidentity.OnBehalfOfCredential:
		return "*azidentity.OnBehalfOfCredential"
	case nil:
		return "nil"
	default:
		return "another type"
	}
}

// writeTestCert writes a self-signed certificate and its key, in one PEM file as Entra apps use them.
func writeTestCert(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "crmsync test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	data = append(data, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	path := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
