package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// SyncConfig is one run of the synchronization benchmark (`crmsync bench sync`): mailbox
// synchronization as the service wires it, in this process, against a fake Graph with a fixed latency.
type SyncConfig struct {
	Mailboxes    Counts        // the fleet sizes measured, each on a fresh database
	GraphLatency time.Duration // how long the fake Graph takes to answer every call
	Changed      float64       // the share of mailboxes changed before the changed cycle
	InitialItems int           // Outlook items of the one mailbox whose initial synchronization is measured (0 to skip)
	Workers      int           // synchronization jobs run at once (the sync queue's size)
	DatabaseURL  string        // empty for SQLite in a temporary dir, or postgres://… (a schema per run, dropped after)
	CPUProfile   string        // when set, each fleet's quiet cycle is profiled into CPUProfile.<mailboxes>, its changed one into ….changed

	skipSettle bool // tests: start the first cycle right after seeding (see seedSettle)
}

// SyncDefaults returns the configuration of a standard run: the service's own queue size (16).
func SyncDefaults() SyncConfig {
	return SyncConfig{Mailboxes: Counts{1000, 10000}, GraphLatency: 20 * time.Millisecond, Changed: 0.01,
		InitialItems: 10000, Workers: 16}
}

// Counts is a comma-separated list of positive whole numbers, as a flag.
type Counts []int

// String lists the counts as the flag takes them.
func (c *Counts) String() string {
	if c == nil {
		return ""
	}
	parts := make([]string, len(*c))
	for i, n := range *c {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

// Set replaces the counts with those of s, such as "1000,10000".
func (c *Counts) Set(s string) error {
	var out Counts
	if strings.TrimSpace(s) == "" {
		*c = out // no fleets: only the large mailbox
		return nil
	}
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return fmt.Errorf("%q is not a positive whole number", part)
		}
		out = append(out, n)
	}
	*c = out
	return nil
}

// maxMailboxes bounds a fleet: each mailbox is a user, a fake mailbox and a few CRM records.
const maxMailboxes = 100000

// Validate reports every setting that cannot run, in one error.
func (c SyncConfig) Validate() error {
	var errs []error
	if len(c.Mailboxes) == 0 && c.InitialItems == 0 {
		errs = append(errs, errors.New("--mailboxes and --initial-items: nothing to measure"))
	}
	for _, n := range c.Mailboxes {
		if n < 1 || n > maxMailboxes {
			errs = append(errs, fmt.Errorf("--mailboxes %d: must be between 1 and %d", n, maxMailboxes))
		}
	}
	if c.GraphLatency < 0 {
		errs = append(errs, fmt.Errorf("--graph-latency %s: must not be negative", c.GraphLatency))
	}
	if !(c.Changed > 0 && c.Changed <= 1) {
		errs = append(errs, fmt.Errorf("--changed %g: must be above 0 and at most 1", c.Changed))
	}
	if c.InitialItems < 0 || (c.InitialItems > 0 && c.InitialItems < 10) || c.InitialItems > 1_000_000 {
		errs = append(errs, fmt.Errorf("--initial-items %d: must be 0 (skip) or between 10 and 1000000", c.InitialItems))
	}
	if c.Workers < 1 || c.Workers > 1000 {
		errs = append(errs, fmt.Errorf("--workers %d: must be between 1 and 1000", c.Workers))
	}
	if u := c.DatabaseURL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		errs = append(errs, errors.New("--database-url: must be empty (SQLite) or postgres://…"))
	}
	return errors.Join(errs...)
}

// startCPUProfile profiles the process's CPU into path, and where goroutines wait (channels, locks,
// the SQLite write slot) into path.block, until the returned function is called.
func startCPUProfile(path string) (func() error, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create the CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start the CPU profile: %w", err)
	}
	runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	return func() error {
		pprof.StopCPUProfile()
		runtime.SetBlockProfileRate(0)
		b, err := os.Create(path + ".block")
		if err == nil {
			err = pprof.Lookup("block").WriteTo(b, 0)
			err = errors.Join(err, b.Close())
		}
		return errors.Join(err, f.Close())
	}, nil
}

func (c SyncConfig) database() string {
	if c.DatabaseURL == "" {
		return "SQLite"
	}
	return "PostgreSQL"
}

// changedOf is how many of n mailboxes the changed cycle changes: at least one.
func (c SyncConfig) changedOf(n int) int {
	return min(n, max(1, int(math.Round(float64(n)*c.Changed))))
}

// RunSync runs the synchronization benchmark: progress goes to stderr, the Markdown report to stdout.
// Each fleet size, and the large mailbox, gets a fresh database and a fresh fake Graph.
func RunSync(ctx context.Context, cfg SyncConfig, stdout, stderr io.Writer) error {
	rep, err := measureSync(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	rep.write(stdout)
	return nil
}

func measureSync(ctx context.Context, cfg SyncConfig, stderr io.Writer) (syncReport, error) {
	rep := syncReport{cfg: cfg, date: time.Now()}
	if err := cfg.Validate(); err != nil {
		return rep, err
	}
	for _, n := range cfg.Mailboxes {
		fleet, err := measureFleet(ctx, cfg, n, stderr)
		if err != nil {
			return rep, fmt.Errorf("%d mailboxes: %w", n, err)
		}
		rep.fleets = append(rep.fleets, fleet)
	}
	if cfg.InitialItems > 0 {
		big, err := measureLargeMailbox(ctx, cfg, stderr)
		if err != nil {
			return rep, fmt.Errorf("large mailbox: %w", err)
		}
		rep.large = &big
	}
	return rep, nil
}

// seedSettle lets the seeded CRM items age past the push's look-back margin before the first cycle.
const seedSettle = 6 * time.Second

// fleetResult is what the cycles of one fleet size measured.
type fleetResult struct {
	mailboxes int
	seed      time.Duration
	cycles    []cycleResult // initial, echo, quiet, changed
	changed   changeResult
	log       *logTally // what the service logged over the fleet's cycles
}

// measureFleet seeds n mailboxes and runs four cycles over them: the initial one (baselines and the
// push of the CRM items), the second (our own writes coming back through delta), a quiet one, and one
// after a share of the mailboxes changed on both sides.
func measureFleet(ctx context.Context, cfg SyncConfig, n int, stderr io.Writer) (fleetResult, error) {
	res := fleetResult{mailboxes: n}
	svc, err := startSyncService(ctx, cfg, stderr)
	if err != nil {
		return res, err
	}
	defer svc.close()
	res.log = svc.log

	progress(stderr, "seeding %d mailboxes (%s)", n, cfg.database())
	start := time.Now()
	fleet, err := seedFleet(ctx, svc, n, stderr)
	if err != nil {
		return res, err
	}
	res.seed = time.Since(start)
	progress(stderr, "seeded %d mailboxes in %s", n, res.seed.Round(time.Second))
	// The push of a later pass reads the CRM changes since its previous one less a margin of 5 seconds:
	// seeded items younger than that would count as changes for the first mailboxes of the second cycle.
	if !cfg.skipSettle {
		if err := sleep(ctx, seedSettle); err != nil {
			return res, err
		}
	}

	for _, name := range []string{cycleInitial, cycleEcho, cycleQuiet} {
		stop := func() error { return nil }
		if name == cycleQuiet && cfg.CPUProfile != "" {
			if stop, err = startCPUProfile(fmt.Sprintf("%s.%d", cfg.CPUProfile, n)); err != nil {
				return res, err
			}
		}
		c, err := svc.cycle(ctx, name, n, stderr)
		if err := errors.Join(err, stop()); err != nil {
			return res, err
		}
		res.cycles = append(res.cycles, c)
	}
	if err := fleet.checkPushed(ctx, svc); err != nil {
		return res, err
	}

	k := cfg.changedOf(n)
	progress(stderr, "changing %d mailboxes: a new email from a CRM contact, a CRM contact's phone, an Outlook event's location", k)
	changes, err := fleet.change(ctx, svc, k)
	if err != nil {
		return res, err
	}
	stop := func() error { return nil }
	if cfg.CPUProfile != "" {
		if stop, err = startCPUProfile(fmt.Sprintf("%s.%d.changed", cfg.CPUProfile, n)); err != nil {
			return res, err
		}
	}
	c, err := svc.cycle(ctx, cycleChanged, n, stderr)
	if err := errors.Join(err, stop()); err != nil {
		return res, err
	}
	res.cycles = append(res.cycles, c)
	if res.changed, err = changes.verify(ctx, svc, c.started); err != nil {
		return res, err
	}
	return res, nil
}
