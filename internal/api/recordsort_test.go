package api_test

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// GET /records/{type} sorts by name or last change, either way up, and its cursor pages each order
// without losing or repeating a record, ties included.
func TestRecordListSort(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice := e.token("alice@contoso.test")
		var recs []crm.Record
		for _, name := range []string{"Fabrikam", "adatum", "Contoso", "Northwind", "Contoso", "Litware", "Tailspin"} {
			recs = append(recs, e.seedRecord(alice, "account", map[string]any{"name": name}))
		}
		// Change two, so that the order of changes is not the order of creation.
		for _, r := range []crm.Record{recs[0], recs[3]} {
			e.do(http.MethodPatch, "/api/v1/records/account/"+r.ID, alice, map[string]any{"version": 1, "fields": map[string]any{"phone": "+1 555 0100"}}).
				want(http.StatusOK, nil)
		}
		current := allPages[crm.Record](e, alice, "/api/v1/records/account", 7)
		byName := func(a, b crm.Record) int {
			return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.ID, b.ID))
		}
		byChange := func(a, b crm.Record) int {
			return cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), strings.Compare(a.ID, b.ID))
		}
		for _, tc := range []struct {
			sort  string
			order func(a, b crm.Record) int
		}{
			{"", byName},
			{"name", byName},
			{"-name", func(a, b crm.Record) int { return byName(b, a) }},
			{"updatedAt", byChange},
			{"-updatedAt", func(a, b crm.Record) int { return byChange(b, a) }},
		} {
			t.Run("sort="+tc.sort, func(t *testing.T) {
				want := slices.Clone(current)
				slices.SortFunc(want, tc.order)
				path := "/api/v1/records/account"
				if tc.sort != "" {
					path += "?sort=" + url.QueryEscape(tc.sort)
				}
				for _, limit := range []int{1, 2, 3} {
					got := allPages[crm.Record](e, alice, path, limit)
					if !slices.Equal(ids(got), ids(want)) {
						t.Fatalf("limit %d: %v, want %v", limit, recNames(got), recNames(want))
					}
				}
			})
		}
		// The search across types takes the same orders.
		got := allPages[crm.Record](e, alice, "/api/v1/records?type=account&sort=-name", 2)
		if n := recNames(got); n[0] != "Tailspin" || n[len(n)-1] != "adatum" {
			t.Fatalf("search by -name = %v", n)
		}
	})
}

// A bad sort, or a cursor of another order, gets a 422 and changes nothing.
func TestRecordListSortBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice := e.token("alice@contoso.test")
		for _, name := range []string{"A", "B", "C"} {
			e.seedRecord(alice, "account", map[string]any{"name": name})
		}
		var first struct{ NextCursor string }
		e.do(http.MethodGet, "/api/v1/records/account?limit=1", alice, nil).want(http.StatusOK, &first)
		for _, tc := range []struct{ name, query, field string }{
			{"unknown sort", "?sort=size", "sort"},
			{"sort by a field", "?sort=phone", "sort"},
			{"a name cursor for another order", "?sort=-updatedAt&cursor=" + first.NextCursor, "cursor"},
			{"a name cursor reversed", "?sort=-name&cursor=" + first.NextCursor, "cursor"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := e.do(http.MethodGet, "/api/v1/records/account"+tc.query, alice, nil).problem(http.StatusUnprocessableEntity)
				if !hasFieldError(p.Errors, tc.field) {
					t.Fatalf("errors = %+v, want one for %s", p.Errors, tc.field)
				}
				if n, _ := s.CountRecords(context.Background(), identity.DevTenantID, ""); n != 3 {
					t.Fatalf("records = %d", n)
				}
			})
		}
	})
}

func ids(recs []crm.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func recNames(recs []crm.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Name
	}
	return out
}
