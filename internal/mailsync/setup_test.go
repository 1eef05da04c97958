package mailsync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/mailsync"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// fakeSynchronizer stands in for the delta engine: it answers every pass with what the test set.
type fakeSynchronizer struct {
	mu     sync.Mutex
	result mailsync.Result
	err    error
	passes []mailsync.Mailbox
}

func (f *fakeSynchronizer) Sync(_ context.Context, m mailsync.Mailbox) (mailsync.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.passes = append(f.passes, m)
	return f.result, f.err
}

func (f *fakeSynchronizer) answer(r mailsync.Result, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.result, f.err = r, err
}

type env struct {
	t         *testing.T
	store     *store.Store
	queue     *jobs.Queue
	scheduler *mailsync.Scheduler
	client    *mailsync.ClientRequests
	syncer    *fakeSynchronizer
	events    <-chan *river.Event
}

// setup builds the scheduler and the worker on s with real River; start says whether River works the
// jobs (otherwise they stay queued, for counting).
func setup(t *testing.T, s *store.Store, start bool) *env {
	t.Helper()
	return setupWith(t, s, start, false)
}

// setupWith also runs the scheduler as River's periodic job when periodic is set.
func setupWith(t *testing.T, s *store.Store, start, periodic bool) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, store: s, syncer: &fakeSynchronizer{}}
	e.scheduler = mailsync.NewScheduler(s, nil, nil)
	box, err := secretbox.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	worker := mailsync.NewWorker(s, e.syncer, box, nil, nil, 0)
	workers := river.NewWorkers()
	river.AddWorker(workers, worker)
	river.AddWorker(workers, mailsync.NewSchedulerWorker(e.scheduler))
	if err := jobs.Migrate(ctx, s); err != nil {
		t.Fatal(err)
	}
	opts := jobs.Options{Workers: workers, Queues: map[string]int{mailsync.Queue: 4, river.QueueDefault: 1}, PollInterval: 20 * time.Millisecond,
		JobTimeout: time.Minute, RescueAfter: time.Minute}
	if periodic {
		opts.PeriodicJobs = []*river.PeriodicJob{e.scheduler.PeriodicJob(mailsync.ScheduleInterval)}
	}
	q, err := jobs.New(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	e.queue = q
	e.client = mailsync.NewClientRequests(s, q, box)
	if !start {
		return e
	}
	events, cancel := q.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobSnoozed, river.EventKindJobFailed, river.EventKindJobCancelled)
	t.Cleanup(cancel)
	e.events = events
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(stopCtx)
	})
	return e
}

// tenant onboards a tenant in the given mode with one user, whose interval is minutes (0: default).
func (e *env) tenant(mode string, upn string, minutes int) storetest.Fixture {
	e.t.Helper()
	ctx := context.Background()
	f := storetest.NewTenant(e.t, e.store, upn)
	if err := e.store.UpdateTenantSettings(ctx, f.Tenant.ID, mode, crm.DefaultTenantSettings()); err != nil {
		e.t.Fatal(err)
	}
	if minutes > 0 {
		e.interval(f.User, minutes)
	}
	return f
}

func (e *env) interval(u crm.User, minutes int) {
	e.t.Helper()
	if _, err := e.store.UpdateUserOptions(context.Background(), u.TenantID, u.ID, crm.UserOptions{SyncIntervalMinutes: minutes}); err != nil {
		e.t.Fatal(err)
	}
}

// exec runs a statement written with ? placeholders, to put a mailbox in a state no use case makes quickly.
func (e *env) exec(query string, args ...any) {
	e.t.Helper()
	if _, err := e.store.DB().Exec(e.rebind(query), args...); err != nil {
		e.t.Fatal(err)
	}
}

// scanOne reads one value with a query written with ? placeholders.
func (e *env) scanOne(query string, into any, args ...any) {
	e.t.Helper()
	if err := e.store.DB().QueryRow(e.rebind(query), args...).Scan(into); err != nil {
		e.t.Fatal(err)
	}
}

// rebind rewrites ? placeholders for the store's database.
func (e *env) rebind(query string) string {
	if e.store.Dialect() != store.Postgres {
		return query
	}
	n := 0
	out := make([]byte, 0, len(query))
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			out = fmt.Appendf(out, "$%d", n)
			continue
		}
		out = append(out, query[i])
	}
	return string(out)
}

func (e *env) mailbox(u crm.User) store.Mailbox {
	e.t.Helper()
	m, err := e.store.Mailbox(context.Background(), u.TenantID, u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// run enqueues one pass of u's mailbox and waits for River to finish with it.
func (e *env) run(u crm.User) *river.Event {
	e.t.Helper()
	res, err := e.queue.Client().Insert(context.Background(), mailsync.SyncMailboxArgs{TenantID: u.TenantID, UserID: u.ID}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if res.UniqueSkippedAsDuplicate {
		e.t.Fatal("a job of this mailbox is still queued")
	}
	return e.wait(res.Job.ID)
}

func (e *env) wait(id int64) *river.Event {
	e.t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev := <-e.events:
			if ev.Job.ID == id {
				return ev
			}
		case <-timeout:
			e.t.Fatalf("job %d did not finish", id)
		}
	}
}

// queued lists the queued synchronization jobs.
func (e *env) queued() []mailsync.SyncMailboxArgs {
	e.t.Helper()
	res, err := e.queue.Client().JobList(context.Background(), river.NewJobListParams().Kinds(mailsync.SyncMailboxArgs{}.Kind()).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStatePending).First(1000))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []mailsync.SyncMailboxArgs
	for _, j := range res.Jobs {
		var a mailsync.SyncMailboxArgs
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

var errTransient = errors.New("graph answered 503")
