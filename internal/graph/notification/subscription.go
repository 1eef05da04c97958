package notification

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// ChangeType is a kind of change a subscription reports.
type ChangeType string

// The change types of Outlook resources (subscription resource type, changeType).
const (
	Created ChangeType = "created"
	Updated ChangeType = "updated"
	Deleted ChangeType = "deleted"
)

// AllChanges is the changeType crmsync subscribes with.
const AllChanges = "created,updated,deleted"

// MaxClientState is the longest clientState Graph accepts on a subscription (subscription resource
// type: "The maximum length is 128 characters").
const MaxClientState = 128

// Request is what creating a subscription asks of Graph.
type Request struct {
	// Resource is the path to watch: MessagesResource, EventsResource, ContactsResource or TasksResource.
	Resource string
	// ChangeType is a comma-separated list of created, updated and deleted; empty means AllChanges.
	ChangeType string
	// NotificationURL receives the change notifications. Graph requires https; http is accepted here for
	// loopback hosts only, where local mode's graphfake delivers to crmsync itself.
	NotificationURL string
	// LifecycleNotificationURL receives reauthorizationRequired, subscriptionRemoved and missed. Optional
	// for Graph, but it can be set only when the subscription is created.
	LifecycleNotificationURL string
	// ClientState comes back in every notification, so the endpoint can tell Graph's from forgeries; at
	// most MaxClientState characters.
	ClientState string
	// Expiration is when the subscription ends unless renewed; see Expiration and MaxLifetime.
	Expiration time.Time
}

// Subscription is a subscription as Graph describes it.
type Subscription struct {
	ID                       string
	Resource                 string
	ChangeType               string
	NotificationURL          string
	LifecycleNotificationURL string
	// ClientState is set in the answers to a create and a renewal; Graph leaves it out when it lists
	// subscriptions ("the clientState property value is not returned for security purposes").
	ClientState   string
	Expiration    time.Time
	ApplicationID string
	CreatorID     string
}

// Errors subscribing ends in, besides those of package outlook (throttling, permission, not found).
var (
	// ErrConflict: Graph already has a subscription of this app for the same resource and change type
	// (409 Conflict). The error is a *ConflictError naming the existing subscription.
	ErrConflict = errors.New("a subscription for this resource and change type already exists")
	// ErrTooManySubscriptions: the mailbox has the 1,000 active subscriptions Graph allows for all
	// applications together (403 Forbidden, "The message property … will explain the limit").
	ErrTooManySubscriptions = errors.New("the mailbox has as many change-notification subscriptions as Graph allows")
	// ErrValidationFailed: Graph's validation request to the notification or lifecycle URL did not get
	// the token back in time, so Graph created nothing (400 Bad Request).
	ErrValidationFailed = errors.New("Microsoft Graph could not validate the notification URL") //nolint:staticcheck // ST1005: it starts with a name
	// ErrDelegatedOnly: Graph allows this subscription (To Do tasks) only on behalf of a signed-in user,
	// and the mailbox was opened with the app's own permissions.
	ErrDelegatedOnly = errors.New("Microsoft Graph allows this subscription only with delegated permissions") //nolint:staticcheck // ST1005: it starts with a name
)

// ConflictError is Graph's 409 for a duplicate subscription. Graph's message names the subscription
// that exists ("Subscription Id <id> already exists for the requested combination",
// subscription-post-subscriptions.md and change-notifications-delivery-webhooks.md); ExistingID holds it
// when the message did. To adopt that subscription: renew it (PATCH expirationDateTime) under the
// clientState crmsync stored for it. When ExistingID is empty, or crmsync has no clientState for it
// (Graph never returns one in a list), list the subscriptions (graph.Mailbox.FindSubscription matches
// Resource and ChangeType), delete the one found and create it again.
type ConflictError struct {
	ExistingID string
	Resource   string
	ChangeType string
	Message    string // Graph's own
}

func (e *ConflictError) Error() string {
	id := e.ExistingID
	if id == "" {
		id = "(id not given)"
	}
	return fmt.Sprintf("subscription %s already watches %s for %s: %s", id, e.Resource, e.ChangeType, e.Message)
}

// Is makes errors.Is(err, ErrConflict) true for a *ConflictError.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Validate checks a request the way Graph would before it is sent, and returns its resource read:
// a resource crmsync subscribes to, change types among created, updated and deleted, absolute URLs,
// a clientState of at most MaxClientState characters, and an expiration CheckExpiration accepts at now.
// Refusals wrap outlook.ErrInvalid.
func (r Request) Validate(now time.Time) (Resource, error) {
	res, err := ParseResource(r.Resource)
	if err != nil {
		return Resource{}, fmt.Errorf("%w: %w", outlook.ErrInvalid, err)
	}
	if _, err := ParseChangeType(r.ChangeType); err != nil {
		return Resource{}, err
	}
	if err := checkURL("notificationUrl", r.NotificationURL, true); err != nil {
		return Resource{}, err
	}
	if err := checkURL("lifecycleNotificationUrl", r.LifecycleNotificationURL, false); err != nil {
		return Resource{}, err
	}
	if n := len([]rune(r.ClientState)); n > MaxClientState {
		return Resource{}, fmt.Errorf("%w: clientState has %d characters, more than Graph's %d", outlook.ErrInvalid, n, MaxClientState)
	}
	if err := CheckExpiration(res.Kind, now, r.Expiration); err != nil {
		return Resource{}, err
	}
	return res, nil
}

// ParseChangeType reads a changeType list; empty means AllChanges. The result is in Graph's order
// (created, updated, deleted), without repeats.
func ParseChangeType(s string) ([]ChangeType, error) {
	if strings.TrimSpace(s) == "" {
		s = AllChanges
	}
	var out []ChangeType
	for _, part := range strings.Split(s, ",") {
		c := ChangeType(strings.TrimSpace(part))
		if c != Created && c != Updated && c != Deleted {
			return nil, fmt.Errorf("%w: change type %q (created, updated, deleted)", outlook.ErrInvalid, part)
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	order := map[ChangeType]int{Created: 0, Updated: 1, Deleted: 2}
	slices.SortFunc(out, func(a, b ChangeType) int { return order[a] - order[b] })
	return out, nil
}

// SameChangeType reports whether two changeType lists hold the same change types.
func SameChangeType(a, b string) bool {
	ta, errA := ParseChangeType(a)
	tb, errB := ParseChangeType(b)
	return errA == nil && errB == nil && slices.Equal(ta, tb)
}

// checkURL accepts an absolute https URL, or http on a loopback host (local mode); an empty optional one.
func checkURL(name, raw string, required bool) error {
	if raw == "" {
		if required {
			return fmt.Errorf("%w: %s is required", outlook.ErrInvalid, name)
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: %s %q is not an absolute URL", outlook.ErrInvalid, name, raw)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && IsLoopback(u.Hostname())) {
		return fmt.Errorf("%w: %s %q must use https", outlook.ErrInvalid, name, raw)
	}
	return nil
}

// IsLoopback reports whether host is this machine: localhost or a loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
