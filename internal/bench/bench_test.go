package bench

import (
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"no values", nil, 50, 0},
		{"one value is every percentile", ms(7), 1, 7 * time.Millisecond},
		{"one value, p99", ms(7), 99, 7 * time.Millisecond},
		{"median of an odd count is the middle", ms(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"median of an even count is the lower middle", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 100 is the 99th", ms(seq(100)...), 99, 99 * time.Millisecond},
		{"p99 of 1000 is the 990th", ms(seq(1000)...), 99, 990 * time.Millisecond},
		{"p99 of 10 is the largest", ms(seq(10)...), 99, 10 * time.Millisecond},
		{"p100 is the largest", ms(1, 5, 9), 100, 9 * time.Millisecond},
		{"a tiny p is the smallest", ms(1, 5, 9), 0.001, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Fatalf("percentile(p%g) = %s; want %s", tt.p, got, tt.want)
			}
		})
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

func TestConfigValidate(t *testing.T) {
	valid := Defaults()
	valid.Executable = "/usr/local/bin/crmsync"
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr []string // every fragment must be in the error; none means valid
	}{
		{"the defaults", func(*Config) {}, nil},
		{"postgres", func(c *Config) { c.DatabaseURL = "postgres://postgres@127.0.0.1:5432/db?sslmode=disable" }, nil},
		{"no end-to-end clicks need no rate", func(c *Config) { c.E2E, c.E2ERate = 0, 0 }, nil},
		{"zero latency", func(c *Config) { c.GraphLatency = 0 }, nil},
		{"no clients", func(c *Config) { c.Clients = 0 }, []string{"--clients 0"}},
		{"too many clients", func(c *Config) { c.Clients, c.Requests = 20000, 20000 }, []string{"--clients 20000"}},
		{"fewer requests than clients", func(c *Config) { c.Requests = 10 }, []string{"--requests 10", "at least --clients (200)"}},
		{"negative latency", func(c *Config) { c.GraphLatency = -time.Millisecond }, []string{"--graph-latency -1ms"}},
		{"negative e2e", func(c *Config) { c.E2E = -1 }, []string{"--e2e -1"}},
		{"zero rate", func(c *Config) { c.E2ERate = 0 }, []string{"--e2e-rate 0"}},
		{"sqlite URL", func(c *Config) { c.DatabaseURL = "sqlite:/tmp/x.db" }, []string{"--database-url"}},
		{"no executable", func(c *Config) { c.Executable = "" }, []string{"executable"}},
		{"every problem at once", func(c *Config) { c.Clients, c.E2ERate = 0, -1 }, []string{"--clients", "--e2e-rate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
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

func TestServiceEnvDropsTheCallersSettings(t *testing.T) {
	env := serviceEnv([]string{"PATH=/bin", "CRMSYNC_CLIENT_ID=abc", "CRMSYNC_DATABASE_URL=postgres://prod"},
		"127.0.0.1:1234", "/tmp/d", "http://127.0.0.1:9/v1.0", "")
	got := strings.Join(env, " ")
	for _, want := range []string{"PATH=/bin", "CRMSYNC_ADDR=127.0.0.1:1234", "CRMSYNC_RATE_LIMIT=0", "CRMSYNC_GRAPH_URL=http://127.0.0.1:9/v1.0"} {
		if !strings.Contains(got, want) {
			t.Errorf("env %q lacks %q", got, want)
		}
	}
	for _, unwanted := range []string{"CRMSYNC_CLIENT_ID", "CRMSYNC_DATABASE_URL"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("env %q keeps %q", got, unwanted)
		}
	}
}

// The run's report counts what the service logged, and among it River's signs of contention for the
// database (the forms of River's own messages).
func TestLogTallyCountsContention(t *testing.T) {
	log := strings.Join([]string{
		`crmsync is serving on http://127.0.0.1:8080`,
		`{"time":"2026-12-06T06:00:00Z","level":"INFO","msg":"serving","addr":"127.0.0.1:8080"}`,
		`{"time":"2026-12-06T06:00:01Z","level":"ERROR","msg":"producer: Error fetching jobs","err":"error fetching jobs: JobGetAvailable timed out after 10s","queue":"sync"}`,
		`{"time":"2026-12-06T06:00:02Z","level":"ERROR","msg":"Elector: Error attempting reelection","err":"context deadline exceeded","num_errors":1}`,
		`{"time":"2026-12-06T06:00:03Z","level":"WARN","msg":"Elector: Current leader stepping down because the reelection deadline elapsed"}`,
		`{"time":"2026-12-06T06:00:04Z","level":"ERROR","msg":"JobScheduler: Error scheduling jobs","error":"database is locked (5) (SQLITE_BUSY)"}`,
		`{"time":"2026-12-06T06:00:05Z","level":"WARN","msg":"track request failed","request":"r1"}`,
	}, "\n")
	var tally logTally
	tally.addJSONLines(log)
	got := [5]int{tally.errors, tally.warnings, tally.fetch, tally.leader, tally.busy}
	if want := [5]int{3, 2, 1, 2, 1}; got != want {
		t.Fatalf("errors, warnings, fetch, leader, busy = %v; want %v", got, want)
	}
}
