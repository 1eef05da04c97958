package graph

import (
	"context"
	"sync"
	"time"
)

// The states of the service's identity, as IdentityStatus reports them.
const (
	IdentityStarting = "starting" // not asked yet
	IdentityOK       = "ok"
	IdentityFailing  = "failing"
)

// IdentityStatus is the health of the service's own identity (managed or workload identity), for
// /readyz: while it fails, no Graph call can be made and jobs wait for it, retrying with backoff.
type IdentityStatus struct {
	Kind  string    // CredentialManagedIdentity or CredentialWorkloadIdentity
	State string    // IdentityStarting, IdentityOK or IdentityFailing
	Error string    // the last failure, while failing
	Since time.Time // when the state began; zero while starting
}

// identityHealth remembers how the identity's last token request went, and wakes the watcher after a
// failure.
type identityHealth struct {
	now    func() time.Time
	mu     sync.Mutex
	status IdentityStatus
	delay  time.Duration // the watcher's current backoff: how long a job should wait
	failed chan struct{} // one pending wake-up at most
}

func newIdentityHealth(kind string, now func() time.Time) *identityHealth {
	return &identityHealth{now: now, status: IdentityStatus{Kind: kind, State: IdentityStarting}, failed: make(chan struct{}, 1)}
}

// record notes the outcome of a token request.
func (h *identityHealth) record(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	state, msg := IdentityOK, ""
	if err != nil {
		state, msg = IdentityFailing, (&IdentityError{Kind: h.status.Kind, Err: err}).Error()
	}
	if state != h.status.State {
		h.status.Since = h.now()
	}
	h.status.State, h.status.Error = state, msg
	if err != nil {
		select {
		case h.failed <- struct{}{}:
		default:
		}
	}
}

// retryIn is how long a job that met the failure should wait before trying again.
func (h *identityHealth) retryIn() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return max(h.delay, time.Second)
}

func (h *identityHealth) setDelay(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.delay = d
}

func (h *identityHealth) get() IdentityStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.status
}

// IdentityStatus reports the health of the service's identity; ok is false when Graph is reached with a
// secret, a certificate or a development token, which have no identity to watch.
func (c *Client) IdentityStatus() (status IdentityStatus, ok bool) {
	if c.identity == nil {
		return IdentityStatus{}, false
	}
	return c.identity.health.get(), true
}

// WatchIdentity asks the identity for a token at once, so that a broken identity shows at start rather
// than at the first job; after every failure, its own or a Graph call's, it asks again with backoff
// (IdentityRetryMin doubling up to IdentityRetryMax) until the identity answers. Jobs that met the
// failure meanwhile wait as long as the watcher does and are tried again, spending no attempt, so
// nothing is lost. It returns when ctx ends.
func (c *Client) WatchIdentity(ctx context.Context) {
	id := c.identity
	if id == nil {
		return
	}
	delay, failures := c.retryMin, 0
	for {
		_, err := id.assertion(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			if failures > 0 {
				c.log.Info("the service's identity works again", "credential", id.kind, "failedAttempts", failures)
			}
			delay, failures = c.retryMin, 0
			select {
			case <-ctx.Done():
				return
			case <-id.health.failed: // a Graph call could not get an assertion: ask again
			}
			continue
		}
		failures++
		id.health.setDelay(delay)
		c.log.Error("the service's identity gives no token: Microsoft Graph cannot be called; jobs wait and retry",
			"credential", id.kind, "error", err.Error(), "attempt", failures, "retryIn", delay.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, c.retryMax)
		// Drain the wake-ups of failures seen meanwhile: the next attempt answers them all.
		select {
		case <-id.health.failed:
		default:
		}
	}
}
