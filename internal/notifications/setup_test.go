package notifications_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/api"
	"github.com/crmsync/crmsync/internal/config"
	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/service"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
	"github.com/crmsync/crmsync/internal/telemetry"
)

// database is one database a test runs on, which it can open more than once: a process that restarts
// opens it again.
type database struct {
	url, dir string
}

func (d database) open(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), d.url, d.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// each runs fn on a new SQLite database and, when one is configured, a new PostgreSQL schema.
func each(t *testing.T, fn func(t *testing.T, db database)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, database{dir: t.TempDir()}) })
	t.Run("postgres", func(t *testing.T) { fn(t, database{url: storetest.PostgresURL(t)}) })
}

// world is the whole service on one database: the real store, River, use cases and Graph client, a
// graphfake that delivers change notifications over HTTP to the service's own HTTP API, and a
// server-mode tenant whose user alice has a mailbox there and tracks every email automatically.
type world struct {
	t       *testing.T
	ctx     context.Context
	db      database
	store   *store.Store
	fake    *graphfake.Server
	svc     *service.Service
	api     *httptest.Server
	handler atomic.Pointer[http.Handler]
	metrics *telemetry.Metrics
	tenant  crm.Tenant
	alice   crm.User
	key     []byte
	// graphURL is the fake Graph's base URL.
	graphURL string
}

// newWorld starts the world; the service works jobs unless idle is set (a process that accepts
// notifications and dies before working them).
func newWorld(t *testing.T, db database, idle bool, opts ...graphfake.Option) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), db: db, key: bytes.Repeat([]byte{3}, 32)}
	w.store = db.open(t)
	if err := w.store.Migrate(w.ctx); err != nil {
		t.Fatal(err)
	}
	f := storetest.NewTenant(t, w.store, "alice@contoso.test")
	settings := crm.DefaultTenantSettings()
	settings.DefaultAutoTrack = crm.AutoTrackAll
	if err := w.store.UpdateTenantSettings(w.ctx, f.Tenant.ID, crm.SyncModeServer, settings); err != nil {
		t.Fatal(err)
	}
	w.tenant, w.alice = f.Tenant, f.User
	w.fake, w.graphURL = graphfake.Start(t, append([]graphfake.Option{graphfake.WithTenant(w.tenant.ID)}, opts...)...)
	w.fake.AddMailbox(w.alice.ObjectID, w.alice.UPN)
	w.api = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { (*w.handler.Load()).ServeHTTP(rw, r) }))
	t.Cleanup(w.api.Close)
	w.svc = w.start(w.store, w.graphURL, idle)
	return w
}

// start builds the service on s, serves its API as w.api and, unless idle, works its jobs.
func (w *world) start(s *store.Store, graphURL string, idle bool) *service.Service {
	w.t.Helper()
	cfg, err := config.Load("test", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		w.t.Fatal(err)
	}
	svc, err := service.New(w.ctx, cfg, service.Options{Store: s, EncryptionKeys: [][]byte{w.key}, GraphURL: graphURL, DevToken: "test",
		PublicURL: w.api.URL, ManualSchedule: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		w.t.Fatal(err)
	}
	w.metrics = telemetry.NewMetrics()
	h := http.Handler(api.NewServer(svc.API(api.Deps{Metrics: w.metrics})))
	w.handler.Store(&h)
	if !idle {
		if err := svc.Start(w.ctx); err != nil {
			w.t.Fatal(err)
		}
		w.t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = svc.Stop(ctx)
		})
	}
	return svc
}

// schedule runs the scheduler once: it makes the mailbox rows and enqueues the due passes.
func (w *world) schedule() {
	w.t.Helper()
	if _, err := w.svc.Scheduler.Schedule(w.ctx, w.svc.Queue.Inserter); err != nil {
		w.t.Fatal(err)
	}
}

// subscribe runs the subscription scheduler once and waits until alice's mailbox holds want active
// subscriptions, in crmsync and in Graph.
func (w *world) subscribe(want int) []store.Subscription {
	w.t.Helper()
	if _, err := w.svc.SubscriptionScheduler.Schedule(w.ctx, w.svc.Queue.Inserter); err != nil {
		w.t.Fatal(err)
	}
	var subs []store.Subscription
	w.waitFor("alice's subscriptions", func() bool {
		var err error
		if subs, err = w.store.Subscriptions(w.ctx, w.tenant.ID, w.alice.ID); err != nil {
			w.t.Fatal(err)
		}
		active := 0
		for _, s := range subs {
			if s.State == store.SubscriptionActive {
				active++
			}
		}
		return active == want && len(w.fake.Subscriptions()) == want
	})
	return subs
}

// firstPass makes alice's mailbox synchronize once, as scheduled, and waits for it: it records where
// her folders stand.
func (w *world) firstPass() {
	w.t.Helper()
	w.schedule()
	w.waitFor("the first pass", func() bool { return w.mailbox().LastSuccessAt != nil })
}

func (w *world) mailbox() store.Mailbox {
	w.t.Helper()
	m, err := w.store.Mailbox(w.ctx, w.tenant.ID, w.alice.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return m
}

// waitFor polls cond until it holds, for 30 seconds at most.
func (w *world) waitFor(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("waited 30s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mail delivers a new message to alice's Inbox, as Exchange does (graphfake notifies).
func (w *world) mail(subject, from string) outlook.Message {
	w.t.Helper()
	return w.fake.AddMessage(w.alice.ObjectID, "inbox", outlook.Message{Subject: subject, From: outlook.Address{Name: from, Email: from},
		To: []outlook.Address{{Email: w.alice.UPN}}, InternetMessageID: fmt.Sprintf("<%d.%s@fabrikam.test>", time.Now().UnixNano(), strings.ReplaceAll(subject, " ", "-")),
		ReceivedAt: time.Now().UTC().Truncate(time.Second)})
}

// tracked reports whether an email activity exists for the message.
func (w *world) tracked(m outlook.Message) bool {
	w.t.Helper()
	var n int
	if err := w.store.DB().QueryRow(w.q(`SELECT COUNT(*) FROM activities WHERE tenant_id = ? AND internet_message_id = ?`),
		w.tenant.ID, m.InternetMessageID).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n > 0
}

// jobs counts alice's synchronization jobs in a state ("" for any).
func (w *world) jobs(kind, state string) int {
	w.t.Helper()
	user := `json_extract(args, '$.userId')`
	if w.store.Dialect() == store.Postgres {
		user = `args->>'userId'`
	}
	query := `SELECT COUNT(*) FROM river_job WHERE kind = ? AND ` + user + ` = ?`
	args := []any{kind, w.alice.ID}
	if state != "" {
		query += ` AND state = ?`
		args = append(args, state)
	}
	var n int
	if err := w.store.DB().QueryRow(w.q(query), args...).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// q rewrites ? placeholders for the store's database.
func (w *world) q(query string) string {
	if w.store.Dialect() != store.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// post sends a body to one of the service's Graph endpoints and returns the status.
func (w *world) post(path string, body []byte) int {
	w.t.Helper()
	resp, err := http.Post(w.api.URL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// note is a change notification as Graph sends it for a subscription.
func note(sub graphfake.Subscription, tenantID, clientState, change, id string) map[string]any {
	return map[string]any{"subscriptionId": sub.ID, "subscriptionExpirationDateTime": sub.Expiration.Format(time.RFC3339),
		"changeType": change, "resource": "Users/" + sub.Mailbox + "/Messages/" + id, "clientState": clientState, "tenantId": tenantID,
		"resourceData": map[string]any{"@odata.type": "#Microsoft.Graph.Message", "@odata.id": "Users/" + sub.Mailbox + "/Messages/" + id, "id": id}}
}

func collection(notes ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"value": notes})
	return b
}

// inboxSubscription is alice's Inbox subscription as Graph holds it.
func (w *world) inboxSubscription() graphfake.Subscription {
	w.t.Helper()
	for _, s := range w.fake.Subscriptions() {
		if strings.Contains(s.Resource, "inbox") {
			return s
		}
	}
	w.t.Fatal("alice has no Inbox subscription")
	return graphfake.Subscription{}
}

// activities counts the email activities of an internetMessageId.
func (w *world) activities(internetMessageID string) int {
	w.t.Helper()
	var n int
	if err := w.store.DB().QueryRow(w.q(`SELECT COUNT(*) FROM activities WHERE tenant_id = ? AND internet_message_id = ?`),
		w.tenant.ID, internetMessageID).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// settle waits until no track request is open.
func (w *world) settle() {
	w.t.Helper()
	w.waitFor("the track requests", func() bool {
		var open int
		if err := w.store.DB().QueryRow(w.q(`SELECT COUNT(*) FROM track_requests WHERE tenant_id = ? AND state IN ('queued', 'processing')`),
			w.tenant.ID).Scan(&open); err != nil {
			w.t.Fatal(err)
		}
		return open == 0
	})
}

// apiServer is the HTTP API with only a notification receiver.
func apiServer(r api.NotificationReceiver) http.Handler {
	return api.NewServer(api.Deps{Notifications: r, Metrics: telemetry.NewMetrics()})
}
