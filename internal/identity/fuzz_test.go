package identity_test

import (
	"testing"

	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/identity/identitytest"
)

// FuzzValidate feeds mutations of every attack and of a good token to one
// validator: it must never panic, must fail only with *identity.Error, and
// must accept nothing but the untouched good token.
func FuzzValidate(f *testing.F) {
	v, fx := setup(f, func(o *identity.Options) { o.Tenants = []string{identity.DevTenantID} })
	good := identitytest.GoodToken(f, fx.issuer, fx.server.authority, identity.DevClientID)
	f.Add(good)
	for _, c := range identitytest.BadTokens(f, fx.issuer, fx.server.authority, identity.DevClientID) {
		f.Add(c.Token)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := v.Validate(t.Context(), raw)
		if err != nil {
			if _, ok := err.(*identity.Error); !ok {
				t.Fatalf("error %T %v is not *identity.Error", err, err)
			}
			return
		}
		if raw != good {
			t.Fatalf("accepted a token that is not the good one: %q", raw)
		}
		if p.Token != good || p.TenantID != identity.DevTenantID {
			t.Fatalf("principal %+v", p)
		}
	})
}
