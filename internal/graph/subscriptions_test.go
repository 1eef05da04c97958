package graph_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/graph/notification"
	"github.com/crmsync/crmsync/internal/outlook"
)

// listener is crmsync's notification endpoint reduced to what Graph needs of it: the validation echo,
// and notifications decoded strictly.
type listener struct {
	url      string
	refuse   bool // answer validation requests 404
	received chan notification.Notification
}

func newListener(t *testing.T) *listener {
	t.Helper()
	l := &listener{received: make(chan notification.Notification, 100)}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token := r.URL.Query().Get("validationToken"); token != "" {
			if l.refuse {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(token))
			return
		}
		c, err := notification.Decode(r.Body)
		if err != nil {
			t.Errorf("decode notification: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for _, n := range c.Value {
			l.received <- n
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(ts.Close)
	l.url = ts.URL + "/graph/notifications"
	return l
}

func (l *listener) request(resource string) notification.Request {
	res, err := notification.ParseResource(resource)
	if err != nil {
		panic(err)
	}
	return notification.Request{Resource: resource, NotificationURL: l.url, LifecycleNotificationURL: l.url,
		ClientState: "state-1", Expiration: notification.Expiration(res.Kind, time.Now())}
}

var ctx = context.Background()

func TestSubscriptionLifecycle(t *testing.T) {
	mb, b := setup(t)
	l := newListener(t)
	req := l.request(notification.MessagesResource(userID, "inbox"))
	sub, err := mb.Subscribe(ctx, req)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	if sub.ID == "" || sub.Resource != req.Resource || sub.ChangeType != notification.AllChanges || sub.ClientState != "state-1" ||
		sub.NotificationURL != l.url || sub.LifecycleNotificationURL != l.url || !sub.Expiration.Equal(req.Expiration.Truncate(time.Second)) {
		t.Errorf("Subscribe = %+v\nrequest %+v", sub, req)
	}
	held := b.fake.Subscriptions()
	if len(held) != 1 || !held[0].ImmutableIDs {
		t.Fatalf("the fake holds %+v, want one subscription asking for immutable ids", held)
	}

	// A new message is notified with its immutable id, which Message reads.
	m := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "Order 4471", From: outlook.Address{Email: "marco@northwind.test"}})
	select {
	case n := <-l.received:
		if n.SubscriptionID != sub.ID || n.ChangeType != notification.Created || n.ResourceData.ID != m.ID {
			t.Errorf("notification %+v, want message %s", n, m.ID)
		}
		if got, err := mb.Message(ctx, n.ResourceData.ID); err != nil || got.Subject != "Order 4471" {
			t.Errorf("read the notified message: %+v, %v", got, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no notification")
	}

	later := time.Now().Add(48 * time.Hour).UTC()
	renewed, err := mb.Renew(ctx, sub.ID, later)
	if err != nil || !renewed.Expiration.Equal(later.Truncate(time.Second)) {
		t.Errorf("Renew = %+v, %v", renewed, err)
	}
	if err := mb.Reauthorize(ctx, sub.ID); err != nil {
		t.Errorf("Reauthorize: %v", err)
	}
	if n := b.fake.Subscriptions()[0].Reauthorizations; n != 1 {
		t.Errorf("reauthorizations = %d", n)
	}
	all, err := mb.Subscriptions(ctx)
	if err != nil || len(all) != 1 || all[0].ID != sub.ID || all[0].ClientState != "" {
		t.Errorf("Subscriptions = %+v, %v (a list carries no clientState)", all, err)
	}
	if err := mb.Unsubscribe(ctx, sub.ID); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	if err := mb.Unsubscribe(ctx, sub.ID); !errors.Is(err, outlook.ErrNotFound) {
		t.Errorf("Unsubscribe again = %v, want ErrNotFound", err)
	}
	for name, err := range map[string]error{
		"renew":       second(mb.Renew(ctx, sub.ID, later)),
		"reauthorize": mb.Reauthorize(ctx, sub.ID),
	} {
		if !errors.Is(err, outlook.ErrNotFound) {
			t.Errorf("%s a deleted subscription = %v, want ErrNotFound", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// A 409 names the existing subscription, which FindSubscription also finds by resource and change type.
func TestSubscribeConflictNamesTheExistingSubscription(t *testing.T) {
	mb, _ := setup(t)
	l := newListener(t)
	first, err := mb.Subscribe(ctx, l.request(notification.EventsResource(userID)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = mb.Subscribe(ctx, l.request("/Users/"+userID+"/Events"))
	var conflict *notification.ConflictError
	if !errors.Is(err, notification.ErrConflict) || !errors.As(err, &conflict) || conflict.ExistingID != first.ID {
		t.Fatalf("second Subscribe = %v, want a ConflictError naming %s", err, first.ID)
	}
	found, err := mb.FindSubscription(ctx, notification.EventsResource(userID), "")
	if err != nil || found.ID != first.ID {
		t.Errorf("FindSubscription = %+v, %v", found, err)
	}
	if _, err := mb.FindSubscription(ctx, notification.ContactsResource(userID), ""); !errors.Is(err, outlook.ErrNotFound) {
		t.Errorf("FindSubscription of nothing = %v, want ErrNotFound", err)
	}
}

// Subscriptions follows @odata.nextLink across pages.
func TestSubscriptionsReadsEveryPage(t *testing.T) {
	mb, b := setup(t)
	l := newListener(t)
	for i := range 101 {
		folder := fmt.Sprintf("Project %d", i)
		b.fake.AddMessage(userID, folder, outlook.Message{Subject: "seed"})
		if _, err := mb.Subscribe(ctx, l.request(notification.MessagesResource(userID, folder))); err != nil {
			t.Fatalf("Subscribe %d: %v", i, err)
		}
	}
	all, err := mb.Subscriptions(ctx)
	if err != nil || len(all) != 101 {
		t.Errorf("Subscriptions = %d, %v; want 101", len(all), err)
	}
	if n := b.fake.Requests("GET /subscriptions"); n != 2 {
		t.Errorf("%d pages read, want 2", n)
	}
}

func TestSubscribeErrors(t *testing.T) {
	cases := []struct {
		name  string
		fault graphfake.Fault
		want  expect
	}{
		{"quota", graphfake.Fault{Status: 403, Code: "ExtensionError", Message: "Operation: Create; Exception: [Status Code: Forbidden; Reason: The mailbox has reached the limit of 1000 active subscriptions.]"},
			func(t *testing.T, err error) {
				t.Helper()
				is(notification.ErrTooManySubscriptions)(t, err)
				if errors.Is(err, outlook.ErrPermission) {
					t.Errorf("a full quota reads as a missing consent: %v", err)
				}
			}},
		{"access denied", graphfake.Fault{Status: 403}, is(outlook.ErrPermission)},
		{"token expired", graphfake.Fault{Status: 401}, is(outlook.ErrPermission)},
		{"throttled", graphfake.Fault{Status: 429, RetryAfter: 9 * time.Second}, throttled(9 * time.Second)},
		{"outage", graphfake.Fault{Status: 502}, transient(502)},
		{"invalid", graphfake.Fault{Status: 400}, is(outlook.ErrInvalid)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mb, b := setup(t)
			b.fake.InjectFault("POST /subscriptions", tc.fault)
			_, err := mb.Subscribe(ctx, newListener(t).request(notification.ContactsResource(userID)))
			tc.want(t, err)
		})
	}
	t.Run("validation fails", func(t *testing.T) {
		mb, _ := setup(t)
		l := newListener(t)
		l.refuse = true
		_, err := mb.Subscribe(ctx, l.request(notification.ContactsResource(userID)))
		is(notification.ErrValidationFailed)(t, err)
		is(outlook.ErrInvalid)(t, err)
	})
}

// Requests Graph would refuse are refused without a call: a lifetime beyond the documented maximum, and
// To Do with the app's own permissions (todoTask subscriptions: "Application: Not supported").
func TestSubscribeChecksBeforeCalling(t *testing.T) {
	mb, b := setup(t)
	l := newListener(t)
	long := l.request(notification.ContactsResource(userID))
	long.Expiration = time.Now().Add(notification.MaxLifetime(notification.KindContacts) + time.Minute)
	if _, err := mb.Subscribe(ctx, long); !errors.Is(err, outlook.ErrInvalid) {
		t.Errorf("a lifetime beyond Graph's = %v, want ErrInvalid", err)
	}
	tasks := l.request(notification.TasksResource(b.fake.DefaultTaskListID(userID)))
	if _, err := mb.Subscribe(ctx, tasks); !errors.Is(err, notification.ErrDelegatedOnly) {
		t.Errorf("To Do app-only = %v, want ErrDelegatedOnly", err)
	}
	if n := b.fake.Requests("POST /subscriptions"); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	delegated, err := b.client.Mailbox(graph.User{TenantID: tenant, ObjectID: userID, Assertion: "user-token"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := delegated.Subscribe(ctx, tasks); err != nil {
		t.Errorf("To Do on behalf of the user: %v", err)
	}
}
