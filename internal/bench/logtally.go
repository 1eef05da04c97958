package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

// logTally counts what the service logged at warning level and above during a run, and among it the
// signs of contention for the database that River reports under load: its producers failing to fetch
// jobs in time, its leader failing to be elected, re-elected or to resign (the periodic scheduler stalls
// while no leader is elected), and SQLite refusing a write (SQLITE_BUSY). A run should log none.
type logTally struct {
	mu                  sync.Mutex
	errors, warnings    int
	fetch, leader, busy int
}

// contention classifies one log record by its message and error text.
func (t *logTally) add(level slog.Level, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case level >= slog.LevelError:
		t.errors++
	case level >= slog.LevelWarn:
		t.warnings++
	default:
		return
	}
	switch {
	case strings.Contains(text, "SQLITE_BUSY") || strings.Contains(text, "database is locked"):
		t.busy++
	case strings.Contains(text, "Error fetching jobs") || strings.Contains(text, "JobGetAvailable"):
		t.fetch++
	case strings.Contains(text, "Elector") || strings.Contains(text, "leadership") || strings.Contains(text, "reelection") ||
		strings.Contains(text, "resign"):
		t.leader++
	}
}

// addJSONLines counts the records of a JSON log (what serve writes), one per line; other lines (the
// banner) are not records.
func (t *logTally) addJSONLines(log string) {
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var rec struct {
			Level string `json:"level"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) != nil || rec.Level == "" {
			continue
		}
		var level slog.Level
		if level.UnmarshalText([]byte(rec.Level)) != nil {
			continue
		}
		t.add(level, sc.Text())
	}
}

// summary is the tally as a sentence for the report.
func (t *logTally) summary() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("the service logged %d errors and %d warnings; of them, contention for the database: %d job fetches "+
		"failed (\"JobGetAvailable timed out\"), %d leader elections, re-elections or resignations failed, %d writes refused "+
		"with SQLITE_BUSY", t.errors, t.warnings, t.fetch, t.leader, t.busy)
}

// tallyHandler counts the records at warning level and above that pass through it, and hands them on.
type tallyHandler struct {
	slog.Handler
	tally *logTally
	attrs string // the attributes added with WithAttrs, as text, for classifying
}

// Enabled lets warnings through to be counted, whatever the handler below shows.
func (h tallyHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn || h.Handler.Enabled(ctx, level)
}

// Handle counts the record, and hands it on when the handler below shows its level.
func (h tallyHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		var b strings.Builder
		b.WriteString(r.Message + " " + h.attrs)
		r.Attrs(func(a slog.Attr) bool {
			b.WriteString(" " + a.String())
			return true
		})
		h.tally.add(r.Level, b.String())
	}
	if !h.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps counting below the attributes.
func (h tallyHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	text := h.attrs
	for _, a := range attrs {
		text += " " + a.String()
	}
	return tallyHandler{Handler: h.Handler.WithAttrs(attrs), tally: h.tally, attrs: text}
}

// WithGroup keeps counting inside the group.
func (h tallyHandler) WithGroup(name string) slog.Handler {
	return tallyHandler{Handler: h.Handler.WithGroup(name), tally: h.tally, attrs: h.attrs}
}
