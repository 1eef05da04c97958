package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// GET /me says the tenant's name and the shortest interval its users may choose, which follows the admin
// settings.
func TestMeShowsTenantAndMinimum(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		if me := e.me(bob); me.TenantName != "Contoso (demo)" || me.MinInterval != 5 {
			t.Fatalf("me = %+v", me)
		}
		e.do(http.MethodPatch, "/api/v1/admin/settings", alice, map[string]any{"minSyncIntervalMinutes": 20}).want(http.StatusOK, nil)
		if me := e.me(bob); me.MinInterval != 20 || me.Options.SyncIntervalMinutes != 20 {
			t.Fatalf("me after a new minimum = %+v", me)
		}
	})
}

// GET /me/mailbox is the caller's own item of GET /admin/mailboxes, for every user.
func TestMyMailbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		bobID := e.userID(bob)
		mine := func() map[string]any {
			var m map[string]any
			e.do(http.MethodGet, "/api/v1/me/mailbox", bob, nil).want(http.StatusOK, &m)
			return m
		}
		if m := mine(); m["userId"] != bobID || m["upn"] != "bob@contoso.test" || m["enabled"] != true || m["lastSyncAt"] != nil {
			t.Fatalf("a new user's mailbox = %v", m)
		}
		e.do(http.MethodPost, "/api/v1/admin/mailboxes/"+bobID+"/disable", alice, nil).want(http.StatusOK, nil)
		var all struct{ Items []map[string]any }
		e.do(http.MethodGet, "/api/v1/admin/mailboxes", alice, nil).want(http.StatusOK, &all)
		var bobs map[string]any
		for _, m := range all.Items {
			if m["userId"] == bobID {
				bobs = m
			}
		}
		got, _ := json.Marshal(mine())
		want, _ := json.Marshal(bobs)
		if string(got) != string(want) || bobs["enabled"] != false {
			t.Fatalf("GET /me/mailbox = %s, the admin's list has %s", got, want)
		}
		// Without a token there is nothing to see.
		e.do(http.MethodGet, "/api/v1/me/mailbox", "", nil).problem(http.StatusUnauthorized)
	})
}
