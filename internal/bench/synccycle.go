package bench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// The cycles of a fleet, in the order they run.
const (
	cycleInitial = "initial"
	cycleEcho    = "second"
	cycleQuiet   = "quiet"
	cycleChanged = "changed"
)

// cycleResult is one synchronization cycle over every mailbox.
type cycleResult struct {
	name       string
	mailboxes  int
	started    time.Time
	elapsed    time.Duration // from the scheduler's call until the last mailbox finished its pass
	graphCalls int           // Graph requests during the cycle, of every route
	graphConns int           // connections the Graph client opened during the cycle
	itemsIn    int           // CRM writes from Outlook (and emails queued for tracking), summed over the passes
	itemsOut   int           // Outlook writes from the CRM, summed over the passes
}

// callsPerMailbox is the mean number of Graph requests of one pass.
func (c cycleResult) callsPerMailbox() float64 { return float64(c.graphCalls) / float64(c.mailboxes) }

// cycleTimeout bounds the wait for one cycle of n mailboxes: far beyond any expected time, so that a
// stuck cycle ends the run with the jobs' states rather than hanging.
func cycleTimeout(n int) time.Duration { return 30*time.Minute + time.Duration(n)*100*time.Millisecond }

// cycle runs the scheduler once, which finds every mailbox due (its clock runs a day ahead) and
// enqueues one job each, in batches, as it does every 30 seconds in the service; then it waits until
// every mailbox has recorded a pass that started after the cycle began. A failed pass ends the benchmark.
func (s *syncService) cycle(ctx context.Context, name string, n int, stderr io.Writer) (cycleResult, error) {
	res := cycleResult{name: name, mailboxes: n}
	progress(stderr, "%s cycle of %d mailboxes", name, n)
	before, conns, routes := s.fake.Requests("*"), s.conns.Load(), s.routeCounts()
	res.started = time.Now().UTC()
	queued, err := s.schedule(ctx)
	if err != nil {
		return res, fmt.Errorf("%s cycle: schedule: %w", name, err)
	}
	if queued != n {
		return res, fmt.Errorf("%s cycle: the scheduler enqueued %d mailboxes, want %d", name, queued, n)
	}
	deadline := time.Now().Add(cycleTimeout(n))
	lastReport := time.Now()
	for {
		st, err := s.passesSince(ctx, res.started)
		if err != nil {
			return res, err
		}
		if st.done >= n {
			res.elapsed = time.Since(res.started)
			res.graphCalls = s.fake.Requests("*") - before
			res.graphConns = int(s.conns.Load() - conns)
			res.itemsIn, res.itemsOut = st.itemsIn, st.itemsOut
			if st.failed > 0 {
				return res, fmt.Errorf("%s cycle: %d of %d passes failed, such as: %s", name, st.failed, n, st.sampleError)
			}
			progress(stderr, "%s cycle: %d mailboxes in %s, %.1f Graph calls each (%s), %d connections opened", name, n,
				res.elapsed.Round(time.Millisecond), res.callsPerMailbox(), s.routesSince(routes, n), res.graphConns)
			return res, nil
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("%s cycle: %d of %d mailboxes done after %s; jobs not completed: %s", name, st.done, n,
				cycleTimeout(n), s.jobStates(ctx))
		}
		if time.Since(lastReport) >= 10*time.Second {
			progress(stderr, "%s cycle: %d of %d mailboxes done; jobs not completed: %s", name, st.done, n, s.jobStates(ctx))
			lastReport = time.Now()
		}
		// Poll often enough to time the cycle within 1 %, and no oftener: counting is a query too.
		if err := sleep(ctx, max(100*time.Millisecond, time.Since(res.started)/100)); err != nil {
			return res, err
		}
	}
}

// routeCounts returns the requests so far of every route of the fake Graph.
func (s *syncService) routeCounts() map[string]int {
	out := map[string]int{}
	for _, r := range s.fake.Routes() {
		out[r] = s.fake.Requests(r)
	}
	return out
}

// routesSince describes the requests per mailbox of each route since before, for progress.
func (s *syncService) routesSince(before map[string]int, n int) string {
	var parts []string
	for _, r := range s.fake.Routes() {
		if d := s.fake.Requests(r) - before[r]; d > 0 {
			parts = append(parts, fmt.Sprintf("%s %.2f", r, float64(d)/float64(n)))
		}
	}
	return strings.Join(parts, "; ")
}

// passState counts the mailboxes whose last pass started at or after a time.
type passState struct {
	done, failed      int
	itemsIn, itemsOut int
	sampleError       string
}

func (s *syncService) passesSince(ctx context.Context, since time.Time) (passState, error) {
	var st passState
	err := s.store.DB().QueryRowContext(ctx, s.rebind(`SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN last_success_at IS NULL OR last_success_at < ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(items_in), 0), COALESCE(SUM(items_out), 0)
		FROM mailboxes WHERE last_sync_at >= ?`), since, since).Scan(&st.done, &st.failed, &st.itemsIn, &st.itemsOut)
	if err != nil {
		return st, fmt.Errorf("count finished passes: %w", err)
	}
	if st.failed > 0 {
		err := s.store.DB().QueryRowContext(ctx, s.rebind(`SELECT last_error FROM mailboxes
			WHERE last_sync_at >= ? AND (last_success_at IS NULL OR last_success_at < ?) LIMIT 1`), since, since).Scan(&st.sampleError)
		if err != nil {
			return st, fmt.Errorf("read a failed pass: %w", err)
		}
	}
	return st, nil
}

// jobStates describes the synchronization jobs not completed, by state, for progress and failures.
func (s *syncService) jobStates(ctx context.Context) string {
	rows, err := s.store.DB().QueryContext(ctx, `SELECT state, COUNT(*) FROM river_job
		WHERE kind = 'sync_mailbox' AND state <> 'completed' GROUP BY state ORDER BY state`)
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return "unknown (" + err.Error() + ")"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, state))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
