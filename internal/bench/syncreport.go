package bench

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// syncInterval is the default synchronization interval, the target a quiet cycle must fit well inside.
const syncInterval = 15 * time.Minute

// syncReport is the outcome of a run of the synchronization benchmark.
type syncReport struct {
	cfg    SyncConfig
	date   time.Time
	fleets []fleetResult
	large  *largeResult
}

// floor is the time a cycle would take if the passes did nothing but wait for Graph: each mailbox's
// calls one after another at the fake's latency, cfg.Workers mailboxes at a time.
func (r syncReport) floor(c cycleResult) time.Duration {
	return time.Duration(float64(c.graphCalls) * float64(r.cfg.GraphLatency) / float64(r.cfg.Workers))
}

// cycleLabel says what a cycle of a fleet does.
func cycleLabel(c cycleResult, f fleetResult) string {
	switch c.name {
	case cycleInitial:
		return fmt.Sprintf("initial: delta baselines, %d CRM items pushed per mailbox", pushedPerMailbox)
	case cycleEcho:
		return "second: the pushed items come back through delta"
	case cycleQuiet:
		return "quiet: nothing changed"
	case cycleChanged:
		return fmt.Sprintf("changed: %d mailboxes with an email, a CRM change and an Outlook change", f.changed.mailboxes)
	}
	return c.name
}

// write prints the report as Markdown, ready for docs/benchmarks.md.
func (r syncReport) write(w io.Writer) {
	c := r.cfg
	fmt.Fprintf(w, "### Synchronization, %s\n\n", r.date.Format("2006-01-02"))
	fmt.Fprintf(w, "%d CPUs, %s/%s (fake Graph, service and SQLite or the PostgreSQL client in one process) · %s · "+
		"Graph latency %s · %d sync workers · `crmsync bench sync`\n\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, c.database(), c.GraphLatency, c.Workers)
	if len(r.fleets) > 0 {
		fmt.Fprintf(w, "One server-mode tenant. Each mailbox: %d inbox messages from before synchronization began; its user owns "+
			"%d CRM contacts, %d appointments (one attendee) and %d task, which the default filters push.\n\n",
			inboxPerMailbox, contactsPerMailbox, appointmentsPerMailbox, tasksPerMailbox)
		fmt.Fprintln(w, "| Mailboxes | Cycle | Time | Mailboxes/s | Graph calls per mailbox | Connections opened | Items in / out | Graph floor | × floor |")
		fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|---:|")
		for _, f := range r.fleets {
			for _, cy := range f.cycles {
				floor, ratio := "—", "—"
				if cy.name != cycleInitial {
					fl := r.floor(cy)
					floor, ratio = secs(fl), fmt.Sprintf("×%.2f", cy.elapsed.Seconds()/fl.Seconds())
				}
				fmt.Fprintf(w, "| %d | %s | %s | %.0f | %.2f | %d | %d / %d | %s | %s |\n", f.mailboxes, cycleLabel(cy, f), secs(cy.elapsed),
					float64(cy.mailboxes)/cy.elapsed.Seconds(), cy.callsPerMailbox(), cy.graphConns, cy.itemsIn, cy.itemsOut, floor, ratio)
			}
		}
		fmt.Fprintf(w, "\nGraph floor: the cycle's Graph calls × %s ÷ %d workers, the time the passes would take if they only "+
			"waited for Graph, one call after another per mailbox (the initial cycle pushes 4 items at a time per mailbox, so it "+
			"has no such floor).\n\n", c.GraphLatency, c.Workers)
		for _, f := range r.fleets {
			ch := f.changed
			fmt.Fprintf(w, "- %d mailboxes: seeded in %s; changed cycle checked: %d of %d emails tracked automatically (the last "+
				"%s after the cycle began), %d of %d CRM contact changes in Outlook, %d of %d Outlook event changes in the CRM.\n",
				f.mailboxes, secs(f.seed), ch.emails, ch.mailboxes, secs(ch.tracked), ch.contacts, ch.mailboxes, ch.events, ch.mailboxes)
			if f.log != nil {
				fmt.Fprintf(w, "- %d mailboxes: %s.\n", f.mailboxes, f.log.summary())
			}
		}
		if q, n, ok := r.largestQuiet(); ok {
			fmt.Fprintf(w, "\n**Quiet cycle of %d mailboxes: %s, %.1f %% of the %.0f-minute interval** (%.0f mailboxes/s; ×%.2f the Graph floor).\n",
				n, secs(q.elapsed), 100*q.elapsed.Seconds()/syncInterval.Seconds(), syncInterval.Minutes(), float64(n)/q.elapsed.Seconds(),
				q.elapsed.Seconds()/r.floor(q).Seconds())
		}
	}
	if l := r.large; l != nil {
		fmt.Fprintf(w, "\nInitial synchronization of one mailbox holding %d items (%d inbox messages, %d contacts, %d events, none "+
			"crmsync's) whose user owns %d CRM items to push (a third each contacts, appointments, tasks):\n\n",
			l.messages+l.contacts+l.events, l.messages, l.contacts, l.events, l.pushed)
		fmt.Fprintln(w, "| Time | Graph calls | Items out | Job attempts | RSS before → peak | Go heap before → peak |")
		fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|")
		peak := mib(l.mem.rssPeak)
		if !l.mem.peakReset {
			peak += " (process peak)"
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %s → %s | %s → %s |\n", secs(l.cycle.elapsed), l.cycle.graphCalls, l.cycle.itemsOut,
			l.attempts, mib(l.mem.rssBefore), peak, mib(l.mem.heapBefore), mib(l.mem.heapPeak))
		fmt.Fprintln(w, "\nThe resident set includes the fake Graph holding the mailbox, which runs in the same process"+
			" (and, on SQLite, the database's page cache).")
	}
}

// largestQuiet returns the quiet cycle of the largest fleet.
func (r syncReport) largestQuiet() (cycleResult, int, bool) {
	var best cycleResult
	n, found := 0, false
	for _, f := range r.fleets {
		for _, c := range f.cycles {
			if c.name == cycleQuiet && f.mailboxes > n {
				best, n, found = c, f.mailboxes, true
			}
		}
	}
	return best, n, found
}

func secs(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
