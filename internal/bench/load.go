package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// load sends the benchmark's requests to the service, each as one of the simulated users.
type load struct {
	client *http.Client
	base   string
	tokens []string   // by user
	items  [][]string // REST ids by user, then by message
}

// newLoad makes one HTTP client for every user, keeping enough idle connections that the clients never
// wait for one or open new ones in the middle of a burst.
func newLoad(base string, tokens []string, items [][]string, clients int) *load {
	conns := 2*clients + 64
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     2 * time.Minute,
	}
	return &load{client: &http.Client{Transport: transport, Timeout: time.Minute}, base: base, tokens: tokens, items: items}
}

// click is an accepted Track click.
type click struct {
	user int
	id   string
	sent time.Time
}

// trackState is what GET /api/v1/track/{id} says of a click.
type trackState struct {
	ID        string    `json:"id"`
	State     string    `json:"state"`
	Error     string    `json:"error"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// burst has every client send its share of n requests back to back, all clients at once, and measures
// each request and the whole. send does request k of client u and returns the answer's status; any
// status but 2xx counts as not OK. An error (the service is unreachable) ends the burst.
func (l *load) burst(ctx context.Context, n int, send func(ctx context.Context, u, k int) (int, error)) (result, error) {
	clients := len(l.tokens)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	latencies := make([][]time.Duration, clients)
	statuses := make([][]int, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for u := range clients {
		wg.Go(func() {
			share := n / clients
			if u < n%clients {
				share++
			}
			for k := range share {
				t := time.Now()
				status, err := send(ctx, u, k)
				if err != nil {
					cancel(err)
					return
				}
				latencies[u] = append(latencies[u], time.Since(t))
				statuses[u] = append(statuses[u], status)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return result{}, err
	}
	res := newResult(slices.Concat(latencies...), elapsed)
	for _, s := range slices.Concat(statuses...) {
		if s < 200 || s > 299 {
			res.problem(fmt.Sprintf("answered %d %s", s, http.StatusText(s)))
		}
	}
	return res, nil
}

// track sends a Track click on a message and returns the request's id when it is accepted.
func (l *load) track(ctx context.Context, u int, itemID string) (string, int, error) {
	body, _ := json.Marshal(map[string]string{"itemId": itemID, "itemType": "message"}) // cannot fail
	status, answer, err := l.call(ctx, http.MethodPost, "/api/v1/track", u, body)
	if err != nil || status != http.StatusAccepted {
		return "", status, err
	}
	var st trackState
	if err := json.Unmarshal(answer, &st); err != nil || st.ID == "" {
		return "", status, fmt.Errorf("read the accepted click: %q (%v)", answer, err)
	}
	return st.ID, status, nil
}

// state reads a click's request.
func (l *load) state(ctx context.Context, u int, id string) (trackState, error) {
	var st trackState
	status, body, err := l.call(ctx, http.MethodGet, "/api/v1/track/"+id, u, nil)
	if err != nil {
		return st, err
	}
	if status != http.StatusOK {
		return st, fmt.Errorf("get track request %s: answered %d: %s", id, status, body)
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return st, fmt.Errorf("read track request %s: %w", id, err)
	}
	return st, nil
}

// call sends one request as user u and returns the answer's status and body.
func (l *load) call(ctx context.Context, method, path string, u int, body []byte) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, r)
	if err != nil {
		return 0, nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+l.tokens[u])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("read the answer to %s %s: %w", method, path, err)
	}
	return resp.StatusCode, answer, nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
