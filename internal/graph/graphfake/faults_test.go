package graphfake_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
)

const getMessage = "GET /users/{user}/messages/{id}"

func TestFaults(t *testing.T) {
	tests := []struct {
		name           string
		route          string
		fault          graphfake.Fault
		wantStatus     int
		wantCode       string
		wantRetryAfter string
	}{
		{name: "throttled", route: getMessage, fault: graphfake.Fault{Status: 429, RetryAfter: 2 * time.Second}, wantStatus: 429, wantCode: "TooManyRequests", wantRetryAfter: "2"},
		// throttling.md's sample response: "Retry-After: 2.128".
		{name: "throttled, a fraction of a second", route: getMessage, fault: graphfake.Fault{Status: 429, RetryAfter: 2128 * time.Millisecond}, wantStatus: 429, wantCode: "TooManyRequests", wantRetryAfter: "2.128"},
		{name: "throttled, below the millisecond rounds up", route: getMessage, fault: graphfake.Fault{Status: 429, RetryAfter: 1500*time.Millisecond + time.Microsecond}, wantStatus: 429, wantCode: "TooManyRequests", wantRetryAfter: "1.501"},
		{name: "unavailable with a fractional Retry-After", route: getMessage, fault: graphfake.Fault{Status: 503, RetryAfter: 750 * time.Millisecond}, wantStatus: 503, wantCode: "ServiceUnavailable", wantRetryAfter: "0.75"},
		{name: "throttled, custom code", route: "*", fault: graphfake.Fault{Status: 429, Code: "ApplicationThrottled"}, wantStatus: 429, wantCode: "ApplicationThrottled", wantRetryAfter: "0"},
		{name: "unavailable with Retry-After", route: getMessage, fault: graphfake.Fault{Status: 503, RetryAfter: 5 * time.Second}, wantStatus: 503, wantCode: "ServiceUnavailable", wantRetryAfter: "5"},
		{name: "unavailable", route: "*", fault: graphfake.Fault{Status: 503}, wantStatus: 503, wantCode: "ServiceUnavailable"},
		{name: "internal error", route: getMessage, fault: graphfake.Fault{Status: 500}, wantStatus: 500, wantCode: "InternalServerError"},
		{name: "forbidden", route: getMessage, fault: graphfake.Fault{Status: 403}, wantStatus: 403, wantCode: "ErrorAccessDenied"},
		{name: "gone", route: getMessage, fault: graphfake.Fault{Status: 410}, wantStatus: 410, wantCode: "SyncStateNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			f.srv.InjectFault(tt.route, tt.fault)
			r := f.call(t, "GET", "/users/"+aliceID+"/messages/"+f.msg.ID, nil)
			wantStatus(t, r, tt.wantStatus)
			if r.errorCode() != tt.wantCode {
				t.Errorf("code = %q, want %q", r.errorCode(), tt.wantCode)
			}
			if got := r.header.Get("Retry-After"); got != tt.wantRetryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetryAfter)
			}
			f.srv.ClearFaults()
			wantStatus(t, f.call(t, "GET", "/users/"+aliceID+"/messages/"+f.msg.ID, nil), http.StatusOK)
		})
	}
}

func TestFaultTimesCountDown(t *testing.T) {
	f := setup(t)
	f.srv.InjectFault(getMessage, graphfake.Fault{Status: 429, RetryAfter: time.Second, Times: 2})
	f.srv.InjectFault(getMessage, graphfake.Fault{Status: 500, Times: 1})
	var got []int
	for range 4 {
		got = append(got, f.call(t, "GET", "/users/"+aliceID+"/messages/"+f.msg.ID, nil).status)
	}
	if want := []int{429, 429, 500, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	if n := f.srv.Requests(getMessage); n != 4 {
		t.Errorf("Requests = %d, want 4", n)
	}
	f.call(t, "PATCH", "/users/"+aliceID+"/messages/"+f.msg.ID, map[string]any{"categories": []string{}})
	if n, all := f.srv.Requests("PATCH /users/{user}/messages/{id}"), f.srv.Requests("*"); n != 1 || all != 5 {
		t.Errorf("Requests(PATCH) = %d, Requests(*) = %d; want 1, 5", n, all)
	}
}

func TestFaultLatencyHonoursContext(t *testing.T) {
	f := setup(t)
	f.srv.InjectFault(getMessage, graphfake.Fault{Latency: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.base+"/users/"+aliceID+"/messages/"+f.msg.ID, nil)
	req.Header.Set("Authorization", "Bearer x")
	start := time.Now()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("request succeeded through a minute of latency")
	}
	if time.Since(start) > 5*time.Second {
		t.Error("the server did not give up when the client did")
	}
}

func TestMaxConcurrent(t *testing.T) {
	f := setup(t, graphfake.WithLatency(300*time.Millisecond))
	const parallel = 6
	var wg sync.WaitGroup
	for i := range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := aliceID
			if i%2 == 0 {
				user = aliceUPN // the same mailbox by its other name
			}
			r := f.call(t, "GET", "/users/"+user+"/messages/"+f.msg.ID, nil)
			if r.status != http.StatusOK {
				t.Errorf("status %d", r.status)
			}
		}()
	}
	wg.Wait()
	if n := f.srv.MaxConcurrent(aliceUPN); n != parallel {
		t.Errorf("MaxConcurrent = %d, want %d", n, parallel)
	}
	if n := f.srv.MaxConcurrent("bob@contoso.test"); n != 0 {
		t.Errorf("MaxConcurrent(bob) = %d", n)
	}
}

func TestRoutesNameEveryFaultableEndpoint(t *testing.T) {
	routes := graphfake.New().Routes()
	for _, want := range []string{getMessage, "PATCH /users/{user}/messages/{id}", "GET /users/{user}/calendarView/delta"} {
		if !slices.Contains(routes, want) {
			t.Errorf("Routes() lacks %q: %v", want, routes)
		}
	}
	if slices.Contains(routes, "*") {
		t.Error(`Routes() lists "*", which is no endpoint`)
	}
}
