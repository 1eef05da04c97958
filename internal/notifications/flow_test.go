package notifications_test

import (
	"testing"

	"github.com/crmsync/crmsync/internal/store"
)

// A new email reaches the CRM through a change notification, with no scheduled pass: Graph notifies,
// the endpoint wakes the mailbox's Inbox, the pass auto-tracks the message.
func TestNewEmailIsTrackedThroughANotification(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		w.firstPass()
		subs := w.subscribe(3) // Inbox, events, contacts: sent items are not tracked, To Do needs a user
		for _, s := range subs {
			if s.ClientStateHash == "" || s.ID == "" || s.ExpiresAt == nil {
				t.Fatalf("subscription %+v lacks its id, clientState hash or expiry", s)
			}
		}
		if m := w.mailbox(); m.Notifications.State != store.SubscriptionActive || m.Notifications.Polling != "backstop" {
			t.Fatalf("mailbox health = %+v, want active notifications and backstop polling", m.Notifications)
		}
		for _, s := range w.fake.Subscriptions() {
			if s.NotificationURL != w.api.URL+"/graph/notifications" || s.LifecycleNotificationURL != w.api.URL+"/graph/lifecycle" {
				t.Fatalf("subscription %+v does not post to the service", s)
			}
		}
		scheduled := w.jobs("sync_mailbox", "")
		msg := w.mail("Order 1001", "dana@fabrikam.test")
		w.waitFor("the message to be tracked", func() bool { return w.tracked(msg) })
		if n := w.jobs("sync_mailbox", ""); n <= scheduled {
			t.Fatalf("no synchronization job after the notification (%d before, %d after)", scheduled, n)
		}
	})
}
