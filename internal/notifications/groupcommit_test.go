package notifications

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
)

// POSTs that arrive while a round commits share the next round; each learns its round's outcome.
func TestGroupCommitSharesRounds(t *testing.T) {
	ctx := context.Background()
	release := make(chan struct{})
	var mu sync.Mutex
	var rounds []int
	fail := errors.New("the database is gone")
	g := &groupCommit{commit: func(_ context.Context, work []accepted) error {
		mu.Lock()
		rounds = append(rounds, len(work))
		first := len(rounds) == 1
		mu.Unlock()
		if first {
			<-release // the first round holds on while the others arrive
			return nil
		}
		return fail
	}}
	firstDone := make(chan error, 1)
	go func() { firstDone <- g.persist(ctx, []accepted{{}}) }()
	for {
		mu.Lock()
		started := len(rounds) == 1
		mu.Unlock()
		if started {
			break
		}
		runtime.Gosched()
	}
	const others = 20
	errs := make(chan error, others)
	for range others {
		go func() { errs <- g.persist(ctx, []accepted{{}, {}}) }()
	}
	for {
		g.mu.Lock()
		n := len(g.waiting)
		g.mu.Unlock()
		if n == others {
			break
		}
		runtime.Gosched()
	}
	close(release)
	if err := <-firstDone; err != nil {
		t.Fatalf("the first POST: %v", err)
	}
	for range others {
		if err := <-errs; !errors.Is(err, fail) {
			t.Fatalf("a POST of the failed round answered %v, want its error", err)
		}
	}
	if len(rounds) != 2 || rounds[0] != 1 || rounds[1] != 2*others {
		t.Fatalf("rounds = %v, want [1 %d]", rounds, 2*others)
	}
}
