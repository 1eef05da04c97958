package identity_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/identity"
)

// BenchmarkValidate is a token sent again (the common case: a client reuses its token for an hour), answered
// from the cache of validated tokens; compare with BenchmarkRSAVerify (target: at most ×0.1).
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

// BenchmarkValidateFirstSight is a token the validator has not seen: the full validation, plus hashing
// and remembering it (target: at most ×1.2 BenchmarkRSAVerify). A one-entry cache and a pool of tokens
// make every call a miss.
func BenchmarkValidateFirstSight(b *testing.B) {
	benchmarkFullValidation(b, 1)
}

// BenchmarkValidateUncached is the full validation with the cache turned off.
func BenchmarkValidateUncached(b *testing.B) {
	benchmarkFullValidation(b, -1)
}

func benchmarkFullValidation(b *testing.B, cacheSize int) {
	v, fx := setup(b, func(o *identity.Options) { o.CacheSize = cacheSize })
	tokens := make([]string, 256)
	for i := range tokens {
		tokens[i] = mint(b, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: fmt.Sprintf("user%d@contoso.test", i)})
	}
	if _, err := v.Validate(b.Context(), tokens[0]); err != nil {
		b.Fatalf("warm up: %v", err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := v.Validate(b.Context(), tokens[i%len(tokens)]); err != nil {
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
