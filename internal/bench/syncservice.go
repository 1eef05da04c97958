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

	"github.com/crmsync/crmsync/internal/config"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/service"
	"github.com/crmsync/crmsync/internal/store"
)

// schedulerLead is how far ahead of the wall clock the benchmark's scheduler runs: a day is past every
// mailbox's next_sync_at (the longest interval), so each cycle finds every mailbox due without waiting.
const schedulerLead = 24 * time.Hour

// syncService is the service as serve builds it (service.New, with the service's default configuration)
// in this process: the real store and River on one database, tracking, the delta and items engines and
// the real Graph client (msgraph-sdk-go) talking over loopback HTTP to a graphfake. Only the scheduler
// differs: its clock runs ahead, and the benchmark calls it instead of River's periodic job, so that a
// cycle starts when the benchmark says.
type syncService struct {
	log   *logTally // the service's warnings and errors
	store *store.Store
	fake  *graphfake.Server
	svc   *service.Service
	srv   *http.Server
	conns atomic.Int64 // connections the fake Graph accepted: the client's pool at work
	// tenantID is the id of the fleet's tenant, which the fake Graph's notifications carry; empty: any.
	tenantID string
	closers  []func() // run in reverse order by close
}

// startSyncService opens a fresh database, serves a fake Graph and starts the service working jobs.
func startSyncService(ctx context.Context, cfg SyncConfig, stderr io.Writer) (_ *syncService, err error) {
	s := &syncService{log: &logTally{}}
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
	// The service's defaults, as serve reads them from an empty environment.
	conf, err := config.Load("bench sync", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		return nil, fmt.Errorf("the service's default configuration: %w", err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s.svc, err = service.New(ctx, conf, service.Options{Store: s.store, EncryptionKeys: [][]byte{key}, GraphURL: graphURL, DevToken: "bench",
		Logger:      slog.New(tallyHandler{Handler: slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}), tally: s.log}),
		SyncWorkers: cfg.Workers, ScheduleClock: func() time.Time { return time.Now().Add(schedulerLead) }, ManualSchedule: true})
	if err != nil {
		return nil, err
	}
	if err := s.svc.Start(ctx); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.svc.Stop(stopCtx) // a benchmark that stops early has reported why already
	})
	return s, nil
}

// schedule runs the scheduler once, as River's periodic job does every 30 seconds in the service.
func (s *syncService) schedule(ctx context.Context) (int, error) {
	return s.svc.Scheduler.Schedule(ctx, s.svc.Queue.Inserter)
}

// serveGraph serves a new graphfake on loopback and returns its base URL, ending in /v1.0.
func (s *syncService) serveGraph(latency time.Duration, opts ...graphfake.Option) (string, error) {
	s.fake = graphfake.New(append([]graphfake.Option{graphfake.WithLatency(latency)}, opts...)...)
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
