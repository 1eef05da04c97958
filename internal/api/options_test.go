package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/api"
	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// withSightTTL remembers a token's tenant and user as production does.
func withSightTTL(ttl time.Duration) option {
	return func(d *api.Deps) { d.SightTTL = ttl }
}

type meView struct {
	UserID      string          `json:"userId"`
	SyncMode    string          `json:"syncMode"`
	Options     crm.UserOptions `json:"options"`
	MinInterval int             `json:"minSyncIntervalMinutes"`
	TenantName  string          `json:"tenantName"`
}

func (e *env) me(token string) meView {
	e.t.Helper()
	var m meView
	e.do(http.MethodGet, "/api/v1/me", token, nil).want(http.StatusOK, &m)
	return m
}

// fieldsOf returns the fields a problem names.
func fieldsOf(p api.Problem) []string {
	var names []string
	for _, f := range p.Errors {
		names = append(names, f.Field)
	}
	slices.Sort(names)
	return names
}

func TestPutMyOptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		// The sight cache is on, as in production: a PUT must not leave a stale user behind.
		e := setup(t, s, withSightTTL(10*time.Second))
		bob := e.token("bob@contoso.test")
		if got := e.me(bob).Options; got != (crm.UserOptions{SyncIntervalMinutes: 15, AutoTrack: "responses"}) {
			t.Fatalf("default options = %+v", got)
		}

		var got crm.UserOptions
		e.do(http.MethodPut, "/api/v1/me/options", bob, map[string]any{"syncIntervalMinutes": 30, "autoTrack": "all"}).want(http.StatusOK, &got)
		if got != (crm.UserOptions{SyncIntervalMinutes: 30, AutoTrack: "all"}) {
			t.Fatalf("PUT answered %+v", got)
		}
		if me := e.me(bob).Options; me != got {
			t.Fatalf("GET /me after PUT = %+v, want %+v", me, got)
		}

		bad := []struct {
			name   string
			body   any
			fields []string
		}{
			{name: "below the tenant's minimum", body: map[string]any{"syncIntervalMinutes": 4}, fields: []string{"syncIntervalMinutes"}},
			{name: "over a day", body: map[string]any{"syncIntervalMinutes": 1441}, fields: []string{"syncIntervalMinutes"}},
			{name: "unknown auto-track option", body: map[string]any{"autoTrack": "sometimes"}, fields: []string{"autoTrack"}},
			{name: "both", body: map[string]any{"syncIntervalMinutes": 0, "autoTrack": "x"}, fields: []string{"autoTrack", "syncIntervalMinutes"}},
			{name: "unknown member", body: map[string]any{"theme": "dark"}, fields: []string{"theme"}},
			{name: "wrong type", body: `{"syncIntervalMinutes":"30"}`, fields: []string{"syncIntervalMinutes"}},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				p := e.do(http.MethodPut, "/api/v1/me/options", bob, tt.body).problem(http.StatusUnprocessableEntity)
				if !slices.Equal(fieldsOf(p), tt.fields) {
					t.Errorf("fields = %v, want %v (%+v)", fieldsOf(p), tt.fields, p)
				}
				if me := e.me(bob).Options; me != got {
					t.Errorf("options changed to %+v", me)
				}
			})
		}
		// A body that is not JSON at all is a 400, not a validation problem.
		e.do(http.MethodPut, "/api/v1/me/options", bob, `{`).problem(http.StatusBadRequest)
		if me := e.me(bob).Options; me != got {
			t.Errorf("options changed to %+v", me)
		}

		// Members left out go back to the tenant's defaults.
		e.do(http.MethodPut, "/api/v1/me/options", bob, map[string]any{"autoTrack": "none"}).want(http.StatusOK, &got)
		if got != (crm.UserOptions{SyncIntervalMinutes: 15, AutoTrack: "none"}) || e.me(bob).Options != got {
			t.Fatalf("partial PUT = %+v", got)
		}
	})
}

func TestPostSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s, withSightTTL(10*time.Second))
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		bobID := e.me(bob).UserID

		var got struct {
			Mailbox     string    `json:"mailbox"`
			Queued      bool      `json:"queued"`
			RequestedAt time.Time `json:"requestedAt"`
		}
		e.do(http.MethodPost, "/api/v1/sync", bob, nil).want(http.StatusAccepted, &got)
		if got.Mailbox != "bob@contoso.test" || !got.Queued {
			t.Fatalf("POST /sync = %+v", got)
		}
		at, requested, err := s.SyncRequestedAt(ctx, identity.DevTenantID, bobID)
		if err != nil || !requested || at.Sub(got.RequestedAt).Abs() > time.Millisecond {
			t.Fatalf("sync request stored at %v (%v, %v), answered %v", at, requested, err, got.RequestedAt)
		}

		// In server mode the request is refused and nothing is recorded; bob's cached tenant is forgotten.
		settings := map[string]any{"syncMode": "server", "defaultAutoTrack": "responses", "minSyncIntervalMinutes": 5, "untrackDeletes": false, "trackSentItems": true}
		e.do(http.MethodPut, "/api/v1/admin/settings", alice, settings).want(http.StatusOK, nil)
		p := e.do(http.MethodPost, "/api/v1/sync", bob, nil).problem(http.StatusConflict)
		if p.Detail != "synchronization runs on the server in this organisation" {
			t.Fatalf("detail = %q", p.Detail)
		}
		if again, _, _ := s.SyncRequestedAt(ctx, identity.DevTenantID, bobID); !again.Equal(at) {
			t.Fatalf("a refused request moved sync_requested_at from %v to %v", at, again)
		}
		if m := e.me(bob); m.SyncMode != "server" {
			t.Fatalf("GET /me shows sync mode %q", m.SyncMode)
		}
	})
}

func TestAdminSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		e.do(http.MethodGet, "/api/v1/admin/settings", bob, nil).problem(http.StatusForbidden)
		e.do(http.MethodPut, "/api/v1/admin/settings", bob, map[string]any{"syncMode": "server"}).problem(http.StatusForbidden)

		var got crm.AdminSettings
		e.do(http.MethodGet, "/api/v1/admin/settings", alice, nil).want(http.StatusOK, &got)
		if got != (crm.AdminSettings{SyncMode: "client", DefaultAutoTrack: "responses", MinSyncIntervalMinutes: 5}) {
			t.Fatalf("defaults = %+v", got)
		}
		want := crm.AdminSettings{SyncMode: "client", DefaultAutoTrack: "none", MinSyncIntervalMinutes: 20, UntrackDeletes: true, TrackSentItems: true}
		e.do(http.MethodPut, "/api/v1/admin/settings", alice, want).want(http.StatusOK, &got)
		if got != want {
			t.Fatalf("PUT answered %+v", got)
		}
		// The new minimum and default apply to users who chose nothing, and to those who chose less.
		if me := e.me(bob).Options; me != (crm.UserOptions{SyncIntervalMinutes: 20, AutoTrack: "none"}) {
			t.Fatalf("bob's effective options = %+v", me)
		}
		e.do(http.MethodPut, "/api/v1/me/options", bob, map[string]any{"syncIntervalMinutes": 19}).problem(http.StatusUnprocessableEntity)

		bad := []struct {
			name   string
			body   string
			fields []string
		}{
			{name: "unknown mode", body: `{"syncMode":"hybrid","defaultAutoTrack":"none","minSyncIntervalMinutes":5,"untrackDeletes":false,"trackSentItems":false}`, fields: []string{"syncMode"}},
			{name: "unknown auto-track", body: `{"syncMode":"server","defaultAutoTrack":"most","minSyncIntervalMinutes":5,"untrackDeletes":false,"trackSentItems":false}`, fields: []string{"defaultAutoTrack"}},
			{name: "minimum out of range", body: `{"syncMode":"server","defaultAutoTrack":"none","minSyncIntervalMinutes":0,"untrackDeletes":false,"trackSentItems":false}`, fields: []string{"minSyncIntervalMinutes"}},
			{name: "members missing", body: `{"syncMode":"server"}`, fields: []string{"defaultAutoTrack", "minSyncIntervalMinutes", "trackSentItems", "untrackDeletes"}},
			{name: "unknown member", body: `{"syncMode":"server","colour":"red"}`, fields: []string{"colour"}},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				p := e.do(http.MethodPut, "/api/v1/admin/settings", alice, tt.body).problem(http.StatusUnprocessableEntity)
				if !slices.Equal(fieldsOf(p), tt.fields) {
					t.Errorf("fields = %v, want %v", fieldsOf(p), tt.fields)
				}
				var now crm.AdminSettings
				e.do(http.MethodGet, "/api/v1/admin/settings", alice, nil).want(http.StatusOK, &now)
				if now != want {
					t.Errorf("settings changed to %+v", now)
				}
			})
		}
		if p := e.do(http.MethodPut, "/api/v1/admin/settings", alice, `{}`).problem(http.StatusUnprocessableEntity); !strings.Contains(p.Detail, "not valid") {
			t.Errorf("detail = %q", p.Detail)
		}
	})
}
