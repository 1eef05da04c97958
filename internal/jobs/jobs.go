// Package jobs runs durable background work with River in the service's own database: the same pool as
// the store, so a use case can insert a job, or complete the one it is working, in the transaction that
// holds its other writes. Job kinds live with the use case that owns them; this package only wires River.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/telemetry"
)

// Options configures the queue.
type Options struct {
	Workers *river.Workers
	// Queues maps queue names to how many jobs of that queue run at once in this process.
	Queues map[string]int
	// PollInterval is how often idle workers look for new jobs besides being told of them: on PostgreSQL
	// by LISTEN/NOTIFY (River's pgx listener, beside database/sql), on SQLite by River's notification
	// table, which its listener reads every 50 ms. A backstop, so it may be long.
	PollInterval time.Duration
	// JobTimeout bounds one attempt of a job.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before River assumes its process died. On SQLite,
	// which one process owns, jobs left running by a killed process are rescued at start instead.
	RescueAfter  time.Duration
	PeriodicJobs []*river.PeriodicJob
	Logger       *slog.Logger
}

// Queue is the River client of this process. Its Inserter enqueues jobs from outside them (the API's
// requests); code that runs inside a job enqueues through InJob instead, so that no part needs the queue
// before River's client, which needs the workers, exists.
type Queue struct {
	Inserter
	dialect store.Dialect
	db      *sql.DB
	logger  *slog.Logger
	listen  *pgxpool.Pool // River's LISTEN connection on PostgreSQL; nil otherwise
}

// Inserter enqueues jobs inside a store transaction through a River client: the queue's, or that of the
// job being worked (InJob).
type Inserter struct {
	client *river.Client[*sql.Tx]
}

// InJob returns the Inserter of the job whose Work ctx is, through River's client in the context
// (river.ClientFromContext).
func InJob(ctx context.Context) (Inserter, error) {
	client, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return Inserter{}, fmt.Errorf("enqueue from a job: %w", err)
	}
	return Inserter{client: client}, nil
}

// driverFor is River's driver on the store's pool. On PostgreSQL, with a listen pool, River still writes
// through database/sql — so that a job is inserted, or completed, in the store's own transaction — and
// listens through pgx (riverpgxv5's listener) to be told of new jobs at once.
func driverFor(s *store.Store, listen *pgxpool.Pool) riverdriver.Driver[*sql.Tx] {
	switch {
	case s.Dialect() == store.Postgres && listen != nil:
		return riverdatabasesql.NewWithPgxListener(s.DB(), listen)
	case s.Dialect() == store.Postgres:
		return riverdatabasesql.New(s.DB())
	}
	return riversqlite.New(s.DB())
}

// Migrate brings River's own tables up to date. On PostgreSQL an advisory lock keeps replicas that start
// together from migrating at once.
func Migrate(ctx context.Context, s *store.Store) error {
	migrator, err := rivermigrate.New(driverFor(s, nil), nil)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if s.Dialect() == store.Postgres {
		conn, err := s.DB().Conn(ctx)
		if err != nil {
			return fmt.Errorf("river migration lock: %w", err)
		}
		defer conn.Close()
		const lockID = 7_261_544_013 // any constant unique to this purpose
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockID); err != nil {
			return fmt.Errorf("river migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockID) //nolint:errcheck // released with the session anyway
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river tables: %w", err)
	}
	return nil
}

// New builds the queue on the store's database. It does not start working jobs.
func New(s *store.Store, opts Options) (*Queue, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	queues := map[string]river.QueueConfig{}
	for name, n := range opts.Queues {
		queues[name] = river.QueueConfig{MaxWorkers: n}
	}
	cfg := &river.Config{
		Logger:       opts.Logger,
		Workers:      opts.Workers,
		Queues:       queues,
		PeriodicJobs: opts.PeriodicJobs,
		JobTimeout:   opts.JobTimeout,
		// The least time between two fetches of a queue, and between two insert notifications River
		// sends for it: a worker freed under a backlog takes its next job within it, and a job inserted
		// into an idle queue is told of at once. River's default, 100 ms, would leave a slot idle for up
		// to that long after each job, and let most of a busy queue's inserts go untold; much less, and
		// each job freed would cost a fetch of its own (a write, on SQLite).
		FetchCooldown:        min(opts.PollInterval, fetchCooldown),
		FetchPollInterval:    opts.PollInterval,
		RescueStuckJobsAfter: opts.RescueAfter,
		Middleware:           []rivertype.Middleware{&jobContext{}},
	}
	var listen *pgxpool.Pool
	if len(queues) == 0 {
		cfg.Workers, cfg.Queues = nil, nil // insert-only client
	} else if s.Dialect() == store.Postgres {
		var err error
		if listen, err = s.ListenerPool(); err != nil {
			return nil, err
		}
	}
	client, err := river.NewClient(driverFor(s, listen), cfg)
	if err != nil {
		if listen != nil {
			listen.Close()
		}
		return nil, fmt.Errorf("river client: %w", err)
	}
	return &Queue{Inserter: Inserter{client: client}, dialect: s.Dialect(), db: s.DB(), logger: opts.Logger, listen: listen}, nil
}

// fetchCooldown is River's FetchCooldown (see New).
const fetchCooldown = 10 * time.Millisecond

// jobContext tells the work of every job which attempt it is (telemetry.WithJob), so that what the job
// sends elsewhere names it: Graph requests carry it in a header.
type jobContext struct{ river.MiddlewareDefaults }

// Work runs the job with its attempt in the context.
func (*jobContext) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	return doInner(telemetry.WithJob(ctx, telemetry.Job{Kind: job.Kind, ID: job.ID, Attempt: job.Attempt}))
}

// Start rescues jobs orphaned by a killed process (SQLite) and starts working.
func (q *Queue) Start(ctx context.Context) error {
	if q.dialect == store.SQLite {
		// One process owns a SQLite database, so a job still "running" at start belonged to a process that
		// died: make it available again now rather than after RescueAfter.
		res, err := q.db.ExecContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = ?
			WHERE state = 'running'`, time.Now().UTC())
		if err != nil {
			return fmt.Errorf("rescue orphaned jobs: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			q.logger.Warn("rescued jobs left running by a previous process", "jobs", n)
		}
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("start river: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for running ones to finish, or for ctx to end, in which case
// running jobs are cancelled and River retries them later.
func (q *Queue) Stop(ctx context.Context) error {
	if q.listen != nil {
		defer q.listen.Close()
	}
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return q.client.StopAndCancel(context.Background())
	}
	if err != nil {
		return fmt.Errorf("stop river: %w", err)
	}
	return nil
}

// Client exposes River's client, for subscriptions in tests and for job management.
func (q *Queue) Client() *river.Client[*sql.Tx] { return q.client }

// InsertTx enqueues a job inside the caller's store transaction: it exists exactly when the transaction
// commits.
func (in Inserter) InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if in.client == nil {
		return fmt.Errorf("enqueue %s: no queue", args.Kind())
	}
	if _, err := in.client.InsertTx(ctx, tx.Unwrap(), args, opts); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// InsertManyTx enqueues jobs inside the caller's store transaction and returns how many it inserted: a
// unique job whose twin is still queued is skipped.
func (in Inserter) InsertManyTx(ctx context.Context, tx *store.Tx, args []river.JobArgs) (int, error) {
	if len(args) == 0 {
		return 0, nil
	}
	if in.client == nil {
		return 0, fmt.Errorf("enqueue %d %s jobs: no queue", len(args), args[0].Kind())
	}
	params := make([]river.InsertManyParams, len(args))
	for i, a := range args {
		params[i] = river.InsertManyParams{Args: a}
	}
	res, err := in.client.InsertManyTx(ctx, tx.Unwrap(), params)
	if err != nil {
		return 0, fmt.Errorf("enqueue %d %s jobs: %w", len(args), args[0].Kind(), err)
	}
	inserted := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			inserted++
		}
	}
	return inserted, nil
}

// CompleteTx marks the job being worked as completed inside the caller's store transaction, so that its
// effects and its completion commit together. It must be called from the job's Work, whose context
// carries River's client (and so the driver of the queue's database); the type argument only names the
// transaction type, *sql.Tx, which both drivers share.
func CompleteTx[T river.JobArgs](ctx context.Context, tx *store.Tx, job *river.Job[T]) error {
	if _, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx.Unwrap(), job); err != nil {
		return fmt.Errorf("complete job %d: %w", job.ID, err)
	}
	return nil
}
