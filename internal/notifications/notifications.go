// Package notifications makes mailbox synchronization react in seconds: it keeps each enabled mailbox
// subscribed to Microsoft Graph change notifications (Manager), and accepts what Graph posts back
// (Receiver), turning each genuine notification into a wake-up of the mailbox's synchronization
// (mailsync.Wake) before it answers.
//
// Subscriptions: per mailbox, one per resource kind — the Inbox's messages, Sent Items' (when the
// tenant tracks sent mail), events, contacts, and To Do tasks where Graph allows it (delegated
// permissions only: in client mode, while the user's token is kept). Each has a random clientState that
// Graph sends back with every notification; crmsync keeps only its SHA-256 and compares in constant
// time. A subscription lives close to Graph's maximum (notification.Expiration) and is renewed when a
// third of its life is left, by a job River's leader schedules every minute (Scheduler). A disabled
// mailbox's subscriptions, and every subscription when notifications are turned off, are deleted the
// same way.
//
// Polling stays as the backstop: a mailbox whose subscriptions all work runs a full pass at the backstop
// interval (CRMSYNC_BACKSTOP_INTERVAL, 6 hours by default); one whose subscriptions fail falls back to
// its user's interval, and its health on the admin page says why.
package notifications

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/crmsync/crmsync/internal/graph/notification"
	"github.com/crmsync/crmsync/internal/mailsync"
)

// The paths Graph posts to, under the service's public URL. They are not part of /api/v1: Graph sends
// no Entra token, and the endpoint makes its own checks.
const (
	NotificationPath = "/graph/notifications"
	LifecyclePath    = "/graph/lifecycle"
)

// DefaultBackstop is how often a mailbox whose notifications work still runs a full pass.
const DefaultBackstop = 6 * time.Hour

// MaxBackstop is the longest backstop interval: a subscription's life, so that a pass runs before a
// subscription that could not be renewed has run out.
var MaxBackstop = notification.MaxLifetime(notification.KindMessages) - notification.ExpirationMargin

// Config is how notifications are set up.
type Config struct {
	// On: subscribe mailboxes and accept notifications. Off: polling only, and subscriptions are deleted.
	On bool
	// BaseURL is the service's URL as Graph reaches it: CRMSYNC_PUBLIC_URL, or local mode's own loopback
	// address.
	BaseURL string
	// Backstop is the full-pass interval of a mailbox whose notifications work.
	Backstop time.Duration
}

// The resource kinds a mailbox subscribes to, as graph_subscriptions names them.
const (
	KindInbox     = "inbox"
	KindSentItems = "sentitems"
	KindEvents    = "events"
	KindContacts  = "contacts"
	KindTasks     = "tasks"
)

// scopeOf is the part of the mailbox a notification of a subscription of kind wakes.
func scopeOf(kind string) string {
	switch kind {
	case KindInbox:
		return mailsync.ScopeInbox
	case KindSentItems:
		return mailsync.ScopeSentItems
	case KindEvents:
		return mailsync.ScopeCalendar
	case KindContacts:
		return mailsync.ScopeContacts
	case KindTasks:
		return mailsync.ScopeTasks
	}
	return ""
}

// newClientState makes a subscription's random clientState (32 bytes, base64url: 43 characters, within
// Graph's 128).
func newClientState() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashClientState is what crmsync keeps of a clientState: its SHA-256, in hex. The state is 256 random
// bits, so an unsalted hash is enough to keep a database reader from forging notifications.
func HashClientState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

// clientStateMatches compares a notification's clientState with the kept hash in constant time.
func clientStateMatches(state, hash string) bool {
	if hash == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(HashClientState(state)), []byte(hash)) == 1
}
