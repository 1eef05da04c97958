package notifications_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/graph/notification"
	"github.com/crmsync/crmsync/internal/notifications"
	"github.com/crmsync/crmsync/internal/store"
)

// With working notifications a full pass comes back at the backstop interval. When a renewal fails the
// mailbox's health says why, it is due at once, and it polls at its user's interval again.
func TestRenewalFailureFallsBackToPolling(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		w.firstPass()
		w.subscribe(3)
		// A full pass with healthy notifications is next due after the backstop (6 hours).
		w.due()
		before := *w.mailbox().LastSuccessAt
		w.schedule()
		w.waitFor("a full pass", func() bool { return w.mailbox().LastSuccessAt.After(before) })
		if m := w.mailbox(); m.NextSyncAt.Sub(*m.LastSuccessAt) != notifications.DefaultBackstop {
			t.Fatalf("next full pass %s after the last, want the backstop %s", m.NextSyncAt.Sub(*m.LastSuccessAt), notifications.DefaultBackstop)
		}

		// Days on, the subscriptions are due for renewal, and Graph refuses to renew.
		w.fake.InjectFault("PATCH /subscriptions/{subscription}", graphfake.Fault{Status: http.StatusForbidden, Code: "ExtensionError",
			Message: "Operation: Update; Exception: [Status Code: Forbidden; Reason: Access is denied.]"})
		later := func() time.Time {
			return time.Now().Add(notifications.RenewEvery(notification.KindMessages) + time.Hour)
		}
		open := func(ctx context.Context, tenantID, objectID, assertion string) (notifications.Subscriber, error) {
			return w.svc.Graph.Mailbox(graph.User{TenantID: tenantID, ObjectID: objectID, Assertion: assertion})
		}
		m := notifications.NewManager(w.store, open, nil, notifications.Config{On: true, BaseURL: w.api.URL, Backstop: notifications.DefaultBackstop}, later, nil)
		if _, err := m.Reconcile(w.ctx, w.tenant.ID, w.alice.ID); err != nil {
			t.Fatal(err)
		}
		mb := w.mailbox()
		if mb.Notifications.State != store.SubscriptionFailing || mb.Notifications.Reason == "" || mb.Notifications.Polling != "interval" {
			t.Fatalf("health = %+v, want failing with the reason, polling at the user's interval", mb.Notifications)
		}
		if mb.NextSyncAt.After(later()) {
			t.Fatalf("next pass at %s, want due at once", mb.NextSyncAt)
		}
		// The next full pass is then followed by one at the user's interval (15 minutes).
		w.due()
		before = *w.mailbox().LastSuccessAt
		w.schedule()
		w.waitFor("a full pass", func() bool { return w.mailbox().LastSuccessAt.After(before) })
		if m := w.mailbox(); m.NextSyncAt.Sub(*m.LastSuccessAt) != 15*time.Minute {
			t.Fatalf("next full pass %s after the last, want the user's 15 minutes", m.NextSyncAt.Sub(*m.LastSuccessAt))
		}
		// The admin API shows it.
		list, err := w.store.Mailboxes(w.ctx, w.tenant.ID)
		if err != nil || len(list) != 1 || list[0].Notifications.State != store.SubscriptionFailing {
			t.Fatalf("admin list = %+v, %v", list, err)
		}
	})
}

// A disabled mailbox's notifications make no pass, and its subscriptions are deleted.
func TestNotificationForADisabledMailbox(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		w.firstPass()
		w.subscribe(3)
		if err := w.store.DisableMailbox(w.ctx, w.tenant.ID, w.alice.ID, "disabled by an administrator", time.Now()); err != nil {
			t.Fatal(err)
		}
		before := w.jobs("sync_mailbox", "")
		msg := w.mail("Order 1001", "dana@fabrikam.test")
		if err := w.fake.FlushNotifications(w.ctx); err != nil {
			t.Fatal(err)
		}
		if got := testutil.ToFloat64(w.metrics.GraphNotifications.WithLabelValues("mailbox_disabled")); got < 1 {
			t.Fatalf("mailbox_disabled = %g, want the notification counted", got)
		}
		if n := w.jobs("sync_mailbox", ""); n != before || w.tracked(msg) {
			t.Fatalf("a disabled mailbox synchronized: %d jobs (%d before), tracked %v", n, before, w.tracked(msg))
		}
		if _, err := w.svc.SubscriptionScheduler.Schedule(w.ctx, w.svc.Queue.Inserter); err != nil {
			t.Fatal(err)
		}
		w.waitFor("the subscriptions to be deleted", func() bool {
			subs, err := w.store.Subscriptions(w.ctx, w.tenant.ID, w.alice.ID)
			return err == nil && len(subs) == 0 && len(w.fake.Subscriptions()) == 0
		})
	})
}

// due makes alice's mailbox due now.
func (w *world) due() {
	w.t.Helper()
	if _, err := w.store.DB().Exec(w.q(`UPDATE mailboxes SET next_sync_at = ? WHERE user_id = ?`), time.Now().UTC().Add(-time.Minute), w.alice.ID); err != nil {
		w.t.Fatal(err)
	}
}
