package mailsync

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/store"
)

// Queue is the River queue mailbox synchronizations run on.
const Queue = "sync"

// ScheduleInterval is how often the scheduler looks for due mailboxes, unless configured otherwise
// (CRMSYNC_SCHEDULE_INTERVAL).
const ScheduleInterval = 30 * time.Second

// scheduleBatch is how many mailboxes one transaction enqueues.
const scheduleBatch = 500

// clientRequestWindow is how long a client-mode request to synchronize stays worth serving: a request
// older than the longest interval is from a taskpane that has long been closed.
const clientRequestWindow = crm.MaxSyncIntervalMinutes * time.Minute

// whileQueued are the job states in which a mailbox's job keeps another from being inserted: from
// waiting to running and retrying, never after it finished.
var whileQueued = []rivertype.JobState{rivertype.JobStatePending, rivertype.JobStateScheduled,
	rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable}

// SyncMailboxArgs asks for one synchronization pass of a user's mailbox.
type SyncMailboxArgs struct {
	TenantID string `json:"tenantId"`
	UserID   string `json:"userId"`
}

// Kind names the job.
func (SyncMailboxArgs) Kind() string { return "sync_mailbox" }

// InsertOpts makes the job unique per mailbox while it is queued or running, so a mailbox never
// synchronizes twice at once, whichever replica schedules it.
func (SyncMailboxArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: whileQueued}}
}

// ScheduleArgs asks the scheduler to enqueue the due mailboxes.
type ScheduleArgs struct{}

// Kind names the job.
func (ScheduleArgs) Kind() string { return "sync_schedule" }

// InsertOpts keeps one scheduling job at a time; it runs on the default queue so that a backlog of
// synchronizations never delays it.
func (ScheduleArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByState: whileQueued}}
}

// Scheduler enqueues the synchronization of due mailboxes.
type Scheduler struct {
	store  *store.Store
	now    func() time.Time
	logger *slog.Logger
}

// NewScheduler builds the scheduler.
func NewScheduler(s *store.Store, now func() time.Time, logger *slog.Logger) *Scheduler {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{store: s, now: now, logger: logger}
}

// PeriodicJob is the scheduler as a River periodic job: River runs it on its elected leader only, at
// start and then every interval (ScheduleInterval by default).
func (s *Scheduler) PeriodicJob(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return ScheduleArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// Schedule creates the rows of mailboxes seen for the first time and enqueues into q one job per due
// mailbox, in batches. It returns how many jobs it inserted; mailboxes whose job is still queued or
// running are skipped by River's uniqueness.
//
// Each batch reads the due mailboxes and inserts their jobs in one transaction. Read apart, a pass that
// recorded its outcome (and completed its job) between the read and the insert got a second job at once,
// as its mailbox still looked due and its finished job no longer counted for uniqueness: 4–7 % of the
// passes in the replica test were such a redundant second pass. Now such a pass either commits before
// the read (its mailbox is not due), or after the insert, which then still sees its job running and
// skips the mailbox (see store.Tx.DueMailboxes). Jobs enqueued for other reasons (a client's request)
// are untouched.
func (s *Scheduler) Schedule(ctx context.Context, q jobs.Inserter) (int, error) {
	now := s.now().UTC()
	if _, err := s.store.EnsureMailboxes(ctx, now); err != nil {
		return 0, err
	}
	inserted := 0
	var after store.MailboxKey
	for {
		var due []store.MailboxKey
		n := 0
		err := s.store.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if due, err = tx.DueMailboxes(ctx, now, now.Add(-clientRequestWindow), after, scheduleBatch); err != nil {
				return err
			}
			n, err = q.InsertManyTx(ctx, tx, syncJobs(due))
			return err
		})
		if err != nil {
			return inserted, err
		}
		inserted += n
		if len(due) < scheduleBatch {
			return inserted, nil
		}
		after = due[len(due)-1]
	}
}

// syncJobs are the synchronization jobs of the mailboxes.
func syncJobs(mailboxes []store.MailboxKey) []river.JobArgs {
	args := make([]river.JobArgs, len(mailboxes))
	for i, m := range mailboxes {
		args[i] = SyncMailboxArgs{TenantID: m.TenantID, UserID: m.UserID}
	}
	return args
}

// SchedulerWorker runs the scheduler's periodic job.
type SchedulerWorker struct {
	river.WorkerDefaults[ScheduleArgs]
	scheduler *Scheduler
}

// NewSchedulerWorker makes the River worker of the scheduler's job.
func NewSchedulerWorker(s *Scheduler) *SchedulerWorker { return &SchedulerWorker{scheduler: s} }

// Work schedules the due mailboxes. A failure is logged and left to the next run.
func (w *SchedulerWorker) Work(ctx context.Context, _ *river.Job[ScheduleArgs]) error {
	q, err := jobs.InJob(ctx)
	if err != nil {
		return err
	}
	n, err := w.scheduler.Schedule(ctx, q)
	if n > 0 {
		w.scheduler.logger.Info("scheduled mailbox synchronizations", "jobs", n)
	}
	if err != nil {
		w.scheduler.logger.Error("schedule mailbox synchronizations", "error", err.Error())
	}
	return nil
}
