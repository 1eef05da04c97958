package graphfake_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/graph/notification"
)

// clock is a settable clock for graphfake.WithClock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func inboxOf(user string) string { return "users/" + user + "/mailFolders('inbox')/messages" }

// Graph validates the notification URL, and the lifecycle URL, before it answers: a POST with
// ?validationToken=… whose URL-decoded value must come back as text/plain
// (subscription-post-subscriptions.md, "Notification endpoint validation";
// change-notifications-delivery-webhooks.md, "notificationUrl validation").
func TestCreateSubscriptionValidatesTheURLs(t *testing.T) {
	c := newClock()
	f := setup(t, fast(), graphfake.WithClock(c.now))
	e := newEndpoint(t)
	r := f.call(t, "POST", "/subscriptions", subscriptionBody(e, inboxOf(aliceID), c.now().Add(time.Hour)))
	wantStatus(t, r, http.StatusCreated)
	if e.validationCount() != 2 {
		t.Errorf("validation requests = %d, want 2 (notification and lifecycle URLs)", e.validationCount())
	}
	v := e.validations[0]
	token := v.URL.Query().Get("validationToken")
	if v.Method != http.MethodPost || !strings.HasPrefix(v.Header.Get("Content-Type"), "text/plain") || !strings.Contains(token, " ") {
		t.Errorf("validation request: %s, Content-Type %q, token %q (Graph's tokens have spaces, so they arrive encoded)",
			v.Method, v.Header.Get("Content-Type"), token)
	}
	if r.str("id") == "" || r.str("resource") != inboxOf(aliceID) || r.str("changeType") != notification.AllChanges ||
		r.str("clientState") != "s3cret-state" || r.str("notificationUrl") != e.url || r.str("lifecycleNotificationUrl") != e.url {
		t.Errorf("created subscription: %v", r.body)
	}
	if exp, err := time.Parse(time.RFC3339Nano, r.str("expirationDateTime")); err != nil || !exp.Equal(c.now().Add(time.Hour)) {
		t.Errorf("expirationDateTime = %q", r.str("expirationDateTime"))
	}
	if subs := f.srv.Subscriptions(); len(subs) != 1 || subs[0].Mailbox != aliceID {
		t.Errorf("Subscriptions() = %+v", subs)
	}
}

// "If validation fails, the request to create the subscription returns a 400 Bad Request error"
// (subscription-post-subscriptions.md); the answer must be 200, text/plain, the decoded token, within
// 10 seconds (change-notifications-delivery-webhooks.md).
func TestCreateSubscriptionFailsWhenValidationFails(t *testing.T) {
	cases := map[string]func(w http.ResponseWriter, token string){
		"not found": func(w http.ResponseWriter, _ string) { w.WriteHeader(http.StatusNotFound) },
		"JSON": func(w http.ResponseWriter, token string) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, "%q", token)
		},
		"token still encoded": func(w http.ResponseWriter, token string) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(url.QueryEscape(token)))
		},
		"another token": func(w http.ResponseWriter, _ string) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("hello"))
		},
		"too slow": func(w http.ResponseWriter, token string) {
			time.Sleep(500 * time.Millisecond)
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(token))
		},
	}
	for name, answer := range cases {
		t.Run(name, func(t *testing.T) {
			f := setup(t, graphfake.WithNotifications(graphfake.NotificationOptions{ValidationTimeout: 100 * time.Millisecond}))
			e := newEndpoint(t)
			e.validate = answer
			r := f.call(t, "POST", "/subscriptions", subscriptionBody(e, inboxOf(aliceID), time.Now().Add(time.Hour)))
			wantStatus(t, r, http.StatusBadRequest)
			if r.errorCode() != "ValidationError" {
				t.Errorf("code = %q, want ValidationError", r.errorCode())
			}
			if n := len(f.srv.Subscriptions()); n != 0 {
				t.Errorf("%d subscriptions created", n)
			}
		})
	}
}

// Outlook message, event and contact subscriptions live at most 10,080 minutes, To Do tasks 4,230, and "any requests to create or renew a subscription
// beyond the maximum value will fail" (change-notifications-overview.md, subscription lifetime).
func TestSubscriptionLifetimeLimits(t *testing.T) {
	c := newClock()
	f := setup(t, fast(), graphfake.WithClock(c.now))
	e := newEndpoint(t)
	for _, tc := range []struct {
		name     string
		resource string
		expires  time.Duration
		want     int
	}{
		{"messages at the maximum", inboxOf(aliceID), 10080 * time.Minute, http.StatusCreated},
		{"events a minute over", "users/" + aliceID + "/events", 10081 * time.Minute, http.StatusBadRequest},
		{"tasks at the maximum", "me/todo/lists/" + f.srv.DefaultTaskListID(aliceID) + "/tasks", 4230 * time.Minute, http.StatusCreated},
		{"contacts in the past", "users/" + aliceID + "/contacts", -time.Minute, http.StatusBadRequest},
		{"tasks a second over", "me/todo/lists/" + f.srv.DefaultTaskListID(aliceID) + "/tasks", 4230*time.Minute + time.Second, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.call(t, "POST", "/subscriptions", subscriptionBody(e, tc.resource, c.now().Add(tc.expires)))
			wantStatus(t, r, tc.want)
		})
	}
	id := f.srv.Subscriptions()[0].ID
	r := f.call(t, "PATCH", "/subscriptions/"+id, map[string]any{"expirationDateTime": c.now().Add(10081 * time.Minute).Format(time.RFC3339)})
	wantStatus(t, r, http.StatusBadRequest)
}

// "Duplicate subscriptions aren't allowed. When a subscription request contains the same values for
// changeType and resource as an existing subscription, the request fails with an HTTP error code 409
// Conflict, and the error message Subscription Id <> already exists for the requested combination"
// (change-notifications-delivery-webhooks.md).
func TestDuplicateSubscriptionConflicts(t *testing.T) {
	f := setup(t, fast())
	e, other := newEndpoint(t), newEndpoint(t)
	first := f.subscribe(t, subscriptionBody(e, inboxOf(aliceID), time.Now().Add(time.Hour)))

	again := subscriptionBody(other, "/Users/"+aliceUPN+"/MailFolders('Inbox')/Messages", time.Now().Add(2*time.Hour))
	again["changeType"] = "deleted,updated,created"
	r := f.call(t, "POST", "/subscriptions", again)
	wantStatus(t, r, http.StatusConflict)
	msg, _ := r.body["error"].(map[string]any)["message"].(string)
	if r.errorCode() != "ObjectIdentifierInUse" || msg != "Subscription Id "+first+" already exists for the requested combination" {
		t.Errorf("409 = %s: %q", r.errorCode(), msg)
	}
	again["changeType"] = "created"
	wantStatus(t, f.call(t, "POST", "/subscriptions", again), http.StatusCreated)
	if n := len(f.srv.Subscriptions()); n != 2 {
		t.Errorf("%d subscriptions, want 2", n)
	}
}

// "A maximum of 1,000 active subscriptions per mailbox for all applications is allowed"; beyond a quota
// "attempts to create a subscription will result in a 403 Forbidden error response"
// (change-notifications-overview.md, supported resources).
func TestSubscriptionQuotaPerMailbox(t *testing.T) {
	f := setup(t, fast())
	f.srv.AddMailbox(bobID, bobUPN)
	e := newEndpoint(t)
	f.srv.SeedSubscriptions(aliceID, 999, e.url)
	f.subscribe(t, subscriptionBody(e, inboxOf(aliceID), time.Now().Add(time.Hour)))
	r := f.call(t, "POST", "/subscriptions", subscriptionBody(e, "users/"+aliceID+"/events", time.Now().Add(time.Hour)))
	wantStatus(t, r, http.StatusForbidden)
	if msg, _ := r.body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "limit") {
		t.Errorf("403 message %q does not explain the limit", msg)
	}
	f.subscribe(t, subscriptionBody(e, "users/"+bobID+"/events", time.Now().Add(time.Hour)))
}

// Renew (subscription-update.md: PATCH, 200 with the subscription), reauthorize
// (subscription-reauthorize.md: 204), delete (subscription-delete.md: 204), list (subscription-list.md:
// clientState "is not returned for security purposes", pages with @odata.nextLink).
func TestManageSubscriptions(t *testing.T) {
	c := newClock()
	f := setup(t, fast(), graphfake.WithClock(c.now))
	e := newEndpoint(t)
	id := f.subscribe(t, subscriptionBody(e, inboxOf(aliceID), c.now().Add(time.Hour)))

	later := c.now().Add(70 * time.Hour)
	r := f.call(t, "PATCH", "/subscriptions/"+id, map[string]any{"expirationDateTime": later.Format(time.RFC3339Nano)})
	wantStatus(t, r, http.StatusOK)
	if got := f.srv.Subscriptions()[0].Expiration; !got.Equal(later) {
		t.Errorf("expiration after renewal = %s, want %s", got, later)
	}
	r = f.call(t, "PATCH", "/subscriptions/"+id, map[string]any{"lifecycleNotificationUrl": e.url})
	wantStatus(t, r, http.StatusBadRequest)

	wantStatus(t, f.call(t, "POST", "/subscriptions/"+id+"/reauthorize", nil), http.StatusNoContent)
	if n := f.srv.Subscriptions()[0].Reauthorizations; n != 1 {
		t.Errorf("reauthorizations = %d", n)
	}

	f.srv.SeedSubscriptions(aliceID, 150, e.url)
	var listed []map[string]any
	for link := f.base + "/subscriptions"; link != ""; {
		r := f.call(t, "GET", link, nil)
		wantStatus(t, r, http.StatusOK)
		listed = append(listed, r.values()...)
		link = r.str("@odata.nextLink")
	}
	if len(listed) != 151 {
		t.Fatalf("listed %d subscriptions, want 151", len(listed))
	}
	if listed[0]["id"] != id || listed[0]["clientState"] != nil {
		t.Errorf("first listed = %v (clientState must not be returned)", listed[0])
	}

	wantStatus(t, f.call(t, "DELETE", "/subscriptions/"+id, nil), http.StatusNoContent)
	for _, req := range []struct{ method, path string }{{"DELETE", ""}, {"PATCH", ""}, {"GET", ""}, {"POST", "/reauthorize"}} {
		r := f.call(t, req.method, "/subscriptions/"+id+req.path, map[string]any{"expirationDateTime": later.Format(time.RFC3339)})
		wantStatus(t, r, http.StatusNotFound)
	}
}

// The resources Outlook subscriptions support (change-notifications-overview.md, supported resources;
// outlook-change-notifications-overview.md), and nothing else; notification URLs must be https
// (subscription resource type), loopback http being this fake's allowance for local mode.
func TestSubscriptionResources(t *testing.T) {
	f := setup(t, fast())
	e := newEndpoint(t)
	list := f.srv.DefaultTaskListID(aliceID)
	for _, tc := range []struct {
		resource string
		want     int
	}{
		{"users/" + aliceID + "/mailFolders('sentitems')/messages", http.StatusCreated},
		{"/users/" + aliceUPN + "/messages", http.StatusCreated},
		{"users/" + aliceID + "/contacts", http.StatusCreated},
		{"me/todo/lists/" + list + "/tasks", http.StatusCreated},
		{"users/" + aliceID + "/mailFolders('nosuchfolder')/messages", http.StatusNotFound},
		{"users/nobody@contoso.test/events", http.StatusNotFound},
		{"me/todo/lists/AAMkADU3bm90LWEtbGlzdA=/tasks", http.StatusNotFound},
		{"me/events", http.StatusBadRequest},
		{"groups/x/conversations", http.StatusBadRequest},
		{"users/" + aliceID + "/messages?$filter=isRead eq false", http.StatusBadRequest},
	} {
		r := f.call(t, "POST", "/subscriptions", subscriptionBody(e, tc.resource, time.Now().Add(time.Hour)))
		if r.status != tc.want {
			t.Errorf("%s: status %d, want %d (%v)", tc.resource, r.status, tc.want, r.body)
		}
	}
	for name, change := range map[string]func(b map[string]any){
		"http URL":            func(b map[string]any) { b["notificationUrl"] = "http://crm.contoso.test/graph/notifications" },
		"no URL":              func(b map[string]any) { delete(b, "notificationUrl") },
		"unknown change type": func(b map[string]any) { b["changeType"] = "created,moved" },
		"clientState of 129":  func(b map[string]any) { b["clientState"] = strings.Repeat("c", 129) },
		"resource data":       func(b map[string]any) { b["includeResourceData"] = true },
	} {
		b := subscriptionBody(e, "users/"+aliceID+"/events", time.Now().Add(time.Hour))
		change(b)
		if r := f.call(t, "POST", "/subscriptions", b); r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, r.status)
		}
	}
}
