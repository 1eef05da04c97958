package tracking

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/store"
)

// acceptor stores accepted clicks with their jobs, the clicks that wait at the same moment in one
// transaction (group commit), each as it would be alone: its request row, and its job when it needs
// one. A transaction, and River's insert of the jobs, cost about as much for a hundred clicks as for one:
// on SQLite, whose one writer takes one transaction at a time, and on PostgreSQL, where each statement is
// a round trip, that is what lets clicks be accepted at the rate authenticated reads are answered. A
// committer takes the waiting clicks only once its transaction has begun (on SQLite, once it holds the
// writer), so that the clicks that came meanwhile go in it too. A click is answered once its
// transaction has committed, never before.
type acceptor struct {
	db    *store.Store
	queue jobs.Inserter
	// settle settles a click whose user already has a request for the item and action, inside the
	// transaction: the same click again, or one that takes the request up again (Service.settle). It
	// returns whether the click needs a job.
	settle func(ctx context.Context, tx *store.Tx, a *acceptance) (bool, error)

	mu      sync.Mutex
	waiting []*acceptance
	running int // committers at work
}

// acceptance is one click waiting to be stored, and then how it went.
type acceptance struct {
	click crm.TrackRequest // as submitted
	req   crm.TrackRequest // as stored: the click's new request, or the existing one it is
	err   error
	done  chan struct{}
}

// maxAcceptBatch bounds the clicks one transaction stores, so that each stays short.
const maxAcceptBatch = 200

// acceptTimeout bounds one batch's transaction; a click whose caller gave up is still stored (a retry
// finds it), so the batch does not run on any one caller's context.
const acceptTimeout = 30 * time.Second

// committers is how many transactions store clicks at once: one on SQLite, which writes one at a time
// anyway; a few on PostgreSQL, so that clicks wait less for the round trips of the batch before theirs.
func (a *acceptor) committers() int {
	if a.db.Dialect() == store.Postgres {
		return 4
	}
	return 1
}

// accept stores the click's request, and its job when it needs one, and returns the request as stored.
func (a *acceptor) accept(ctx context.Context, req crm.TrackRequest) (crm.TrackRequest, error) {
	w := &acceptance{click: req, done: make(chan struct{})}
	a.mu.Lock()
	a.waiting = append(a.waiting, w)
	start := a.running < a.committers()
	if start {
		a.running++
	}
	a.mu.Unlock()
	if start {
		go a.commitWhileWaiting(context.WithoutCancel(ctx))
	}
	select {
	case <-w.done:
		return w.req, w.err
	case <-ctx.Done():
		return crm.TrackRequest{}, fmt.Errorf("accept the click: %w", ctx.Err())
	}
}

// take removes up to n waiting clicks.
func (a *acceptor) take(n int) []*acceptance {
	a.mu.Lock()
	defer a.mu.Unlock()
	n = min(n, len(a.waiting))
	batch := a.waiting[:n:n]
	a.waiting = a.waiting[n:]
	return batch
}

// commitWhileWaiting stores batches until no click waits.
func (a *acceptor) commitWhileWaiting(ctx context.Context) {
	for {
		batch, err := a.commit(ctx, func() []*acceptance { return a.take(maxAcceptBatch) })
		switch {
		case err != nil && batch == nil:
			// The transaction did not begin: the database is away. The clicks waiting hear so.
			batch = a.take(maxAcceptBatch)
			for _, w := range batch {
				w.err = err
			}
		case err != nil && len(batch) > 1:
			// Whatever failed must not fail the others: each on its own then.
			for _, w := range batch {
				_, w.err = a.commit(ctx, func() []*acceptance { return []*acceptance{w} })
			}
		default:
			for _, w := range batch {
				w.err = err
			}
		}
		for _, w := range batch {
			close(w.done)
		}
		a.mu.Lock()
		if len(a.waiting) == 0 {
			a.running--
			a.mu.Unlock()
			return
		}
		a.mu.Unlock()
	}
}

// commit stores, in one transaction, the clicks that next returns once the transaction has begun, and
// returns them.
func (a *acceptor) commit(ctx context.Context, next func() []*acceptance) ([]*acceptance, error) {
	ctx, cancel := context.WithTimeout(ctx, acceptTimeout)
	defer cancel()
	var batch []*acceptance
	err := a.db.InTx(ctx, func(tx *store.Tx) error {
		batch = next()
		if len(batch) == 0 {
			return nil
		}
		clicks := make([]crm.TrackRequest, len(batch))
		for i, w := range batch {
			w.req, clicks[i] = w.click, w.click
		}
		// New clicks, nearly all of them, in one statement; the others one by one.
		inserted, err := tx.InsertNewTrackRequests(ctx, clicks)
		if err != nil {
			return err
		}
		var work []river.JobArgs
		for _, w := range batch {
			needsJob := inserted[w.req.ID]
			if !needsJob {
				if needsJob, err = a.settle(ctx, tx, w); err != nil {
					return err
				}
			}
			if needsJob {
				work = append(work, TrackArgs{TenantID: w.req.TenantID, RequestID: w.req.ID, Generation: w.req.Generation})
			}
		}
		_, err = a.queue.InsertManyTx(ctx, tx, work)
		return err
	})
	return batch, err
}
