package identitytest_test

import (
	"testing"

	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/identity/identitytest"
)

func TestHelpersWireAWorkingValidator(t *testing.T) {
	d, err := identity.LoadOrCreateDevIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	authority := identitytest.NewServer(t, d)
	v := identitytest.NewValidator(t, authority, []string{identity.DevTenantID})
	if _, err := v.Validate(t.Context(), identitytest.GoodToken(t, d, authority, identity.DevClientID)); err != nil {
		t.Fatalf("good token: %v", err)
	}
	for _, c := range identitytest.BadTokens(t, d, authority, identity.DevClientID) {
		t.Run(c.Name, func(t *testing.T) {
			_, err := v.Validate(t.Context(), c.Token)
			if e, ok := err.(*identity.Error); !ok || e.Check != c.Check {
				t.Fatalf("err = %v; want check %q", err, c.Check)
			}
		})
	}
}
