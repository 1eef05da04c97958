package notifications

import (
	"context"
	"sync"
)

// maxGroup bounds how many POSTs' notifications one transaction makes durable.
const maxGroup = 512

// groupCommit makes the notifications of POSTs that arrive together durable in one transaction: the
// first POST to find no transaction running commits what waits (its own, and whatever arrives
// meanwhile), in rounds, and every POST answers once the round that held its notifications committed.
// Under Graph's bursts this turns a transaction per POST, which SQLite's single writer serializes, into
// one per round, without delaying a POST that arrives alone.
type groupCommit struct {
	commit func(ctx context.Context, work []accepted) error

	mu      sync.Mutex
	waiting []*pending
	running bool
}

// pending is one POST's notifications, and where the outcome of their round goes.
type pending struct {
	work []accepted
	done chan error
}

// persist returns once work is durable, or with the error of the transaction that held it.
func (g *groupCommit) persist(ctx context.Context, work []accepted) error {
	p := &pending{work: work, done: make(chan error, 1)}
	g.mu.Lock()
	g.waiting = append(g.waiting, p)
	if !g.running {
		g.running = true
		// The rounds outlive this POST if others keep arriving: they must not end with its request.
		go g.run(context.WithoutCancel(ctx))
	}
	g.mu.Unlock()
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run commits rounds until nothing waits.
func (g *groupCommit) run(ctx context.Context) {
	for {
		g.mu.Lock()
		n := min(len(g.waiting), maxGroup)
		if n == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		round := g.waiting[:n:n]
		g.waiting = g.waiting[n:]
		g.mu.Unlock()
		var work []accepted
		for _, p := range round {
			work = append(work, p.work...)
		}
		err := g.commit(ctx, work)
		for _, p := range round {
			p.done <- err
		}
	}
}
