package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/mailsync"
	"github.com/crmsync/crmsync/internal/records"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/tracking"
)

// The service's own settings (server/wiring.go and config's defaults), which the benchmark keeps.
const (
	trackingWorkers = 32
	defaultWorkers  = 8
	pollInterval    = 50 * time.Millisecond
	jobTimeout      = 2 * time.Minute
)

// schedulerLead is how far ahead of the wall clock the benchmark's scheduler runs: a day is past every
// mailbox's next_sync_at (the longest interval), so each cycle finds every mailbox due without waiting.
const schedulerLead = 24 * time.Hour

// syncService is the service's background synchronization, wired as server/wiring.go wires it, in this
// process: the real store and River on one database, the tracking service, the delta and items engines
// and the real Graph client (msgraph-sdk-go) talking over loopback HTTP to a graphfake.
type syncService struct {
	store     *store.Store
	fake      *graphfake.Server
	queue     *jobs.Queue
	scheduler *mailsync.Scheduler
	srv       *http.Server
	conns     atomic.Int64 // connections the fake Graph accepted: the client's pool at work
	closers   []func()     // run in reverse order by close
}

// graphMailReader gives the delta engine Graph's delta pages in its own type (as server/wiring.go does).
type graphMailReader struct{ *graph.Mailbox }

func (g graphMailReader) MessagesDelta(ctx context.Context, folder, link string) (mailsync.DeltaPage, error) {
	p, err := g.Mailbox.MessagesDelta(ctx, folder, link)
	return mailsync.DeltaPage(p), err
}

// startSyncService opens a fresh database, serves a fake Graph and starts River working jobs.
func startSyncService(ctx context.Context, cfg SyncConfig, stderr io.Writer) (_ *syncService, err error) {
	s := &syncService{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.store, err = openScratchStore(ctx, cfg.DatabaseURL, s); err != nil {
		return nil, err
	}
	if err := s.store.Migrate(ctx); err != nil {
		return nil, err
	}
	graphURL, err := s.serveGraph(cfg.GraphLatency)
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	client, err := graph.NewClient(graph.Options{BaseURL: graphURL, DevToken: "bench", Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("graph client: %w", err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := secretbox.New(key)
	if err != nil {
		return nil, err
	}
	open := func(ctx context.Context, u tracking.MailboxUser) (tracking.Mailbox, error) {
		return client.Mailbox(graph.User{TenantID: u.TenantID, ObjectID: u.ObjectID, Assertion: u.Assertion})
	}
	recs := records.New(s.store, nil)
	svc := tracking.New(s.store, recs, open, box, logger)
	readMail := func(ctx context.Context, m mailsync.Mailbox) (mailsync.MailReader, error) {
		mb, err := client.Mailbox(graph.User{TenantID: m.TenantID, ObjectID: m.ObjectID, Assertion: m.Assertion})
		if err != nil {
			return nil, err
		}
		return graphMailReader{mb}, nil
	}
	openItems := func(ctx context.Context, m mailsync.Mailbox) (mailsync.Items, error) {
		return client.Mailbox(graph.User{TenantID: m.TenantID, ObjectID: m.ObjectID, Assertion: m.Assertion})
	}
	syncer := mailsync.Passes{mailsync.NewDeltaEngine(s.store, readMail, svc, logger), mailsync.NewItemsEngine(s.store, recs, openItems, logger)}
	// The scheduler runs ahead of the clock and is called by the benchmark, not by River's periodic job,
	// so that a cycle starts when the benchmark says.
	s.scheduler = mailsync.NewScheduler(s.store, func() time.Time { return time.Now().Add(schedulerLead) }, logger)
	worker := mailsync.NewWorker(s.store, syncer, nil, logger)
	requests := mailsync.NewClientRequests(s.store, box)
	worker.ActAsUsers(requests)
	registry := river.NewWorkers()
	river.AddWorker(registry, tracking.NewWorker(svc))
	river.AddWorker(registry, worker)
	if err := jobs.Migrate(ctx, s.store); err != nil {
		return nil, err
	}
	s.queue, err = jobs.New(s.store, jobs.Options{
		Workers:      registry,
		Queues:       map[string]int{tracking.Queue: trackingWorkers, mailsync.Queue: cfg.Workers, river.QueueDefault: defaultWorkers},
		PollInterval: pollInterval,
		JobTimeout:   jobTimeout,
		RescueAfter:  jobTimeout + jobTimeout/2,
		Logger:       logger,
	})
	if err != nil {
		return nil, err
	}
	svc.SetQueue(s.queue)
	s.scheduler.SetQueue(s.queue)
	worker.SetQueue(s.queue)
	requests.SetQueue(s.queue)
	if err := s.queue.Start(ctx); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.queue.Stop(stopCtx) // a benchmark that stops early has reported why already
	})
	return s, nil
}

// serveGraph serves a new graphfake on loopback and returns its base URL, ending in /v1.0.
func (s *syncService) serveGraph(latency time.Duration) (string, error) {
	s.fake = graphfake.New(graphfake.WithLatency(latency))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen for the fake graph: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1.0/", http.StripPrefix("/v1.0", s.fake.Handler()))
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ConnState: func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}}
	go s.srv.Serve(l) //nolint:errcheck // returns ErrServerClosed from close; the passes report Graph failures
	s.closers = append(s.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.srv.Shutdown(ctx) // only the benchmark's own connections remain
	})
	return "http://" + l.Addr().String() + "/v1.0", nil
}

// close stops River, the fake Graph and the database, and removes the database.
func (s *syncService) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// openScratchStore opens a database that only this run uses and registers its removal with s: SQLite in
// a new temporary directory, or a new schema on the PostgreSQL server databaseURL names.
func openScratchStore(ctx context.Context, databaseURL string, s *syncService) (*store.Store, error) {
	if databaseURL == "" {
		dir, err := os.MkdirTemp("", "crmsync-bench-sync-*")
		if err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		s.closers = append(s.closers, func() { os.RemoveAll(dir) })
		db, err := store.Open(ctx, "", dir)
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, func() { db.Close() })
		return db, nil
	}
	schemaURL, drop, err := scratchSchema(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, drop)
	db, err := store.Open(ctx, schemaURL, "")
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { db.Close() })
	return db, nil
}

// scratchSchema creates a schema named bench_sync_… on the server and returns a URL whose connections
// use it, and the function that drops it.
func scratchSchema(ctx context.Context, databaseURL string) (string, func(), error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", nil, fmt.Errorf("--database-url: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "bench_sync_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return "", nil, fmt.Errorf("open postgres: %w", err)
	}
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	drop := func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			fmt.Fprintf(os.Stderr, "drop schema %s: %v\n", schema, err)
		}
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// rebind rewrites ? placeholders for the store's database.
func (s *syncService) rebind(query string) string {
	if s.store.Dialect() != store.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
