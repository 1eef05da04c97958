// Package identitytest crafts tokens and wiring for tests of code that
// authenticates callers with package identity.
package identitytest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/identity"
	"github.com/golang-jwt/jwt/v5"
)

// OtherTenantID is a well-formed tenant that is not the demo tenant.
const OtherTenantID = "11111111-1111-1111-1111-111111111111"

// Case is a crafted bad token and the check it must fail.
type Case struct {
	Name, Token, Check string
	// NeedsAllowList marks a token that is valid unless the validator is
	// configured with Tenants = []string{identity.DevTenantID}.
	NeedsAllowList bool
}

// GoodToken mints a valid v2 token for alice in the demo tenant.
func GoodToken(t testing.TB, d *identity.DevIssuer, authority, clientID string) string {
	t.Helper()
	return mint(t, d, identity.TokenRequest{Authority: authority, ClientID: clientID, UPN: "alice@contoso.test"})
}

// BadTokens crafts one token per attack, from a dev issuer and the options of
// the validator that will check them. A token whose issuer names another
// tenant than its tid fails "tenant".
func BadTokens(t testing.TB, d *identity.DevIssuer, authority, clientID string) []Case {
	t.Helper()
	now := time.Now()
	good := GoodToken(t, d, authority, clientID)
	header, payload, sig := split(t, good)
	goodClaims := claimsOf(t, good)
	kid := kidOf(t, good)
	with := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{}
		for k, v := range goodClaims {
			c[k] = v
		}
		edit(c)
		return c
	}
	sign := func(c jwt.MapClaims) string {
		s, err := d.Sign(c)
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
		return s
	}
	req := func(edit func(*identity.TokenRequest)) string {
		r := identity.TokenRequest{Authority: authority, ClientID: clientID, UPN: "alice@contoso.test"}
		edit(&r)
		return mint(t, d, r)
	}

	return []Case{
		{Name: "empty", Token: "", Check: "missing"},
		{Name: "not a jwt", Token: "not.a.jwt", Check: "malformed"},
		{Name: "one segment", Token: "abc", Check: "malformed"},
		{Name: "four segments", Token: good + ".x", Check: "malformed"},
		{Name: "line break inside", Token: header + ".\n" + payload + "." + sig, Check: "malformed"},
		{Name: "payload not json", Token: header + "." + enc([]byte("{oops")) + "." + sig, Check: "malformed"},
		{Name: "alg none", Token: unsigned(t, map[string]any{"alg": "none", "typ": "JWT"}, goodClaims), Check: "algorithm"},
		{Name: "alg none with kid", Token: unsigned(t, map[string]any{"alg": "none", "typ": "JWT", "kid": kid}, goodClaims), Check: "algorithm"},
		{Name: "hs256 keyed with public key", Token: hs256WithPublicKey(t, d, kid, goodClaims), Check: "algorithm"},
		{Name: "rs384 header over rs256 signature", Token: enc(mustJSON(t, map[string]any{"alg": "RS384", "typ": "JWT", "kid": kid})) + "." + payload + "." + sig, Check: "algorithm"},
		{Name: "unknown kid", Token: foreignKey(t, goodClaims), Check: "unknown-key"},
		{Name: "tampered payload", Token: header + "." + enc(mustJSON(t, with(func(c jwt.MapClaims) { c["preferred_username"] = "mallory@contoso.test" }))) + "." + sig, Check: "signature"},
		{Name: "signature stripped", Token: header + "." + payload + ".", Check: "signature"},
		{Name: "expired", Token: req(func(r *identity.TokenRequest) { r.Now = now.Add(-70 * time.Minute) }), Check: "expired"},
		{Name: "not yet valid", Token: req(func(r *identity.TokenRequest) { r.Now = now.Add(10 * time.Minute) }), Check: "not-yet-valid"},
		{Name: "no exp", Token: sign(with(func(c jwt.MapClaims) { delete(c, "exp") })), Check: "malformed"},
		{Name: "wrong audience", Token: req(func(r *identity.TokenRequest) { r.ClientID = "22222222-2222-2222-2222-222222222222" }), Check: "audience"},
		{Name: "v1 token with v2 audience", Token: sign(with(func(c jwt.MapClaims) {
			c["ver"] = "1.0"
			c["iss"] = "https://sts.windows.net/" + identity.DevTenantID + "/"
		})), Check: "audience"},
		{Name: "issuer of another authority", Token: sign(with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example/" + identity.DevTenantID + "/v2.0" })), Check: "issuer"},
		{Name: "issuer of another tenant", Token: sign(with(func(c jwt.MapClaims) { c["iss"] = strings.TrimRight(authority, "/") + "/" + OtherTenantID + "/v2.0" })), Check: "tenant"},
		{Name: "tid not a guid", Token: sign(with(func(c jwt.MapClaims) { c["tid"] = "contoso" })), Check: "tenant"},
		{Name: "tenant not allowed", Token: req(func(r *identity.TokenRequest) { r.TenantID = OtherTenantID }), Check: "tenant-not-allowed", NeedsAllowList: true},
		{Name: "missing scope", Token: req(func(r *identity.TokenRequest) { r.Scopes = []string{"User.Read"} }), Check: "scope"},
		{Name: "app-only token", Token: sign(with(func(c jwt.MapClaims) { delete(c, "scp"); c["roles"] = []string{identity.RoleAdmin} })), Check: "scope"},
		{Name: "id token", Token: sign(idToken(goodClaims)), Check: "id-token"},
		{Name: "access token with nonce", Token: sign(with(func(c jwt.MapClaims) { c["nonce"] = "abc" })), Check: "id-token"},
		{Name: "missing oid", Token: sign(with(func(c jwt.MapClaims) { delete(c, "oid") })), Check: "subject"},
		{Name: "oid not a guid", Token: sign(with(func(c jwt.MapClaims) { c["oid"] = "alice" })), Check: "subject"},
	}
}

// NewValidator returns a validator for tokens of the dev issuer at authority,
// closed when the test ends.
func NewValidator(t testing.TB, authority string, tenants []string) *identity.Validator {
	t.Helper()
	v, err := identity.NewValidator(identity.Options{Authority: authority, ClientID: identity.DevClientID, Tenants: tenants})
	if err != nil {
		t.Fatalf("new validator: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

// NewServer serves d at /dev/oidc on a loopback httptest server and returns
// the authority to configure validators and TokenRequests with.
func NewServer(t testing.TB, d *identity.DevIssuer) string {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	authority := srv.URL + "/dev/oidc"
	mux.Handle("/dev/oidc/", http.StripPrefix("/dev/oidc", d.Handler(authority)))
	return authority
}

func mint(t testing.TB, d *identity.DevIssuer, r identity.TokenRequest) string {
	t.Helper()
	s, err := d.Mint(r)
	if err != nil {
		t.Fatalf("mint: %v", err)
	}
	return s
}

// idToken keeps identity and issuer but drops what only access tokens carry.
func idToken(access jwt.MapClaims) jwt.MapClaims {
	c := jwt.MapClaims{}
	for _, k := range []string{"aud", "iss", "iat", "nbf", "exp", "name", "oid", "preferred_username", "sub", "tid", "uti", "ver"} {
		c[k] = access[k]
	}
	c["nonce"] = "n-0S6_WzA2Mj"
	return c
}

func hs256WithPublicKey(t testing.TB, d *identity.DevIssuer, kid string, claims jwt.MapClaims) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(d.PublicKey())
	if err != nil {
		t.Fatalf("marshal public key: %v", err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	input := enc(mustJSON(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid})) + "." + enc(mustJSON(t, claims))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + enc(mac.Sum(nil))
}

func foreignKey(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = "attacker-key-1"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

func unsigned(t testing.TB, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	return enc(mustJSON(t, header)) + "." + enc(mustJSON(t, claims)) + "."
}

func split(t testing.TB, tok string) (header, payload, sig string) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d segments", len(parts))
	}
	return parts[0], parts[1], parts[2]
}

func claimsOf(t testing.TB, tok string) jwt.MapClaims {
	t.Helper()
	c := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, c); err != nil {
		t.Fatalf("parse: %v", err)
	}
	return c
}

func kidOf(t testing.TB, tok string) string {
	t.Helper()
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	kid, _ := parsed.Header["kid"].(string)
	return kid
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return b
}

func enc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
