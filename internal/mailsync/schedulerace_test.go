package mailsync_test

import (
	"context"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// A pass that records its outcome while the scheduler runs gets no second job: the scheduler reads the
// due mailboxes and inserts their jobs in one transaction, which the pass's transaction either precedes
// (the mailbox is not due any more) or does not get in the way of (PostgreSQL leaves its locked row out;
// SQLite's writer waits for it). Read apart, the mailbox still looked due, and its job, completed by the
// time of the insert, no longer made River skip the new one.
func TestSchedulerGivesAPassEndingMeanwhileNoSecondJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s, false)
		f := e.tenant(crm.SyncModeServer, "racing@server.test", 0)
		if n, err := e.scheduler.Schedule(ctx, e.queue.Inserter); err != nil || n != 1 {
			t.Fatalf("first schedule = %d, %v; want 1 job", n, err)
		}
		var job int64
		e.scanOne(`SELECT id FROM river_job WHERE kind = 'sync_mailbox'`, &job)
		e.exec(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = ? WHERE id = ?`, time.Now().UTC(), job)

		// The pass records its outcome and completes its job; its transaction stays open meanwhile.
		recorded, commit, ended := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			ended <- s.InTx(ctx, func(tx *store.Tx) error {
				now := time.Now().UTC()
				if err := tx.RecordSyncSuccess(ctx, f.Tenant.ID, f.User.ID, store.SyncOutcome{StartedAt: now, NextSyncAt: now.Add(15 * time.Minute)}); err != nil {
					return err
				}
				if _, err := tx.Unwrap().ExecContext(ctx, e.rebind(`UPDATE river_job SET state = 'completed', finalized_at = ? WHERE id = ?`), now, job); err != nil {
					return err
				}
				close(recorded)
				<-commit
				return nil
			})
		}()
		<-recorded
		var n int
		var err error
		if s.Dialect() == store.Postgres {
			// The pass's row is locked: left out, without waiting. (Read apart from the insert, the mailbox
			// was due and the insert waited for the pass: the bound turns that into a failure.)
			bounded, cancel := context.WithTimeout(ctx, 20*time.Second)
			n, err = e.scheduler.Schedule(bounded, e.queue.Inserter)
			cancel()
			close(commit)
		} else {
			scheduled := make(chan struct{})
			go func() { n, err = e.scheduler.Schedule(ctx, e.queue.Inserter); close(scheduled) }() // waits for the writer
			close(commit)
			<-scheduled
		}
		if err := <-ended; err != nil {
			t.Fatal(err)
		}
		if err != nil || n != 0 {
			t.Fatalf("schedule during the pass's commit = %d, %v; want no job", n, err)
		}
		if q := e.queued(); len(q) != 0 {
			t.Fatalf("queued %+v, want nothing", q)
		}
	})
}
