package notifications_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/graph/notification"
	"github.com/crmsync/crmsync/internal/notifications"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/service"
	"github.com/crmsync/crmsync/internal/store"
)

// manager is a subscription manager of the world's service with cfg.On as given.
func (w *world) manager(on bool) *notifications.Manager {
	open := func(ctx context.Context, tenantID, objectID, assertion string) (notifications.Subscriber, error) {
		return w.svc.Graph.Mailbox(graph.User{TenantID: tenantID, ObjectID: objectID, Assertion: assertion})
	}
	return notifications.NewManager(w.store, open, nil, notifications.Config{On: on, BaseURL: w.api.URL, Backstop: notifications.DefaultBackstop}, nil, nil)
}

// heldIDs are the ids of the subscriptions crmsync holds for alice, sorted.
func (w *world) heldIDs() []string {
	w.t.Helper()
	subs, err := w.store.Subscriptions(w.ctx, w.tenant.ID, w.alice.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	var ids []string
	for _, s := range subs {
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	return ids
}

// graphIDs are the ids of the subscriptions Graph holds, sorted.
func (w *world) graphIDs() []string {
	var ids []string
	for _, s := range w.fake.Subscriptions() {
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	return ids
}

// Sent Items is subscribed to only while the tenant tracks sent mail; turning notifications off deletes
// every subscription, in Graph and in crmsync.
func TestSubscriptionsFollowTheSettings(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		settings := w.tenant.Settings
		settings.DefaultAutoTrack, settings.TrackSentItems = crm.AutoTrackAll, true
		if err := w.store.UpdateTenantSettings(w.ctx, w.tenant.ID, crm.SyncModeServer, settings); err != nil {
			t.Fatal(err)
		}
		w.firstPass()
		subs := w.subscribe(4)
		if !slices.ContainsFunc(subs, func(s store.Subscription) bool { return s.Kind == notifications.KindSentItems }) {
			t.Fatalf("subscriptions %+v: none for Sent Items", subs)
		}
		if got, want := w.graphIDs(), w.heldIDs(); !slices.Equal(got, want) {
			t.Fatalf("Graph holds %v, crmsync %v", got, want)
		}

		settings.TrackSentItems = false
		if err := w.store.UpdateTenantSettings(w.ctx, w.tenant.ID, crm.SyncModeServer, settings); err != nil {
			t.Fatal(err)
		}
		if _, err := w.manager(true).Reconcile(w.ctx, w.tenant.ID, w.alice.ID); err != nil {
			t.Fatal(err)
		}
		if got := w.fake.Subscriptions(); len(got) != 3 || slices.ContainsFunc(got, func(s graphfake.Subscription) bool { return strings.Contains(s.Resource, "sentitems") }) {
			t.Fatalf("after sent items stopped being tracked Graph holds %+v", got)
		}

		if _, err := w.manager(false).Reconcile(w.ctx, w.tenant.ID, w.alice.ID); err != nil {
			t.Fatal(err)
		}
		if got, held := w.graphIDs(), w.heldIDs(); len(got) != 0 || len(held) != 0 {
			t.Fatalf("notifications off: Graph holds %v, crmsync %v; want none", got, held)
		}
		if mb := w.mailbox(); mb.Notifications.Polling != "interval" {
			t.Fatalf("health with notifications off = %+v, want polling at the user's interval", mb.Notifications)
		}
	})
}

// A subscription Graph holds for the resource that crmsync does not know (a crash between Graph's
// answer and the commit) makes Graph answer 409: crmsync takes it over once, and ends with exactly one
// subscription per resource, whose clientState it knows.
func TestConflictingSubscriptionIsTakenOver(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		w.firstPass()
		mb, err := w.svc.Graph.Mailbox(graph.User{TenantID: w.tenant.ID, ObjectID: w.alice.ObjectID})
		if err != nil {
			t.Fatal(err)
		}
		orphan, err := mb.Subscribe(w.ctx, notification.Request{Resource: notification.MessagesResource(w.alice.ObjectID, "inbox"),
			ChangeType: notification.AllChanges, NotificationURL: w.api.URL + notifications.NotificationPath,
			LifecycleNotificationURL: w.api.URL + notifications.LifecyclePath, ClientState: "lost-with-the-crash",
			Expiration: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		w.subscribe(3)
		if got, want := w.graphIDs(), w.heldIDs(); !slices.Equal(got, want) || slices.Contains(got, orphan.ID) {
			t.Fatalf("Graph holds %v, crmsync %v; the orphan %s should be gone", got, want, orphan.ID)
		}
		// The subscription crmsync made works: a new email is tracked through it.
		msg := w.mail("Order 2002", "dana@fabrikam.test")
		w.waitFor("the email to be tracked", func() bool { return w.tracked(msg) })
	})
}

// Two replicas scheduling the same mailbox's subscriptions at once make one subscription per resource:
// the manager's job is unique per mailbox across replicas.
func TestReplicasSubscribeOnce(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		w.firstPass()
		first := w.svc
		second := w.start(w.db.open(t), w.graphURL, false)
		var wg sync.WaitGroup
		for _, s := range []*service.Service{first, second} {
			wg.Go(func() {
				if _, err := s.SubscriptionScheduler.Schedule(w.ctx, s.Queue.Inserter); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		w.waitFor("three subscriptions", func() bool { return len(w.heldIDs()) == 3 && len(w.graphIDs()) == 3 })
		// Let any second round run out before comparing.
		w.waitFor("no subscription job", func() bool { return w.jobs("sync_subscriptions", "") == w.jobs("sync_subscriptions", "completed") })
		if got, want := w.graphIDs(), w.heldIDs(); !slices.Equal(got, want) {
			t.Fatalf("Graph holds %v, crmsync %v", got, want)
		}
	})
}

// To Do tasks can be subscribed to with delegated permissions only: in client mode a mailbox is
// subscribed, To Do included, while its user's token is at hand; without it the subscriptions wait for
// the user, the health says so, and the mailbox polls.
func TestToDoIsSubscribedOnlyWithTheUsersToken(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		if err := w.store.UpdateTenantSettings(w.ctx, w.tenant.ID, crm.SyncModeClient, w.tenant.Settings); err != nil {
			t.Fatal(err)
		}
		w.schedule() // the mailbox's row
		box, err := secretbox.New(w.key)
		if err != nil {
			t.Fatal(err)
		}
		// No token yet: the subscriptions wait for the user.
		if _, err := w.manager(true).Reconcile(w.ctx, w.tenant.ID, w.alice.ID); err != nil {
			t.Fatal(err)
		}
		if mb := w.mailbox(); mb.Notifications.State != store.SubscriptionFailing || !strings.Contains(mb.Notifications.Reason, "waiting for the user") ||
			mb.Notifications.Polling != "interval" || len(w.graphIDs()) != 0 {
			t.Fatalf("without a token: health %+v, Graph holds %v", mb.Notifications, w.graphIDs())
		}
		// The add-in asks for a pass with the user's token: the mailbox is subscribed, To Do included.
		sealed := box.Seal([]byte("alice's token"), store.PurposeSyncAssertion)
		if err := w.store.InTx(w.ctx, func(tx *store.Tx) error {
			_, err := tx.RequestSync(w.ctx, w.tenant.ID, w.alice.ID, sealed, time.Now().Add(time.Hour))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		open := func(ctx context.Context, tenantID, objectID, assertion string) (notifications.Subscriber, error) {
			return w.svc.Graph.Mailbox(graph.User{TenantID: tenantID, ObjectID: objectID, Assertion: assertion})
		}
		m := notifications.NewManager(w.store, open, box, notifications.Config{On: true, BaseURL: w.api.URL, Backstop: notifications.DefaultBackstop}, nil, nil)
		if _, err := m.Reconcile(w.ctx, w.tenant.ID, w.alice.ID); err != nil {
			t.Fatal(err)
		}
		subs, err := w.store.Subscriptions(w.ctx, w.tenant.ID, w.alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != 4 || !slices.ContainsFunc(subs, func(s store.Subscription) bool {
			return s.Kind == notifications.KindTasks && s.State == store.SubscriptionActive
		}) {
			t.Fatalf("with the user's token crmsync holds %+v, want 4 with To Do", subs)
		}
		if !slices.ContainsFunc(w.fake.Subscriptions(), func(s graphfake.Subscription) bool { return strings.Contains(s.Resource, "todo") }) {
			t.Fatalf("Graph holds no To Do subscription: %+v", w.fake.Subscriptions())
		}
		if mb := w.mailbox(); mb.Notifications.State != store.SubscriptionActive || mb.Notifications.Polling != "backstop" {
			t.Fatalf("with the user's token: health %+v", mb.Notifications)
		}
	})
}
