package bench

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/store/storetest"
)

// TestNotifyBenchmarkSmall runs the change-notification benchmark tiny and checks what it counted, never
// how long anything took.
func TestNotifyBenchmarkSmall(t *testing.T) {
	databases := []struct{ name, url string }{{"sqlite", ""}}
	if u := os.Getenv(storetest.EnvDatabaseURL); u != "" {
		databases = append(databases, struct{ name, url string }{"postgres", u})
	}
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			cfg := NotifyConfig{Mailboxes: Counts{10}, GraphLatency: time.Millisecond, Share: 0.2, Rate: 200, RateFor: 500 * time.Millisecond,
				Workers: 4, DatabaseURL: db.url, skipSettle: true}
			var progress bytes.Buffer
			var w io.Writer = &progress
			if testing.Verbose() {
				w = io.MultiWriter(&progress, os.Stderr)
			}
			rep, err := measureNotify(context.Background(), cfg, w)
			if err != nil {
				t.Fatalf("measureNotify: %v\nprogress:\n%s", err, progress.String())
			}
			f := rep.fleets[0]
			if f.delivery.n() != 2 || f.delivery.notOK != 0 {
				t.Errorf("delivery measured %d emails (%d not OK: %v), want 2", f.delivery.n(), f.delivery.notOK, f.delivery.problems)
			}
			if f.endpoint.n() != 100 || f.endpoint.notOK != 0 {
				t.Errorf("endpoint sent %d notifications (%d not 202: %v), want 100", f.endpoint.n(), f.endpoint.notOK, f.endpoint.problems)
			}
			if f.subsPerUser != 3 || f.renewal != 3 {
				t.Errorf("%d subscriptions a mailbox, %.2f calls a renewal; want 3 and 3 (one PATCH each)", f.subsPerUser, f.renewal)
			}
			if f.fullPass <= 0 || f.perHourPolled() <= f.perHourNotified(6*time.Hour) {
				t.Errorf("full pass %.2f calls: with notifications %.2f/h, polling %.2f/h", f.fullPass, f.perHourNotified(6*time.Hour), f.perHourPolled())
			}
			var out bytes.Buffer
			rep.write(&out)
			for _, want := range []string{"### Change notifications", "| 10 |", "Polling /h"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("the report lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
