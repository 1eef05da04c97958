package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

type trackItem struct {
	ID        string        `json:"id"`
	State     string        `json:"state"`
	Action    string        `json:"action"`
	ItemID    string        `json:"itemId"`
	ItemType  string        `json:"itemType"`
	Activity  *crm.Activity `json:"activity"`
	Error     string        `json:"error"`
	CreatedAt time.Time     `json:"createdAt"`
}

type trackPage struct {
	Items      []trackItem `json:"items"`
	NextCursor string      `json:"nextCursor"`
}

// seedRequests stores requests of a user straight in the store, clicked a minute apart from start on.
func seedRequests(t *testing.T, s *store.Store, userID string, start time.Time, states ...string) []crm.TrackRequest {
	t.Helper()
	var out []crm.TrackRequest
	for i, state := range states {
		at := start.Add(time.Duration(i) * time.Minute)
		r := crm.TrackRequest{ID: uuid.NewString(), TenantID: identity.DevTenantID, UserID: userID, ItemKey: fmt.Sprint("item-", i),
			ItemID: fmt.Sprint("AAMkItem", i), ItemType: "message", Action: crm.ActionTrack, State: state, CreatedAt: at, UpdatedAt: at}
		if state == crm.StateFailed {
			r.Error = "the item no longer exists"
		}
		if err := s.InTx(context.Background(), func(tx *store.Tx) error { return tx.InsertTrackRequest(context.Background(), r) }); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// My tracking lists the caller's own requests, newest first, narrowed by state and paged by cursor.
func TestTrackList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s, withTracker())
		alice, bob := e.token("alice@contoso.test"), e.token("bob@contoso.test")
		start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		mine := seedRequests(t, s, e.userID(bob), start, crm.StateDone, crm.StateFailed, crm.StateQueued, crm.StateFailed, crm.StateProcessing)
		seedRequests(t, s, e.userID(alice), start, crm.StateFailed)

		var all trackPage
		e.do(http.MethodGet, "/api/v1/track", bob, nil).want(http.StatusOK, &all)
		var ids []string
		for _, it := range all.Items {
			ids = append(ids, it.ID)
		}
		want := []string{mine[4].ID, mine[3].ID, mine[2].ID, mine[1].ID, mine[0].ID}
		if !slices.Equal(ids, want) || all.NextCursor != "" {
			t.Fatalf("ids = %v, want newest first %v (next %q)", ids, want, all.NextCursor)
		}
		if got := all.Items[1]; got.State != crm.StateFailed || got.Error != "the item no longer exists" || got.ItemType != "message" ||
			got.Action != crm.ActionTrack || !got.CreatedAt.Equal(mine[3].CreatedAt) {
			t.Fatalf("failed item = %+v", got)
		}

		var failed trackPage
		e.do(http.MethodGet, "/api/v1/track?state=failed", bob, nil).want(http.StatusOK, &failed)
		if len(failed.Items) != 2 || failed.Items[0].ID != mine[3].ID || failed.Items[1].ID != mine[1].ID {
			t.Fatalf("failed = %+v", failed.Items)
		}

		// Two at a time, the pages join up to the whole list.
		var paged []string
		for _, it := range allPages[trackItem](e, bob, "/api/v1/track", 2) {
			paged = append(paged, it.ID)
		}
		if !slices.Equal(paged, want) {
			t.Fatalf("paged = %v, want %v", paged, want)
		}
	})
}

// Bad queries of My tracking get a clear 422 and change nothing.
func TestTrackListBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s, withTracker())
		bob := e.token("bob@contoso.test")
		seedRequests(t, s, e.userID(bob), time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), crm.StateDone, crm.StateQueued)
		for _, tc := range []struct{ name, query, field string }{
			{"unknown state", "?state=lost", "state"},
			{"limit too big", "?limit=101", "limit"},
			{"limit zero", "?limit=0", "limit"},
			{"cursor not ours", "?cursor=abc", "cursor"},
			{"cursor of another list", "?cursor=eyJuIjoiYWNjb3VudCIsImkiOiI2YzFkNGJiMC00ZDNlLTRhOGUtOWE1OS04ZDFiN2YwZjdjMTEifQ", "cursor"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := e.do(http.MethodGet, "/api/v1/track"+tc.query, bob, nil).problem(http.StatusUnprocessableEntity)
				if !hasFieldError(p.Errors, tc.field) {
					t.Fatalf("errors = %+v, want one for %s", p.Errors, tc.field)
				}
				if n, _ := s.CountTrackRequests(context.Background(), identity.DevTenantID); n != 2 {
					t.Fatalf("track requests = %d, want 2", n)
				}
			})
		}
	})
}
