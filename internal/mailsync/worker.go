package mailsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/store"
)

// Worker runs one synchronization pass of a mailbox per job.
type Worker struct {
	river.WorkerDefaults[SyncMailboxArgs]
	store  *store.Store
	sync   Synchronizer
	box    *secretbox.Box
	now    func() time.Time
	logger *slog.Logger
}

// NewWorker builds the worker around the synchronizer. A client-mode pass acts as the user whose request
// caused it, with the token the request kept sealed (see ClientRequests), which box opens; with no box,
// every pass uses the app's own permissions.
func NewWorker(s *store.Store, syncer Synchronizer, box *secretbox.Box, now func() time.Time, logger *slog.Logger) *Worker {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{store: s, sync: syncer, box: box, now: now, logger: logger}
}

// Work runs the pass and records its outcome in the transaction that completes the job. A failed pass
// completes the job too: the scheduler tries again after the mailbox's backoff, so River does not also
// retry it. Only throttling snoozes the job, for as long as Graph asked.
func (w *Worker) Work(ctx context.Context, job *river.Job[SyncMailboxArgs]) error {
	a := job.Args
	started := w.now().UTC()
	mb, err := w.store.Mailbox(ctx, a.TenantID, a.UserID)
	if crm.IsNotFound(err) {
		return river.JobCancel(fmt.Errorf("mailbox of user %s is gone", a.UserID))
	}
	if err != nil {
		return err
	}
	if !mb.Enabled || mb.NextSyncAt == nil {
		// Disabled (or never scheduled) since the job was queued: nothing to do.
		return w.complete(ctx, job, nil)
	}
	interval, err := w.interval(ctx, a.TenantID, a.UserID)
	if err != nil {
		return err
	}
	queue, err := jobs.InJob(ctx)
	if err != nil {
		return err
	}
	m := Mailbox{TenantID: a.TenantID, UserID: a.UserID, ObjectID: mb.ObjectID, Queue: queue}
	if m.Assertion, err = w.assertion(ctx, a.TenantID, a.UserID); err != nil {
		return err
	}
	res, err := w.sync.Sync(ctx, m)
	var throttled *outlook.ThrottledError
	switch {
	case err == nil:
		return w.complete(ctx, job, func(tx *store.Tx) error {
			return tx.RecordSyncSuccess(ctx, a.TenantID, a.UserID, store.SyncOutcome{StartedAt: started,
				NextSyncAt: started.Add(interval), ItemsIn: res.ItemsIn, ItemsOut: res.ItemsOut})
		})
	case errors.As(err, &throttled):
		// Graph asked us to wait: come back then, without spending an attempt.
		return river.JobSnooze(max(throttled.RetryAfter, time.Second))
	case ctx.Err() != nil:
		return err // shutting down or timed out: River retries the job
	case isPermanent(err):
		reason := disabledReason(err)
		w.logger.Warn("mailbox synchronization disabled", "tenant", a.TenantID, "user", a.UserID, "error", err.Error())
		return w.complete(ctx, job, func(tx *store.Tx) error {
			return tx.RecordSyncDisabled(ctx, a.TenantID, a.UserID, reason, started)
		})
	default:
		failures := mb.ConsecutiveFailures + 1
		w.logger.Warn("mailbox synchronization failed", "tenant", a.TenantID, "user", a.UserID, "failures", failures, "error", err.Error())
		return w.complete(ctx, job, func(tx *store.Tx) error {
			return tx.RecordSyncFailure(ctx, a.TenantID, a.UserID, store.SyncFailure{StartedAt: started,
				BackoffUntil: started.Add(Backoff(failures)), Failures: failures, Error: err.Error(), Alert: alertFor(failures, err)})
		})
	}
}

// interval is the user's effective synchronization interval.
func (w *Worker) interval(ctx context.Context, tenantID, userID string) (time.Duration, error) {
	tenant, err := w.store.Tenant(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	user, err := w.store.User(ctx, tenantID, userID)
	if err != nil {
		return 0, err
	}
	return time.Duration(user.Options.Effective(tenant.Settings).SyncIntervalMinutes) * time.Minute, nil
}

// complete runs record, when given, and completes the job in one transaction.
func (w *Worker) complete(ctx context.Context, job *river.Job[SyncMailboxArgs], record func(tx *store.Tx) error) error {
	return w.store.InTx(ctx, func(tx *store.Tx) error {
		if record != nil {
			if err := record(tx); err != nil {
				return err
			}
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// assertion opens the token kept for a user's pass and forgets it; "" when none is kept (the pass then
// runs with the app's own permissions) or it cannot be opened (the key changed).
func (w *Worker) assertion(ctx context.Context, tenantID, userID string) (string, error) {
	if w.box == nil {
		return "", nil
	}
	sealed, err := w.store.TakeSyncAssertion(ctx, tenantID, userID)
	if err != nil || sealed == nil {
		return "", err
	}
	plain, err := w.box.Open(sealed, assertionPurpose)
	if err != nil {
		return "", nil
	}
	return string(plain), nil
}
