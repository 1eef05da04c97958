package bench

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// warmUp sends one GET /api/v1/me per user, which creates the user, so that the baseline measures
// the steady state.
func (l *load) warmUp(ctx context.Context) error {
	_, err := l.burst(ctx, len(l.tokens), func(ctx context.Context, u, _ int) (int, error) {
		status, body, err := l.call(ctx, http.MethodGet, "/api/v1/me", u, nil)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("warm-up GET /api/v1/me answered %d: %s", status, body)
		}
		return status, err
	})
	return err
}

// baseline measures n authenticated requests that do nothing else: GET /api/v1/me.
func (l *load) baseline(ctx context.Context, n int) (result, error) {
	return l.burst(ctx, n, func(ctx context.Context, u, _ int) (int, error) {
		status, _, err := l.call(ctx, http.MethodGet, "/api/v1/me", u, nil)
		return status, err
	})
}

// accept measures n Track clicks, each on a distinct message of the clicking user, and returns those
// the service accepted.
func (l *load) accept(ctx context.Context, n int) (result, []click, error) {
	clicks := make([][]click, len(l.tokens))
	res, err := l.burst(ctx, n, func(ctx context.Context, u, k int) (int, error) {
		sent := time.Now()
		id, status, err := l.track(ctx, u, l.items[u][k])
		if err == nil && status == http.StatusAccepted {
			clicks[u] = append(clicks[u], click{user: u, id: id, sent: sent})
		}
		return status, err
	})
	return res, slices.Concat(clicks...), err
}

// drainTimeout bounds the wait for the accepted clicks to be worked.
const drainTimeout = 10 * time.Minute

// drain waits until every accepted click is done or failed and measures, for each, the time from the
// click to its request finishing (the service's updatedAt): the latency of work behind a backlog. It
// reads the requests in the order they were sent and sleeps at the first still open, so that waiting
// adds little load. The rate is the clicks worked per second, from the first click to the last finish.
func (l *load) drain(ctx context.Context, clicks []click) (result, error) {
	slices.SortFunc(clicks, func(a, b click) int { return a.sent.Compare(b.sent) })
	deadline := time.Now().Add(drainTimeout)
	var latencies []time.Duration
	var last time.Time
	var problems []string
	for i := 0; i < len(clicks); {
		c := clicks[i]
		st, err := l.state(ctx, c.user, c.id)
		if err != nil {
			return result{}, err
		}
		if st.State == "done" || st.State == "failed" {
			latencies = append(latencies, st.UpdatedAt.Sub(c.sent))
			if st.UpdatedAt.After(last) {
				last = st.UpdatedAt
			}
			if st.State == "failed" {
				problems = append(problems, "failed: "+st.Error)
			}
			i++
			continue
		}
		if time.Now().After(deadline) {
			return result{}, fmt.Errorf("%d of %d accepted clicks still open after %s", len(clicks)-i, len(clicks), drainTimeout)
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return result{}, err
		}
	}
	var elapsed time.Duration
	if len(clicks) > 0 {
		elapsed = last.Sub(clicks[0].sent)
	}
	res := newResult(latencies, elapsed)
	for _, p := range problems {
		res.problem(p)
	}
	// A quiet moment, so that the end-to-end clicks meet an idle service.
	return res, sleep(ctx, time.Second)
}

// endToEnd sends n clicks paced at rate per second, click i from user i mod clients on that user's
// message first+i/clients, and measures each from the click until an answer says it is done.
func (l *load) endToEnd(ctx context.Context, n int, rate float64, first int) (result, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	interval := time.Duration(float64(time.Second) / rate)
	latencies := make([]time.Duration, n)
	problems := make([]string, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		if sleep(ctx, time.Until(start.Add(time.Duration(i)*interval))) != nil {
			break
		}
		wg.Go(func() {
			u := i % len(l.tokens)
			d, problem, err := l.clickAndWait(ctx, u, l.items[u][first+i/len(l.tokens)])
			if err != nil {
				cancel(err)
			}
			latencies[i], problems[i] = d, problem
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return result{}, err
	}
	var done []time.Duration
	for i, d := range latencies {
		if problems[i] == "" {
			done = append(done, d)
		}
	}
	res := newResult(done, 0)
	for _, p := range problems {
		if p != "" {
			res.problem(p)
		}
	}
	return res, nil
}

// clickAndWait sends one Track click and polls it every 5 ms until it is done or failed. It returns the
// time from the click to the answer saying done, or else what went wrong.
func (l *load) clickAndWait(ctx context.Context, u int, itemID string) (time.Duration, string, error) {
	start := time.Now()
	id, status, err := l.track(ctx, u, itemID)
	if err != nil {
		return 0, "", err
	}
	if status != http.StatusAccepted {
		return 0, fmt.Sprintf("answered %d %s", status, http.StatusText(status)), nil
	}
	for {
		st, err := l.state(ctx, u, id)
		switch {
		case err != nil:
			return 0, "", err
		case st.State == "done":
			return time.Since(start), "", nil
		case st.State == "failed":
			return 0, "failed: " + st.Error, nil
		case time.Since(start) > 2*time.Minute:
			return 0, "still " + st.State + " after 2m", nil
		}
		if err := sleep(ctx, 5*time.Millisecond); err != nil {
			return 0, "", err
		}
	}
}
