package identity_test

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/identity"
)

// clock is a settable clock for the validator.
type clock struct{ now atomic.Pointer[time.Time] }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.set(t)
	return c
}

func (c *clock) set(t time.Time) { c.now.Store(&t) }
func (c *clock) Now() time.Time  { return *c.now.Load() }

func TestCachedTokenStillExpires(t *testing.T) {
	issued := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := newClock(issued.Add(time.Minute))
	v, fx := setup(t, func(o *identity.Options) { o.Leeway = 2 * time.Minute; o.Now = clk.Now })
	tok := mint(t, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test", Now: issued})
	tests := []struct {
		name  string
		at    time.Time
		check string // empty: accepted
	}{
		{name: "first sight", at: issued.Add(time.Minute)},
		{name: "again, from the cache", at: issued.Add(30 * time.Minute)},
		{name: "after exp, within the leeway", at: issued.Add(61 * time.Minute)},
		{name: "replayed after exp and the leeway", at: issued.Add(63 * time.Minute), check: "expired"},
		{name: "and again", at: issued.Add(5 * time.Hour), check: "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.set(tt.at)
			p, err := v.Validate(t.Context(), tok)
			if tt.check != "" {
				wantCheck(t, err, tt.check)
				return
			}
			if err != nil {
				t.Fatalf("validate: %v", err)
			}
			if p.UPN != "alice@contoso.test" || p.Token != tok {
				t.Fatalf("principal = %+v", p)
			}
		})
	}
}

func TestCachedTokenFailsOnceItsKeyIsNoLongerPublished(t *testing.T) {
	v, fx := setup(t, nil)
	old := mint(t, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test"})
	for range 3 {
		if _, err := v.Validate(t.Context(), old); err != nil {
			t.Fatalf("validate before rotation: %v", err)
		}
	}
	// The issuer rotates and revokes the old key; a token of the new key makes the validator refresh.
	next := devIssuer(t)
	fx.server.issuer.Store(next)
	fresh := mint(t, next, identity.TokenRequest{Authority: fx.server.authority, UPN: "bob@contoso.test"})
	if _, err := v.Validate(t.Context(), fresh); err != nil {
		t.Fatalf("validate a token of the new key: %v", err)
	}
	if got := fx.server.jwksHits.Load(); got != 2 {
		t.Fatalf("JWKS fetched %d times; want 2 (the refresh)", got)
	}
	_, err := v.Validate(t.Context(), old)
	wantCheck(t, err, "unknown-key")
	if _, err := v.Validate(t.Context(), fresh); err != nil {
		t.Fatalf("the new key's token, cached: %v", err)
	}
}

func TestCacheFullOfManyUsersAnswersEachWithItsOwnPrincipal(t *testing.T) {
	v, fx := setup(t, func(o *identity.Options) { o.CacheSize = 16 })
	const users = 100
	tokens := make([]string, users)
	for i := range tokens {
		tokens[i] = mint(t, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: fmt.Sprintf("user%03d@contoso.test", i)})
	}
	// Three rounds in a shuffled order: hits and evictions interleave; every answer must be its own user's.
	for round := range 3 {
		for _, i := range rand.Perm(users) {
			p, err := v.Validate(t.Context(), tokens[i])
			if err != nil {
				t.Fatalf("round %d, user %d: %v", round, i, err)
			}
			if want := fmt.Sprintf("user%03d@contoso.test", i); p.UPN != want || p.Token != tokens[i] {
				t.Fatalf("round %d: token of %s answered %s", round, want, p.UPN)
			}
		}
	}
	if n := v.CachedTokens(); n != 16 {
		t.Fatalf("cache holds %d tokens; want its bound, 16", n)
	}
}

func TestCacheCanBeTurnedOff(t *testing.T) {
	v, fx := setup(t, func(o *identity.Options) { o.CacheSize = -1 })
	tok := mint(t, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test"})
	for range 2 {
		if _, err := v.Validate(t.Context(), tok); err != nil {
			t.Fatalf("validate: %v", err)
		}
	}
	if n := v.CachedTokens(); n != 0 {
		t.Fatalf("cache holds %d tokens; want none", n)
	}
}

func TestTamperedCopyOfACachedTokenIsRejected(t *testing.T) {
	v, fx := setup(t, nil)
	tok := mint(t, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test"})
	if _, err := v.Validate(t.Context(), tok); err != nil {
		t.Fatalf("validate: %v", err)
	}
	// The same token with one character of its signature changed is another key in the cache.
	i := len(tok) - 10
	swap := byte('A')
	if tok[i] == 'A' {
		swap = 'B'
	}
	_, err := v.Validate(t.Context(), tok[:i]+string(swap)+tok[i+1:])
	wantCheck(t, err, "signature")
}
