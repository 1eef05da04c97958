package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

func filterNames(fs []crm.Filter) []string {
	names := []string{}
	for _, f := range fs {
		names = append(names, f.Scope+":"+f.Name)
	}
	return names
}

func conditions(t *testing.T, s string) crm.Condition {
	t.Helper()
	var c crm.Condition
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewUsersGetTheDefaultFiltersOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		filters, err := s.SyncFilters(ctx, f.Tenant.ID, f.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := filterNames(filters); !reflect.DeepEqual(got, []string{"user:My appointments", "user:My contacts", "user:My tasks"}) {
			t.Fatalf("filters = %v", got)
		}
		for _, flt := range filters {
			if !flt.Default || !flt.Enabled || flt.Kind != crm.FilterOnline || flt.UserID != f.User.ID {
				t.Errorf("default filter %+v", flt)
			}
			if !flt.Matches(map[string]any{}, f.User.ID, f.User.ID) || flt.Matches(map[string]any{}, uuid.NewString(), f.User.ID) {
				t.Errorf("%s does not choose exactly the user's own", flt.Name)
			}
		}

		// Seeing the user again, with other claims, adds nothing.
		again, err := s.UserOnSight(ctx, crm.User{TenantID: f.Tenant.ID, ObjectID: f.User.ObjectID, UPN: "alice@contoso.test", Roles: []string{crm.RoleAdmin}})
		if err != nil || again.ID != f.User.ID {
			t.Fatalf("second sight: %+v, %v", again, err)
		}
		if filters, _ := s.SyncFilters(ctx, f.Tenant.ID, f.User.ID); len(filters) != 3 {
			t.Fatalf("after a second sight: %v", filterNames(filters))
		}

		// The first requests of a new user, all at once, create one user with one set of filters.
		objectID := uuid.NewString()
		var wg sync.WaitGroup
		ids := make([]string, 8)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u, err := s.UserOnSight(ctx, crm.User{TenantID: f.Tenant.ID, ObjectID: objectID, UPN: "bob@contoso.test"})
				if err != nil {
					t.Errorf("sight %d: %v", i, err)
				}
				ids[i] = u.ID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("concurrent sights made several users: %v", ids)
			}
		}
		if filters, _ := s.SyncFilters(ctx, f.Tenant.ID, ids[0]); len(filters) != 3 {
			t.Fatalf("concurrent sights: filters %v", filterNames(filters))
		}
	})
}

func TestSyncFilterLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		bob := storetest.NewUser(t, s, f.Tenant.ID, "bob@contoso.test")
		other := storetest.NewTenant(t, s, "eve@fabrikam.test")

		big, err := s.CreateSyncFilter(ctx, crm.Filter{TenantID: f.Tenant.ID, UserID: f.User.ID, Scope: crm.ScopeUser, Kind: crm.FilterOffline,
			RecordType: "account", Name: "Big accounts", Enabled: true, Conditions: conditions(t, `{"and":[{"field":"name","op":"contains","value":"inc"}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		system, err := s.CreateSyncFilter(ctx, crm.Filter{TenantID: f.Tenant.ID, UserID: f.User.ID, Scope: crm.ScopeSystem, Kind: crm.FilterOnline,
			RecordType: "account", Name: "Key accounts", Enabled: true, Conditions: conditions(t, `{"and":[]}`)})
		if err != nil {
			t.Fatal(err)
		}
		if system.UserID != "" {
			t.Fatalf("a system filter has an owner: %+v", system)
		}

		got, err := s.SyncFilter(ctx, f.Tenant.ID, big.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(got.Conditions)
		if got.Name != "Big accounts" || got.Kind != crm.FilterOffline || got.UserID != f.User.ID || got.Default ||
			string(raw) != `{"and":[{"field":"name","op":"contains","value":"inc"}]}` {
			t.Fatalf("stored %+v %s", got, raw)
		}

		// Alice sees hers and the system's; Bob his and the system's; the other tenant none of them.
		alices, _ := s.SyncFilters(ctx, f.Tenant.ID, f.User.ID)
		bobs, _ := s.SyncFilters(ctx, f.Tenant.ID, bob.ID)
		others, _ := s.SyncFilters(ctx, other.Tenant.ID, other.User.ID)
		if got := filterNames(alices); !reflect.DeepEqual(got, []string{"user:Big accounts", "system:Key accounts", "user:My appointments", "user:My contacts", "user:My tasks"}) {
			t.Errorf("alice's = %v", got)
		}
		if got := filterNames(bobs); !reflect.DeepEqual(got, []string{"system:Key accounts", "user:My appointments", "user:My contacts", "user:My tasks"}) {
			t.Errorf("bob's = %v", got)
		}
		if len(others) != 3 {
			t.Errorf("the other tenant's = %v", filterNames(others))
		}
		_, err = s.SyncFilter(ctx, other.Tenant.ID, big.ID)
		wantCode(t, err, crm.CodeNotFound)

		got.Name, got.Enabled, got.Kind = "Fabrikam", false, crm.FilterOnline
		got.Conditions = conditions(t, `{"or":[{"field":"name","op":"eq","value":"Fabrikam"}]}`)
		updated, err := s.UpdateSyncFilter(ctx, got)
		if err != nil {
			t.Fatal(err)
		}
		if updated.Name != "Fabrikam" || updated.Enabled || updated.Kind != crm.FilterOnline || updated.Conditions.Group != crm.GroupOr || updated.UserID != f.User.ID {
			t.Fatalf("updated = %+v", updated)
		}

		wantCode(t, s.DeleteSyncFilter(ctx, other.Tenant.ID, big.ID), crm.CodeNotFound)
		if err := s.DeleteSyncFilter(ctx, f.Tenant.ID, big.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.DeleteSyncFilter(ctx, f.Tenant.ID, big.ID), crm.CodeNotFound)
		_, err = s.SyncFilter(ctx, f.Tenant.ID, big.ID)
		wantCode(t, err, crm.CodeNotFound)
		_, err = s.SyncFilter(ctx, f.Tenant.ID, "not-a-uuid")
		wantCode(t, err, crm.CodeNotFound)
		wantCode(t, s.DeleteSyncFilter(ctx, f.Tenant.ID, "not-a-uuid"), crm.CodeNotFound)
		_, err = s.UpdateSyncFilter(ctx, crm.Filter{ID: uuid.NewString(), TenantID: f.Tenant.ID, Conditions: conditions(t, `{"and":[]}`)})
		wantCode(t, err, crm.CodeNotFound)
	})
}

func TestSyncFiltersPerOwnerAreBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		add := func(scope string) error {
			_, err := s.CreateSyncFilter(ctx, crm.Filter{TenantID: f.Tenant.ID, UserID: f.User.ID, Scope: scope, Kind: crm.FilterOnline,
				RecordType: "contact", Name: "f", Enabled: true, Conditions: conditions(t, `{"and":[]}`)})
			return err
		}
		for i := 3; i < crm.MaxFiltersPerOwner; i++ { // the three defaults count
			if err := add(crm.ScopeUser); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, add(crm.ScopeUser), crm.CodeConflict)
		if err := add(crm.ScopeSystem); err != nil {
			t.Fatalf("the system scope has its own bound: %v", err)
		}
		if filters, _ := s.SyncFilters(ctx, f.Tenant.ID, f.User.ID); len(filters) != crm.MaxFiltersPerOwner+1 {
			t.Fatalf("%d filters", len(filters))
		}
	})
}

// Users who existed before migration 00003 get the default filters from it.
func TestMigrationGivesExistingUsersTheDefaultFilters(t *testing.T) {
	run := func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.MigrateTo(ctx, 2); err != nil {
			t.Fatal(err)
		}
		tenant, err := s.EnsureTenant(ctx, uuid.NewString(), "Old tenant")
		if err != nil {
			t.Fatal(err)
		}
		userID := uuid.NewString()
		insert := `INSERT INTO users (id, tenant_id, object_id, upn, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)`
		if s.Dialect() == store.Postgres {
			insert = `INSERT INTO users (id, tenant_id, object_id, upn, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6)`
		}
		now := time.Now().UTC()
		if _, err := s.DB().ExecContext(ctx, insert, userID, tenant.ID, uuid.NewString(), "old@contoso.test", now, now); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		filters, err := s.SyncFilters(ctx, tenant.ID, userID)
		if err != nil {
			t.Fatal(err)
		}
		want := crm.DefaultFilters()
		if len(filters) != len(want) {
			t.Fatalf("filters = %v", filterNames(filters))
		}
		for i, flt := range filters {
			if _, err := uuid.Parse(flt.ID); err != nil {
				t.Errorf("id %q is not a UUID", flt.ID)
			}
			if flt.Name != want[i].Name || flt.RecordType != want[i].RecordType || !flt.Default || !flt.Enabled ||
				!reflect.DeepEqual(flt.Conditions, want[i].Conditions) || flt.CreatedAt.IsZero() {
				t.Errorf("filter %d = %+v, want %+v", i, flt, want[i])
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		s, err := store.Open(context.Background(), "", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		run(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		s, err := store.Open(context.Background(), storetest.PostgresURL(t), "")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		run(t, s)
	})
}

func TestUserOptionsAndSyncRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		u, err := s.UpdateUserOptions(ctx, f.Tenant.ID, f.User.ID, crm.UserOptions{SyncIntervalMinutes: 30, AutoTrack: crm.AutoTrackAll})
		if err != nil {
			t.Fatal(err)
		}
		if u.Options != (crm.UserOptions{SyncIntervalMinutes: 30, AutoTrack: crm.AutoTrackAll}) {
			t.Fatalf("options = %+v", u.Options)
		}
		if again, _ := s.User(ctx, f.Tenant.ID, f.User.ID); again.Options != u.Options {
			t.Fatalf("stored options = %+v", again.Options)
		}
		_, err = s.UpdateUserOptions(ctx, f.Tenant.ID, uuid.NewString(), crm.UserOptions{})
		wantCode(t, err, crm.CodeNotFound)

		if _, requested, err := s.SyncRequestedAt(ctx, f.Tenant.ID, f.User.ID); err != nil || requested {
			t.Fatalf("a new user has a sync request: %v %v", requested, err)
		}
		at, err := s.RequestSync(ctx, f.Tenant.ID, f.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, requested, err := s.SyncRequestedAt(ctx, f.Tenant.ID, f.User.ID)
		if err != nil || !requested || got.Sub(at).Abs() > time.Millisecond {
			t.Fatalf("sync requested at %v (%v, %v), want %v", got, requested, err, at)
		}
		_, err = s.RequestSync(ctx, f.Tenant.ID, uuid.NewString())
		wantCode(t, err, crm.CodeNotFound)
	})
}
