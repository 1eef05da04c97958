package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// testClock is a clock a test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// eachWithClock is storetest.Each with a store whose timestamps come from a hand-moved clock.
func eachWithClock(t *testing.T, fn func(t *testing.T, s *store.Store, clk *testClock)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		clk := &testClock{t: time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)}
		fn(t, storetest.SQLite(t, store.WithClock(clk.now)), clk)
	})
	t.Run("postgres", func(t *testing.T) {
		clk := &testClock{t: time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)}
		fn(t, storetest.Postgres(t, store.WithClock(clk.now)), clk)
	})
}

func changedIDs(t *testing.T, s *store.Store, q store.ChangeQuery) []string {
	t.Helper()
	recs, err := s.ChangedRecords(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, r := range recs {
		id := r.ID
		if r.Deleted {
			id = "-" + id
		}
		ids = append(ids, id)
	}
	return ids
}

// ChangedRecords lists records in the order they last changed, deletions included on request, within the
// scopes and the tenant, a page at a time.
func TestChangedRecords(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clk *testClock) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		bob := storetest.NewUser(t, s, f.Tenant.ID, "bob@contoso.test")
		other := storetest.NewTenant(t, s, "eve@fabrikam.test")
		start := clk.now()
		// Steps of 1.25 s put some changes on whole seconds and some between, which SQLite stores as text
		// of different lengths: the order must still be the order of time.
		const step = 1250 * time.Millisecond

		clk.advance(step)
		a := mustCreate(t, s, f, "contact", nil, map[string]any{"lastName": "A"})
		clk.advance(step)
		b := mustCreate(t, s, f, "contact", nil, map[string]any{"lastName": "B"})
		acct := mustCreate(t, s, f, "account", ptr("Fabrikam"), nil) // same time as b
		bobs, err := s.CreateRecord(ctx, f.Tenant.ID, "contact", bob.ID, crm.RecordInput{Fields: map[string]any{"lastName": "Bob's"}})
		if err != nil {
			t.Fatal(err)
		}
		mustCreate(t, s, other, "contact", nil, map[string]any{"lastName": "Elsewhere"})
		clk.advance(step)
		mid := clk.now()
		clk.advance(step)
		if _, err := s.UpdateRecord(ctx, f.Tenant.ID, a, store.RecordChange{Merge: true,
			Input: crm.RecordInput{Version: ptr(a.Version), Fields: map[string]any{"phone": "1"}}}); err != nil {
			t.Fatal(err)
		}
		clk.advance(step)
		if err := s.DeleteRecord(ctx, f.Tenant.ID, b, nil); err != nil {
			t.Fatal(err)
		}

		contacts := []store.TypeScope{{Type: "contact"}}
		// bobs and the account were created at the same time: the id breaks the tie.
		tied := []string{bobs.ID, acct.ID}
		slices.Sort(tied)
		tests := []struct {
			name string
			q    store.ChangeQuery
			want []string
		}{
			{name: "live records of a type", q: store.ChangeQuery{Scopes: contacts}, want: []string{bobs.ID, a.ID}},
			{name: "changed after a time, deletions included", q: store.ChangeQuery{Scopes: contacts, ChangedAfter: mid, IncludeDeleted: true},
				want: []string{a.ID, "-" + b.ID}},
			{name: "changed after a time, live only", q: store.ChangeQuery{Scopes: contacts, ChangedAfter: mid}, want: []string{a.ID}},
			{name: "own records only", q: store.ChangeQuery{Scopes: []store.TypeScope{{Type: "contact", OwnOnly: true, UserID: bob.ID}}, IncludeDeleted: true},
				want: []string{bobs.ID}},
			{name: "several types, ordered by time then id", q: store.ChangeQuery{Scopes: []store.TypeScope{{Type: "contact"}, {Type: "account"}},
				ChangedAfter: start, IncludeDeleted: true}, want: []string{tied[0], tied[1], a.ID, "-" + b.ID}},
			{name: "no scopes", q: store.ChangeQuery{IncludeDeleted: true}, want: []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.q.TenantID, tt.q.Limit = f.Tenant.ID, 100
				if got := changedIDs(t, s, tt.q); !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}

		// Paging one record at a time by the last key returns each once, in order.
		all := store.ChangeQuery{TenantID: f.Tenant.ID, Scopes: []store.TypeScope{{Type: "contact"}, {Type: "account"}}, IncludeDeleted: true, Limit: 100}
		want := changedIDs(t, s, all)
		var got []string
		page := all
		page.Limit = 1
		for range 10 {
			recs, err := s.ChangedRecords(ctx, page)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) == 0 {
				break
			}
			id := recs[0].ID
			if recs[0].Deleted {
				id = "-" + id
			}
			got = append(got, id)
			key := recs[0].Key()
			page.After = &key
		}
		if len(want) != 4 || !slices.Equal(got, want) {
			t.Fatalf("paged %v, want %v", got, want)
		}
	})
}
