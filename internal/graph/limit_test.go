package graph

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// A mailbox's request budget bounds every ten minutes: once the burst is spent, a call that would wait
// long answers throttled, as Graph would, instead of holding its caller.
func TestGateBudget(t *testing.T) {
	l := newLimiter(4, 100) // a burst of 10, then 90 per ten minutes
	g := l.gate("tenant/user")
	if l.gate("tenant/user") != g {
		t.Fatal("the same mailbox got two gates")
	}
	ctx := context.Background()
	for i := range 10 {
		if err := g.acquire(ctx); err != nil {
			t.Fatalf("call %d within the burst: %v", i, err)
		}
		g.release()
	}
	err := g.acquire(ctx)
	var throttled *outlook.ThrottledError
	if !errors.As(err, &throttled) || throttled.RetryAfter < 5*time.Second {
		t.Fatalf("a call beyond the budget answered %v, want throttled for about 6.7s", err)
	}
	if other := l.gate("tenant/other"); other.acquire(ctx) != nil {
		t.Fatal("another mailbox's budget was spent too")
	}
}

func TestGateBoundsConcurrency(t *testing.T) {
	g := newLimiter(2, 9000).gate("k")
	ctx := context.Background()
	for range 2 {
		if err := g.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := g.acquire(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third concurrent call got %v, want to wait until its context ended", err)
	}
}

func TestGateWithoutBudget(t *testing.T) {
	g := newLimiter(4, 0).gate("k")
	for range 10000 {
		if err := g.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		g.release()
	}
}
