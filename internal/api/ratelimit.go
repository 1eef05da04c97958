package api

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// userLimiter holds a token bucket per user. Buckets idle for longer than it takes to refill are dropped,
// so memory follows the number of active users.
type userLimiter struct {
	limit   rate.Limit
	burst   int
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	limiter *rate.Limiter
	seen    time.Time
}

func newUserLimiter(perSecond float64, burst int, now func() time.Time) *userLimiter {
	if burst < 1 {
		burst = 1
	}
	return &userLimiter{limit: rate.Limit(perSecond), burst: burst, now: now, buckets: map[string]*bucket{}, swept: now()}
}

// allow takes a token for key; when none is left it says how long until one is.
func (l *userLimiter) allow(key string) (bool, time.Duration) {
	if l.limit <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		idle := time.Duration(float64(l.burst)/float64(l.limit)*float64(time.Second)) + time.Minute
		for k, b := range l.buckets {
			if now.Sub(b.seen) > idle {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{limiter: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.limiter.ReserveN(now, 1)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		return false, delay
	}
	return true, 0
}
