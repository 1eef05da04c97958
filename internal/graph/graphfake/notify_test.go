package graphfake_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/graph/notification"
	"github.com/crmsync/crmsync/internal/outlook"
)

// After each change to a subscribed resource Graph POSTs a notification without resource data to the
// notificationUrl: subscriptionId, clientState, changeType, resource, resourceData (@odata.type, @odata.id,
// @odata.etag, id) and tenantId (outlook-change-notifications-overview.md, "Receive notifications without
// resource data"); with immutable ids when the subscription was created with Prefer: IdType="ImmutableId"
// (outlook-immutable-id.md, "Immutable ID with change notifications").
func TestNotificationAfterEachChange(t *testing.T) {
	f := setup(t, fast())
	e := newEndpoint(t)
	sub := f.subscribe(t, subscriptionBody(e, inboxOf(aliceID), time.Now().Add(time.Hour)))

	m := f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "New order", From: outlook.Address{Email: "dana@fabrikam.test"}})
	n := e.next(t)
	if n.SubscriptionID != sub || n.ClientState != "s3cret-state" || n.TenantID != graphfake.DefaultTenantID ||
		n.ChangeType != notification.Created || n.Resource != "Users/"+aliceID+"/Messages/"+m.ID {
		t.Errorf("created: %+v", n)
	}
	if d := n.ResourceData; d == nil || d.ID != m.ID || d.ODataType != "#Microsoft.Graph.Message" || d.ODataETag == "" {
		t.Errorf("resourceData: %+v", n.ResourceData)
	}
	f.srv.UpdateMessage(aliceID, m.ID, func(m *outlook.Message) { m.Subject = "New order (updated)" })
	if n := e.next(t); n.ChangeType != notification.Updated || n.ResourceData.ID != m.ID {
		t.Errorf("updated: %+v", n)
	}
	f.srv.DeleteItem(aliceID, m.ID)
	if n := e.next(t); n.ChangeType != notification.Deleted || n.ResourceData.ID != m.ID || n.ResourceData.ODataETag != "" {
		t.Errorf("deleted: %+v", n)
	}
	f.srv.AddMessage(aliceID, "sentitems", outlook.Message{Subject: "elsewhere"})
	e.quiet(t, f.srv)
}

// Changes made through the API notify too, as Exchange does whoever made them, crmsync included; a
// subscription without the Prefer header gets REST ids (outlook-immutable-id.md: "Existing
// subscriptions created without the header will continue to use the default ID format").
func TestNotificationsForChangesThroughTheAPI(t *testing.T) {
	f := setup(t, fast())
	events, contacts, tasks := newEndpoint(t), newEndpoint(t), newEndpoint(t)
	wantStatus(t, f.call(t, "POST", "/subscriptions", subscriptionBody(events, "users/"+aliceID+"/events", time.Now().Add(time.Hour))), http.StatusCreated)
	f.subscribe(t, subscriptionBody(contacts, "users/"+aliceID+"/contacts", time.Now().Add(time.Hour)))
	list := f.srv.DefaultTaskListID(aliceID)
	f.subscribe(t, subscriptionBody(tasks, "me/todo/lists/"+list+"/tasks", time.Now().Add(time.Hour)))

	r := f.call(t, "POST", "/users/"+aliceID+"/events", map[string]any{"subject": "Review",
		"start": map[string]any{"dateTime": "2026-03-10T15:00:00", "timeZone": "UTC"},
		"end":   map[string]any{"dateTime": "2026-03-10T16:00:00", "timeZone": "UTC"}})
	wantStatus(t, r, http.StatusCreated)
	rest := r.str("id")
	if n := events.next(t); n.ChangeType != notification.Created || n.ResourceData.ID != rest || n.ResourceData.ODataType != "#Microsoft.Graph.Event" {
		t.Errorf("event created: %+v, want the REST id %s", n, rest)
	}
	wantStatus(t, f.call(t, "PATCH", "/users/"+aliceID+"/events/"+rest, map[string]any{"subject": "Review 2"}), http.StatusOK)
	if n := events.next(t); n.ChangeType != notification.Updated {
		t.Errorf("event updated: %+v", n)
	}
	wantStatus(t, f.call(t, "DELETE", "/users/"+aliceID+"/events/"+rest, nil), http.StatusNoContent)
	if n := events.next(t); n.ChangeType != notification.Deleted {
		t.Errorf("event deleted: %+v", n)
	}

	wantStatus(t, f.call(t, "POST", "/users/"+aliceID+"/contacts", map[string]any{"givenName": "Jonas"}, "Prefer", immutable), http.StatusCreated)
	if n := contacts.next(t); n.ChangeType != notification.Created || n.ResourceData.ODataType != "#Microsoft.Graph.Contact" || !strings.HasPrefix(n.ResourceData.ID, "AAkA") {
		t.Errorf("contact created: %+v, want an immutable id", n)
	}
	wantStatus(t, f.call(t, "POST", "/users/"+aliceID+"/todo/lists/"+list+"/tasks", map[string]any{"title": "Call back"}), http.StatusCreated)
	if n := tasks.next(t); n.ChangeType != notification.Created || n.ResourceData.ODataType != "#Microsoft.Graph.todoTask" {
		t.Errorf("task created: %+v", n)
	}
	events.quiet(t, f.srv)
}

// A subscription reports only its change types (subscription resource type, changeType).
func TestNotificationsFollowTheChangeType(t *testing.T) {
	f := setup(t, fast())
	e := newEndpoint(t)
	body := subscriptionBody(e, inboxOf(aliceID), time.Now().Add(time.Hour))
	body["changeType"] = "created"
	f.subscribe(t, body)
	m := f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "one"})
	if n := e.next(t); n.ChangeType != notification.Created {
		t.Errorf("got %+v", n)
	}
	f.srv.UpdateMessage(aliceID, m.ID, func(m *outlook.Message) { m.Subject = "two" })
	f.srv.DeleteItem(aliceID, m.ID)
	e.quiet(t, f.srv)
}

// "When many changes occur, Microsoft Graph may send multiple notifications that correspond to different
// subscriptions in the same POST request" (change-notifications-delivery-webhooks.md).
func TestNotificationsAreBatched(t *testing.T) {
	f := setup(t, fast())
	e := newEndpoint(t)
	release := make(chan struct{})
	e.answer = func(n int) int {
		if n == 1 {
			<-release // the first POST waits, and the next changes queue up behind it
		}
		return http.StatusAccepted
	}
	f.subscribe(t, subscriptionBody(e, inboxOf(aliceID), time.Now().Add(time.Hour)))
	body := subscriptionBody(e, "users/"+aliceID+"/contacts", time.Now().Add(time.Hour))
	f.subscribe(t, body)
	f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "first"})
	waitFor(t, func() bool { return posts(e) == 1 })
	for i := range 4 {
		f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "more " + string(rune('a'+i))})
	}
	f.srv.AddContact(aliceID, outlook.Contact{GivenName: "Jonas"})
	close(release)
	flush(t, f.srv)
	var sizes []int
	for _, d := range f.srv.Deliveries() {
		sizes = append(sizes, d.Notifications)
	}
	if len(sizes) != 2 || sizes[0] != 1 || sizes[1] != 5 {
		t.Errorf("POSTs carried %v notifications, want [1 5]", sizes)
	}
}

// "If Microsoft Graph doesn't receive a 2xx class code within 3 seconds, it tries to resend the change
// notification multiple times, for up to 4 hours. If Microsoft Graph still doesn't receive a 2xx code
// within the period, it discards the change notification" (change-notifications-delivery-webhooks.md);
// the retries are bounded and configurable here.
func TestNotificationsAreRetriedUntil2xx(t *testing.T) {
	f := setup(t, graphfake.WithNotifications(graphfake.NotificationOptions{MinDelay: time.Microsecond, MaxDelay: time.Microsecond,
		Timeout: 100 * time.Millisecond, Retries: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}}))
	e := newEndpoint(t)
	e.answer = func(n int) int {
		switch n {
		case 1:
			time.Sleep(300 * time.Millisecond) // past the timeout: no answer arrives
			return http.StatusServiceUnavailable
		case 2:
			return http.StatusServiceUnavailable
		}
		return http.StatusAccepted
	}
	f.subscribe(t, subscriptionBody(e, inboxOf(aliceID), time.Now().Add(time.Hour)))
	f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "persist me"})
	if n := e.next(t); n.ChangeType != notification.Created {
		t.Errorf("got %+v", n)
	}
	flush(t, f.srv)
	d := f.srv.Deliveries()
	if len(d) != 3 || d[0].Status != 0 || d[0].Err == "" || d[1].Status != 503 || d[2].Status != 202 || d[2].Attempt != 3 {
		t.Errorf("deliveries = %+v", d)
	}

	e.answer = func(int) int { return http.StatusInternalServerError }
	f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "never delivered"})
	flush(t, f.srv)
	d = f.srv.Deliveries()[3:]
	if len(d) != 4 || !d[3].GaveUp || d[2].GaveUp {
		t.Errorf("after 1 attempt and 3 retries the batch is dropped: %+v", d)
	}
}

// Injected faults: lost, duplicated and reordered notifications, which Graph's delivery does not rule
// out and crmsync must survive.
func TestNotificationFaults(t *testing.T) {
	f := setup(t, fast())
	e := newEndpoint(t)
	sub := f.subscribe(t, subscriptionBody(e, inboxOf(aliceID), time.Now().Add(time.Hour)))
	subject := func(n notification.Notification) string {
		m, _ := f.srv.Message(aliceID, n.ResourceData.ID)
		return m.Subject
	}

	f.srv.InjectNotificationFault(graphfake.NotificationFault{Kind: graphfake.LoseNotifications, Subscription: sub, Times: 1})
	f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "lost"})
	f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "kept"})
	if n := e.next(t); subject(n) != "kept" {
		t.Errorf("after a lost one got %q", subject(n))
	}
	e.quiet(t, f.srv)
	if d := f.srv.Deliveries(); !d[0].Lost {
		t.Errorf("the lost notification is not recorded: %+v", d[0])
	}

	f.srv.InjectNotificationFault(graphfake.NotificationFault{Kind: graphfake.DuplicateNotifications, Times: 1})
	f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "twice"})
	if a, b := e.next(t), e.next(t); subject(a) != "twice" || subject(b) != "twice" {
		t.Errorf("duplicated: %q, %q", subject(a), subject(b))
	}
	e.quiet(t, f.srv)

	f.srv.InjectNotificationFault(graphfake.NotificationFault{Kind: graphfake.ReorderNotifications, Times: 3})
	for _, s := range []string{"1", "2", "3"} {
		f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: s})
	}
	var order []string
	for range 3 {
		order = append(order, subject(e.next(t)))
	}
	if strings.Join(order, "") != "321" {
		t.Errorf("reordered: %v, want 3 2 1", order)
	}
	f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "after"})
	if n := e.next(t); subject(n) != "after" {
		t.Errorf("after the faults: %q", subject(n))
	}
}

// Lifecycle notifications go to the lifecycleNotificationUrl: reauthorizationRequired (answered by
// reauthorize or a renewal), subscriptionRemoved (the subscription is gone) and missed
// (change-notifications-lifecycle-events.md); none without a lifecycle URL.
func TestLifecycleEvents(t *testing.T) {
	f := setup(t, fast())
	e := newEndpoint(t)
	sub := f.subscribe(t, subscriptionBody(e, inboxOf(aliceID), time.Now().Add(time.Hour)))

	for _, event := range []notification.LifecycleEvent{notification.ReauthorizationRequired, notification.Missed} {
		if err := f.srv.SendLifecycleEvent(sub, string(event)); err != nil {
			t.Fatal(err)
		}
		if n := e.next(t); n.LifecycleEvent != event || n.SubscriptionID != sub || n.ClientState != "s3cret-state" || n.ChangeType != "" {
			t.Errorf("%s: %+v", event, n)
		}
	}
	if !f.srv.Subscriptions()[0].NeedsReauthorization {
		t.Error("reauthorizationRequired did not mark the subscription")
	}
	wantStatus(t, f.call(t, "POST", "/subscriptions/"+sub+"/reauthorize", nil), http.StatusNoContent)
	if f.srv.Subscriptions()[0].NeedsReauthorization {
		t.Error("reauthorize did not clear the mark")
	}

	if err := f.srv.SendLifecycleEvent(sub, "subscriptionRemoved"); err != nil {
		t.Fatal(err)
	}
	if n := e.next(t); n.LifecycleEvent != notification.SubscriptionRemoved {
		t.Errorf("removed: %+v", n)
	}
	f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "after removal"})
	e.quiet(t, f.srv)
	wantStatus(t, f.call(t, "GET", "/subscriptions/"+sub, nil), http.StatusNotFound)

	body := subscriptionBody(e, inboxOf(aliceID), time.Now().Add(time.Hour))
	delete(body, "lifecycleNotificationUrl")
	plain := f.subscribe(t, body)
	if err := f.srv.SendLifecycleEvent(plain, "missed"); err == nil {
		t.Error("a subscription without a lifecycle URL got a lifecycle notification")
	}
	if err := f.srv.SendLifecycleEvent(plain, "expired"); err == nil {
		t.Error("an unknown lifecycle event was sent")
	}
}

// "If you don't renew a subscription in time, Microsoft Graph deletes the subscription, and the app
// won't receive future change notifications" (change-notifications-delivery-webhooks.md).
func TestExpiredSubscriptionsNotifyNothing(t *testing.T) {
	c := newClock()
	f := setup(t, fast(), graphfake.WithClock(c.now))
	e := newEndpoint(t)
	sub := f.subscribe(t, subscriptionBody(e, inboxOf(aliceID), c.now().Add(time.Hour)))
	c.advance(time.Hour)
	f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "too late"})
	e.quiet(t, f.srv)
	wantStatus(t, f.call(t, "PATCH", "/subscriptions/"+sub, map[string]any{"expirationDateTime": c.now().Add(time.Hour).Format(time.RFC3339)}), http.StatusNotFound)
	if n := len(f.srv.Subscriptions()); n != 0 {
		t.Errorf("%d subscriptions after expiry", n)
	}
}

// In local mode the fake runs inside crmsync, whose notification endpoint reads Graph while it is
// notified, and whose validation handler runs while crmsync waits for the subscription: neither may
// deadlock.
func TestDeliveryToAnEndpointInTheSameProcess(t *testing.T) {
	srv := graphfake.New(fast())
	t.Cleanup(srv.Close)
	srv.AddMailbox(aliceID, aliceUPN)
	mux := http.NewServeMux()
	mux.Handle("/dev/graph/v1.0/", http.StripPrefix("/dev/graph/v1.0", srv.Handler()))
	e := &endpoint{t: t, notes: make(chan notification.Notification, 100)}
	mux.Handle("/graph/notifications", e)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	e.url = ts.URL + "/graph/notifications"
	f := &fixture{srv: srv, base: ts.URL + "/dev/graph/v1.0"}

	var mu sync.Mutex
	var reads []int
	e.validate = func(w http.ResponseWriter, token string) {
		r := f.call(t, "GET", "/users/"+aliceID+"/mailFolders/inbox", nil) // the fake is busy creating the subscription
		mu.Lock()
		reads = append(reads, r.status)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(token))
	}
	e.onNotify = func(n notification.Notification) {
		r := f.call(t, "GET", "/users/"+aliceID+"/messages/"+n.ResourceData.ID, nil)
		mu.Lock()
		reads = append(reads, r.status)
		mu.Unlock()
	}
	f.subscribe(t, subscriptionBody(e, inboxOf(aliceID), time.Now().Add(time.Hour)))
	srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: "read me while notified"})
	e.next(t)
	mu.Lock()
	defer mu.Unlock()
	if len(reads) != 3 || reads[0] != 200 || reads[1] != 200 || reads[2] != 200 {
		t.Errorf("reads from inside the endpoint: %v, want three 200s", reads)
	}
}

func posts(e *endpoint) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.posts
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(time.Millisecond)
	}
}
