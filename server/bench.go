package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/crmsync/crmsync/internal/bench"
)

// runBench runs `crmsync bench track`: this binary, started as a child `serve`, measured against a fake
// Graph. The database comes from --database-url only, never from CRMSYNC_DATABASE_URL, so that a
// benchmark cannot write into the database the environment points at by accident.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "track" {
		fmt.Fprintln(stderr, "usage: crmsync bench track [flags]   (run \"crmsync bench track -h\" for the flags)")
		return fmt.Errorf("bench: name the benchmark to run; the only one is track")
	}
	cfg := bench.Defaults()
	fs := flag.NewFlagSet("bench track", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.Clients, "clients", cfg.Clients, "concurrent simulated users, each with its own mailbox and token")
	fs.IntVar(&cfg.Requests, "requests", cfg.Requests, "requests in the baseline and in the accept-path burst, shared among the clients")
	fs.DurationVar(&cfg.GraphLatency, "graph-latency", cfg.GraphLatency, "how long the fake Graph takes to answer every call")
	fs.IntVar(&cfg.E2E, "e2e", cfg.E2E, "clicks measured from click to done once the backlog is worked (0 to skip)")
	fs.Float64Var(&cfg.E2ERate, "e2e-rate", cfg.E2ERate, "end-to-end clicks per second")
	fs.StringVar(&cfg.DatabaseURL, "database-url", "", "postgres://… for PostgreSQL (use a scratch database or schema); empty for SQLite in a temporary dir")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench track: unexpected argument %q", fs.Arg(0))
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the crmsync executable: %w", err)
	}
	cfg.Executable, cfg.Environ = exe, os.Environ()
	return bench.Run(ctx, cfg, stdout, stderr)
}
