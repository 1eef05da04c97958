package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/api"
	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// handClock is a clock the test moves: the store stamps records with it and the API reads it, so that
// incremental answers are exact rather than blurred by the safety margin.
type handClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *handClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *handClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// tick moves the clock past the safety margin of incremental answers.
func (c *handClock) tick() { c.advance(10 * time.Second) }

func withNow(now func() time.Time) option {
	return func(d *api.Deps) { d.Now = now }
}

// eachWithClock is storetest.Each with the API and store on one hand-moved clock.
func eachWithClock(t *testing.T, fn func(t *testing.T, e *env, clk *handClock)) {
	t.Helper()
	for name, open := range map[string]func(testing.TB, ...store.Option) *store.Store{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			clk := &handClock{t: time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)}
			fn(t, setup(t, open(t, store.WithClock(clk.now)), withNow(clk.now)), clk)
		})
	}
}

type offlineAnswer struct {
	Items   []crm.Record    `json:"items"`
	Removed []crm.RecordRef `json:"removed"`
	Cursor  string          `json:"cursor"`
	Reset   bool            `json:"reset"`
	More    bool            `json:"more"`
}

// offline makes one call; query holds extra parameters such as limit.
func (e *env) offline(token, since string, query ...string) offlineAnswer {
	e.t.Helper()
	v := url.Values{}
	if since != "" {
		v.Set("since", since)
	}
	for i := 0; i+1 < len(query); i += 2 {
		v.Set(query[i], query[i+1])
	}
	var a offlineAnswer
	e.do(http.MethodGet, "/api/v1/offline?"+v.Encode(), token, nil).want(http.StatusOK, &a)
	if a.Items == nil || a.Removed == nil || a.Cursor == "" {
		e.t.Fatalf("incomplete answer %+v", a)
	}
	return a
}

// offlinePass is what a client holds after calling until more is false.
type offlinePass struct {
	items   map[string]crm.Record
	removed []string
	reset   bool
	cursor  string
	calls   int
}

// offlinePass calls until more is false and checks that no record comes twice in one pass and that only
// the first answer may reset.
func (e *env) offlinePass(token, since string, query ...string) offlinePass {
	e.t.Helper()
	p := offlinePass{items: map[string]crm.Record{}, cursor: since}
	for {
		a := e.offline(token, p.cursor, query...)
		p.calls++
		if p.calls == 1 {
			p.reset = a.Reset
		} else if a.Reset {
			e.t.Fatalf("answer %d of a pass resets", p.calls)
		}
		for _, r := range a.Items {
			if _, dup := p.items[r.ID]; dup {
				e.t.Fatalf("record %s came twice in one pass", r.ID)
			}
			p.items[r.ID] = r
		}
		for _, r := range a.Removed {
			p.removed = append(p.removed, r.ID)
		}
		p.cursor = a.Cursor
		if !a.More {
			return p
		}
		if p.calls > 10000 {
			e.t.Fatal("the pass does not end")
		}
	}
}

func (p offlinePass) ids() []string {
	ids := []string{}
	for id := range p.items {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func sortedIDs(recs ...crm.Record) []string {
	ids := []string{}
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}

// offlineFilter creates an offline filter for the user behind token and returns it.
func (e *env) offlineFilter(token, recordType string, conditions any) crm.Filter {
	e.t.Helper()
	var f crm.Filter
	e.do(http.MethodPost, "/api/v1/sync-filters", token, map[string]any{"name": "Offline " + recordType, "recordType": recordType,
		"kind": "offline", "conditions": conditions}).want(http.StatusCreated, &f)
	return f
}

func emailContains(s string) map[string]any {
	return map[string]any{"and": []any{map[string]any{"field": "email", "op": "contains", "value": s}}}
}

// The offline set is the caller's readable records that their offline filters match: in full first, then
// only what changed, with records that were deleted or left the filter in removed.
func TestOfflineFullThenIncremental(t *testing.T) {
	eachWithClock(t, func(t *testing.T, e *env, clk *handClock) {
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		e.offlineFilter(bob, "contact", emailContains("@fabrikam.test"))
		dana := e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"lastName": "Whitfield", "email": "dana@fabrikam.test"}})
		lee := e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"lastName": "Lee", "email": "lee@northwind.test"}})
		sam := e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"lastName": "Sam", "email": "sam@fabrikam.test"}})
		e.seedRecord(bob, "account", map[string]any{"name": "Fabrikam", "fields": map[string]any{"email": "info@fabrikam.test"}}) // no filter on accounts
		// Alice's contact matches the filter, but under the default access bob reads only his own.
		alices := e.seedRecord(alice, "contact", map[string]any{"fields": map[string]any{"lastName": "Hidden", "email": "hidden@fabrikam.test"}})
		clk.tick()

		full := e.offline(bob, "")
		if !full.Reset || full.More || len(full.Removed) != 0 || !slices.Equal(sortedIDs(full.Items...), sortedIDs(dana, sam)) {
			t.Fatalf("full answer = %+v", full)
		}
		for _, r := range full.Items {
			if r.ID == dana.ID && (r.Type != "contact" || r.Name != "Whitfield" || r.Fields["email"] != "dana@fabrikam.test" || r.Version != 1 || r.OwnerID != dana.OwnerID) {
				t.Fatalf("the record is not as the records API shows it: %+v", r)
			}
		}
		cursor := full.Cursor

		// Each step changes something, and the next increment holds exactly what changed. Records are
		// given by pointer, as some are created by the steps.
		var newcomer, late crm.Record
		steps := []struct {
			name    string
			do      func()
			items   []*crm.Record
			removed []*crm.Record
		}{
			{name: "nothing changed", do: func() {}},
			{name: "updated into the filter", do: func() {
				e.do(http.MethodPatch, "/api/v1/records/contact/"+lee.ID, bob, map[string]any{"version": 1, "fields": map[string]any{"email": "lee@fabrikam.test"}}).
					want(http.StatusOK, nil)
			}, items: []*crm.Record{&lee}},
			{name: "updated out of the filter", do: func() {
				e.do(http.MethodPatch, "/api/v1/records/contact/"+dana.ID, bob, map[string]any{"version": 1, "fields": map[string]any{"email": "dana@contoso.test"}}).
					want(http.StatusOK, nil)
			}, removed: []*crm.Record{&dana}},
			{name: "deleted", do: func() {
				e.do(http.MethodDelete, "/api/v1/records/contact/"+sam.ID, bob, nil).want(http.StatusNoContent, nil)
			}, removed: []*crm.Record{&sam}},
			{name: "created", do: func() {
				newcomer = e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"lastName": "New", "email": "new@fabrikam.test"}})
			}, items: []*crm.Record{&newcomer}},
			{name: "stamped before the cursor's time, committed after", do: func() {
				// The writer took its time a second before the last read began and committed after that
				// read: the safety margin brings it.
				clk.advance(-time.Second)
				late = e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"lastName": "Late", "email": "late@fabrikam.test"}})
				clk.advance(time.Second)
			}, items: []*crm.Record{&late}},
			{name: "another user's record changed", do: func() {
				e.do(http.MethodPatch, "/api/v1/records/contact/"+alices.ID, alice, map[string]any{"version": 1, "fields": map[string]any{"phone": "1"}}).
					want(http.StatusOK, nil)
				e.do(http.MethodDelete, "/api/v1/records/contact/"+alices.ID, alice, nil).want(http.StatusNoContent, nil)
			}},
		}
		ids := func(recs []*crm.Record) []string {
			out := []string{}
			for _, r := range recs {
				out = append(out, r.ID)
			}
			slices.Sort(out)
			return out
		}
		for _, step := range steps {
			t.Run(step.name, func(t *testing.T) {
				step.do()
				clk.tick()
				a := e.offline(bob, cursor)
				cursor = a.Cursor
				removed := []string{}
				for _, r := range a.Removed {
					if r.Type != "contact" {
						t.Errorf("removed %+v", r)
					}
					removed = append(removed, r.ID)
				}
				slices.Sort(removed)
				if a.Reset || a.More || !slices.Equal(sortedIDs(a.Items...), ids(step.items)) || !slices.Equal(removed, ids(step.removed)) {
					t.Fatalf("answer = %+v, want items %v and removed %v", a, ids(step.items), ids(step.removed))
				}
			})
		}

		// A new full pass holds what the increments built up.
		if got := e.offlinePass(bob, ""); !slices.Equal(got.ids(), sortedIDs(lee, newcomer, late)) {
			t.Fatalf("full pass now = %v", got.ids())
		}
	})
}

// The offline set follows access: a manager, who reads every contact, gets the other users' too; a
// record of another user never reaches a user who reads only their own, neither in items nor removed.
func TestOfflineFollowsRecordAccess(t *testing.T) {
	eachWithClock(t, func(t *testing.T, e *env, clk *handClock) {
		alice, bob, carol := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test"), e.token("carol@contoso.test", "CRM.Manager")
		all := map[string]any{"and": []any{}}
		e.offlineFilter(bob, "contact", all)
		e.offlineFilter(carol, "contact", all)
		bobs := e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"lastName": "Bob's"}})
		alices := e.seedRecord(alice, "contact", map[string]any{"fields": map[string]any{"lastName": "Alice's"}})
		clk.tick()
		if got := e.offlinePass(bob, ""); !slices.Equal(got.ids(), sortedIDs(bobs)) {
			t.Fatalf("bob gets %v", got.ids())
		}
		carols := e.offlinePass(carol, "")
		if !slices.Equal(carols.ids(), sortedIDs(bobs, alices)) {
			t.Fatalf("the manager gets %v", carols.ids())
		}
		bobsPass := e.offlinePass(bob, "")

		e.do(http.MethodDelete, "/api/v1/records/contact/"+alices.ID, alice, nil).want(http.StatusNoContent, nil)
		clk.tick()
		if got := e.offlinePass(bob, bobsPass.cursor); len(got.items) != 0 || len(got.removed) != 0 {
			t.Fatalf("bob learns of alice's deletion: %+v", got)
		}
		if got := e.offlinePass(carol, carols.cursor); len(got.items) != 0 || !slices.Equal(got.removed, []string{alices.ID}) {
			t.Fatalf("the manager's increment = %+v", got)
		}

		// When access changes, increments would be wrong: the next answer is a full one.
		e.do(http.MethodPut, "/api/v1/admin/access", alice, map[string]any{"items": []crm.AccessLevel{
			{Role: "user", RecordType: "contact", Operation: "read", Level: "none"}}}).want(http.StatusOK, nil)
		clk.tick()
		if got := e.offlinePass(bob, bobsPass.cursor); !got.reset || len(got.items) != 0 {
			t.Fatalf("after losing access bob gets %+v", got)
		}
	})
}

// Without an enabled offline filter nothing is kept offline: online filters and disabled offline filters
// do not count, nor do filters on appointments and tasks.
func TestOfflineWithoutFiltersIsEmpty(t *testing.T) {
	eachWithClock(t, func(t *testing.T, e *env, clk *handClock) {
		bob := e.token("bob@contoso.test")
		e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"lastName": "Whitfield", "email": "dana@fabrikam.test"}})
		e.do(http.MethodPost, "/api/v1/sync-filters", bob, map[string]any{"name": "Online", "recordType": "contact", "kind": "online"}).
			want(http.StatusCreated, nil)
		e.do(http.MethodPost, "/api/v1/sync-filters", bob, map[string]any{"name": "Off", "recordType": "contact", "kind": "offline", "enabled": false}).
			want(http.StatusCreated, nil)
		e.offlineFilter(bob, "task", nil)
		clk.tick()
		a := e.offline(bob, "")
		if !a.Reset || a.More || len(a.Items) != 0 || len(a.Removed) != 0 {
			t.Fatalf("answer = %+v", a)
		}
		if b := e.offline(bob, a.Cursor); b.Reset || len(b.Items) != 0 {
			t.Fatalf("increment = %+v", b)
		}
	})
}

// Secured fields the user may not read are left out of offline records, as the records API leaves them
// out, and filters cannot see them either; a new grant resets the cache with the field in.
func TestOfflineRedactsSecuredFields(t *testing.T) {
	eachWithClock(t, func(t *testing.T, e *env, clk *handClock) {
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		secureDeals(e, alice)
		deal := e.seedRecord(bob, "deal", map[string]any{"fields": map[string]any{"title": "Fleet"}})
		e.do(http.MethodPatch, "/api/v1/records/deal/"+deal.ID, alice, map[string]any{"version": 1, "fields": map[string]any{"margin": 0.3}}).
			want(http.StatusOK, nil)
		e.offlineFilter(bob, "deal", map[string]any{"and": []any{map[string]any{"field": "title", "op": "eq", "value": "Fleet"}}})
		clk.tick()

		first := e.offlinePass(bob, "")
		got, ok := first.items[deal.ID]
		if !ok || got.Fields["title"] != "Fleet" {
			t.Fatalf("bob's offline deals = %+v", first.items)
		}
		if _, seen := got.Fields["margin"]; seen {
			t.Fatalf("the secured field reached bob: %+v", got.Fields)
		}
		if via := e.record(bob, "deal", deal.ID); len(via.Fields) != len(got.Fields) {
			t.Fatalf("offline fields %v, records API fields %v", got.Fields, via.Fields)
		}

		// A filter on the hidden field matches nothing for bob.
		var mine filterPage
		e.do(http.MethodGet, "/api/v1/sync-filters?kind=offline", bob, nil).want(http.StatusOK, &mine)
		e.do(http.MethodPut, "/api/v1/sync-filters/"+mine.Items[0].ID, bob, map[string]any{"name": "Rich deals", "recordType": "deal", "kind": "offline",
			"conditions": map[string]any{"and": []any{map[string]any{"field": "margin", "op": "gt", "value": 0.1}}}}).want(http.StatusOK, nil)
		clk.tick()
		if got := e.offlinePass(bob, first.cursor); !got.reset || len(got.items) != 0 {
			t.Fatalf("a filter on a hidden field gives %+v", got)
		}

		// Granting read changes what the cache holds: a full answer, with the field.
		before := e.offlinePass(bob, "")
		e.do(http.MethodPut, "/api/v1/admin/field-security", alice, map[string]any{"items": []crm.FieldPermission{
			{Role: "user", RecordType: "deal", Field: "margin", Read: true}}}).want(http.StatusOK, nil)
		clk.tick()
		after := e.offlinePass(bob, before.cursor)
		if !after.reset || after.items[deal.ID].Fields["margin"] != 0.3 {
			t.Fatalf("after the grant: %+v", after)
		}
	})
}

// Changing, disabling or adding an offline filter makes the next answer a full one for the new filters.
func TestOfflineFilterChangeResets(t *testing.T) {
	eachWithClock(t, func(t *testing.T, e *env, clk *handClock) {
		bob := e.token("bob@contoso.test")
		f := e.offlineFilter(bob, "contact", emailContains("@fabrikam.test"))
		dana := e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"lastName": "Whitfield", "email": "dana@fabrikam.test"}})
		lee := e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"lastName": "Lee", "email": "lee@northwind.test"}})
		acct := e.seedRecord(bob, "account", map[string]any{"name": "Northwind"})
		clk.tick()
		cursor := e.offlinePass(bob, "").cursor

		steps := []struct {
			name string
			do   func()
			want []string
		}{
			{name: "conditions changed", do: func() {
				e.do(http.MethodPut, "/api/v1/sync-filters/"+f.ID, bob, map[string]any{"name": "Northwind", "recordType": "contact", "kind": "offline",
					"conditions": emailContains("@northwind.test")}).want(http.StatusOK, nil)
			}, want: sortedIDs(lee)},
			{name: "filter on another type added", do: func() { e.offlineFilter(bob, "account", nil) }, want: sortedIDs(lee, acct)},
			{name: "filter disabled", do: func() {
				e.do(http.MethodPut, "/api/v1/sync-filters/"+f.ID, bob, map[string]any{"name": "Northwind", "recordType": "contact", "kind": "offline",
					"enabled": false, "conditions": emailContains("@northwind.test")}).want(http.StatusOK, nil)
			}, want: sortedIDs(acct)},
			{name: "filter deleted, another added", do: func() {
				e.do(http.MethodDelete, "/api/v1/sync-filters/"+f.ID, bob, nil).want(http.StatusNoContent, nil)
				e.offlineFilter(bob, "contact", emailContains("dana@"))
			}, want: sortedIDs(dana, acct)},
		}
		for _, step := range steps {
			t.Run(step.name, func(t *testing.T) {
				step.do()
				clk.tick()
				got := e.offlinePass(bob, cursor)
				if !got.reset || !slices.Equal(got.ids(), step.want) || len(got.removed) != 0 {
					t.Fatalf("got reset %v, items %v, removed %v; want a reset to %v", got.reset, got.ids(), got.removed, step.want)
				}
				cursor = got.cursor
				if again := e.offline(bob, cursor); again.Reset || len(again.Items) != 0 {
					t.Fatalf("the next call resets again: %+v", again)
				}
			})
		}
	})
}

// A cursor that is not one of ours is refused with 400, and the client's good cursor still works.
func TestOfflineBadCursor(t *testing.T) {
	eachWithClock(t, func(t *testing.T, e *env, clk *handClock) {
		bob := e.token("bob@contoso.test")
		e.offlineFilter(bob, "contact", nil)
		dana := e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"lastName": "Whitfield"}})
		clk.tick()
		good := e.offline(bob, "").Cursor
		enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		fp := `"f":"00112233445566778899aabbccddeeff"`
		tests := []struct{ name, cursor string }{
			{name: "not base64", cursor: "not a cursor!"},
			{name: "not JSON", cursor: enc("hello")},
			{name: "empty object", cursor: enc(`{}`)},
			{name: "another version", cursor: enc(`{"v":2,"s":"2026-03-05T12:00:00Z",` + fp + `}`)},
			{name: "no time", cursor: enc(`{"v":1,` + fp + `}`)},
			{name: "bad time", cursor: enc(`{"v":1,"s":"yesterday",` + fp + `}`)},
			{name: "short fingerprint", cursor: enc(`{"v":1,"s":"2026-03-05T12:00:00Z","f":"abc"}`)},
			{name: "unknown member", cursor: enc(`{"v":1,"s":"2026-03-05T12:00:00Z",` + fp + `,"x":1}`)},
			{name: "continuation without its key", cursor: enc(`{"v":1,"p":"2026-03-05T12:00:00Z",` + fp + `}`)},
			{name: "continuation with a bad id", cursor: enc(`{"v":1,"p":"2026-03-05T12:00:00Z","u":"2026-03-05T12:00:00Z","i":"1; DROP",` + fp + `}`)},
			{name: "two values", cursor: enc(`{"v":1,"s":"2026-03-05T12:00:00Z",` + fp + `}]`)},
			{name: "too long", cursor: enc(fmt.Sprintf(`{"v":1,"s":"2026-03-05T12:00:00Z",%s,"i":"%01100d"}`, fp, 0))},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.do(http.MethodGet, "/api/v1/offline?since="+url.QueryEscape(tt.cursor), bob, nil).problem(http.StatusBadRequest)
			})
		}
		e.do(http.MethodGet, "/api/v1/offline?limit=0", bob, nil).problem(http.StatusUnprocessableEntity)
		e.do(http.MethodGet, "/api/v1/offline?limit=1001", bob, nil).problem(http.StatusUnprocessableEntity)
		e.do(http.MethodGet, "/api/v1/offline", "", nil).problem(http.StatusUnauthorized)

		e.do(http.MethodPatch, "/api/v1/records/contact/"+dana.ID, bob, map[string]any{"version": 1, "fields": map[string]any{"phone": "1"}}).want(http.StatusOK, nil)
		clk.tick()
		if a := e.offline(bob, good); a.Reset || !slices.Equal(sortedIDs(a.Items...), sortedIDs(dana)) {
			t.Fatalf("the good cursor now gives %+v", a)
		}
	})
}

// Pages return every record exactly once, whatever the page size, even when records change while the
// client pages; a pass over sparse matches stops after a bounded read and goes on with more.
func TestOfflinePaging(t *testing.T) {
	eachWithClock(t, func(t *testing.T, e *env, clk *handClock) {
		ctx := context.Background()
		bob := e.token("bob@contoso.test")
		e.offlineFilter(bob, "contact", emailContains("@fabrikam.test"))
		first := e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"lastName": "C0", "email": "c0@fabrikam.test"}})
		owner := first.OwnerID
		seed := func(name, email string) crm.Record {
			rec, err := e.store.CreateRecord(ctx, identity.DevTenantID, "contact", owner, crm.RecordInput{Fields: map[string]any{"lastName": name, "email": email}})
			if err != nil {
				t.Fatal(err)
			}
			return rec
		}
		want := []crm.Record{first}
		for i := 1; i < 30; i++ {
			if i%3 == 0 {
				seed(fmt.Sprintf("N%d", i), fmt.Sprintf("n%d@northwind.test", i))
			} else {
				want = append(want, seed(fmt.Sprintf("C%d", i), fmt.Sprintf("c%d@fabrikam.test", i)))
			}
			if i%4 == 0 {
				clk.advance(time.Millisecond) // some records share a time, some do not
			}
		}
		clk.tick()

		for _, limit := range []string{"1", "7", "1000"} {
			t.Run("limit "+limit, func(t *testing.T) {
				p := e.offlinePass(bob, "", "limit", limit)
				if !p.reset || !slices.Equal(p.ids(), sortedIDs(want...)) {
					t.Fatalf("paged %d records in %d calls, want %d", len(p.items), p.calls, len(want))
				}
			})
		}

		t.Run("changes while paging", func(t *testing.T) {
			a := e.offline(bob, "", "limit", "5")
			seen := map[string]bool{}
			for _, r := range a.Items {
				seen[r.ID] = true
			}
			// A record already answered for changes, and a new one comes: both come later in the pass.
			changed := a.Items[0]
			e.do(http.MethodPatch, "/api/v1/records/contact/"+changed.ID, bob, map[string]any{"version": changed.Version, "fields": map[string]any{"phone": "1"}}).
				want(http.StatusOK, nil)
			late := seed("Late", "late@fabrikam.test")
			rest := e.offlinePass(bob, a.Cursor, "limit", "5")
			if rest.reset {
				t.Fatal("the continuation resets")
			}
			for id := range rest.items {
				seen[id] = true
			}
			for _, r := range append(want, late) {
				if !seen[r.ID] {
					t.Errorf("%s (%s) was never sent", r.ID, r.Name)
				}
			}
			if _, again := rest.items[changed.ID]; !again {
				t.Errorf("the changed record was not sent again")
			}
			want = append(want, late)
		})

		t.Run("sparse matches", func(t *testing.T) {
			clk.tick()
			base := e.offlinePass(bob, "")
			clk.tick()
			for i := range 50 {
				seed(fmt.Sprintf("S%d", i), fmt.Sprintf("s%d@northwind.test", i))
			}
			clk.tick()
			last := seed("Last", "last@fabrikam.test")
			want = append(want, last)
			clk.tick()
			// An increment names the 50 changed records that do not match in removed, 2 an answer, then the match.
			p := e.offlinePass(bob, base.cursor, "limit", "2")
			if p.reset || !slices.Equal(p.ids(), []string{last.ID}) || len(p.removed) != 50 || p.calls != 26 {
				t.Fatalf("increment: items %v, %d removed, %d calls", p.ids(), len(p.removed), p.calls)
			}
			// A full pass reads at most 20 records an answer at 2 a page, so the 50 that do not match
			// take answers of their own, with no items and more true.
			p = e.offlinePass(bob, "", "limit", "2")
			if !slices.Equal(p.ids(), sortedIDs(want...)) || p.calls < (len(want)+1)/2+2 {
				t.Fatalf("full pass: %d of %d records in %d calls", len(p.items), len(want), p.calls)
			}
		})
	})
}

// More than 1,000 matching records come in answers of 1,000, each record once.
func TestOfflinePagesOfAThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds over a thousand records")
	}
	eachWithClock(t, func(t *testing.T, e *env, clk *handClock) {
		ctx := context.Background()
		bob := e.token("bob@contoso.test")
		e.offlineFilter(bob, "account", nil)
		owner := e.seedRecord(bob, "account", map[string]any{"name": "A0"}).OwnerID
		const n = 1205
		for i := 1; i < n; i++ {
			if _, err := e.store.CreateRecord(ctx, identity.DevTenantID, "account", owner, crm.RecordInput{Name: ptr(fmt.Sprintf("A%d", i))}); err != nil {
				t.Fatal(err)
			}
			if i%100 == 0 {
				clk.advance(time.Second)
			}
		}
		clk.tick()
		a := e.offline(bob, "")
		if len(a.Items) != 1000 || !a.More || !a.Reset {
			t.Fatalf("first answer: %d items, more %v", len(a.Items), a.More)
		}
		p := e.offlinePass(bob, "")
		if len(p.items) != n || p.calls != 2 {
			t.Fatalf("%d records in %d calls, want %d in 2", len(p.items), p.calls, n)
		}
	})
}
