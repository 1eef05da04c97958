package graph

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/crmsync/crmsync/internal/outlook"
)

// limiter holds one gate per mailbox, so every Mailbox value for the same user, in every goroutine,
// shares the same bounds: Graph's 4 concurrent requests and 10,000 requests per ten minutes per app
// and mailbox. Gates are never dropped: there is one small gate per mailbox the process has opened.
type limiter struct {
	size   int
	budget int // requests per ten minutes; 0 for no bound

	extRequests int           // open-extension requests per extWindow per tenant; 0 for no bound
	extWindow   time.Duration // the window of extRequests

	mu    sync.Mutex
	gates map[string]*gate
	exts  map[string]*gate // by tenant id
}

func newLimiter(size, budget int) *limiter {
	return &limiter{size: size, budget: budget, gates: map[string]*gate{}, exts: map[string]*gate{}}
}

// budgetLimiter is a token bucket whose burst plus one window of refill is n: no window of that length
// can hold more than n requests. n <= 0 is no bound.
func budgetLimiter(n int, window time.Duration) *rate.Limiter {
	if n <= 0 || window <= 0 {
		return rate.NewLimiter(rate.Inf, 0)
	}
	burst := max(n/10, 1)
	return rate.NewLimiter(rate.Limit(float64(n-burst)/window.Seconds()), burst)
}

// extensionGate returns the gate of the tenant's open extensions: Graph allows an app 455 requests per
// 10 seconds to open extensions per tenant ("Open and schema extensions service limits",
// throttling-limits.md), whichever mailboxes they are in. It bounds only the rate, not concurrency.
func (l *limiter) extensionGate(tenant string) *gate {
	l.mu.Lock()
	defer l.mu.Unlock()
	g, ok := l.exts[tenant]
	if !ok {
		g = &gate{rate: budgetLimiter(l.extRequests, l.extWindow)}
		l.exts[tenant] = g
	}
	return g
}

// gate returns the gate of the mailbox named by key (tenant id + "/" + object id).
func (l *limiter) gate(key string) *gate {
	l.mu.Lock()
	defer l.mu.Unlock()
	g, ok := l.gates[key]
	if !ok {
		g = &gate{slots: make(chan struct{}, l.size), rate: budgetLimiter(l.budget, 10*time.Minute)}
		l.gates[key] = g
	}
	return g
}

// gate bounds Graph calls: how many are made over time, and (for a mailbox) how many are in flight.
type gate struct {
	slots chan struct{} // nil: no bound on concurrency
	rate  *rate.Limiter
}

// maxBudgetWait is the longest a call waits for the mailbox's request budget; beyond it the call
// answers as Graph would have, throttled, so the job is snoozed instead of holding a worker.
const maxBudgetWait = 2 * time.Second

// acquire waits for the budget and a free slot, or for ctx to end.
func (g *gate) acquire(ctx context.Context) error {
	if err := g.spend(ctx); err != nil {
		return err
	}
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// spend waits for one request of the budget, or for ctx to end; beyond maxBudgetWait it answers
// throttled at once.
func (g *gate) spend(ctx context.Context) error {
	r := g.rate.Reserve()
	if d := r.Delay(); d > maxBudgetWait {
		r.Cancel()
		return &outlook.ThrottledError{RetryAfter: d}
	} else if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			r.Cancel()
			return ctx.Err()
		}
	}
	return nil
}

func (g *gate) release() { <-g.slots }
