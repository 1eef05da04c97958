package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/crmsync/crmsync/internal/bench"
)

const benchUsage = "usage: crmsync bench track|sync|notify [flags]   (run \"crmsync bench <name> -h\" for the flags)"

// runBench runs `crmsync bench track`, `crmsync bench sync` or `crmsync bench notify`. The database comes from --database-url
// only, never from CRMSYNC_DATABASE_URL, so that a benchmark cannot write into the database the
// environment points at by accident.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, benchUsage)
		return fmt.Errorf("bench: name the benchmark to run: track, sync or notify")
	}
	switch args[0] {
	case "track":
		return benchTrack(ctx, args[1:], stdout, stderr)
	case "sync":
		return benchSync(ctx, args[1:], stdout, stderr)
	case "notify":
		return benchNotify(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, benchUsage)
	return fmt.Errorf("bench: unknown benchmark %q; the benchmarks are track, sync and notify", args[0])
}

// benchTrack measures Track clicks: this binary, started as a child `serve`, against a fake Graph.
func benchTrack(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := bench.Defaults()
	fs := flag.NewFlagSet("bench track", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.Clients, "clients", cfg.Clients, "concurrent simulated users, each with its own mailbox and token")
	fs.IntVar(&cfg.Requests, "requests", cfg.Requests, "requests in the baseline and in the accept-path burst, shared among the clients")
	fs.DurationVar(&cfg.GraphLatency, "graph-latency", cfg.GraphLatency, "how long the fake Graph takes to answer every call")
	fs.IntVar(&cfg.E2E, "e2e", cfg.E2E, "clicks measured from click to done once the backlog is worked (0 to skip)")
	fs.Float64Var(&cfg.E2ERate, "e2e-rate", cfg.E2ERate, "end-to-end clicks per second")
	fs.StringVar(&cfg.DatabaseURL, "database-url", "", "postgres://… for PostgreSQL (use a scratch database or schema); empty for SQLite in a temporary dir")
	if err := fs.Parse(args); err != nil {
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

// benchSync measures mailbox synchronization cycles, in this process, against a fake Graph.
func benchSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := bench.SyncDefaults()
	fs := flag.NewFlagSet("bench sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&cfg.Mailboxes, "mailboxes", "fleet sizes to measure, comma-separated, each on a fresh database")
	fs.DurationVar(&cfg.GraphLatency, "graph-latency", cfg.GraphLatency, "how long the fake Graph takes to answer every call")
	fs.Float64Var(&cfg.Changed, "changed", cfg.Changed, "share of the mailboxes changed before the changed cycle")
	fs.IntVar(&cfg.InitialItems, "initial-items", cfg.InitialItems, "items of the one mailbox whose initial synchronization is measured (0 to skip)")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "synchronization jobs run at once (the service's sync queue runs 16)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", "", "postgres://… for PostgreSQL (a schema per fleet is created and dropped); empty for SQLite in a temporary dir")
	fs.StringVar(&cfg.CPUProfile, "cpu-profile", "", "write CPU and blocking profiles of each fleet's quiet cycle to this path, suffixed with .<mailboxes>, and of its changed cycle, suffixed with .<mailboxes>.changed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench sync: unexpected argument %q", fs.Arg(0))
	}
	return bench.RunSync(ctx, cfg, stdout, stderr)
}

// benchNotify measures change notifications, in this process, against a fake Graph that posts them.
func benchNotify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := bench.NotifyDefaults()
	fs := flag.NewFlagSet("bench notify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&cfg.Mailboxes, "mailboxes", "fleet sizes to measure, comma-separated, each on a fresh database")
	fs.DurationVar(&cfg.GraphLatency, "graph-latency", cfg.GraphLatency, "how long the fake Graph takes to answer every call")
	fs.Float64Var(&cfg.Share, "share", cfg.Share, "share of the mailboxes that receive a new email at once")
	fs.IntVar(&cfg.Rate, "rate", cfg.Rate, "notifications a second posted to measure the endpoint's latency")
	fs.DurationVar(&cfg.RateFor, "rate-for", cfg.RateFor, "for how long")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "synchronization jobs run at once (the service's sync queue runs 16)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", "", "postgres://… for PostgreSQL (a schema per fleet is created and dropped); empty for SQLite in a temporary dir")
	fs.StringVar(&cfg.CPUProfile, "cpu-profile", "", "write a CPU profile of each fleet's endpoint phase to this path, suffixed with .<mailboxes>")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench notify: unexpected argument %q", fs.Arg(0))
	}
	return bench.RunNotify(ctx, cfg, stdout, stderr)
}
