package identity_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crmsync/crmsync/internal/identity"
)

func devIssuer(t testing.TB) *identity.DevIssuer {
	t.Helper()
	d, err := identity.LoadOrCreateDevIssuer(t.TempDir())
	if err != nil {
		t.Fatalf("dev issuer: %v", err)
	}
	return d
}

// issuerServer serves a dev issuer at /dev/oidc and counts what validators
// fetch. The issuer can be swapped to simulate key rotation and the server
// taken down to simulate an outage.
type issuerServer struct {
	authority    string
	metadataHits atomic.Int32
	jwksHits     atomic.Int32
	down         atomic.Bool
	issuer       atomic.Pointer[identity.DevIssuer]
}

func newIssuerServer(t testing.TB, d *identity.DevIssuer) *issuerServer {
	t.Helper()
	s := &issuerServer{}
	s.issuer.Store(d)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/openid-configuration"):
			s.metadataHits.Add(1)
		case strings.HasSuffix(r.URL.Path, "/keys"):
			s.jwksHits.Add(1)
		}
		http.StripPrefix("/dev/oidc", s.issuer.Load().Handler(s.authority)).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.authority = srv.URL + "/dev/oidc"
	return s
}

type fixture struct {
	issuer *identity.DevIssuer
	server *issuerServer
}

// setup returns a validator of the dev issuer's tokens; edit adjusts its options.
func setup(t testing.TB, edit func(*identity.Options)) (*identity.Validator, fixture) {
	t.Helper()
	d := devIssuer(t)
	srv := newIssuerServer(t, d)
	opts := identity.Options{Authority: srv.authority, ClientID: identity.DevClientID}
	if edit != nil {
		edit(&opts)
	}
	v, err := identity.NewValidator(opts)
	if err != nil {
		t.Fatalf("new validator: %v", err)
	}
	t.Cleanup(v.Close)
	return v, fixture{issuer: d, server: srv}
}

func mint(t testing.TB, d *identity.DevIssuer, r identity.TokenRequest) string {
	t.Helper()
	tok, err := d.Mint(r)
	if err != nil {
		t.Fatalf("mint: %v", err)
	}
	return tok
}

// wantCheck fails the test unless err is an *identity.Error for check.
func wantCheck(t testing.TB, err error, check string) {
	t.Helper()
	e, ok := err.(*identity.Error)
	switch {
	case err == nil:
		t.Fatalf("accepted; want check %q", check)
	case !ok:
		t.Fatalf("error %T %v is not *identity.Error", err, err)
	case e.Check != check:
		t.Fatalf("check = %q (%s); want %q", e.Check, e.Detail, check)
	}
}
