package graph

import (
	"context"
	"sync"
)

// limiter holds one semaphore per mailbox, so every Mailbox value for the same user, in every goroutine,
// shares the same bound on calls in flight. Semaphores are never dropped: there is one small channel per
// mailbox the process has opened.
type limiter struct {
	size int

	mu   sync.Mutex
	sems map[string]semaphore
}

func newLimiter(size int) *limiter {
	return &limiter{size: size, sems: map[string]semaphore{}}
}

// semaphore returns the semaphore of the mailbox named by key (tenant id + "/" + object id).
func (l *limiter) semaphore(key string) semaphore {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.sems[key]
	if !ok {
		s = make(semaphore, l.size)
		l.sems[key] = s
	}
	return s
}

// semaphore bounds concurrent Graph calls to one mailbox.
type semaphore chan struct{}

// acquire waits for a free slot or for ctx to end.
func (s semaphore) acquire(ctx context.Context) error {
	select {
	case s <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s semaphore) release() { <-s }
