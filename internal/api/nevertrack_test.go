package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

type neverTrackCheck struct {
	Address    string `json:"address"`
	NeverTrack bool   `json:"neverTrack"`
}

func (e *env) neverTracked(token, address string) bool {
	e.t.Helper()
	var c neverTrackCheck
	e.do(http.MethodGet, "/api/v1/never-track/check?address="+address, token, nil).want(http.StatusOK, &c)
	return c.NeverTrack
}

// Each user keeps a list of their own and admins the organisation's; both apply to the user's automatic
// tracking, and the organisation's own domains to the "all" option. Bad entries change nothing.
func TestNeverTrackLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		bob, alice := e.token("bob@contoso.test"), e.token("alice@contoso.test", crm.RoleAdmin)

		var entry crm.NeverTrack
		e.do(http.MethodPost, "/api/v1/never-track", bob, map[string]any{"value": "Newsletter@Example.com"}).want(http.StatusCreated, &entry)
		if entry.Value != "newsletter@example.com" || entry.Kind != crm.NeverTrackAddress {
			t.Fatalf("entry = %+v, want the address lower-cased", entry)
		}
		var domain crm.NeverTrack
		e.do(http.MethodPost, "/api/v1/never-track", bob, map[string]any{"value": "spam.example"}).want(http.StatusCreated, &domain)
		if domain.Value != "@spam.example" || domain.Kind != crm.NeverTrackDomain {
			t.Fatalf("entry = %+v, want the domain as @spam.example", domain)
		}
		e.do(http.MethodPost, "/api/v1/never-track", bob, map[string]any{"value": "@SPAM.example"}).problem(http.StatusConflict)
		for _, bad := range []any{map[string]any{"value": "not an address"}, map[string]any{"value": ""}, map[string]any{}, map[string]any{"value": 7},
			map[string]any{"value": "a@b.c", "extra": true}} {
			e.do(http.MethodPost, "/api/v1/never-track", bob, bad).problem(http.StatusUnprocessableEntity)
		}
		var list struct{ Items []crm.NeverTrack }
		e.do(http.MethodGet, "/api/v1/never-track", bob, nil).want(http.StatusOK, &list)
		if len(list.Items) != 2 {
			t.Fatalf("bob's list = %+v, want his two entries", list.Items)
		}
		e.do(http.MethodGet, "/api/v1/never-track", alice, nil).want(http.StatusOK, &list)
		if len(list.Items) != 0 {
			t.Fatalf("alice sees %+v on her own list", list.Items)
		}

		// The organisation's list: admins only.
		e.do(http.MethodPost, "/api/v1/admin/never-track", bob, map[string]any{"value": "@rival.test"}).problem(http.StatusForbidden)
		e.do(http.MethodPost, "/api/v1/admin/never-track", alice, map[string]any{"value": "@rival.test"}).want(http.StatusCreated, nil)
		var tenantList struct {
			Items      []crm.NeverTrack
			OwnDomains []string
		}
		e.do(http.MethodGet, "/api/v1/admin/never-track", alice, nil).want(http.StatusOK, &tenantList)
		if len(tenantList.Items) != 1 || !slices.Contains(tenantList.OwnDomains, "@contoso.test") {
			t.Fatalf("organisation's list = %+v", tenantList)
		}

		// What applies to bob (option "responses"): his entries and the organisation's.
		for address, want := range map[string]bool{"newsletter@example.com": true, "someone@spam.example": true, "a@mail.spam.example": true,
			"ceo@rival.test": true, "dana@fabrikam.test": false, "carol@contoso.test": false} {
			if got := e.neverTracked(bob, address); got != want {
				t.Errorf("bob: %s never tracked = %v, want %v", address, got, want)
			}
		}
		// With "all", colleagues' mail is not tracked automatically either.
		e.do(http.MethodPut, "/api/v1/me/options", bob, map[string]any{"autoTrack": "all"}).want(http.StatusOK, nil)
		if !e.neverTracked(bob, "carol@contoso.test") || e.neverTracked(bob, "dana@fabrikam.test") {
			t.Error("with all, the organisation's own domain is on the list and only it")
		}
		// Another user's entry is not found for bob, and his own goes.
		e.do(http.MethodDelete, "/api/v1/never-track/"+tenantList.Items[0].ID, bob, nil).problem(http.StatusNotFound)
		e.do(http.MethodDelete, "/api/v1/never-track/"+entry.ID, bob, nil).want(http.StatusNoContent, nil)
		e.do(http.MethodDelete, "/api/v1/never-track/"+entry.ID, bob, nil).problem(http.StatusNotFound)
		e.do(http.MethodDelete, "/api/v1/admin/never-track/"+tenantList.Items[0].ID, alice, nil).want(http.StatusNoContent, nil)
		if e.neverTracked(bob, "newsletter@example.com") || e.neverTracked(bob, "ceo@rival.test") {
			t.Error("deleted entries still apply")
		}
		e.do(http.MethodGet, "/api/v1/never-track/check", bob, nil).problem(http.StatusUnprocessableEntity)
	})
}
