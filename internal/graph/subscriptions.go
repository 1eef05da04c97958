package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/subscriptions"

	"github.com/crmsync/crmsync/internal/graph/notification"
	"github.com/crmsync/crmsync/internal/outlook"
)

// Change-notification subscriptions (subscription-post-subscriptions.md, subscription-update.md,
// subscription-reauthorize.md, subscription-delete.md, subscription-list.md). They are sent with the
// mailbox's credentials (app-only in server mode, on behalf of the user in client mode) and inside its
// concurrency limit, and fail with the errors of package outlook, plus those of package notification:
// *notification.ConflictError for a duplicate, notification.ErrTooManySubscriptions,
// notification.ErrValidationFailed and notification.ErrDelegatedOnly.

// Subscribe creates a subscription. Before it answers, Graph POSTs a validation token to the notification
// URL (and to the lifecycle URL) and waits up to 10 seconds for it to come back as text/plain; so the
// endpoint must be up, and nothing the endpoint needs may be held while Subscribe runs. The request is
// checked first as Graph would (notification.Request.Validate): a lifetime beyond Graph's maximum is
// refused without a call. To Do subscriptions need a mailbox opened on behalf of the user. The
// subscription is created with Prefer: IdType="ImmutableId", so its notifications carry the immutable
// ids crmsync stores (outlook-immutable-id.md, "Immutable ID with change notifications").
func (m *Mailbox) Subscribe(ctx context.Context, req notification.Request) (notification.Subscription, error) {
	res, err := req.Validate(m.now())
	if err != nil {
		return notification.Subscription{}, fmt.Errorf("subscribe to %s: %w", req.Resource, err)
	}
	if res.Kind == notification.KindTasks && !m.delegated {
		return notification.Subscription{}, fmt.Errorf("subscribe to %s: %w", req.Resource, notification.ErrDelegatedOnly)
	}
	changeType := req.ChangeType
	if changeType == "" {
		changeType = notification.AllChanges
	}
	body := models.NewSubscription()
	body.SetResource(&req.Resource)
	body.SetChangeType(&changeType)
	body.SetNotificationUrl(&req.NotificationURL)
	if req.LifecycleNotificationURL != "" {
		body.SetLifecycleNotificationUrl(&req.LifecycleNotificationURL)
	}
	if req.ClientState != "" {
		body.SetClientState(&req.ClientState)
	}
	expiration := req.Expiration.UTC().Truncate(time.Second) // what the SDK writes (RFC 3339, whole seconds)
	body.SetExpirationDateTime(&expiration)
	g, err := fetch(ctx, m, func(ctx context.Context) (models.Subscriptionable, error) {
		return m.graph.Subscriptions().Post(ctx, body, &subscriptions.SubscriptionsRequestBuilderPostRequestConfiguration{
			Headers: preferImmutable(),
		})
	})
	if err != nil {
		return notification.Subscription{}, fmt.Errorf("subscribe to %s: %w", req.Resource, subscriptionError(err, req.Resource, changeType))
	}
	return subscription(g), nil
}

// Renew moves the subscription id's expiration to expiration (PATCH /subscriptions/{id}); renewing also
// reauthorizes it. A subscription Graph no longer has answers outlook.ErrNotFound: create it again.
func (m *Mailbox) Renew(ctx context.Context, id string, expiration time.Time) (notification.Subscription, error) {
	body := models.NewSubscription()
	at := expiration.UTC().Truncate(time.Second)
	body.SetExpirationDateTime(&at)
	g, err := fetch(ctx, m, func(ctx context.Context) (models.Subscriptionable, error) {
		return m.graph.Subscriptions().BySubscriptionId(id).Patch(ctx, body, nil)
	})
	if err != nil {
		return notification.Subscription{}, fmt.Errorf("renew subscription %s: %w", id, subscriptionError(err, "", ""))
	}
	return subscription(g), nil
}

// Reauthorize answers a reauthorizationRequired lifecycle notification without moving the expiration
// (POST /subscriptions/{id}/reauthorize, 204). outlook.ErrNotFound: the subscription is gone.
func (m *Mailbox) Reauthorize(ctx context.Context, id string) error {
	err := m.call(ctx, func(ctx context.Context) error {
		return m.graph.Subscriptions().BySubscriptionId(id).Reauthorize().Post(ctx, nil)
	})
	if err != nil {
		return fmt.Errorf("reauthorize subscription %s: %w", id, subscriptionError(err, "", ""))
	}
	return nil
}

// Unsubscribe deletes the subscription id (204). One already gone answers outlook.ErrNotFound, which a
// caller removing it may treat as done.
func (m *Mailbox) Unsubscribe(ctx context.Context, id string) error {
	err := m.call(ctx, func(ctx context.Context) error {
		return m.graph.Subscriptions().BySubscriptionId(id).Delete(ctx, nil)
	})
	if err != nil {
		return fmt.Errorf("delete subscription %s: %w", id, err)
	}
	return nil
}

// maxSubscriptionPages bounds how many pages Subscriptions follows, against a server that never ends.
const maxSubscriptionPages = 100

// Subscriptions lists the subscriptions Graph shows these credentials (subscription-list.md): with the
// app's own permissions every subscription of the app in the tenant, on behalf of a user those the app
// made for that user. Graph leaves ClientState out of a list.
func (m *Mailbox) Subscriptions(ctx context.Context) ([]notification.Subscription, error) {
	var out []notification.Subscription
	builder := m.graph.Subscriptions()
	for page := 0; ; page++ {
		if page == maxSubscriptionPages {
			return nil, fmt.Errorf("list subscriptions: more than %d pages", maxSubscriptionPages)
		}
		resp, err := fetch(ctx, m, func(ctx context.Context) (models.SubscriptionCollectionResponseable, error) {
			return builder.Get(ctx, nil)
		})
		if err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", err)
		}
		for _, g := range resp.GetValue() {
			if g != nil {
				out = append(out, subscription(g))
			}
		}
		next := deref(resp.GetOdataNextLink())
		if next == "" {
			return out, nil
		}
		builder = builder.WithUrl(next)
	}
}

// FindSubscription finds the live subscription Graph holds for resource and changeType (empty:
// notification.AllChanges), the pair Graph refuses to duplicate: the way to adopt an existing
// subscription after a 409 that named none. Resources are compared as Graph reads them
// (notification.Same). None answers outlook.ErrNotFound.
func (m *Mailbox) FindSubscription(ctx context.Context, resource, changeType string) (notification.Subscription, error) {
	if changeType == "" {
		changeType = notification.AllChanges
	}
	all, err := m.Subscriptions(ctx)
	if err != nil {
		return notification.Subscription{}, fmt.Errorf("find subscription to %s: %w", resource, err)
	}
	now := m.now()
	for _, s := range all {
		if notification.Same(s.Resource, resource) && notification.SameChangeType(s.ChangeType, changeType) && s.Expiration.After(now) {
			return s, nil
		}
	}
	return notification.Subscription{}, fmt.Errorf("find subscription to %s: %w", resource, outlook.ErrNotFound)
}

// conflictID finds the subscription id in Graph's 409 message, "Subscription Id <id> already exists for
// the requested combination".
var conflictID = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// subscriptionError refines what classify made of a failed subscription call: Graph's 409 for a
// duplicate, its 403 for the mailbox's quota (which is not a missing consent) and its 400 for a failed
// validation of the notification URL.
func subscriptionError(err error, resource, changeType string) error {
	var f *apiFailure
	if !errors.As(err, &f) {
		return err
	}
	msg := strings.ToLower(f.message)
	switch {
	case f.status == http.StatusConflict:
		return &notification.ConflictError{ExistingID: conflictID.FindString(f.message), Resource: resource,
			ChangeType: changeType, Message: f.message}
	case f.status == http.StatusForbidden && strings.Contains(msg, "subscription") &&
		(strings.Contains(msg, "limit") || strings.Contains(msg, "maximum") || strings.Contains(msg, "quota")):
		return fmt.Errorf("%w (%w)", notification.ErrTooManySubscriptions, f)
	case f.status == http.StatusBadRequest && (strings.EqualFold(f.code, "ValidationError") || strings.Contains(msg, "validation request failed")):
		return fmt.Errorf("%w: %w (%w)", notification.ErrValidationFailed, outlook.ErrInvalid, f)
	}
	return err
}

// subscription converts Graph's subscription.
func subscription(g models.Subscriptionable) notification.Subscription {
	s := notification.Subscription{
		ID:                       deref(g.GetId()),
		Resource:                 deref(g.GetResource()),
		ChangeType:               deref(g.GetChangeType()),
		NotificationURL:          deref(g.GetNotificationUrl()),
		LifecycleNotificationURL: deref(g.GetLifecycleNotificationUrl()),
		ClientState:              deref(g.GetClientState()),
		ApplicationID:            deref(g.GetApplicationId()),
		CreatorID:                deref(g.GetCreatorId()),
	}
	if t := g.GetExpirationDateTime(); t != nil {
		s.Expiration = t.UTC()
	}
	return s
}
