package notifications

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmsync/crmsync/internal/graph/notification"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/store"
)

// scheduleBatch is how many mailboxes one transaction enqueues.
const scheduleBatch = 500

// Scheduler enqueues the subscription work of the mailboxes that need it: new and re-enabled mailboxes,
// subscriptions near their end or failing and due for another try, and those of disabled mailboxes (or
// all of them, when notifications are off) to delete. River runs it on its leader only.
type Scheduler struct {
	store  *store.Store
	cfg    Config
	now    func() time.Time
	logger *slog.Logger
}

// NewScheduler builds the scheduler.
func NewScheduler(s *store.Store, cfg Config, now func() time.Time, logger *slog.Logger) *Scheduler {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{store: s, cfg: cfg, now: now, logger: logger}
}

// ScheduleArgs asks the scheduler to enqueue the subscription work due.
type ScheduleArgs struct{}

// Kind names the job.
func (ScheduleArgs) Kind() string { return "sync_subscriptions_schedule" }

// InsertOpts keeps one scheduling job at a time, on the default queue.
func (ScheduleArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByState: whileQueued}}
}

// PeriodicJob is the scheduler as a River periodic job, run by the leader at start and every interval.
func (s *Scheduler) PeriodicJob(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return ScheduleArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// Schedule enqueues into q one job per mailbox whose subscriptions need work, and returns how many.
func (s *Scheduler) Schedule(ctx context.Context, q jobs.Inserter) (int, error) {
	now := s.now().UTC()
	renewBy := now.Add(renewBefore(notification.KindMessages))
	inserted := 0
	var after store.MailboxKey
	for {
		due, err := s.store.SubscriptionWork(ctx, s.cfg.On, now, renewBy, after, scheduleBatch)
		if err != nil || len(due) == 0 {
			return inserted, err
		}
		args := make([]river.JobArgs, len(due))
		for i, k := range due {
			args[i] = SubscribeArgs{TenantID: k.TenantID, UserID: k.UserID}
		}
		err = s.store.InTx(ctx, func(tx *store.Tx) error {
			n, err := q.InsertManyTx(ctx, tx, args)
			inserted += n
			return err
		})
		if err != nil || len(due) < scheduleBatch {
			return inserted, err
		}
		after = due[len(due)-1]
	}
}

// SchedulerWorker runs the scheduler's periodic job.
type SchedulerWorker struct {
	river.WorkerDefaults[ScheduleArgs]
	scheduler *Scheduler
}

// NewSchedulerWorker makes the River worker of the scheduler's job.
func NewSchedulerWorker(s *Scheduler) *SchedulerWorker { return &SchedulerWorker{scheduler: s} }

// Work schedules the due subscription work. A failure is logged and left to the next run.
func (w *SchedulerWorker) Work(ctx context.Context, _ *river.Job[ScheduleArgs]) error {
	q, err := jobs.InJob(ctx)
	if err != nil {
		return err
	}
	n, err := w.scheduler.Schedule(ctx, q)
	if n > 0 {
		w.scheduler.logger.Info("scheduled subscription work", "mailboxes", n)
	}
	if err != nil {
		w.scheduler.logger.Error("schedule subscription work", "error", err.Error())
	}
	return nil
}
