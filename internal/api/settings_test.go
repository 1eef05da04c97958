package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// PATCH /admin/settings changes the members it gives, keeps the others (left out or null), answers the
// whole settings, and applies at once to users' effective options.
func TestPatchAdminSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		start := crm.AdminSettings{SyncMode: "client", DefaultAutoTrack: "responses", MinSyncIntervalMinutes: 5}

		var got crm.AdminSettings
		e.do(http.MethodPatch, "/api/v1/admin/settings", alice, map[string]any{"minSyncIntervalMinutes": 30, "defaultAutoTrack": nil}).
			want(http.StatusOK, &got)
		want := start
		want.MinSyncIntervalMinutes = 30
		if got != want {
			t.Fatalf("PATCH answered %+v, want %+v", got, want)
		}
		e.do(http.MethodPatch, "/api/v1/admin/settings", alice, map[string]any{"trackSentItems": true, "syncMode": "server"}).want(http.StatusOK, &got)
		want.TrackSentItems, want.SyncMode = true, "server"
		if got != want {
			t.Fatalf("second PATCH answered %+v, want %+v", got, want)
		}
		e.do(http.MethodPatch, "/api/v1/admin/settings", alice, `{}`).want(http.StatusOK, &got)
		if got != want {
			t.Fatalf("an empty PATCH answered %+v", got)
		}
		e.do(http.MethodGet, "/api/v1/admin/settings", alice, nil).want(http.StatusOK, &got)
		if got != want {
			t.Fatalf("GET after PATCH = %+v", got)
		}
		if me := e.me(bob); me.SyncMode != "server" || me.Options.SyncIntervalMinutes != 30 {
			t.Fatalf("bob after PATCH = %+v", me)
		}
	})
}

// A bad PATCH gets the same 4xx as a PUT with it would, and changes nothing.
func TestPatchAdminSettingsBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		want := crm.AdminSettings{SyncMode: "client", DefaultAutoTrack: "none", MinSyncIntervalMinutes: 20, TrackSentItems: true}
		e.do(http.MethodPut, "/api/v1/admin/settings", alice, want).want(http.StatusOK, nil)
		for _, tc := range []struct {
			name, token, body string
			status            int
			fields            []string
		}{
			{"not an admin", bob, `{"syncMode":"server"}`, http.StatusForbidden, nil},
			{"unknown mode", alice, `{"syncMode":"hybrid"}`, http.StatusUnprocessableEntity, []string{"syncMode"}},
			{"unknown auto-track, and a good member beside it", alice, `{"defaultAutoTrack":"most","trackSentItems":false}`, http.StatusUnprocessableEntity, []string{"defaultAutoTrack"}},
			{"minimum out of range", alice, `{"minSyncIntervalMinutes":1441}`, http.StatusUnprocessableEntity, []string{"minSyncIntervalMinutes"}},
			{"wrong type", alice, `{"untrackDeletes":"yes"}`, http.StatusUnprocessableEntity, []string{"untrackDeletes"}},
			{"unknown member", alice, `{"colour":"red"}`, http.StatusUnprocessableEntity, []string{"colour"}},
			{"not an object", alice, `[]`, http.StatusUnprocessableEntity, nil},
			{"not JSON", alice, `{"syncMode":`, http.StatusBadRequest, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := e.do(http.MethodPatch, "/api/v1/admin/settings", tc.token, tc.body).problem(tc.status)
				if !slices.Equal(fieldsOf(p), tc.fields) {
					t.Errorf("fields = %v, want %v", fieldsOf(p), tc.fields)
				}
				var now crm.AdminSettings
				e.do(http.MethodGet, "/api/v1/admin/settings", alice, nil).want(http.StatusOK, &now)
				if now != want {
					t.Errorf("settings changed to %+v", now)
				}
			})
		}
	})
}
