package identity_test

import (
	"sync"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/identity"
)

func TestKeysAreFetchedOnceAndCached(t *testing.T) {
	v, fx := setup(t, nil)
	tok := mint(t, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test"})
	// The first calls race to discover the keys; one fetch must serve them all.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := v.Validate(t.Context(), tok)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("validate: %v", err)
		}
	}
	for range 20 {
		if _, err := v.Validate(t.Context(), tok); err != nil {
			t.Fatalf("validate: %v", err)
		}
	}
	if got := fx.server.metadataHits.Load(); got != 1 {
		t.Errorf("metadata fetched %d times; want 1", got)
	}
	if got := fx.server.jwksHits.Load(); got != 1 {
		t.Errorf("JWKS fetched %d times; want 1", got)
	}
}

func TestUnknownKIDRefreshIsRateLimited(t *testing.T) {
	v, fx := setup(t, func(o *identity.Options) { o.UnknownKIDRefreshEvery = time.Hour })
	good := mint(t, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test"})
	stranger := mint(t, devIssuer(t), identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test"})
	if _, err := v.Validate(t.Context(), good); err != nil {
		t.Fatalf("validate: %v", err)
	}
	tests := []struct {
		name     string
		wantJWKS int32
	}{
		{name: "first unknown kid refreshes", wantJWKS: 2},
		{name: "second within the interval does not", wantJWKS: 2},
		{name: "nor does a third", wantJWKS: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := v.Validate(t.Context(), stranger)
			wantCheck(t, err, "unknown-key")
			if got := fx.server.jwksHits.Load(); got != tt.wantJWKS {
				t.Fatalf("JWKS fetched %d times; want %d", got, tt.wantJWKS)
			}
			// A limited refresh must fail fast, not hold the request.
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("validate took %s", d)
			}
		})
	}
}

func TestRotatedKeyIsPickedUpOnUnknownKID(t *testing.T) {
	v, fx := setup(t, nil)
	next := devIssuer(t)
	before := mint(t, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test"})
	after := mint(t, next, identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test"})
	if _, err := v.Validate(t.Context(), before); err != nil {
		t.Fatalf("validate before rotation: %v", err)
	}
	fx.server.issuer.Store(next)
	if _, err := v.Validate(t.Context(), after); err != nil {
		t.Fatalf("validate after rotation: %v", err)
	}
	if got := fx.server.jwksHits.Load(); got != 2 {
		t.Fatalf("JWKS fetched %d times; want 2", got)
	}
	// The refresh replaced the set, so the retired key no longer verifies.
	_, err := v.Validate(t.Context(), before)
	wantCheck(t, err, "unknown-key")
}

func TestKeysUnavailableThenRecovered(t *testing.T) {
	v, fx := setup(t, nil)
	tok := mint(t, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test"})
	fx.server.down.Store(true)
	// Twice: a failed discovery must not be cached as the answer.
	for range 2 {
		_, err := v.Validate(t.Context(), tok)
		wantCheck(t, err, "keys-unavailable")
	}
	fx.server.down.Store(false)
	if _, err := v.Validate(t.Context(), tok); err != nil {
		t.Fatalf("validate once the issuer is up: %v", err)
	}
}

func TestKeysUnavailableWhenNothingListens(t *testing.T) {
	const authority = "http://127.0.0.1:1/dev/oidc" // port 1: connection refused
	tok := mint(t, devIssuer(t), identity.TokenRequest{Authority: authority, UPN: "alice@contoso.test"})
	v, err := identity.NewValidator(identity.Options{Authority: authority, ClientID: identity.DevClientID})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	_, err = v.Validate(t.Context(), tok)
	wantCheck(t, err, "keys-unavailable")
}

func TestValidateAfterClose(t *testing.T) {
	tests := []struct {
		name      string
		warmFirst bool
		wantCheck string
	}{
		{name: "keys already fetched keep working", warmFirst: true},
		{name: "keys never fetched are unavailable", wantCheck: "keys-unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, fx := setup(t, nil)
			tok := mint(t, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test"})
			if tt.warmFirst {
				if _, err := v.Validate(t.Context(), tok); err != nil {
					t.Fatalf("validate: %v", err)
				}
			}
			v.Close()
			_, err := v.Validate(t.Context(), tok)
			if tt.wantCheck == "" {
				if err != nil {
					t.Fatalf("validate after close: %v", err)
				}
				return
			}
			wantCheck(t, err, tt.wantCheck)
		})
	}
}
