package graphfake

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Delivering change and lifecycle notifications as Graph does (change-notifications-delivery-webhooks.md):
// a POST of {"value":[…]} to the subscription's notificationUrl after each change, several notifications
// in one POST when they are due together; a POST that gets no 2xx within Graph's 3 seconds is retried
// ("tries to resend the change notification multiple times, for up to 4 hours"; here a bounded, configurable
// schedule). Each URL has its own queue, delivered in order by its own goroutine that never holds the
// Server's mutex, so an endpoint in this very process may call the server while it is being notified.

// NotificationOptions configures how notifications are delivered. Zero fields take the defaults.
type NotificationOptions struct {
	// MinDelay and MaxDelay bound the random wait between a change and its notification. Default 0 and
	// 200 ms: Graph's average latency is under a minute, but a test should not wait for that.
	MinDelay, MaxDelay time.Duration
	// Timeout bounds each POST. Default 3 s, Graph's ("published using an HTTP client with a 3-second
	// timeout").
	Timeout time.Duration
	// Retries are the waits before each new attempt of a POST that failed; nil takes the default
	// (1 s doubling to 1 min, 8 retries); an empty, non-nil slice means no retry.
	Retries []time.Duration
	// MaxBatch is the most notifications in one POST. Default 100.
	MaxBatch int
	// ValidationTimeout bounds the validation request of a new subscription. Default 10 s, Graph's
	// ("The client must respond … within 10 seconds").
	ValidationTimeout time.Duration
	// Client sends the POSTs. Default: a client of its own.
	Client *http.Client
}

// WithNotifications configures the delivery of notifications.
func WithNotifications(o NotificationOptions) Option {
	return func(s *Server) { s.notes = newNotifier(o) }
}

// Delivery is one POST of notifications, or notifications an injected fault lost.
type Delivery struct {
	URL           string
	Body          []byte // {"value":[…]} as posted
	Notifications int
	Attempt       int    // 1 for a batch's first POST
	Status        int    // the answer's status; 0 when none came
	Err           string // why no answer came
	Lost          bool   // dropped by an injected fault, never posted
	GaveUp        bool   // the batch's last attempt failed: it is dropped
}

// NotificationFaultKind is a way notifications go wrong.
type NotificationFaultKind string

// The faults InjectNotificationFault knows.
const (
	// LoseNotifications drops notifications without posting them.
	LoseNotifications NotificationFaultKind = "lose"
	// DuplicateNotifications posts each notification twice.
	DuplicateNotifications NotificationFaultKind = "duplicate"
	// ReorderNotifications holds Times notifications (at least 2) and then posts them one by one, last
	// first. Until Times have come they wait: ClearNotificationFaults releases them in order.
	ReorderNotifications NotificationFaultKind = "reorder"
)

// NotificationFault makes notifications go wrong.
type NotificationFault struct {
	Kind NotificationFaultKind
	// Subscription limits the fault to one subscription's notifications; "" means every one.
	Subscription string
	// Times is how many notifications the fault applies to; 0 means until cleared (not for reorder).
	Times int
}

// InjectNotificationFault queues a fault; the first fault matching a notification applies.
func (s *Server) InjectNotificationFault(f NotificationFault) {
	n := s.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	if f.Kind == ReorderNotifications && f.Times < 2 {
		f.Times = 2
	}
	n.faults = append(n.faults, &f)
}

// ClearNotificationFaults removes every notification fault and releases held notifications in order.
func (s *Server) ClearNotificationFaults() {
	n := s.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults = nil
	for _, h := range n.held {
		n.enqueue(h.url, h.note)
	}
	n.held = nil
}

// Deliveries returns every POST of notifications so far, and the notifications faults lost, in order.
func (s *Server) Deliveries() []Delivery {
	n := s.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Delivery(nil), n.log...)
}

// FlushNotifications waits until every notification queued so far was delivered, given up or lost
// (notifications a reorder fault holds count as queued), or ctx ends.
func (s *Server) FlushNotifications(ctx context.Context) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		if s.notes.idle() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("flush notifications: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// SendLifecycleEvent posts a lifecycle notification of subscription id to its lifecycleNotificationUrl
// (change-notifications-lifecycle-events.md): "reauthorizationRequired" (the subscription then reports
// NeedsReauthorization until reauthorized or renewed), "subscriptionRemoved" (the subscription is gone)
// or "missed". A subscription created without a lifecycle URL gets none ("Existing subscriptions without
// a lifecycleNotificationUrl property don't receive the lifecycle notifications"): that is an error here.
func (s *Server) SendLifecycleEvent(id, event string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.liveSubscription(id)
	switch {
	case sub == nil:
		return fmt.Errorf("graphfake: no subscription %s", id)
	case sub.lifecycleURL == "":
		return fmt.Errorf("graphfake: subscription %s has no lifecycleNotificationUrl", id)
	}
	switch event {
	case "reauthorizationRequired":
		sub.needsReauth = true
	case "subscriptionRemoved":
		s.dropSubscription(id)
	case "missed":
	default:
		return fmt.Errorf("graphfake: unknown lifecycle event %q (reauthorizationRequired, subscriptionRemoved, missed)", event)
	}
	s.notes.push(sub.lifecycleURL, sub.id, map[string]any{
		"subscriptionId":                 sub.id,
		"subscriptionExpirationDateTime": sub.expirationText(),
		"tenantId":                       s.tenantID,
		"clientState":                    nilIfEmpty(sub.clientState),
		"lifecycleEvent":                 event,
	})
	return nil
}

// changed queues a notification of a change to it for every live subscription watching it. Callers
// hold s.mu.
func (s *Server) changed(mb *mailbox, change string, it *item) {
	now := s.now()
	for _, sub := range s.subsOf[mb.objectID] {
		if !sub.expires.After(now) || !sub.watches(it) || !strings.Contains(sub.changeType, change) {
			continue
		}
		s.notes.push(sub.notifyURL, sub.id, sub.changeNote(s.tenantID, change, it))
	}
}

// watches reports whether a change to it concerns the subscription.
func (sub *subscription) watches(it *item) bool {
	if sub.coll != "" {
		return it.coll == sub.coll
	}
	return it.kind == sub.itemKind
}

// changeNote is a notification without resource data, in the form of the Outlook examples
// (outlook-change-notifications-overview.md, "Receive notifications without resource data").
func (sub *subscription) changeNote(tenant, change string, it *item) map[string]any {
	id := it.rest
	if sub.immutable {
		id = it.id
	}
	var odataType, path string
	switch it.kind {
	case outlook.KindMessage:
		odataType, path = "#Microsoft.Graph.Message", "Messages/"+id
	case outlook.KindAppointment:
		odataType, path = "#Microsoft.Graph.Event", "Events/"+id
	case outlook.KindContact:
		odataType, path = "#Microsoft.Graph.Contact", "Contacts/"+id
	case outlook.KindTask:
		odataType, path = "#Microsoft.Graph.todoTask", "todo/lists/"+it.task.ListID+"/tasks/"+id
	}
	resource := "Users/" + sub.mb.objectID + "/" + path
	data := map[string]any{"@odata.type": odataType, "@odata.id": resource, "id": id}
	if change != "deleted" {
		data["@odata.etag"] = it.etag()
	}
	return map[string]any{
		"subscriptionId":                 sub.id,
		"subscriptionExpirationDateTime": sub.expirationText(),
		"changeType":                     change,
		"resource":                       resource,
		"resourceData":                   data,
		"clientState":                    nilIfEmpty(sub.clientState),
		"tenantId":                       tenant,
	}
}

// expirationText is the expiration as notifications carry it, with an offset as in Graph's examples.
func (sub *subscription) expirationText() string {
	return sub.expires.UTC().Format("2006-01-02T15:04:05.0000000+00:00")
}
