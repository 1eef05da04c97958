package graph_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

// expect checks an error against what a caller would test for.
type expect func(t *testing.T, err error)

func is(target error) expect {
	return func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, target) {
			t.Errorf("error = %v, want errors.Is %v", err, target)
		}
	}
}

func throttled(wait time.Duration) expect {
	return func(t *testing.T, err error) {
		t.Helper()
		var th *outlook.ThrottledError
		if !errors.As(err, &th) || th.RetryAfter != wait {
			t.Errorf("error = %v, want *ThrottledError{%s}", err, wait)
		}
	}
}

func transient(status int) expect {
	return func(t *testing.T, err error) {
		t.Helper()
		var tr *outlook.TransientError
		if !errors.As(err, &tr) || tr.Status != status {
			t.Errorf("error = %v, want *TransientError{Status: %d}", err, status)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		name  string
		fault graphfake.Fault
		want  expect
	}{
		{"404 not found", graphfake.Fault{Status: 404}, is(outlook.ErrNotFound)},
		{"410 gone", graphfake.Fault{Status: 410, Code: "ErrorItemNotFound"}, is(outlook.ErrNotFound)},
		{"401 unauthorized", graphfake.Fault{Status: 401}, is(outlook.ErrPermission)},
		{"403 forbidden", graphfake.Fault{Status: 403}, is(outlook.ErrPermission)},
		{"400 bad request", graphfake.Fault{Status: 400}, is(outlook.ErrInvalid)},
		{"429 throttled", graphfake.Fault{Status: 429, RetryAfter: 7 * time.Second}, throttled(7 * time.Second)},
		// "Retry-After: 2.128" (throttling.md): honoured to the millisecond, not read as absent.
		{"429 with a fractional Retry-After", graphfake.Fault{Status: 429, RetryAfter: 2128 * time.Millisecond}, throttled(2128 * time.Millisecond)},
		{"503 with Retry-After", graphfake.Fault{Status: 503, RetryAfter: 5 * time.Second}, throttled(5 * time.Second)},
		{"503 with a fractional Retry-After", graphfake.Fault{Status: 503, RetryAfter: 750 * time.Millisecond}, throttled(750 * time.Millisecond)},
		{"503 without Retry-After", graphfake.Fault{Status: 503}, transient(503)},
		{"500 server error", graphfake.Fault{Status: 500}, transient(500)},
		{"504 gateway timeout", graphfake.Fault{Status: 504}, transient(504)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mb, b := setup(t)
			id := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "m"}).ID
			b.fake.InjectFault("GET /users/{user}/messages/{id}", tc.fault)

			_, err := mb.Message(context.Background(), id)
			tc.want(t, err)
			if err != nil && !strings.Contains(err.Error(), "read message "+id) {
				t.Errorf("error %q does not say what failed", err)
			}
		})
	}
}

// TestEveryMethodMapsErrors throttles each route a method uses and expects the ThrottledError through
// the method's wrapping.
func TestEveryMethodMapsErrors(t *testing.T) {
	mb, b := setup(t)
	list := b.fake.AddTaskList(userID, "Tasks")
	msg := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "m"}).ID
	ev := b.fake.AddEvent(userID, outlook.Event{Subject: "e", Start: at("2025-03-02T14:00:00Z")}).ID
	ct := b.fake.AddContact(userID, outlook.Contact{GivenName: "c"}).ID
	task := b.fake.AddTask(userID, list, outlook.Task{Title: "t"}).ID
	ctx := context.Background()
	cases := []struct {
		name  string
		route string
		call  func() error
	}{
		{"Event", "GET /users/{user}/events/{id}", func() error { _, err := mb.Event(ctx, ev); return err }},
		{"Contact", "GET /users/{user}/contacts/{id}", func() error { _, err := mb.Contact(ctx, ct); return err }},
		{"Task", "GET /users/{user}/todo/lists/{list}/tasks/{task}", func() error { _, err := mb.Task(ctx, task); return err }},
		{"ImmutableID", "GET /users/{user}/messages/{id}", func() error {
			_, err := mb.ImmutableID(ctx, outlook.KindMessage, b.fake.RESTID(userID, msg))
			return err
		}},
		{"Stamp message", "PATCH /users/{user}/messages/{id}", func() error { return mb.Stamp(ctx, outlook.KindMessage, msg, "crm-1") }},
		{"Stamp event", "PATCH /users/{user}/events/{id}", func() error { return mb.Stamp(ctx, outlook.KindAppointment, ev, "crm-1") }},
		{"Stamp contact", "PATCH /users/{user}/contacts/{id}", func() error { return mb.Stamp(ctx, outlook.KindContact, ct, "crm-1") }},
		{"Stamp task", "POST /users/{user}/todo/lists/{list}/tasks/{task}/extensions", func() error { return mb.Stamp(ctx, outlook.KindTask, task, "crm-1") }},
		{"Unstamp message", "GET /users/{user}/messages/{id}", func() error { return mb.Unstamp(ctx, outlook.KindMessage, msg) }},
		{"Unstamp task", "GET /users/{user}/todo/lists/{list}/tasks/{task}", func() error { return mb.Unstamp(ctx, outlook.KindTask, task) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.fake.InjectFault(tc.route, graphfake.Fault{Status: 429, RetryAfter: 3 * time.Second, Times: 1})
			throttled(3*time.Second)(t, tc.call())
			b.fake.ClearFaults()
		})
	}
}

// TestThrottlingIsNotRetried: the SDK's RetryHandler would sleep through a 429 and try again; the job
// queue must see it at once to snooze the job.
func TestThrottlingIsNotRetried(t *testing.T) {
	const route = "GET /users/{user}/messages/{id}"
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			mb, b := setup(t)
			id := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "m"}).ID
			b.fake.InjectFault(route, graphfake.Fault{Status: status, RetryAfter: 7 * time.Second})

			start := time.Now()
			_, err := mb.Message(context.Background(), id)
			if err == nil {
				t.Fatal("Message succeeded through a persistent fault")
			}
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("Message took %s: something waited for Retry-After", elapsed)
			}
			if n := b.fake.Requests(route); n != 1 {
				t.Errorf("Graph saw %d requests, want 1 (no retry)", n)
			}
		})
	}
}

func TestConnectionFailureIsTransient(t *testing.T) {
	c, err := graph.NewClient(graph.Options{BaseURL: "http://127.0.0.1:1/v1.0", DevToken: "test"})
	if err != nil {
		t.Fatal(err)
	}
	mb, err := c.Mailbox(graph.User{TenantID: tenant, ObjectID: userID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = mb.Message(context.Background(), "AAkAid")
	transient(0)(t, err)
}

func TestTimeoutIsTransient(t *testing.T) {
	_, b := setup(t)
	id := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "m"}).ID
	b.fake.InjectFault("GET /users/{user}/messages/{id}", graphfake.Fault{Latency: 2 * time.Second})
	c, err := graph.NewClient(graph.Options{BaseURL: b.url, DevToken: "test",
		HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	mb, err := c.Mailbox(graph.User{TenantID: tenant, ObjectID: userID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = mb.Message(context.Background(), id)
	transient(0)(t, err)
}

func TestCancelledContextIsNotTransient(t *testing.T) {
	mb, b := setup(t)
	id := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "m"}).ID
	b.fake.InjectFault("GET /users/{user}/messages/{id}", graphfake.Fault{Latency: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := mb.Message(ctx, id)
	var tr *outlook.TransientError
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &tr) {
		t.Errorf("error = %v, want the context's error", err)
	}
}

// TestConcurrencyLimitPerMailbox: 20 calls through separate Mailbox values for one user never have more
// than 4 requests in flight, Graph's limit per app per mailbox.
func TestConcurrencyLimitPerMailbox(t *testing.T) {
	_, b := setup(t, graphfake.WithLatency(30*time.Millisecond))
	id := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "m"}).ID

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			mb, err := b.client.Mailbox(graph.User{TenantID: tenant, ObjectID: userID})
			if err == nil {
				_, err = mb.Message(context.Background(), id)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Message: %v", err)
		}
	}
	if n := b.fake.MaxConcurrent(userID); n > 4 || n < 2 {
		t.Errorf("MaxConcurrent = %d, want 2..4", n)
	}
}
