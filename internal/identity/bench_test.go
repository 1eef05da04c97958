package identity_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/identity"
)

// BenchmarkValidate is a good token through the full validator with keys
// cached; compare with BenchmarkRSAVerify to see what the checks around the
// signature cost.
func BenchmarkValidate(b *testing.B) {
	v, fx := setup(b, nil)
	tok := mint(b, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test"})
	if _, err := v.Validate(b.Context(), tok); err != nil {
		b.Fatalf("warm up: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Validate(b.Context(), tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRSAVerify is the bare RS256 check of the same token: SHA-256 of the
// signing input and rsa.VerifyPKCS1v15.
func BenchmarkRSAVerify(b *testing.B) {
	d := devIssuer(b)
	tok := mint(b, d, identity.TokenRequest{Authority: "http://127.0.0.1:8080/dev/oidc", UPN: "alice@contoso.test"})
	i := strings.LastIndexByte(tok, '.')
	input := []byte(tok[:i])
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		b.Fatal(err)
	}
	pub := d.PublicKey()
	b.ReportAllocs()
	for b.Loop() {
		sum := sha256.Sum256(input)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
