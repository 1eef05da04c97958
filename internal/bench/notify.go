package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// NotifyConfig is one run of the change-notification benchmark (`crmsync bench notify`): the service
// with notifications on, in this process, against a fake Graph with a fixed latency that posts
// notifications at once to the service's own HTTP API.
type NotifyConfig struct {
	Mailboxes    Counts        // the fleet sizes measured, each on a fresh database
	GraphLatency time.Duration // how long the fake Graph takes to answer every call
	Share        float64       // the share of the mailboxes that receive a new email to track
	Rate         int           // notifications a second sent to measure the endpoint's own latency
	RateFor      time.Duration // for how long
	Workers      int           // synchronization jobs run at once (the sync queue's size)
	DatabaseURL  string        // empty for SQLite in a temporary dir, or postgres://… (a schema per run, dropped after)
	CPUProfile   string        // when set, each fleet's endpoint phase is profiled into CPUProfile.<mailboxes>

	skipSettle bool // tests: start the first cycle right after seeding
}

// NotifyDefaults returns the configuration of a standard run.
func NotifyDefaults() NotifyConfig {
	return NotifyConfig{Mailboxes: Counts{1000, 10000}, GraphLatency: 50 * time.Millisecond, Share: 0.01, Rate: 2000,
		RateFor: 5 * time.Second, Workers: 16}
}

// Validate reports every setting that cannot run, in one error.
func (c NotifyConfig) Validate() error {
	var errs []error
	if len(c.Mailboxes) == 0 {
		errs = append(errs, errors.New("--mailboxes: nothing to measure"))
	}
	for _, n := range c.Mailboxes {
		if n < 1 || n > maxMailboxes {
			errs = append(errs, fmt.Errorf("--mailboxes %d: must be between 1 and %d", n, maxMailboxes))
		}
	}
	if c.GraphLatency < 0 {
		errs = append(errs, fmt.Errorf("--graph-latency %s: must not be negative", c.GraphLatency))
	}
	if !(c.Share > 0 && c.Share <= 1) {
		errs = append(errs, fmt.Errorf("--share %g: must be above 0 and at most 1", c.Share))
	}
	if c.Rate < 1 || c.Rate > 100000 {
		errs = append(errs, fmt.Errorf("--rate %d: must be between 1 and 100000", c.Rate))
	}
	if c.RateFor < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("--rate-for %s: must be at least 100ms", c.RateFor))
	}
	if c.Workers < 1 {
		errs = append(errs, fmt.Errorf("--workers %d: must be at least 1", c.Workers))
	}
	if u := c.DatabaseURL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		errs = append(errs, errors.New("--database-url: must be empty (SQLite) or postgres://…"))
	}
	return errors.Join(errs...)
}

func (c NotifyConfig) database() string {
	if c.DatabaseURL == "" {
		return "SQLite"
	}
	return "PostgreSQL"
}

// receiversOf is how many of n mailboxes receive a new email.
func (c NotifyConfig) receiversOf(n int) int { return max(1, int(float64(n)*c.Share+0.5)) }

// RunNotify runs the benchmark: progress goes to stderr, the Markdown report to stdout.
func RunNotify(ctx context.Context, cfg NotifyConfig, stdout, stderr io.Writer) error {
	rep, err := measureNotify(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	rep.write(stdout)
	return nil
}

func measureNotify(ctx context.Context, cfg NotifyConfig, stderr io.Writer) (notifyReport, error) {
	rep := notifyReport{cfg: cfg, date: time.Now()}
	if err := cfg.Validate(); err != nil {
		return rep, err
	}
	for _, n := range cfg.Mailboxes {
		r, err := measureNotifyFleet(ctx, cfg, n, stderr)
		if err != nil {
			return rep, fmt.Errorf("%d mailboxes: %w", n, err)
		}
		rep.fleets = append(rep.fleets, r)
	}
	return rep, nil
}

// notifyResult is what one fleet size measured.
type notifyResult struct {
	mailboxes   int
	subscribe   time.Duration // subscribing every mailbox
	delivery    result        // graphfake's POST of a new email's notification → its activity exists
	endpoint    result        // POST /graph/notifications at cfg.Rate a second
	fullPass    float64       // Graph calls of a quiet mailbox's full pass
	renewal     float64       // Graph calls of a mailbox's renewal of its subscriptions
	renewEvery  time.Duration // how often a subscription is renewed
	subsPerUser int
}

// perHourNotified is what a quiet mailbox costs an hour with notifications: a full pass at the backstop
// interval, and the renewals of its subscriptions.
func (r notifyResult) perHourNotified(backstop time.Duration) float64 {
	return r.fullPass*float64(time.Hour)/float64(backstop) + r.renewal*float64(time.Hour)/float64(r.renewEvery)
}

// perHourPolled is what it costs polling every 15 minutes, as without notifications.
func (r notifyResult) perHourPolled() float64 {
	return r.fullPass * float64(time.Hour) / float64(syncInterval)
}

// measureNotifyFleet seeds n mailboxes, synchronizes them once, subscribes them, and measures.
func measureNotifyFleet(ctx context.Context, cfg NotifyConfig, n int, stderr io.Writer) (notifyResult, error) {
	res := notifyResult{mailboxes: n}
	svc, err := startNotifyService(ctx, cfg, stderr)
	if err != nil {
		return res, err
	}
	defer svc.close()

	progress(stderr, "seeding %d mailboxes (%s)", n, cfg.database())
	fleet, err := seedFleet(ctx, svc.syncService, n, stderr)
	if err != nil {
		return res, err
	}
	if err := fleet.trackEverything(ctx, svc.syncService); err != nil {
		return res, err
	}
	if !cfg.skipSettle {
		if err := sleep(ctx, seedSettle); err != nil {
			return res, err
		}
	}
	// The first pass records where each mailbox stands and pushes its CRM items; the second sees them
	// come back. Notifications are not on yet: what is measured next starts from a settled fleet.
	for _, name := range []string{cycleInitial, cycleEcho} {
		if _, err := svc.cycle(ctx, name, n, stderr); err != nil {
			return res, err
		}
	}
	if res.subscribe, res.subsPerUser, err = svc.subscribeAll(ctx, n, stderr); err != nil {
		return res, err
	}
	if err := svc.quiesce(ctx, stderr); err != nil {
		return res, err
	}
	quiet, err := svc.cycle(ctx, cycleQuiet, n, stderr)
	if err != nil {
		return res, err
	}
	res.fullPass = quiet.callsPerMailbox()
	if err := svc.quiesce(ctx, stderr); err != nil {
		return res, err
	}
	if res.delivery, err = svc.deliveries(ctx, fleet, cfg.receiversOf(n), stderr); err != nil {
		return res, err
	}
	stop := func() error { return nil }
	if cfg.CPUProfile != "" {
		if stop, err = startCPUProfile(fmt.Sprintf("%s.%d", cfg.CPUProfile, n)); err != nil {
			return res, err
		}
	}
	res.endpoint, err = svc.endpointLoad(ctx, cfg.Rate, cfg.RateFor, stderr)
	if err := errors.Join(err, stop()); err != nil {
		return res, err
	}
	if err := svc.quiesce(ctx, stderr); err != nil {
		return res, err
	}
	res.renewal, res.renewEvery, err = svc.renewals(ctx, fleet, stderr)
	return res, err
}
