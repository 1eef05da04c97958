package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/api"
	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/identity/identitytest"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// Every forged, stale or misdirected token gets a 401 problem naming the failed check, and leaves no
// trace: no user row, no tenant row.
func TestRefusedTokensChangeNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		open := setup(t, s)
		listed := setup(t, s, withAllowList(identity.DevTenantID))
		for _, tc := range identitytest.BadTokens(t, open.issuer, open.authority, identity.DevClientID) {
			t.Run(tc.Name, func(t *testing.T) {
				e := open
				if tc.NeedsAllowList {
					// The allow-listed server has its own issuer; craft the same case against it.
					e = listed
					for _, c := range identitytest.BadTokens(t, listed.issuer, listed.authority, identity.DevClientID) {
						if c.Name == tc.Name {
							tc = c
						}
					}
				}
				p := e.do(http.MethodGet, "/api/v1/me", tc.Token, nil).problem(http.StatusUnauthorized)
				if p.Check != tc.Check {
					t.Fatalf("check = %q, want %q (%s)", p.Check, tc.Check, p.Detail)
				}
				for _, tenant := range []string{identity.DevTenantID, identitytest.OtherTenantID} {
					if n, _ := s.CountUsers(context.Background(), tenant); n != 0 {
						t.Fatalf("a refused token created %d users in %s", n, tenant)
					}
				}
				if _, err := s.Tenant(context.Background(), identitytest.OtherTenantID); !crm.IsNotFound(err) {
					t.Fatalf("a refused token onboarded a tenant: %v", err)
				}
			})
		}
		t.Run("no authorization header", func(t *testing.T) {
			p := open.do(http.MethodGet, "/api/v1/records", "", nil).problem(http.StatusUnauthorized)
			if p.Check != "missing" {
				t.Fatalf("check = %q", p.Check)
			}
		})
		t.Run("basic instead of bearer", func(t *testing.T) {
			p := open.do(http.MethodGet, "/api/v1/me", "", nil, "Authorization", "Basic YWxpY2U6cHc=").problem(http.StatusUnauthorized)
			if p.Check != "missing" {
				t.Fatalf("check = %q", p.Check)
			}
		})
	})
}

func TestTenantOnboarding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		const fabrikam = "3d0c8a45-5f4e-4a65-9f6a-2f8e3b1c7d90"
		user := e.mint(identity.TokenRequest{UPN: "user@fabrikam.test", TenantID: fabrikam})
		p := e.do(http.MethodGet, "/api/v1/me", user, nil).problem(http.StatusUnauthorized)
		if p.Check != "tenant-not-onboarded" {
			t.Fatalf("check = %q", p.Check)
		}
		if _, err := s.Tenant(context.Background(), fabrikam); !crm.IsNotFound(err) {
			t.Fatalf("an ordinary user onboarded the tenant: %v", err)
		}
		admin := e.mint(identity.TokenRequest{UPN: "admin@fabrikam.test", TenantID: fabrikam, Roles: []string{identity.RoleAdmin}})
		var me struct{ TenantID string }
		e.do(http.MethodGet, "/api/v1/me", admin, nil).want(http.StatusOK, &me)
		if me.TenantID != fabrikam {
			t.Fatalf("tenant = %s", me.TenantID)
		}
		e.do(http.MethodGet, "/api/v1/me", user, nil).want(http.StatusOK, nil)
		types, _ := s.EntityTypes(context.Background(), fabrikam)
		if len(types) != 5 {
			t.Fatalf("onboarded tenant has %d record types, want the 5 built-ins", len(types))
		}
	})
}

func TestMeIsCreatedOnFirstSightAndFollowsTheToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		type me struct {
			UserID, TenantID, UPN, SyncMode string
			Roles                           []string
			Options                         crm.UserOptions
		}
		var first, again, promoted me
		e.do(http.MethodGet, "/api/v1/me", e.token("bob@contoso.test"), nil).want(http.StatusOK, &first)
		e.do(http.MethodGet, "/api/v1/me", e.token("bob@contoso.test"), nil).want(http.StatusOK, &again)
		if first.UserID == "" || first.UserID != again.UserID || first.UPN != "bob@contoso.test" || first.SyncMode != "client" {
			t.Fatalf("me = %+v then %+v", first, again)
		}
		if first.Options.SyncIntervalMinutes != 15 || first.Options.AutoTrack != "responses" {
			t.Fatalf("options = %+v, want the tenant defaults", first.Options)
		}
		e.do(http.MethodGet, "/api/v1/me", e.token("bob@contoso.test", identity.RoleManager, "Some.Other.Role"), nil).want(http.StatusOK, &promoted)
		if len(promoted.Roles) != 2 || promoted.Roles[1] != identity.RoleManager {
			t.Fatalf("roles = %v, want user and CRM.Manager only", promoted.Roles)
		}
		if n, _ := s.CountUsers(context.Background(), identity.DevTenantID); n != 1 {
			t.Fatalf("users = %d, want 1", n)
		}
	})
}

func TestRateLimitPerUser(t *testing.T) {
	e := setup(t, storetest.SQLite(t), withRateLimit(0.001, 2))
	alice, bob := e.token("alice@contoso.test"), e.token("bob@contoso.test")
	e.do(http.MethodGet, "/api/v1/me", alice, nil).want(http.StatusOK, nil)
	e.do(http.MethodGet, "/api/v1/me", alice, nil).want(http.StatusOK, nil)
	r := e.do(http.MethodGet, "/api/v1/me", alice, nil)
	r.problem(http.StatusTooManyRequests)
	if r.Header().Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	e.do(http.MethodGet, "/api/v1/me", bob, nil).want(http.StatusOK, nil)
}

// With the sight cache on, a changed claim is not hidden by the cache: the key holds the claims.
func TestSightCacheFollowsChangedClaims(t *testing.T) {
	e := setup(t, storetest.SQLite(t), func(d *api.Deps) { d.SightTTL = time.Minute })
	var me struct{ Roles []string }
	e.do(http.MethodGet, "/api/v1/me", e.token("bob@contoso.test"), nil).want(http.StatusOK, &me)
	e.do(http.MethodGet, "/api/v1/me", e.token("bob@contoso.test"), nil).want(http.StatusOK, &me)
	if len(me.Roles) != 1 {
		t.Fatalf("roles = %v", me.Roles)
	}
	e.do(http.MethodGet, "/api/v1/me", e.token("bob@contoso.test", identity.RoleAdmin), nil).want(http.StatusOK, &me)
	if len(me.Roles) != 2 || me.Roles[1] != identity.RoleAdmin {
		t.Fatalf("roles after promotion = %v", me.Roles)
	}
	if n, _ := e.store.CountUsers(context.Background(), identity.DevTenantID); n != 1 {
		t.Fatalf("users = %d", n)
	}
}
