package identity_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/crmsync/crmsync/internal/identity"
	"github.com/golang-jwt/jwt/v5"
)

func TestDevIssuerKeyPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	first, err := identity.LoadOrCreateDevIssuer(dir)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	second, err := identity.LoadOrCreateDevIssuer(dir)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !first.PublicKey().Equal(second.PublicKey()) {
		t.Fatal("key changed between loads")
	}
	if first.PublicKey().N.BitLen() != 2048 {
		t.Fatalf("key has %d bits", first.PublicKey().N.BitLen())
	}
	tests := []struct {
		name string
		path string
		want os.FileMode
	}{
		{name: "key file", path: filepath.Join(dir, "dev-issuer-key.pem"), want: 0o600},
		{name: "data dir", path: dir, want: 0o700},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := os.Stat(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != tt.want {
				t.Fatalf("mode = %o; want %o", got, tt.want)
			}
		})
	}
	// A token from the first instance verifies under the second's key.
	tok, err := first.Sign(jwt.MapClaims{"sub": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return second.PublicKey(), nil }); err != nil {
		t.Fatalf("verify with reloaded key: %v", err)
	}
}

func TestDevIssuerRejectsUnreadableKey(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dev-issuer-key.pem"), []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := identity.LoadOrCreateDevIssuer(dir); err == nil {
		t.Fatal("loaded a corrupt key file")
	}
}

func TestDevIssuerHandlerServesMetadata(t *testing.T) {
	d := devIssuer(t)
	const base = "http://127.0.0.1:8080/dev/oidc"
	h := d.Handler(base)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantIssuer string
	}{
		{name: "root", path: "/.well-known/openid-configuration", wantStatus: 200, wantIssuer: base + "/{tenantid}/v2.0"},
		{name: "common", path: "/common/v2.0/.well-known/openid-configuration", wantStatus: 200, wantIssuer: base + "/{tenantid}/v2.0"},
		{name: "tenant", path: "/" + identity.DevTenantID + "/v2.0/.well-known/openid-configuration", wantStatus: 200, wantIssuer: base + "/" + identity.DevTenantID + "/v2.0"},
		{name: "tenant not a guid", path: "/contoso/v2.0/.well-known/openid-configuration", wantStatus: 404},
		{name: "unknown path", path: "/oauth2/v2.0/token", wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d; want %d", rec.Code, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				return
			}
			var meta struct {
				Issuer  string `json:"issuer"`
				JWKSURI string `json:"jwks_uri"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &meta); err != nil {
				t.Fatal(err)
			}
			if meta.Issuer != tt.wantIssuer || meta.JWKSURI != base+"/discovery/v2.0/keys" {
				t.Fatalf("issuer %q jwks_uri %q", meta.Issuer, meta.JWKSURI)
			}
		})
	}
	t.Run("keys", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/discovery/v2.0/keys", nil))
		var set struct {
			Keys []struct{ Kty, Use, Kid, N, E string }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
			t.Fatal(err)
		}
		tok, err := d.Sign(jwt.MapClaims{})
		if err != nil {
			t.Fatal(err)
		}
		parsed, _, _ := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
		if len(set.Keys) != 1 || set.Keys[0].Kty != "RSA" || set.Keys[0].E != "AQAB" || set.Keys[0].Kid != parsed.Header["kid"] {
			t.Fatalf("keys = %+v; token kid %v", set.Keys, parsed.Header["kid"])
		}
	})
}

func TestMintShapesEntraTokens(t *testing.T) {
	d := devIssuer(t)
	const auth = "http://127.0.0.1:8080/dev/oidc"
	tests := []struct {
		name string
		req  identity.TokenRequest
		want map[string]any
	}{
		{
			name: "v2",
			req:  identity.TokenRequest{Authority: auth, UPN: "alice@contoso.test"},
			want: map[string]any{
				"ver": "2.0", "aud": identity.DevClientID, "iss": auth + "/" + identity.DevTenantID + "/v2.0",
				"azp": identity.DevClientID, "azpacr": "0", "preferred_username": "alice@contoso.test",
				"name": "Alice", "scp": "access_as_user", "tid": identity.DevTenantID,
				"oid": identity.DevObjectID(identity.DevTenantID, "alice@contoso.test"),
			},
		},
		{
			name: "v1",
			req:  identity.TokenRequest{Authority: auth, UPN: "alice@contoso.test", Version: "1.0"},
			want: map[string]any{
				"ver": "1.0", "aud": "api://" + identity.DevClientID, "iss": "https://sts.windows.net/" + identity.DevTenantID + "/",
				"appid": identity.DevClientID, "upn": "alice@contoso.test",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := mint(t, d, tt.req)
			parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return d.PublicKey(), nil })
			if err != nil {
				t.Fatal(err)
			}
			claims := parsed.Claims.(jwt.MapClaims)
			for k, want := range tt.want {
				if claims[k] != want {
					t.Errorf("%s = %v; want %v", k, claims[k], want)
				}
			}
			for _, k := range []string{"sub", "uti", "iat", "nbf", "exp"} {
				if claims[k] == nil {
					t.Errorf("claim %s missing", k)
				}
			}
			if _, ok := claims["roles"]; ok {
				t.Error("roles present though none requested")
			}
			if parsed.Header["typ"] != "JWT" || parsed.Header["kid"] == nil {
				t.Errorf("header = %v", parsed.Header)
			}
		})
	}
}

func TestMintRejectsBadRequests(t *testing.T) {
	d := devIssuer(t)
	tests := []struct {
		name string
		req  identity.TokenRequest
	}{
		{name: "no upn", req: identity.TokenRequest{}},
		{name: "upn without domain", req: identity.TokenRequest{UPN: "alice"}},
		{name: "tenant not a guid", req: identity.TokenRequest{UPN: "a@b.test", TenantID: "contoso"}},
		{name: "unknown version", req: identity.TokenRequest{UPN: "a@b.test", Version: "3.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := d.Mint(tt.req); err == nil {
				t.Fatal("minted")
			}
		})
	}
}

func TestDevObjectIDIsStable(t *testing.T) {
	a := identity.DevObjectID(identity.DevTenantID, "Alice@Contoso.test")
	b := identity.DevObjectID(identity.DevTenantID, "alice@contoso.test")
	c := identity.DevObjectID("11111111-1111-1111-1111-111111111111", "alice@contoso.test")
	if a != b || a == c || len(a) != 36 || a[14] != '5' {
		t.Fatalf("object ids %s %s %s", a, b, c)
	}
}
