package store_test

import (
	"context"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

func TestDeltaLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		bob := storetest.NewUser(t, s, f.Tenant.ID, "bob@contoso.test")
		if _, _, err := s.DeltaLink(ctx, f.Tenant.ID, f.User.ID, "inbox"); !crm.IsNotFound(err) {
			t.Fatalf("before any round: %v, want not found", err)
		}
		link := "https://graph.microsoft.com/v1.0/users/x/mailFolders/inbox/messages/delta?$deltatoken=a%2Bb&$select=id"
		for _, l := range []string{"https://first", link} {
			if err := s.SaveDeltaLink(ctx, f.Tenant.ID, f.User.ID, "inbox", l); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SaveDeltaLink(ctx, f.Tenant.ID, bob.ID, "inbox", "https://bob"); err != nil {
			t.Fatal(err)
		}
		if got, at, err := s.DeltaLink(ctx, f.Tenant.ID, f.User.ID, "inbox"); err != nil || got != link || at.IsZero() {
			t.Fatalf("DeltaLink = %q, %v; want the whole URL saved last", got, err)
		}
		if _, _, err := s.DeltaLink(ctx, f.Tenant.ID, f.User.ID, "sentitems"); !crm.IsNotFound(err) {
			t.Errorf("another folder: %v, want not found", err)
		}
		for range 2 {
			if err := s.DeleteDeltaLink(ctx, f.Tenant.ID, f.User.ID, "inbox"); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := s.DeltaLink(ctx, f.Tenant.ID, f.User.ID, "inbox"); !crm.IsNotFound(err) {
			t.Errorf("after delete: %v, want not found", err)
		}
		if got, _, err := s.DeltaLink(ctx, f.Tenant.ID, bob.ID, "inbox"); err != nil || got != "https://bob" {
			t.Errorf("bob's state = %q, %v", got, err)
		}
	})
}
