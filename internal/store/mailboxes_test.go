package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

func TestMailboxes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		server := storetest.NewTenant(t, s, "a@server.test")
		if err := s.UpdateTenantSettings(ctx, server.Tenant.ID, crm.SyncModeServer, crm.DefaultTenantSettings()); err != nil {
			t.Fatal(err)
		}
		b := storetest.NewUser(t, s, server.Tenant.ID, "b@server.test")
		client := storetest.NewTenant(t, s, "c@client.test")

		t.Run("rows for server-mode users and users who asked", func(t *testing.T) {
			if n, err := s.EnsureMailboxes(ctx, now); err != nil || n != 2 {
				t.Fatalf("created %d rows (%v), want 2", n, err)
			}
			if _, err := s.RequestSync(ctx, client.Tenant.ID, client.User.ID); err != nil {
				t.Fatal(err)
			}
			if n, err := s.EnsureMailboxes(ctx, now); err != nil || n != 1 {
				t.Fatalf("created %d rows (%v), want 1", n, err)
			}
			if n, _ := s.EnsureMailboxes(ctx, now); n != 0 {
				t.Fatalf("created %d rows again", n)
			}
		})
		t.Run("due mailboxes page by key", func(t *testing.T) {
			first, err := s.DueMailboxes(ctx, now, now.Add(-time.Hour), store.MailboxKey{}, 2)
			if err != nil || len(first) != 2 {
				t.Fatalf("first page %v (%v)", first, err)
			}
			rest, err := s.DueMailboxes(ctx, now, now.Add(-time.Hour), first[1], 2)
			if err != nil || len(rest) != 1 || rest[0] == first[0] || rest[0] == first[1] {
				t.Fatalf("second page %v (%v)", rest, err)
			}
		})
		t.Run("disable and enable", func(t *testing.T) {
			if err := s.DisableMailbox(ctx, server.Tenant.ID, b.ID, "disabled by an administrator", now); err != nil {
				t.Fatal(err)
			}
			due, _ := s.DueMailboxes(ctx, now, now.Add(-time.Hour), store.MailboxKey{}, 10)
			if len(due) != 2 {
				t.Errorf("due %v: the disabled mailbox is still due", due)
			}
			later := now.Add(time.Hour)
			if err := s.EnableMailbox(ctx, server.Tenant.ID, b.ID, later); err != nil {
				t.Fatal(err)
			}
			m, err := s.Mailbox(ctx, server.Tenant.ID, b.ID)
			if err != nil || !m.Enabled || m.DisabledReason != "" || m.NextSyncAt == nil || !m.NextSyncAt.Equal(later) {
				t.Errorf("after enable: %+v (%v)", m, err)
			}
		})
		t.Run("another tenant's user is not found", func(t *testing.T) {
			if err := s.DisableMailbox(ctx, client.Tenant.ID, b.ID, "x", now); !crm.IsNotFound(err) {
				t.Errorf("disable: %v, want not found", err)
			}
			if _, err := s.Mailbox(ctx, client.Tenant.ID, b.ID); !crm.IsNotFound(err) {
				t.Errorf("get: %v, want not found", err)
			}
		})
	})
}
