// Package bench measures the Track click against the real service: it runs crmsync as a child process in
// local mode against an in-process fake Graph with a fixed latency, drives it with many concurrent users,
// and prints a Markdown table of throughput and latency for docs/benchmarks.md. RunSync (sync.go)
// measures mailbox synchronization cycles the same way, with the service's parts wired in-process.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Config is one benchmark run.
type Config struct {
	Clients      int           // concurrent simulated users, one mailbox each
	Requests     int           // requests per burst (baseline and accept path), shared among the clients
	GraphLatency time.Duration // how long the fake Graph takes to answer every call
	E2E          int           // clicks measured end to end once the backlog is drained
	E2ERate      float64       // end-to-end clicks per second
	DatabaseURL  string        // empty for SQLite in a temporary data dir, or postgres://…
	Executable   string        // the crmsync binary to run as the service
	Environ      []string      // the environment the service inherits; CRMSYNC_* variables are dropped
}

// Defaults returns the configuration of a standard run.
func Defaults() Config {
	return Config{Clients: 200, Requests: 4000, GraphLatency: 50 * time.Millisecond, E2E: 300, E2ERate: 20}
}

// maxClients bounds the simulated users: each is a mailbox, a token and a goroutine.
const maxClients = 10000

// Validate reports every setting that cannot run, in one error.
func (c Config) Validate() error {
	var errs []error
	if c.Clients < 1 || c.Clients > maxClients {
		errs = append(errs, fmt.Errorf("--clients %d: must be between 1 and %d", c.Clients, maxClients))
	}
	if c.Requests < c.Clients {
		errs = append(errs, fmt.Errorf("--requests %d: must be at least --clients (%d), so that every client sends one", c.Requests, c.Clients))
	}
	if c.GraphLatency < 0 {
		errs = append(errs, fmt.Errorf("--graph-latency %s: must not be negative", c.GraphLatency))
	}
	if c.E2E < 0 {
		errs = append(errs, fmt.Errorf("--e2e %d: must not be negative", c.E2E))
	}
	if c.E2E > 0 && !(c.E2ERate > 0) {
		errs = append(errs, fmt.Errorf("--e2e-rate %g: must be above 0", c.E2ERate))
	}
	if u := c.DatabaseURL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		errs = append(errs, errors.New("--database-url: must be empty (SQLite) or postgres://…"))
	}
	if c.Executable == "" {
		errs = append(errs, errors.New("the crmsync executable is unknown"))
	}
	return errors.Join(errs...)
}

// database names the database the service runs on, for the report.
func (c Config) database() string {
	if c.DatabaseURL == "" {
		return "SQLite"
	}
	return "PostgreSQL"
}

// Run runs the benchmark: progress goes to stderr, the Markdown report to stdout. Cancelling ctx stops
// the service gracefully and returns.
func Run(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	dataDir, err := os.MkdirTemp("", "crmsync-bench-*")
	if err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	defer os.RemoveAll(dataDir)

	users := userNames(cfg.Clients)
	perUser := ceilDiv(cfg.Requests, cfg.Clients) + ceilDiv(cfg.E2E, cfg.Clients)
	progress(stderr, "seeding a fake Graph (%s latency) with %d mailboxes of %d messages", cfg.GraphLatency, len(users), perUser)
	graph, err := startGraph(cfg.GraphLatency, users, perUser)
	if err != nil {
		return err
	}
	defer graph.close()

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	tokens, err := mintTokens(dataDir, addr, users)
	if err != nil {
		return err
	}
	progress(stderr, "starting crmsync on %s (%s)", addr, cfg.database())
	svc, err := startService(ctx, cfg, addr, dataDir, graph.url)
	if err != nil {
		return err
	}
	defer func() { _ = svc.stop() }() // on an early return, whose error is the one to report

	l := newLoad("http://"+addr, tokens, graph.items, cfg.Clients)
	rep, err := measure(ctx, cfg, l, stderr)
	if err != nil {
		return err
	}
	if err := svc.stop(); err != nil {
		return err
	}
	rep.log = svc.logs.tally()
	rep.write(stdout)
	return nil
}

// measure runs the phases in order: warm-up, baseline, accept path, backlog, end to end.
func measure(ctx context.Context, cfg Config, l *load, stderr io.Writer) (report, error) {
	rep := report{cfg: cfg, date: time.Now()}
	progress(stderr, "warm-up: one GET /api/v1/me per user (creates the users)")
	if err := l.warmUp(ctx); err != nil {
		return rep, err
	}
	progress(stderr, "baseline: %d × GET /api/v1/me from %d clients", cfg.Requests, cfg.Clients)
	base, err := l.baseline(ctx, cfg.Requests)
	if err != nil {
		return rep, err
	}
	rep.baseline = base
	progress(stderr, "accept path: %d × POST /api/v1/track from %d clients", cfg.Requests, cfg.Clients)
	acc, clicks, err := l.accept(ctx, cfg.Requests)
	if err != nil {
		return rep, err
	}
	rep.accept = acc
	progress(stderr, "waiting for the %d accepted clicks to be worked", len(clicks))
	if rep.backlog, err = l.drain(ctx, clicks); err != nil {
		return rep, err
	}
	if cfg.E2E > 0 {
		progress(stderr, "end to end: %d clicks at %g/s", cfg.E2E, cfg.E2ERate)
		first := ceilDiv(cfg.Requests, cfg.Clients) // each user's messages after those the accept path used
		if rep.e2e, err = l.endToEnd(ctx, cfg.E2E, cfg.E2ERate, first); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func progress(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
