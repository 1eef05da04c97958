package bench

import (
	"fmt"
	"io"
	"maps"
	"math"
	"runtime"
	"slices"
	"time"
)

// result is what one phase measured.
type result struct {
	sorted   []time.Duration // the latencies of the requests that went through, shortest first
	elapsed  time.Duration   // the wall time of the phase, for the rate; 0 when a rate means nothing
	notOK    int             // requests that were refused or failed
	problems map[string]int  // what went wrong, and how often
}

func newResult(latencies []time.Duration, elapsed time.Duration) result {
	slices.Sort(latencies)
	return result{sorted: latencies, elapsed: elapsed, problems: map[string]int{}}
}

// problem counts one request that did not go through.
func (r *result) problem(what string) {
	r.notOK++
	r.problems[what]++
}

// n is how many requests were measured, including those not OK.
func (r result) n() int { return len(r.sorted) + r.notOK }

// rate is the requests per second over the phase, or NaN when the phase has no meaningful rate.
func (r result) rate() float64 {
	if r.elapsed <= 0 {
		return math.NaN()
	}
	return float64(r.n()) / r.elapsed.Seconds()
}

func (r result) p(p float64) time.Duration { return percentile(r.sorted, p) }

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) of durations sorted shortest first:
// the smallest value with at least p percent of the values at or below it. It is 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// report is the outcome of a run.
type report struct {
	cfg                            Config
	date                           time.Time
	baseline, accept, backlog, e2e result
	log                            *logTally // what the service logged
}

// write prints the report as Markdown, ready for docs/benchmarks.md.
func (r report) write(w io.Writer) {
	c := r.cfg
	fmt.Fprintf(w, "### Track click, %s\n\n", r.date.Format("2006-01-02"))
	fmt.Fprintf(w, "%d CPUs, %s/%s (load generator, fake Graph and service on the same machine) · %s · "+
		"Graph latency %s · %d clients, %d requests per burst · `crmsync bench track`\n\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, c.database(), c.GraphLatency, c.Clients, c.Requests)
	fmt.Fprintln(w, "| What | N | req/s | p50 | p99 | max | not OK |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	rows := []struct {
		what string
		res  result
	}{
		{"Baseline: `GET /api/v1/me`", r.baseline},
		{"Accept path: `POST /api/v1/track` → 202", r.accept},
		{"Backlog: accepted click → done (jobs/s)", r.backlog},
		{fmt.Sprintf("End to end: click → done, %g clicks/s", c.E2ERate), r.e2e},
	}
	for _, row := range rows {
		if row.res.n() == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %d |\n", row.what, row.res.n(), rate(row.res.rate()),
			ms(row.res.p(50)), ms(row.res.p(99)), ms(row.res.p(100)), row.res.notOK)
	}
	fmt.Fprintf(w, "\nAccept path against the baseline: throughput ×%.2f, p50 ×%.1f.\n",
		r.accept.rate()/r.baseline.rate(), float64(r.accept.p(50))/float64(r.baseline.p(50)))
	for _, row := range rows {
		for _, what := range slices.Sorted(maps.Keys(row.res.problems)) {
			fmt.Fprintf(w, "- %s: %d × %s\n", row.what, row.res.problems[what], what)
		}
	}
	if r.log != nil {
		fmt.Fprintf(w, "- During the run %s.\n", r.log.summary())
	}
}

func rate(perSecond float64) string {
	if math.IsNaN(perSecond) {
		return "—"
	}
	return fmt.Sprintf("%.0f", perSecond)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
