package bench

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/store/storetest"
)

// TestSyncBenchmarkSmall runs the whole synchronization benchmark tiny and checks what it counted, never
// how long anything took.
func TestSyncBenchmarkSmall(t *testing.T) {
	databases := []struct{ name, url string }{{"sqlite", ""}}
	if u := os.Getenv(storetest.EnvDatabaseURL); u != "" {
		databases = append(databases, struct{ name, url string }{"postgres", u})
	}
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			cfg := SyncConfig{Mailboxes: Counts{20}, GraphLatency: time.Millisecond, Changed: 0.1, InitialItems: 100, Workers: 4, DatabaseURL: db.url,
				skipSettle: true}
			var progress bytes.Buffer
			rep, err := measureSync(context.Background(), cfg, &progress)
			if err != nil {
				t.Fatalf("measureSync: %v\nprogress:\n%s", err, progress.String())
			}
			if len(rep.fleets) != 1 {
				t.Fatalf("%d fleets measured, want 1", len(rep.fleets))
			}
			f := rep.fleets[0]
			var names []string
			for _, c := range f.cycles {
				names = append(names, c.name)
				if c.mailboxes != 20 {
					t.Errorf("%s cycle over %d mailboxes, want 20", c.name, c.mailboxes)
				}
			}
			if got, want := strings.Join(names, ","), "initial,second,quiet,changed"; got != want {
				t.Fatalf("cycles %s, want %s", got, want)
			}
			initial, quiet := f.cycles[0], f.cycles[2]
			if initial.itemsOut != 20*pushedPerMailbox {
				t.Errorf("initial cycle pushed %d items, want %d", initial.itemsOut, 20*pushedPerMailbox)
			}
			if quiet.itemsIn != 0 || quiet.itemsOut != 0 {
				t.Errorf("quiet cycle moved %d in / %d out, want nothing", quiet.itemsIn, quiet.itemsOut)
			}
			if quiet.graphCalls < 20*4 {
				t.Errorf("quiet cycle made %d Graph calls, want at least 4 deltas per mailbox", quiet.graphCalls)
			}
			if ch := f.changed; ch.mailboxes != 2 || ch.emails != 2 || ch.contacts != 2 || ch.events != 2 {
				t.Errorf("changed cycle = %+v, want 2 mailboxes with 2 emails tracked, 2 contacts and 2 events brought across", ch)
			}

			l := rep.large
			if l == nil {
				t.Fatal("the large mailbox was not measured")
			}
			if l.messages != 40 || l.contacts != 30 || l.events != 30 || l.pushed != 30 {
				t.Errorf("large mailbox = %d messages, %d contacts, %d events, %d to push; want 40, 30, 30, 30", l.messages, l.contacts, l.events, l.pushed)
			}
			if l.cycle.itemsOut != 30 || l.attempts != 1 {
				t.Errorf("large mailbox pushed %d items in %d attempts, want 30 in 1", l.cycle.itemsOut, l.attempts)
			}

			var out bytes.Buffer
			rep.write(&out)
			for _, want := range []string{"### Synchronization", "| 20 | quiet", "Quiet cycle of 20 mailboxes", "Initial synchronization of one mailbox holding 100 items"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("report lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestSyncConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*SyncConfig)
		wantErr []string
	}{
		{"the defaults", func(*SyncConfig) {}, nil},
		{"only the large mailbox", func(c *SyncConfig) { c.Mailboxes = nil }, nil},
		{"only fleets", func(c *SyncConfig) { c.InitialItems = 0 }, nil},
		{"nothing at all", func(c *SyncConfig) { c.Mailboxes, c.InitialItems = nil, 0 }, []string{"nothing to measure"}},
		{"a zero fleet", func(c *SyncConfig) { c.Mailboxes = Counts{0} }, []string{"--mailboxes 0"}},
		{"no change", func(c *SyncConfig) { c.Changed = 0 }, []string{"--changed 0"}},
		{"no workers", func(c *SyncConfig) { c.Workers = 0 }, []string{"--workers 0"}},
		{"a sqlite URL", func(c *SyncConfig) { c.DatabaseURL = "sqlite:/tmp/x.db" }, []string{"--database-url"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := SyncDefaults()
			tt.change(&cfg)
			err := cfg.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v; want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil; want an error about %q", tt.wantErr)
			}
			for _, frag := range tt.wantErr {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("Validate() = %q; want it to mention %q", err, frag)
				}
			}
		})
	}
}

func TestCountsFlag(t *testing.T) {
	var c Counts
	if err := c.Set("1000, 10000"); err != nil || c.String() != "1000,10000" {
		t.Fatalf("Set(\"1000, 10000\") = %v, %q", err, c.String())
	}
	if err := c.Set("10,x"); err == nil {
		t.Fatal("Set(\"10,x\") = nil, want an error")
	}
	if err := c.Set(""); err != nil || len(c) != 0 {
		t.Fatalf("Set(\"\") = %v, %v; want no counts", err, c)
	}
}
