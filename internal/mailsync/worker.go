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
//
// A job is due to the schedule (or, in client mode, to the user's request) and then looks at the whole
// mailbox, or it was enqueued by Wake (a change notification, a CRM write) and looks only at the scopes
// the wake-ups name. Either way the pass serves the wake-ups it read when it started: it removes them in
// the transaction that completes the job, and if others arrived meanwhile (their job could not be
// inserted while this one held the mailbox) it enqueues the next pass in that same transaction.
type Worker struct {
	river.WorkerDefaults[SyncMailboxArgs]
	store  *store.Store
	sync   Synchronizer
	box    *secretbox.Box
	now    func() time.Time
	logger *slog.Logger
	// backstop is how often a mailbox whose change notifications work runs a full pass; 0 when
	// notifications are off, when every mailbox polls at its user's interval.
	backstop time.Duration
}

// NewWorker builds the worker around the synchronizer. A client-mode pass acts as the user whose request
// caused it, with the token the request kept sealed (see ClientRequests), which box opens; with no box,
// every pass uses the app's own permissions. backstop is the full-pass interval of mailboxes whose
// change notifications work (0: notifications are off).
func NewWorker(s *store.Store, syncer Synchronizer, box *secretbox.Box, now func() time.Time, logger *slog.Logger, backstop time.Duration) *Worker {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{store: s, sync: syncer, box: box, now: now, logger: logger, backstop: backstop}
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
		// Disabled (or never scheduled) since the job was queued: nothing to do, nothing to wake.
		return w.complete(ctx, job, func(tx *store.Tx) error { return tx.ForgetWakeups(ctx, a.TenantID, a.UserID) }, nil, time.Time{})
	}
	tenant, err := w.store.Tenant(ctx, a.TenantID)
	if err != nil {
		return err
	}
	user, err := w.store.User(ctx, a.TenantID, a.UserID)
	if err != nil {
		return err
	}
	wakeups, err := w.store.Wakeups(ctx, a.TenantID, a.UserID)
	if err != nil {
		return err
	}
	scope, err := w.scope(ctx, tenant, mb, wakeups, started)
	if err != nil {
		return err
	}
	queue, err := jobs.InJob(ctx)
	if err != nil {
		return err
	}
	m := Mailbox{TenantID: a.TenantID, UserID: a.UserID, ObjectID: mb.ObjectID, Queue: queue, Scope: scope}
	if m.Assertion, err = w.assertion(ctx, a.TenantID, a.UserID, started); err != nil {
		return err
	}
	if scope != nil && tenant.SyncMode == crm.SyncModeClient && m.Assertion == "" {
		// Client mode acts as the user, and their token has expired: what the notifications named waits
		// for the next pass they ask for (the add-in asks while it is open), which looks at everything.
		return w.complete(ctx, job, nil, nil, time.Time{})
	}
	res, err := w.sync.Sync(ctx, m)
	var throttled *outlook.ThrottledError
	switch {
	case err == nil:
		outcome := store.SyncOutcome{StartedAt: started, ItemsIn: res.ItemsIn, ItemsOut: res.ItemsOut}
		if scope != nil {
			return w.complete(ctx, job, func(tx *store.Tx) error { return tx.RecordScopedSuccess(ctx, a.TenantID, a.UserID, outcome) }, wakeups, started)
		}
		interval, err := w.interval(ctx, tenant, user)
		if err != nil {
			return err
		}
		outcome.NextSyncAt = started.Add(interval)
		return w.complete(ctx, job, func(tx *store.Tx) error { return tx.RecordSyncSuccess(ctx, a.TenantID, a.UserID, outcome) }, wakeups, started)
	case errors.As(err, &throttled):
		// Graph asked us to wait: come back then, without spending an attempt.
		return river.JobSnooze(max(throttled.RetryAfter, time.Second))
	case ctx.Err() != nil:
		return err // shutting down or timed out: River retries the job
	case isPermanent(err):
		reason := disabledReason(err)
		w.logger.Warn("mailbox synchronization disabled", "tenant", a.TenantID, "user", a.UserID, "error", err.Error())
		return w.complete(ctx, job, func(tx *store.Tx) error {
			if err := tx.RecordSyncDisabled(ctx, a.TenantID, a.UserID, reason, started); err != nil {
				return err
			}
			return tx.ForgetWakeups(ctx, a.TenantID, a.UserID)
		}, nil, time.Time{})
	default:
		failures := mb.ConsecutiveFailures + 1
		w.logger.Warn("mailbox synchronization failed", "tenant", a.TenantID, "user", a.UserID, "failures", failures, "error", err.Error())
		failure := store.SyncFailure{StartedAt: started, BackoffUntil: started.Add(Backoff(failures)), Failures: failures,
			Error: err.Error(), Alert: alertFor(failures, err)}
		// What the failed pass was woken for is served by the full pass after the backoff (the failure
		// makes the mailbox due then); wake-ups that arrive meanwhile wait for it too.
		return w.complete(ctx, job, func(tx *store.Tx) error { return tx.RecordSyncFailure(ctx, a.TenantID, a.UserID, failure) },
			wakeups, failure.BackoffUntil)
	}
}

// scope is what the pass looks at: everything (nil) when the mailbox is due, by its schedule in server
// mode or by its user's request in client mode, or has no wake-up (a job from before wake-ups, or one
// the scheduler enqueued just as a pass ended); otherwise the scopes of its wake-ups.
func (w *Worker) scope(ctx context.Context, tenant crm.Tenant, mb store.Mailbox, wakeups []store.Wakeup, now time.Time) ([]string, error) {
	if len(wakeups) == 0 {
		return nil, nil
	}
	if tenant.SyncMode == crm.SyncModeServer {
		if mb.NextSyncAt != nil && !mb.NextSyncAt.After(now) {
			return nil, nil
		}
	} else {
		requested, ok, err := w.store.SyncRequestedAt(ctx, mb.TenantID, mb.UserID)
		if err != nil {
			return nil, err
		}
		if ok && (mb.LastSuccessAt == nil || requested.After(*mb.LastSuccessAt)) {
			return nil, nil
		}
	}
	scope := make([]string, len(wakeups))
	for i, wk := range wakeups {
		scope[i] = wk.Scope
	}
	return scope, nil
}

// interval is how long after a full pass the mailbox is due again: the user's effective interval, or,
// when its change notifications work, the backstop interval (unless the user's is longer).
func (w *Worker) interval(ctx context.Context, tenant crm.Tenant, user crm.User) (time.Duration, error) {
	interval := time.Duration(user.Options.Effective(tenant.Settings).SyncIntervalMinutes) * time.Minute
	if w.backstop <= 0 {
		return interval, nil
	}
	health, err := w.store.SubscriptionHealthOf(ctx, user.TenantID, user.ID)
	if err != nil {
		return 0, err
	}
	if health.Healthy() {
		return max(interval, w.backstop), nil
	}
	return interval, nil
}

// complete runs record, when given, and completes the job in one transaction; then, in it, it serves
// the wake-ups the pass read and, if others wait, enqueues the mailbox's next pass at next.
func (w *Worker) complete(ctx context.Context, job *river.Job[SyncMailboxArgs], record func(tx *store.Tx) error, served []store.Wakeup, next time.Time) error {
	a := job.Args
	return w.store.InTx(ctx, func(tx *store.Tx) error {
		if record != nil {
			if err := record(tx); err != nil {
				return err
			}
		}
		if !next.IsZero() {
			if err := tx.LockWakeups(ctx, a.TenantID, a.UserID); err != nil {
				return err
			}
		}
		// Completing first locks the job's row until commit: a notification inserting its twin waits for
		// this transaction (PostgreSQL), so the count of wake-ups below sees every one whose insert the
		// job absorbed.
		if err := jobs.CompleteTx(ctx, tx, job); err != nil {
			return err
		}
		if next.IsZero() {
			return nil
		}
		left, err := tx.ServeWakeups(ctx, a.TenantID, a.UserID, served)
		if err != nil || left == 0 {
			return err
		}
		queue, err := jobs.InJob(ctx)
		if err != nil {
			return err
		}
		return queue.InsertTx(ctx, tx, SyncMailboxArgs{TenantID: a.TenantID, UserID: a.UserID}, &river.InsertOpts{ScheduledAt: next})
	})
}

// assertion opens the token kept for a user's pass; "" when none is kept (the pass then runs with the
// app's own permissions) or it cannot be opened (the key changed). With change notifications on, the
// token is kept until it expires, so that the passes notifications cause act as the user too; with them
// off it serves one pass.
func (w *Worker) assertion(ctx context.Context, tenantID, userID string, now time.Time) (string, error) {
	if w.box == nil {
		return "", nil
	}
	sealed, err := w.store.TakeSyncAssertion(ctx, tenantID, userID, now, w.backstop > 0)
	if err != nil || sealed == nil {
		return "", err
	}
	plain, err := w.box.Open(sealed, assertionPurpose)
	if err != nil {
		return "", nil
	}
	return string(plain), nil
}
