package graphfake_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/graph/notification"
)

// bob and carol are the other mailboxes of the notification, mail and meeting tests.
const (
	bobID    = "22222222-3333-4444-5555-666666666666"
	bobUPN   = "bob@contoso.test"
	carolID  = "33333333-4444-5555-6666-777777777777"
	carolUPN = "carol@contoso.test"
)

// wait bounds how long a test waits for something asynchronous to happen; it is a guard against a hang,
// not a measure.
const wait = 20 * time.Second

// endpoint is a notification URL as crmsync serves it: it answers Graph's validation request with the
// token, and decodes (strictly) and keeps every notification it accepts.
type endpoint struct {
	t   *testing.T
	url string

	mu          sync.Mutex
	validations []*http.Request
	posts       int
	// answer chooses the status of the n-th notification POST (1-based); default 202. A 2xx keeps its
	// notifications.
	answer func(n int) int
	// validate answers a validation request; default: the token as text/plain.
	validate func(w http.ResponseWriter, token string)
	// onNotify runs for each accepted notification, in the handler: an endpoint may call Graph there.
	onNotify func(n notification.Notification)
	notes    chan notification.Notification
}

func newEndpoint(t *testing.T) *endpoint {
	t.Helper()
	e := &endpoint{t: t, notes: make(chan notification.Notification, 10000)}
	ts := httptest.NewServer(e)
	t.Cleanup(ts.Close)
	e.url = ts.URL + "/graph/notifications"
	return e
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if token, ok := r.URL.Query()["validationToken"]; ok {
		e.mu.Lock()
		e.validations = append(e.validations, r)
		validate := e.validate
		e.mu.Unlock()
		if validate != nil {
			validate(w, token[0])
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write([]byte(token[0]))
		return
	}
	e.mu.Lock()
	e.posts++
	n, answer, onNotify := e.posts, e.answer, e.onNotify
	e.mu.Unlock()
	status := http.StatusAccepted
	if answer != nil {
		status = answer(n)
	}
	if status < 200 || status > 299 {
		w.WriteHeader(status)
		return
	}
	c, err := notification.Decode(r.Body)
	if err != nil {
		e.t.Errorf("graphfake sent a notification body crmsync would refuse: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, n := range c.Value {
		if onNotify != nil {
			onNotify(n)
		}
		e.notes <- n
	}
	w.WriteHeader(status)
}

// next returns the next notification accepted.
func (e *endpoint) next(t *testing.T) notification.Notification {
	t.Helper()
	select {
	case n := <-e.notes:
		return n
	case <-time.After(wait):
		t.Fatal("no notification came")
		return notification.Notification{}
	}
}

// quiet checks that nothing more is notified once the server has delivered all it queued.
func (e *endpoint) quiet(t *testing.T, srv *graphfake.Server) {
	t.Helper()
	flush(t, srv)
	select {
	case n := <-e.notes:
		t.Errorf("unexpected notification %+v", n)
	default:
	}
}

func (e *endpoint) validationCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.validations)
}

func flush(t *testing.T, srv *graphfake.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := srv.FlushNotifications(ctx); err != nil {
		t.Fatal(err)
	}
}

// fast delivers notifications at once and retries without waiting, for tests.
func fast() graphfake.Option {
	return graphfake.WithNotifications(graphfake.NotificationOptions{
		MinDelay: time.Microsecond, MaxDelay: time.Microsecond,
		Retries: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond},
	})
}

// subscriptionBody is a POST /subscriptions body for resource, delivering to e.
func subscriptionBody(e *endpoint, resource string, expires time.Time) map[string]any {
	return map[string]any{
		"changeType":               notification.AllChanges,
		"notificationUrl":          e.url,
		"lifecycleNotificationUrl": e.url,
		"resource":                 resource,
		"expirationDateTime":       expires.UTC().Format(time.RFC3339Nano),
		"clientState":              "s3cret-state",
	}
}

// subscribe creates a subscription through the API, with immutable ids, and returns its id.
func (f *fixture) subscribe(t *testing.T, body map[string]any) string {
	t.Helper()
	r := f.call(t, "POST", "/subscriptions", body, "Prefer", immutable)
	wantStatus(t, r, http.StatusCreated)
	return r.str("id")
}
