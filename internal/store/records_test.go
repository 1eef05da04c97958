package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func mustCreate(t *testing.T, s *store.Store, f storetest.Fixture, typ string, name *string, fields map[string]any) crm.Record {
	t.Helper()
	rec, err := s.CreateRecord(context.Background(), f.Tenant.ID, typ, f.User.ID, crm.RecordInput{Name: name, Fields: fields})
	if err != nil {
		t.Fatalf("create %s: %v", typ, err)
	}
	return rec
}

func wantCode(t *testing.T, err error, code crm.Code) {
	t.Helper()
	if got := crm.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestRecordLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		acct := mustCreate(t, s, f, "account", ptr("Fabrikam"), map[string]any{"email": "Info@Fabrikam.test", "website": "https://fabrikam.test"})
		contact := mustCreate(t, s, f, "contact", nil, map[string]any{"firstName": "Dana", "lastName": "Whitfield", "email": "dana@fabrikam.test", "accountId": acct.ID})
		if contact.Name != "Dana Whitfield" || contact.Version != 1 {
			t.Fatalf("contact = %+v, want derived name and version 1", contact)
		}
		got, err := s.Record(ctx, f.Tenant.ID, "contact", contact.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Fields["accountId"] != acct.ID || got.Fields["email"] != "dana@fabrikam.test" {
			t.Fatalf("stored fields = %v", got.Fields)
		}

		// A merge keeps fields left out; the version moves on.
		updated, err := s.UpdateRecord(ctx, f.Tenant.ID, got, store.RecordChange{Merge: true,
			Input: crm.RecordInput{Version: ptr(int64(1)), Fields: map[string]any{"phone": "+1 555 0100"}}})
		if err != nil {
			t.Fatal(err)
		}
		if updated.Version != 2 || updated.Fields["email"] != "dana@fabrikam.test" || updated.Fields["phone"] != "+1 555 0100" {
			t.Fatalf("merged = %+v", updated)
		}

		// A replace with the old version is a conflict and changes nothing.
		_, err = s.UpdateRecord(ctx, f.Tenant.ID, got, store.RecordChange{Input: crm.RecordInput{Version: ptr(int64(1)),
			Fields: map[string]any{"lastName": "Stale"}}})
		wantCode(t, err, crm.CodeConflict)
		again, _ := s.Record(ctx, f.Tenant.ID, "contact", contact.ID)
		if again.Name != "Dana Whitfield" || again.Version != 2 {
			t.Fatalf("after stale update: %+v", again)
		}

		// A replace clears what it leaves out, and the email index follows.
		replaced, err := s.UpdateRecord(ctx, f.Tenant.ID, again, store.RecordChange{Input: crm.RecordInput{Version: ptr(int64(2)),
			Fields: map[string]any{"lastName": "Whitfield-Ross", "email": "dana.ross@fabrikam.test"}}})
		if err != nil {
			t.Fatal(err)
		}
		if replaced.Name != "Whitfield-Ross" || replaced.Fields["phone"] != nil {
			t.Fatalf("replaced = %+v", replaced)
		}
		scopes := []store.TypeScope{{Type: "contact"}, {Type: "account"}}
		found, _, err := s.SearchRecords(ctx, store.RecordQuery{TenantID: f.Tenant.ID, Search: "dana.ross@", Scopes: scopes})
		if err != nil || len(found) != 1 || found[0].ID != contact.ID {
			t.Fatalf("search by new email = %v, %v", found, err)
		}
		found, _, _ = s.SearchRecords(ctx, store.RecordQuery{TenantID: f.Tenant.ID, Search: "dana@fabrikam", Scopes: scopes})
		if len(found) != 0 {
			t.Fatalf("old email still indexed: %v", found)
		}

		if err := s.DeleteRecord(ctx, f.Tenant.ID, replaced, nil); err != nil {
			t.Fatal(err)
		}
		_, err = s.Record(ctx, f.Tenant.ID, "contact", contact.ID)
		wantCode(t, err, crm.CodeNotFound)
	})
}

func TestRecordsAreScopedByTenant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := storetest.NewTenant(t, s, "alice@contoso.test")
		b := storetest.NewTenant(t, s, "eve@evil.test")
		rec := mustCreate(t, s, a, "account", ptr("Contoso"), nil)
		_, err := s.Record(ctx, b.Tenant.ID, "account", rec.ID)
		wantCode(t, err, crm.CodeNotFound)
		found, _, _ := s.SearchRecords(ctx, store.RecordQuery{TenantID: b.Tenant.ID, Search: "contoso", Scopes: []store.TypeScope{{Type: "account"}}})
		if len(found) != 0 {
			t.Fatalf("tenant b sees tenant a's records: %v", found)
		}
		// Another tenant's record cannot be referenced either.
		_, err = s.CreateRecord(ctx, b.Tenant.ID, "contact", b.User.ID, crm.RecordInput{Fields: map[string]any{"lastName": "X", "accountId": rec.ID}})
		wantCode(t, err, crm.CodeInvalid)
	})
}

func TestCreateRecordRejectsBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		cases := []struct {
			name, typ string
			in        crm.RecordInput
			code      crm.Code
		}{
			{"unknown type", "spaceship", crm.RecordInput{Name: ptr("X")}, crm.CodeNotFound},
			{"missing name", "account", crm.RecordInput{}, crm.CodeInvalid},
			{"unknown field", "account", crm.RecordInput{Name: ptr("X"), Fields: map[string]any{"colour": "red"}}, crm.CodeInvalid},
			{"bad email", "account", crm.RecordInput{Name: ptr("X"), Fields: map[string]any{"email": "not an email"}}, crm.CodeInvalid},
			{"number as string", "opportunity", crm.RecordInput{Name: ptr("X"), Fields: map[string]any{"estimatedValue": "lots"}}, crm.CodeInvalid},
			{"reference to nothing", "contact", crm.RecordInput{Fields: map[string]any{"lastName": "X", "accountId": "7d8b4a8e-0000-4000-8000-000000000000"}}, crm.CodeInvalid},
			{"version on create", "account", crm.RecordInput{Name: ptr("X"), Version: ptr(int64(3))}, crm.CodeInvalid},
			{"name given for derived type", "contact", crm.RecordInput{Name: ptr("Someone"), Fields: map[string]any{"lastName": "Else"}}, crm.CodeInvalid},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.CreateRecord(ctx, f.Tenant.ID, tc.typ, f.User.ID, tc.in)
				wantCode(t, err, tc.code)
			})
		}
		if n, _ := s.CountRecords(ctx, f.Tenant.ID, ""); n != 0 {
			t.Fatalf("bad input stored %d records", n)
		}
	})
}

func TestConcurrentUpdatesOnlyOneWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		rec := mustCreate(t, s, f, "account", ptr("Contoso"), nil)
		const writers = 8
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.UpdateRecord(ctx, f.Tenant.ID, rec, store.RecordChange{Input: crm.RecordInput{
					Version: ptr(int64(1)), Name: ptr(fmt.Sprintf("Contoso %d", i))}})
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case crm.ErrorCode(err) != crm.CodeConflict:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d writers won, want exactly 1", wins)
		}
		final, _ := s.Record(ctx, f.Tenant.ID, "account", rec.ID)
		if final.Version != 2 {
			t.Fatalf("version = %d, want 2", final.Version)
		}
	})
}

func TestSearchRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		bob := storetest.NewUser(t, s, f.Tenant.ID, "bob@contoso.test")
		for i := range 30 {
			mustCreate(t, s, f, "account", ptr(fmt.Sprintf("Northwind %02d", i)), map[string]any{"email": fmt.Sprintf("n%02d@northwind.test", i)})
		}
		mustCreate(t, s, f, "lead", nil, map[string]any{"firstName": "Nora", "lastName": "Percent_100%", "email": "nora@lead.test"})
		bobs, err := s.CreateRecord(ctx, f.Tenant.ID, "account", bob.ID, crm.RecordInput{Name: ptr("Northwind Bob")})
		if err != nil {
			t.Fatal(err)
		}

		all := []store.TypeScope{{Type: "account"}, {Type: "lead"}}
		var seen []string
		cursor := ""
		for page := 0; ; page++ {
			items, next, err := s.SearchRecords(ctx, store.RecordQuery{TenantID: f.Tenant.ID, Search: "northwind", Scopes: all, Limit: 7, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range items {
				seen = append(seen, r.Name)
			}
			if next == "" {
				break
			}
			cursor = next
			if page > 10 {
				t.Fatal("paging does not end")
			}
		}
		if len(seen) != 31 || seen[0] != "Northwind 00" || seen[30] != "Northwind Bob" {
			t.Fatalf("paged search = %d items %v", len(seen), seen)
		}

		cases := []struct {
			name, search string
			scopes       []store.TypeScope
			want         int
		}{
			{"email prefix", "n07@north", all, 1},
			{"words must all match", "northwind 07", all, 1},
			{"like wildcards are literal", "100%", all, 1},
			{"underscore is literal", "d_0", all, 0},
			{"type filter", "nora", []store.TypeScope{{Type: "account"}}, 0},
			{"own only hides others' records", "northwind", []store.TypeScope{{Type: "account", OwnOnly: true, UserID: bob.ID}}, 1},
			{"no scope sees nothing", "northwind", nil, 0},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				items, _, err := s.SearchRecords(ctx, store.RecordQuery{TenantID: f.Tenant.ID, Search: tc.search, Scopes: tc.scopes})
				if err != nil {
					t.Fatal(err)
				}
				if len(items) != tc.want {
					t.Fatalf("got %d results, want %d", len(items), tc.want)
				}
			})
		}
		if items, _, _ := s.SearchRecords(ctx, store.RecordQuery{TenantID: f.Tenant.ID, Scopes: []store.TypeScope{{Type: "account", OwnOnly: true, UserID: bob.ID}}}); len(items) != 1 || items[0].ID != bobs.ID {
			t.Fatalf("own-only listing = %v", items)
		}
		_, _, err = s.SearchRecords(ctx, store.RecordQuery{TenantID: f.Tenant.ID, Scopes: all, Cursor: "garbage"})
		wantCode(t, err, crm.CodeInvalid)
	})
}

func TestCustomEntityTypes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		project := crm.EntityType{Name: "project", Fields: []crm.Field{
			{Name: "code", Kind: crm.KindText, Required: true},
			{Name: "sponsorId", Kind: crm.KindReference, Targets: []string{"contact"}},
		}}
		created, err := s.CreateEntityType(ctx, f.Tenant.ID, project)
		if err != nil {
			t.Fatal(err)
		}
		if created.DisplayName != "Project" || created.BuiltIn {
			t.Fatalf("created = %+v", created)
		}
		_, err = s.CreateEntityType(ctx, f.Tenant.ID, project)
		wantCode(t, err, crm.CodeConflict)
		_, err = s.CreateEntityType(ctx, f.Tenant.ID, crm.EntityType{Name: "bad", Fields: []crm.Field{{Name: "x", Kind: crm.KindReference, Targets: []string{"nothing"}}}})
		wantCode(t, err, crm.CodeInvalid)

		rec := mustCreate(t, s, f, "project", ptr("Apollo"), map[string]any{"code": "AP-1"})

		// Adding an email field indexes existing values at once.
		created.Fields = append(created.Fields, crm.Field{Name: "contactEmail", Kind: crm.KindEmail})
		if _, err := s.UpdateEntityType(ctx, f.Tenant.ID, created); err != nil {
			t.Fatal(err)
		}
		cur, _ := s.Record(ctx, f.Tenant.ID, "project", rec.ID)
		if _, err := s.UpdateRecord(ctx, f.Tenant.ID, cur, store.RecordChange{Merge: true, Input: crm.RecordInput{Version: ptr(cur.Version),
			Fields: map[string]any{"contactEmail": "pm@apollo.test"}}}); err != nil {
			t.Fatal(err)
		}
		found, _, _ := s.SearchRecords(ctx, store.RecordQuery{TenantID: f.Tenant.ID, Search: "pm@apollo", Scopes: []store.TypeScope{{Type: "project"}}})
		if len(found) != 1 {
			t.Fatalf("custom email field not searchable: %v", found)
		}

		// Built-ins cannot lose fields or be deleted; a type with records cannot be deleted.
		account, _ := s.EntityType(ctx, f.Tenant.ID, "account")
		account.Fields = account.Fields[1:]
		_, err = s.UpdateEntityType(ctx, f.Tenant.ID, account)
		wantCode(t, err, crm.CodeInvalid)
		wantCode(t, s.DeleteEntityType(ctx, f.Tenant.ID, "account"), crm.CodeConflict)
		wantCode(t, s.DeleteEntityType(ctx, f.Tenant.ID, "project"), crm.CodeConflict)
		other := storetest.NewTenant(t, s, "eve@evil.test")
		wantCode(t, s.DeleteEntityType(ctx, other.Tenant.ID, "project"), crm.CodeNotFound)
	})
}

func TestEnsureTenantIsIdempotentUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const id = "6f1d9a52-3c1b-4c8e-9f0e-0a1b2c3d4e5f"
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.EnsureTenant(ctx, id, "Fabrikam")
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		types, err := s.EntityTypes(ctx, id)
		if err != nil || len(types) != 5 {
			t.Fatalf("types = %d, %v; want the 5 built-ins once", len(types), err)
		}
		if _, err := s.Tenant(ctx, "00000000-0000-0000-0000-00000000dead"); !errors.Is(err, err) || !crm.IsNotFound(err) {
			t.Fatalf("unknown tenant: %v", err)
		}
	})
}
