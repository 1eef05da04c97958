package notifications_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/notifications"
	"github.com/crmsync/crmsync/internal/store"
)

// Forged and stray notifications are answered 202 (a sender learns nothing), dropped, counted by
// outcome, and never make a job; bad requests are refused.
func TestForgedNotificationsMakeNoJob(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		w.firstPass()
		w.subscribe(3)
		sub := w.inboxSubscription()
		// Another tenant's subscription, as crmsync holds it.
		other := uuid.NewString()
		otherTenant, err := w.store.EnsureTenant(w.ctx, uuid.NewString(), "Another tenant")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.SaveSubscription(w.ctx, store.Subscription{TenantID: w.tenant.ID, UserID: w.alice.ID, Kind: "other", ID: other,
			ClientStateHash: notifications.HashClientState("the other state"), State: store.SubscriptionActive}); err != nil {
			t.Fatal(err)
		}
		before := w.jobs("sync_mailbox", "")
		cases := []struct {
			name, outcome string
			body          map[string]any
		}{
			{"unknown subscription", "unknown_subscription", note(graphfake.Subscription{ID: uuid.NewString(), Mailbox: sub.Mailbox}, w.tenant.ID, sub.ClientState, "created", "m1")},
			{"wrong clientState", "wrong_client_state", note(sub, w.tenant.ID, "guessed", "created", "m2")},
			{"missing clientState", "wrong_client_state", note(sub, w.tenant.ID, "", "created", "m3")},
			{"another tenant's id", "wrong_tenant", note(sub, otherTenant.ID, sub.ClientState, "created", "m4")},
			{"another subscription's clientState", "wrong_client_state", note(graphfake.Subscription{ID: other, Mailbox: sub.Mailbox}, w.tenant.ID, sub.ClientState, "created", "m5")},
		}
		for _, c := range cases {
			if status := w.post("/graph/notifications", collection(c.body)); status != http.StatusAccepted {
				t.Errorf("%s: status %d, want 202", c.name, status)
			}
		}
		for outcome, want := range map[string]float64{"unknown_subscription": 1, "wrong_client_state": 3, "wrong_tenant": 1} {
			if got := testutil.ToFloat64(w.metrics.GraphNotifications.WithLabelValues(outcome)); got != want {
				t.Errorf("crmsync_graph_notifications_total{outcome=%q} = %g, want %g", outcome, got, want)
			}
		}
		if after := w.jobs("sync_mailbox", ""); after != before {
			t.Fatalf("forged notifications made %d jobs", after-before)
		}
		if wk, err := w.store.Wakeups(w.ctx, w.tenant.ID, w.alice.ID); err != nil || len(wk) != 0 {
			t.Fatalf("forged notifications woke the mailbox: %v %v", wk, err)
		}

		// The validation handshake: the token back as text, decoded; none is a bad request.
		resp, err := http.Post(w.api.URL+"/graph/notifications?validationToken="+url.QueryEscape("Validation: a+b/c=?&"), "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "Validation: a+b/c=?&" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("validation answered %d %q (%s, nosniff %q)", resp.StatusCode, body, resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"))
		}
		for name, c := range map[string]struct {
			path string
			body []byte
			want int
		}{
			"a validation without a token": {"/graph/notifications?validationToken=", nil, http.StatusBadRequest},
			"an empty body":                {"/graph/lifecycle", nil, http.StatusBadRequest},
			"malformed JSON":               {"/graph/notifications", []byte(`{"value":[{"subscriptionId":`), http.StatusBadRequest},
			"not notifications":            {"/graph/notifications", []byte(`{"value":[{"hello":"world"}]}`), http.StatusBadRequest},
			"over 1 MiB":                   {"/graph/notifications", append([]byte(`{"value":[],"pad":"`), bytes.Repeat([]byte("x"), 1<<20)...), http.StatusRequestEntityTooLarge},
		} {
			if got := w.post(c.path, c.body); got != c.want {
				t.Errorf("%s: status %d, want %d", name, got, c.want)
			}
		}
	})
}

// A flood of 10,000 notifications for one mailbox, in Graph's batches of 100 from several connections,
// makes one or a few passes, not thousands.
func TestFloodOfNotificationsMakesFewPasses(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		w.firstPass()
		w.subscribe(3)
		sub := w.inboxSubscription()
		before := w.jobs("sync_mailbox", "")
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[int]int{}
		batches := make(chan int)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range batches {
					notes := make([]map[string]any, 100)
					for i := range notes {
						notes[i] = note(sub, w.tenant.ID, sub.ClientState, "updated", uuid.NewString())
					}
					status := w.post("/graph/notifications", collection(notes...))
					mu.Lock()
					statuses[status]++
					mu.Unlock()
				}
			}()
		}
		for b := range 100 {
			batches <- b
		}
		close(batches)
		wg.Wait()
		if statuses[http.StatusAccepted] != 100 {
			t.Fatalf("answers %v, want 100 × 202", statuses)
		}
		w.waitFor("the passes to finish", func() bool {
			wk, err := w.store.Wakeups(w.ctx, w.tenant.ID, w.alice.ID)
			return err == nil && len(wk) == 0 && w.jobs("sync_mailbox", "completed") == w.jobs("sync_mailbox", "")
		})
		passes := w.jobs("sync_mailbox", "") - before
		t.Logf("10,000 notifications made %d passes", passes)
		if passes < 1 || passes > 10 {
			t.Fatalf("10,000 notifications made %d passes, want one or a few", passes)
		}
	})
}

// Duplicated and reordered notifications track each message once.
func TestDuplicateAndReorderedNotifications(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		w.firstPass()
		w.subscribe(3)
		w.fake.InjectNotificationFault(graphfake.NotificationFault{Kind: graphfake.DuplicateNotifications, Times: 4})
		first, second := w.mail("Order 1", "dana@fabrikam.test"), w.mail("Order 2", "marco@northwind.test")
		w.fake.InjectNotificationFault(graphfake.NotificationFault{Kind: graphfake.ReorderNotifications, Times: 2})
		third, fourth := w.mail("Order 3", "dana@fabrikam.test"), w.mail("Order 4", "marco@northwind.test")
		for _, m := range []string{first.InternetMessageID, second.InternetMessageID, third.InternetMessageID, fourth.InternetMessageID} {
			w.waitFor("every message tracked", func() bool { return w.activities(m) == 1 })
		}
		if err := w.fake.FlushNotifications(w.ctx); err != nil {
			t.Fatal(err)
		}
		w.settle()
		for _, m := range []string{first.InternetMessageID, second.InternetMessageID, third.InternetMessageID, fourth.InternetMessageID} {
			if n := w.activities(m); n != 1 {
				t.Fatalf("message %s has %d activities, want 1", m, n)
			}
		}
	})
}

// While the database cannot be reached the endpoint answers 503; Graph sends the notification again,
// and once the database is back the message is tracked: nothing acknowledged is lost.
func TestDatabaseUnavailableThenGraphRetries(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		w.firstPass()
		w.subscribe(3)
		good := w.handler.Load()
		down := db.open(t)
		down.Close() // a pool that can no longer reach the database
		receiver := notifications.NewReceiver(down, w.svc.Queue.Inserter, notifications.Config{On: true}, nil, nil)
		bad := http.Handler(apiServer(receiver))
		w.handler.Store(&bad)
		msg := w.mail("Order 1001", "dana@fabrikam.test")
		w.waitFor("a 503 to Graph", func() bool {
			for _, d := range w.fake.Deliveries() {
				if d.Status == http.StatusServiceUnavailable {
					return true
				}
			}
			return false
		})
		w.handler.Store(good)
		w.waitFor("Graph's retry to be accepted and the message tracked", func() bool { return w.tracked(msg) })
		for _, d := range w.fake.Deliveries() {
			if d.GaveUp || d.Lost {
				t.Fatalf("a delivery was given up: %+v", d)
			}
		}
	})
}

// A process that accepted a notification and died before working it leaves the job in the database:
// the next process runs the pass.
func TestPassRunsAfterTheAcceptingProcessDied(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		w.firstPass()
		w.subscribe(3)
		stopCtx, cancel := context.WithTimeout(w.ctx, 10*time.Second)
		defer cancel()
		if err := w.svc.Stop(stopCtx); err != nil { // it works no job from now on; its HTTP side still accepts
			t.Fatal(err)
		}
		msg := w.mail("Order 1001", "dana@fabrikam.test")
		w.waitFor("the notification to be accepted", func() bool { return w.jobs("sync_mailbox", "available") == 1 })
		if w.tracked(msg) {
			t.Fatal("the message was tracked by a process that works no jobs")
		}
		w.svc = w.start(w.db.open(t), w.graphURL, false) // the next process, on the same database
		w.waitFor("the pass of the next process", func() bool { return w.tracked(msg) })
	})
}

// Graph removes a subscription: crmsync subscribes again and runs a delta pass, which finds what
// happened meanwhile. A missed event runs a delta pass too, and reauthorizationRequired reauthorizes.
func TestLifecycleEvents(t *testing.T) {
	each(t, func(t *testing.T, db database) {
		w := newWorld(t, db, false)
		w.firstPass()
		w.subscribe(3)
		old := w.inboxSubscription()

		// missed: a notification lost, then Graph says so.
		w.fake.InjectNotificationFault(graphfake.NotificationFault{Kind: graphfake.LoseNotifications, Subscription: old.ID, Times: 1})
		missed := w.mail("Order 1", "dana@fabrikam.test")
		if err := w.fake.FlushNotifications(w.ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.fake.SendLifecycleEvent(old.ID, "missed"); err != nil {
			t.Fatal(err)
		}
		w.waitFor("the delta pass after missed", func() bool { return w.tracked(missed) })

		// reauthorizationRequired.
		if err := w.fake.SendLifecycleEvent(old.ID, "reauthorizationRequired"); err != nil {
			t.Fatal(err)
		}
		w.waitFor("the reauthorization", func() bool {
			s := w.inboxSubscription()
			return s.Reauthorizations == 1 && !s.NeedsReauthorization && w.mailbox().Notifications.State == store.SubscriptionActive
		})

		// subscriptionRemoved: a message arrives while it is gone.
		w.fake.InjectNotificationFault(graphfake.NotificationFault{Kind: graphfake.LoseNotifications, Subscription: old.ID, Times: 1})
		gone := w.mail("Order 2", "marco@northwind.test")
		if err := w.fake.FlushNotifications(w.ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.fake.SendLifecycleEvent(old.ID, "subscriptionRemoved"); err != nil {
			t.Fatal(err)
		}
		w.waitFor("a new Inbox subscription and the delta pass", func() bool {
			if !w.tracked(gone) {
				return false
			}
			for _, s := range w.fake.Subscriptions() {
				if strings.Contains(s.Resource, "inbox") && s.ID != old.ID {
					return w.mailbox().Notifications.State == store.SubscriptionActive
				}
			}
			return false
		})
		// And the new one works.
		after := w.mail("Order 3", "dana@fabrikam.test")
		w.waitFor("a message through the new subscription", func() bool { return w.tracked(after) })
	})
}
