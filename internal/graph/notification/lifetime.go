package notification

import (
	"fmt"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// maxLifetimes is how far ahead Graph lets a subscription's expirationDateTime be, per resource: the
// table "Subscription lifetime" of concepts/change-notifications-overview.md
// (includes/change-notifications-subscription-lifetime.md), which lists
//
//	Outlook message, event, contact   4,230 minutes (under three days)
//	todoTask                          4,230 minutes (under three days)
//
// and warns that "any requests to create or renew a subscription beyond the maximum value will fail".
// Outlook subscriptions with resource data are limited to 1 day (outlook-change-notifications-overview.md);
// crmsync asks for none. This table is the one place crmsync states these limits.
var maxLifetimes = map[Kind]time.Duration{
	KindMessages: 10080 * time.Minute,
	KindEvents:   10080 * time.Minute,
	KindContacts: 10080 * time.Minute,
	KindTasks:    4230 * time.Minute,
}

// ExpirationMargin is how much shorter than Graph's maximum crmsync asks a subscription to live: Graph
// measures the maximum from its own clock when the request arrives, so a request built on a clock a
// few minutes ahead, or delayed in flight, must still fit.
const ExpirationMargin = 30 * time.Minute

// MaxLifetime is the longest a subscription to a resource of kind k may live, 0 for an unknown kind.
func MaxLifetime(k Kind) time.Duration {
	return maxLifetimes[k]
}

// Expiration is the expirationDateTime to ask for a subscription of kind k created or renewed at now:
// Graph's maximum less ExpirationMargin.
func Expiration(k Kind, now time.Time) time.Time {
	return now.Add(MaxLifetime(k) - ExpirationMargin).UTC()
}

// CheckExpiration refuses, as outlook.ErrInvalid, an expiration Graph would refuse for kind k at now:
// not in the future, or beyond the kind's maximum lifetime.
func CheckExpiration(k Kind, now, expiration time.Time) error {
	limit := MaxLifetime(k)
	switch {
	case limit == 0:
		return fmt.Errorf("%w: no subscription lifetime is known for %q", outlook.ErrInvalid, k)
	case !expiration.After(now):
		return fmt.Errorf("%w: the expiration %s is not in the future", outlook.ErrInvalid, expiration.UTC().Format(time.RFC3339))
	case expiration.Sub(now) > limit:
		return fmt.Errorf("%w: the expiration %s is more than Graph's %d minutes ahead for %s",
			outlook.ErrInvalid, expiration.UTC().Format(time.RFC3339), int(limit.Minutes()), k)
	}
	return nil
}
