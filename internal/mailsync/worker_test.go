package mailsync_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/mailsync"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// scheduled creates the rows of the mailboxes the scheduler considers.
func (e *env) scheduled() {
	e.t.Helper()
	if _, err := e.store.EnsureMailboxes(context.Background(), time.Now()); err != nil {
		e.t.Fatal(err)
	}
}

func TestWorkerSuccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s, true)
		f := e.tenant(crm.SyncModeServer, "alice@server.test", 30)
		e.scheduled()
		e.syncer.answer(mailsync.Result{ItemsIn: 3, ItemsOut: 2}, nil)

		if ev := e.run(f.User); ev.Kind != river.EventKindJobCompleted {
			t.Fatalf("job ended with %s, want completed", ev.Kind)
		}
		m := e.mailbox(f.User)
		if m.LastSyncAt == nil || m.LastSuccessAt == nil || m.NextSyncAt == nil {
			t.Fatalf("pass not recorded: %+v", m)
		}
		if d := m.NextSyncAt.Sub(*m.LastSyncAt); d != 30*time.Minute {
			t.Errorf("next sync %s after the pass, want the user's 30m", d)
		}
		if m.ItemsIn != 3 || m.ItemsOut != 2 || m.ConsecutiveFailures != 0 || !m.Enabled {
			t.Errorf("mailbox = %+v", m)
		}
		if len(e.syncer.passes) != 1 || e.syncer.passes[0].ObjectID != f.User.ObjectID {
			t.Errorf("passes = %+v", e.syncer.passes)
		}
	})
}

func TestWorkerTransientFailuresBackOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s, true)
		f := e.tenant(crm.SyncModeServer, "alice@server.test", 0)
		e.scheduled()
		e.syncer.answer(mailsync.Result{}, fmt.Errorf("delta: %w", errTransient))
		for n := 1; n <= 11; n++ {
			if ev := e.run(f.User); ev.Kind != river.EventKindJobCompleted {
				t.Fatalf("failure %d: job ended with %s, want completed (the scheduler retries, not River)", n, ev.Kind)
			}
			m := e.mailbox(f.User)
			want := min(time.Minute<<n, 12*time.Hour)
			if m.ConsecutiveFailures != n || m.BackoffUntil == nil || m.BackoffUntil.Sub(*m.LastSyncAt) != want {
				t.Fatalf("failure %d: failures %d, backoff %v after %v, want %s", n, m.ConsecutiveFailures, m.BackoffUntil, m.LastSyncAt, want)
			}
			switch {
			case n < 3 && m.Alert != "":
				t.Errorf("failure %d raised an alert already: %q", n, m.Alert)
			case n >= 3 && m.Alert != fmt.Sprintf("synchronization has failed %d times: delta: graph answered 503", n):
				t.Errorf("failure %d: alert %q", n, m.Alert)
			}
			if !m.Enabled || !strings.Contains(m.LastError, "503") {
				t.Errorf("failure %d: mailbox %+v", n, m)
			}
		}
		if got := mailsync.Backoff(11); got != 12*time.Hour {
			t.Errorf("Backoff(11) = %s, want the 12h cap", got)
		}

		e.syncer.answer(mailsync.Result{ItemsIn: 1}, nil)
		e.run(f.User)
		if m := e.mailbox(f.User); m.ConsecutiveFailures != 0 || m.BackoffUntil != nil || m.Alert != "" || m.LastError != "" {
			t.Errorf("success did not clear the failures: %+v", m)
		}
	})
}

func TestWorkerPermanentErrorDisables(t *testing.T) {
	for name, err := range map[string]error{
		"consent revoked": fmt.Errorf("delta inbox: %w", outlook.ErrPermission),
		"mailbox gone":    fmt.Errorf("delta inbox: %w", outlook.ErrNotFound),
	} {
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				e := setup(t, s, true)
				f := e.tenant(crm.SyncModeServer, "alice@server.test", 0)
				e.scheduled()
				e.syncer.answer(mailsync.Result{}, err)
				if ev := e.run(f.User); ev.Kind != river.EventKindJobCompleted {
					t.Fatalf("job ended with %s, want completed", ev.Kind)
				}
				m := e.mailbox(f.User)
				if m.Enabled || m.DisabledReason == "" || m.Alert == "" {
					t.Fatalf("mailbox not disabled: %+v", m)
				}
				n, err := e.scheduler.Schedule(context.Background(), e.queue.Inserter)
				if err != nil || n != 0 {
					t.Errorf("a disabled mailbox was scheduled: %d, %v", n, err)
				}
			})
		})
	}
}

func TestWorkerThrottledSnoozes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s, true)
		f := e.tenant(crm.SyncModeServer, "alice@server.test", 0)
		e.scheduled()
		e.syncer.answer(mailsync.Result{}, &outlook.ThrottledError{RetryAfter: time.Hour})
		ev := e.run(f.User)
		if ev.Kind != river.EventKindJobSnoozed {
			t.Fatalf("job ended with %s, want snoozed", ev.Kind)
		}
		job, err := e.queue.Client().JobGet(context.Background(), ev.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if job.State != rivertype.JobStateScheduled || time.Until(job.ScheduledAt) < 59*time.Minute {
			t.Errorf("job %s until %s, want scheduled in an hour", job.State, job.ScheduledAt)
		}
		if m := e.mailbox(f.User); m.ConsecutiveFailures != 0 || m.LastSyncAt != nil {
			t.Errorf("throttling counted as a pass: %+v", m)
		}
		// The snoozed job still holds the mailbox: the scheduler does not add a second one.
		if n, err := e.scheduler.Schedule(context.Background(), e.queue.Inserter); err != nil || n != 0 {
			t.Errorf("scheduled %d more jobs (%v) while one is snoozed", n, err)
		}
	})
}

// In client mode, POST /sync starts the pass at once, acting as the user with the token of the request;
// the token serves that pass only.
func TestClientRequestRunsAtOnceAsTheUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s, true)
		f := e.tenant(crm.SyncModeClient, "carol@client.test", 0)
		e.scheduled()
		if _, err := e.client.Request(context.Background(), f.Tenant.ID, f.User.ID, "carol's token"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for e.mailbox(f.User).LastSyncAt == nil {
			if time.Now().After(deadline) {
				t.Fatal("the requested pass did not run")
			}
			time.Sleep(20 * time.Millisecond)
		}
		e.syncer.mu.Lock()
		passes := append([]mailsync.Mailbox(nil), e.syncer.passes...)
		e.syncer.mu.Unlock()
		if len(passes) != 1 || passes[0].Assertion != "carol's token" {
			t.Fatalf("passes = %+v, want one acting as carol", passes)
		}
		var sealed []byte
		if err := s.DB().QueryRow(`SELECT sync_assertion FROM users WHERE id = '` + f.User.ID + `'`).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if sealed != nil {
			t.Fatal("the token is still kept after its pass")
		}
		if ev := e.run(f.User); ev.Kind != river.EventKindJobCompleted {
			t.Fatalf("second pass ended with %s", ev.Kind)
		}
		if last := e.syncer.passes[len(e.syncer.passes)-1]; last.Assertion != "" {
			t.Fatal("a pass without a request reused the user's token")
		}
	})
}
