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

	mu    sync.Mutex
	gates map[string]*gate
}

func newLimiter(size, budget int) *limiter {
	return &limiter{size: size, budget: budget, gates: map[string]*gate{}}
}

// gate returns the gate of the mailbox named by key (tenant id + "/" + object id).
func (l *limiter) gate(key string) *gate {
	l.mu.Lock()
	defer l.mu.Unlock()
	g, ok := l.gates[key]
	if !ok {
		// A token bucket whose burst plus ten minutes of refill is the budget: no ten-minute window can
		// hold more requests than that.
		burst := max(l.budget/10, 1)
		perSecond := rate.Limit(float64(l.budget-burst) / (10 * 60))
		g = &gate{slots: make(chan struct{}, l.size), rate: rate.NewLimiter(perSecond, burst)}
		if l.budget <= 0 {
			g.rate = rate.NewLimiter(rate.Inf, 0)
		}
		l.gates[key] = g
	}
	return g
}

// gate bounds the Graph calls to one mailbox: how many are in flight and how many are made over time.
type gate struct {
	slots chan struct{}
	rate  *rate.Limiter
}

// maxBudgetWait is the longest a call waits for the mailbox's request budget; beyond it the call
// answers as Graph would have, throttled, so the job is snoozed instead of holding a worker.
const maxBudgetWait = 2 * time.Second

// acquire waits for the budget and a free slot, or for ctx to end.
func (g *gate) acquire(ctx context.Context) error {
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
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gate) release() { <-g.slots }
