package notifications

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crmsync/crmsync/internal/graph/notification"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
)

// reconcile is one mailbox's reconciliation.
type reconcile struct {
	*Manager
	sub Subscriber
	mb  store.Mailbox
	now time.Time
	// marked: a save found its row marked by a lifecycle notification since it was read.
	marked bool
}

// remove deletes a subscription the mailbox should no longer have.
func (r *reconcile) remove(ctx context.Context, h store.Subscription) error {
	if h.ID != "" {
		if err := r.sub.Unsubscribe(ctx, h.ID); err != nil && !errors.Is(err, outlook.ErrNotFound) {
			return err
		}
	}
	return r.store.DeleteSubscription(ctx, h.TenantID, h.UserID, h.Kind)
}

// keep makes sure the mailbox holds w: creates it when crmsync holds none, renews it when its end
// nears, reauthorizes it when Graph asked. It reports false when the subscription could not be kept
// (saved as failing, with the reason).
func (r *reconcile) keep(ctx context.Context, w want, h *store.Subscription) (bool, error) {
	switch {
	case h == nil || h.ID == "" || h.Resource != w.resource:
		if h != nil && h.ID != "" {
			if err := r.remove(ctx, *h); err != nil {
				return false, err
			}
		}
		if h != nil && h.Resource == w.resource && h.State == store.SubscriptionFailing && h.RetryAt != nil && h.RetryAt.After(r.now) {
			return false, nil // waits for its next try
		}
		return r.create(ctx, w, h)
	case h.State == store.SubscriptionRenewing:
		return r.reauthorize(ctx, w, *h)
	case h.State == store.SubscriptionFailing:
		if h.RetryAt != nil && h.RetryAt.After(r.now) {
			return false, nil
		}
		return r.renew(ctx, w, *h)
	case h.ExpiresAt == nil || h.ExpiresAt.Sub(r.now) < renewBefore(w.nk):
		return r.renew(ctx, w, *h)
	}
	return true, nil
}

// create subscribes. A 409 means Graph holds a subscription for the same resource that crmsync does not
// know (made before a crash, or by an earlier installation): its clientState cannot be known, so its
// notifications could not be told from forgeries; crmsync takes it over by deleting it and subscribing
// once more, and a second refusal fails rather than loops.
func (r *reconcile) create(ctx context.Context, w want, h *store.Subscription) (bool, error) {
	for attempt := 0; ; attempt++ {
		state := newClientState()
		req := notification.Request{Resource: w.resource, ChangeType: notification.AllChanges,
			NotificationURL: r.cfg.BaseURL + NotificationPath, LifecycleNotificationURL: r.cfg.BaseURL + LifecyclePath,
			ClientState: state, Expiration: notification.Expiration(w.nk, r.now)}
		got, err := r.sub.Subscribe(ctx, req)
		var conflict *notification.ConflictError
		if errors.As(err, &conflict) && attempt == 0 {
			if err := r.takeOver(ctx, w, conflict); err != nil {
				return r.failed(ctx, w, h, err)
			}
			continue
		}
		if err != nil {
			return r.failed(ctx, w, h, err)
		}
		r.logger.Info("subscribed to change notifications", "user", r.mb.UserID, "resource", w.kind, "subscription", got.ID)
		return true, r.save(ctx, w, h, got.ID, HashClientState(state), got.Expiration)
	}
}

// takeOver deletes the subscription a 409 named, or the one Graph lists for the resource.
func (r *reconcile) takeOver(ctx context.Context, w want, conflict *notification.ConflictError) error {
	id := conflict.ExistingID
	if id == "" {
		found, err := r.sub.FindSubscription(ctx, w.resource, notification.AllChanges)
		if err != nil {
			return fmt.Errorf("find the subscription Graph already holds: %w", err)
		}
		id = found.ID
	}
	if err := r.sub.Unsubscribe(ctx, id); err != nil && !errors.Is(err, outlook.ErrNotFound) {
		return fmt.Errorf("take over subscription %s: %w", id, err)
	}
	r.logger.Info("took over a subscription crmsync did not know", "user", r.mb.UserID, "resource", w.kind, "subscription", id)
	return nil
}

// renew moves a subscription's end; one Graph no longer has is made again.
func (r *reconcile) renew(ctx context.Context, w want, h store.Subscription) (bool, error) {
	got, err := r.sub.Renew(ctx, h.ID, notification.Expiration(w.nk, r.now))
	if errors.Is(err, outlook.ErrNotFound) {
		return r.create(ctx, w, &store.Subscription{Kind: h.Kind, Generation: h.Generation})
	}
	if err != nil {
		return r.failed(ctx, w, &h, err)
	}
	return true, r.save(ctx, w, &h, h.ID, h.ClientStateHash, got.Expiration)
}

// reauthorize answers Graph's reauthorizationRequired; renewing also reauthorizes, and is the fallback.
func (r *reconcile) reauthorize(ctx context.Context, w want, h store.Subscription) (bool, error) {
	err := r.sub.Reauthorize(ctx, h.ID)
	if errors.Is(err, outlook.ErrNotFound) {
		return r.create(ctx, w, &store.Subscription{Kind: h.Kind, Generation: h.Generation})
	}
	if err != nil || h.ExpiresAt == nil || h.ExpiresAt.Sub(r.now) < renewBefore(w.nk) {
		return r.renew(ctx, w, h)
	}
	return true, r.save(ctx, w, &h, h.ID, h.ClientStateHash, *h.ExpiresAt)
}

func (r *reconcile) save(ctx context.Context, w want, h *store.Subscription, id, hash string, expires time.Time) error {
	exp := expires.UTC()
	return r.write(ctx, store.Subscription{TenantID: r.mb.TenantID, UserID: r.mb.UserID, Kind: w.kind, ID: id,
		Resource: w.resource, ClientStateHash: hash, ExpiresAt: &exp, State: store.SubscriptionActive, Generation: generation(h)})
}

// write saves s unless a lifecycle notification marked its row since it was read.
func (r *reconcile) write(ctx context.Context, s store.Subscription) error {
	ok, err := r.store.SaveSubscription(ctx, s)
	if err == nil && !ok {
		r.marked = true
	}
	return err
}

func generation(h *store.Subscription) int64 {
	if h == nil {
		return 0
	}
	return h.Generation
}

// failed records a subscription that could not be made or kept. Throttling and cancellation are the
// job's to retry; anything else makes the subscription failing, tried again later, and the mailbox polls
// meanwhile. The subscription Graph may still hold (a failed renewal) stays known, so its notifications
// are still accepted until it ends.
func (r *reconcile) failed(ctx context.Context, w want, h *store.Subscription, err error) (bool, error) {
	var throttled *outlook.ThrottledError
	if errors.As(err, &throttled) || ctx.Err() != nil {
		return false, err
	}
	s := store.Subscription{TenantID: r.mb.TenantID, UserID: r.mb.UserID, Kind: w.kind, Resource: w.resource, State: store.SubscriptionFailing}
	if h != nil {
		s.ID, s.ClientStateHash, s.ExpiresAt, s.Failures, s.Generation = h.ID, h.ClientStateHash, h.ExpiresAt, h.Failures, h.Generation
	}
	s.Failures++
	retry := r.now.Add(retryFailing(s.Failures))
	s.RetryAt, s.Reason = &retry, err.Error()
	r.logger.Warn("change notifications failing; the mailbox polls", "user", r.mb.UserID, "resource", w.kind, "failures", s.Failures, "error", err.Error())
	return false, r.write(ctx, s)
}
