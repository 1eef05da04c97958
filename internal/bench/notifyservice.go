package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/api"
	"github.com/crmsync/crmsync/internal/config"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/service"
	"github.com/crmsync/crmsync/internal/telemetry"
)

// notifyService is the service as serve builds it with change notifications on: syncService's parts,
// the service's HTTP API on a loopback port (where graphfake posts its notifications, as Graph posts to
// CRMSYNC_PUBLIC_URL), and a clock that the fake Graph and the subscription manager share, which the
// benchmark moves on to make renewals due.
type notifyService struct {
	*syncService
	api      *http.Server
	base     string // the API's base URL
	arrivals *arrivals
	clock    *offsetClock
}

// offsetClock is the wall clock moved on by an offset.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *offsetClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// startNotifyService opens a fresh database, serves a fake Graph that delivers notifications at once,
// and starts the service working jobs with notifications posted to its own API.
func startNotifyService(ctx context.Context, cfg NotifyConfig, stderr io.Writer) (_ *notifyService, err error) {
	s := &notifyService{syncService: &syncService{tenantID: uuid.NewString()}, arrivals: newArrivals(), clock: &offsetClock{}}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.store, err = openScratchStore(ctx, cfg.DatabaseURL, s.syncService); err != nil {
		return nil, err
	}
	if err := s.store.Migrate(ctx); err != nil {
		return nil, err
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the API: %w", err)
	}
	s.base = "http://" + listener.Addr().String()
	// "Notifications sent at once": no delay between a change and its POST.
	graphURL, err := s.serveGraph(cfg.GraphLatency, graphfake.WithClock(s.clock.now), graphfake.WithTenant(s.tenantID),
		graphfake.WithNotifications(graphfake.NotificationOptions{MinDelay: time.Microsecond, MaxDelay: time.Microsecond, MaxBatch: 100}))
	if err != nil {
		listener.Close()
		return nil, err
	}
	s.closers = append(s.closers, s.fake.Close)
	conf, err := config.Load("bench notify", nil, func(k string) string {
		if k == "CRMSYNC_NOTIFICATIONS" {
			return "on"
		}
		return ""
	}, io.Discard)
	if err != nil {
		listener.Close()
		return nil, fmt.Errorf("the service's default configuration: %w", err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s.svc, err = service.New(ctx, conf, service.Options{Store: s.store, EncryptionKeys: [][]byte{key}, GraphURL: graphURL, DevToken: "bench",
		PublicURL: s.base, Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		SyncWorkers: cfg.Workers, SubscriptionWorkers: 32, ScheduleClock: func() time.Time { return time.Now().Add(schedulerLead) },
		ManualSchedule: true})
	if err != nil {
		listener.Close()
		return nil, err
	}
	handler := api.NewServer(s.svc.API(api.Deps{Metrics: telemetry.NewMetrics(), Logger: slog.New(slog.DiscardHandler)}))
	s.api = &http.Server{Handler: s.arrivals.record(handler), ReadHeaderTimeout: 10 * time.Second}
	go s.api.Serve(listener) //nolint:errcheck // returns ErrServerClosed from close
	s.closers = append(s.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.api.Shutdown(ctx)
	})
	if err := s.svc.Start(ctx); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.svc.Stop(stopCtx)
	})
	return s, nil
}

// arrivals records when the first notification of each subscription reached the endpoint since the
// benchmark last reset them: the start of a delivery's journey to the CRM.
type arrivals struct {
	mu    sync.Mutex
	first map[string]time.Time // by subscription id
}

func newArrivals() *arrivals { return &arrivals{first: map[string]time.Time{}} }

func (a *arrivals) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.first = map[string]time.Time{}
}

// at is when the first notification of subscription id arrived; false when none did.
func (a *arrivals) at(id string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.first[id]
	return t, ok
}

// record wraps the API: it notes the subscriptions a POST to /graph/notifications names, then serves it.
func (a *arrivals) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/graph/notifications" && r.URL.RawQuery == "" {
			now := time.Now()
			body, err := io.ReadAll(r.Body)
			if err == nil {
				var c struct {
					Value []struct {
						SubscriptionID string `json:"subscriptionId"`
					} `json:"value"`
				}
				if json.Unmarshal(body, &c) == nil {
					a.mu.Lock()
					for _, n := range c.Value {
						if _, seen := a.first[n.SubscriptionID]; !seen {
							a.first[n.SubscriptionID] = now
						}
					}
					a.mu.Unlock()
				}
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}
