package mailsync_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/mailsync"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

func TestScheduler(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s, false)
		server := e.tenant(crm.SyncModeServer, "due@server.test", 0)
		disabled := storetest.NewUser(t, s, server.Tenant.ID, "disabled@server.test")
		backedOff := storetest.NewUser(t, s, server.Tenant.ID, "backedoff@server.test")
		notDue := storetest.NewUser(t, s, server.Tenant.ID, "notdue@server.test")
		client := e.tenant(crm.SyncModeClient, "asked@client.test", 0)
		quiet := storetest.NewUser(t, s, client.Tenant.ID, "quiet@client.test")
		stale := storetest.NewUser(t, s, client.Tenant.ID, "stale@client.test")
		if _, err := s.RequestSync(ctx, client.Tenant.ID, client.User.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RequestSync(ctx, client.Tenant.ID, stale.ID); err != nil {
			t.Fatal(err)
		}

		// The first run creates the rows; shape them, then schedule.
		if _, err := s.EnsureMailboxes(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := s.DisableMailbox(ctx, server.Tenant.ID, disabled.ID, "disabled by an administrator", time.Now()); err != nil {
			t.Fatal(err)
		}
		later := time.Now().UTC().Add(time.Hour)
		e.exec(`UPDATE mailboxes SET backoff_until = ? WHERE user_id = ?`, later, backedOff.ID)
		e.exec(`UPDATE mailboxes SET next_sync_at = ? WHERE user_id = ?`, later, notDue.ID)
		e.exec(`UPDATE users SET sync_requested_at = ? WHERE id = ?`, time.Now().UTC().Add(-48*time.Hour), stale.ID)

		n, err := e.scheduler.Schedule(ctx, e.queue.Inserter)
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.scheduler.Schedule(ctx, e.queue.Inserter)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 || again != 0 {
			t.Errorf("scheduled %d then %d jobs, want 2 then 0", n, again)
		}
		got := e.queued()
		want := []mailsync.SyncMailboxArgs{{TenantID: server.Tenant.ID, UserID: server.User.ID}, {TenantID: client.Tenant.ID, UserID: client.User.ID}}
		sortArgs := func(a, b mailsync.SyncMailboxArgs) int { return strings.Compare(a.UserID, b.UserID) }
		slices.SortFunc(got, sortArgs)
		slices.SortFunc(want, sortArgs)
		if !slices.Equal(got, want) {
			t.Errorf("queued %+v, want %+v", got, want)
		}
		if m := e.mailbox(quiet); m.NextSyncAt != nil {
			t.Errorf("a client-mode user who never asked got a mailbox row: %+v", m)
		}
	})
}

func TestSchedulerBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s, false)
		f := e.tenant(crm.SyncModeServer, "u0@server.test", 0)
		for i := range 600 {
			storetest.NewUser(t, s, f.Tenant.ID, "u"+string(rune('a'+i%26))+strconv.Itoa(i)+"@server.test")
		}
		n, err := e.scheduler.Schedule(context.Background(), e.queue.Inserter)
		if err != nil {
			t.Fatal(err)
		}
		if n != 601 || len(e.queued()) != 601 {
			t.Errorf("scheduled %d jobs (%d queued), want 601", n, len(e.queued()))
		}
	})
}

func TestSchedulerRunsAsPeriodicJobAtStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setupWith(t, s, true, true)
		f := e.tenant(crm.SyncModeServer, "due@server.test", 0)
		e.syncer.answer(mailsync.Result{ItemsIn: 1}, nil)
		deadline := time.Now().Add(15 * time.Second)
		for e.mailbox(f.User).LastSuccessAt == nil {
			if time.Now().After(deadline) {
				t.Fatal("the periodic scheduler did not synchronize the mailbox")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
