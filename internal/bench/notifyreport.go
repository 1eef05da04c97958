package bench

import (
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/crmsync/crmsync/internal/notifications"
)

// notifyReport is the outcome of a run of the change-notification benchmark.
type notifyReport struct {
	cfg    NotifyConfig
	date   time.Time
	fleets []notifyResult
}

// write prints the report as Markdown, ready for docs/benchmarks.md.
func (r notifyReport) write(w io.Writer) {
	c := r.cfg
	fmt.Fprintf(w, "### Change notifications, %s\n\n", r.date.Format("2006-01-02"))
	fmt.Fprintf(w, "%d CPUs, %s/%s (fake Graph, service and SQLite or the PostgreSQL client in one process) · %s · "+
		"Graph latency %s · %d sync workers · `crmsync bench notify`\n\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, c.database(), c.GraphLatency, c.Workers)
	fmt.Fprintf(w, "One server-mode tenant whose automatic tracking picks every email; each mailbox as in the synchronization "+
		"benchmark, subscribed to its Inbox, events and contacts. The fake Graph posts each notification at once.\n\n")
	fmt.Fprintf(w, "**Delivery**: %.0f %% of the mailboxes get a new email at once; the time from the fake Graph's POST of its "+
		"notification to the endpoint until the email's activity exists.\n\n", c.Share*100)
	fmt.Fprintln(w, "| Mailboxes | Subscribing all | Emails | p50 | p99 | max | not tracked |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|")
	for _, f := range r.fleets {
		fmt.Fprintf(w, "| %d | %s | %d | %s | %s | %s | %d |\n", f.mailboxes, secs(f.subscribe), f.delivery.n(),
			ms(f.delivery.p(50)), ms(f.delivery.p(99)), ms(f.delivery.p(100)), f.delivery.notOK)
	}
	fmt.Fprintf(w, "\n**Endpoint**: `POST /graph/notifications`, one notification each, %d a second for %s, "+
		"while the passes they cause run.\n\n", c.Rate, c.RateFor)
	fmt.Fprintln(w, "| Mailboxes | POSTs | achieved /s | p50 | p99 | max | not 202 |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|")
	for _, f := range r.fleets {
		fmt.Fprintf(w, "| %d | %d | %s | %s | %s | %s | %d |\n", f.mailboxes, f.endpoint.n(), rate(f.endpoint.rate()),
			ms(f.endpoint.p(50)), ms(f.endpoint.p(99)), ms(f.endpoint.p(100)), f.endpoint.notOK)
	}
	backstop := notifications.DefaultBackstop
	fmt.Fprintf(w, "\n**Quiet mailbox**: Graph calls an hour. With notifications, a full pass every %s (the backstop) and "+
		"the renewal of its subscriptions; polling, a full pass every %s. Both from the same run's quiet cycle and renewals.\n\n",
		backstop, syncInterval)
	fmt.Fprintln(w, "| Mailboxes | Calls per full pass | Calls per renewal | Renewed every | With notifications /h | Polling /h | Fewer |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|")
	for _, f := range r.fleets {
		n, p := f.perHourNotified(backstop), f.perHourPolled()
		fmt.Fprintf(w, "| %d | %.2f | %.2f | %s | %.2f | %.2f | ×%.1f |\n", f.mailboxes, f.fullPass, f.renewal,
			f.renewEvery.Round(time.Minute), n, p, p/n)
	}
	for _, f := range r.fleets {
		for what, k := range f.delivery.problems {
			fmt.Fprintf(w, "- %d mailboxes, delivery: %d × %s\n", f.mailboxes, k, what)
		}
		for what, k := range f.endpoint.problems {
			fmt.Fprintf(w, "- %d mailboxes, endpoint: %d × %s\n", f.mailboxes, k, what)
		}
	}
}
