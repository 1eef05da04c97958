package notification_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/notification"
	"github.com/crmsync/crmsync/internal/outlook"
)

const user = "3b9e6f2a-1c4d-4e8f-9a0b-2c3d4e5f6a7b"

func TestResourcesRoundTrip(t *testing.T) {
	// The forms of the supported resources table (change-notifications-overview.md).
	cases := []struct {
		path string
		want notification.Resource
	}{
		{notification.MessagesResource(user, "inbox"), notification.Resource{Kind: notification.KindMessages, User: user, Folder: "inbox"}},
		{notification.MessagesResource(user, "sentitems"), notification.Resource{Kind: notification.KindMessages, User: user, Folder: "sentitems"}},
		{notification.EventsResource(user), notification.Resource{Kind: notification.KindEvents, User: user}},
		{notification.ContactsResource(user), notification.Resource{Kind: notification.KindContacts, User: user}},
		{notification.TasksResource("AAMkADU3list="), notification.Resource{Kind: notification.KindTasks, ListID: "AAMkADU3list="}},
		{"/users/" + user + "/mailfolders/AQMkADAwfolder=/Messages", notification.Resource{Kind: notification.KindMessages, User: user, Folder: "AQMkADAwfolder="}},
		{"me/mailFolders('Inbox')/messages", notification.Resource{Kind: notification.KindMessages, Folder: "Inbox"}},
		{"/users/" + user + "/messages", notification.Resource{Kind: notification.KindMessages, User: user}},
	}
	for _, tc := range cases {
		got, err := notification.ParseResource(tc.path)
		if err != nil || got != tc.want {
			t.Errorf("ParseResource(%q) = %+v, %v; want %+v", tc.path, got, err, tc.want)
		}
	}
	if got := notification.MessagesResource(user, "inbox"); got != "users/"+user+"/mailFolders('inbox')/messages" {
		t.Errorf("MessagesResource = %q", got)
	}
	if got := notification.TasksResource("L="); got != "me/todo/lists/L=/tasks" {
		t.Errorf("TasksResource = %q", got)
	}
}

func TestParseResourceRefusesOthers(t *testing.T) {
	for _, path := range []string{"", "users", "users//events", "groups/x/conversations", "users/u/calendar/events",
		"users/u/messages?$filter=isRead eq false", "users/u/todo/lists//tasks", "users/u/mailFolders('inbox/messages"} {
		if _, err := notification.ParseResource(path); !errors.Is(err, notification.ErrResource) {
			t.Errorf("ParseResource(%q) = %v, want ErrResource", path, err)
		}
	}
}

func TestSameResource(t *testing.T) {
	if !notification.Same("users/"+user+"/mailFolders('inbox')/messages", "/Users/"+user+"/MailFolders('Inbox')/Messages") {
		t.Error("the same inbox written twice is not the same")
	}
	if notification.Same(notification.MessagesResource(user, "inbox"), notification.MessagesResource(user, "sentitems")) {
		t.Error("inbox and sent items are the same")
	}
	if !notification.SameChangeType("deleted,created,updated", notification.AllChanges) || notification.SameChangeType("created", notification.AllChanges) {
		t.Error("SameChangeType compares the lists wrongly")
	}
}

func TestLifetimesFollowGraphsTable(t *testing.T) {
	// change-notifications-overview: Outlook message, event and contact 10,080 minutes; todoTask 4,230.
	for k, limit := range map[notification.Kind]time.Duration{notification.KindMessages: 10080 * time.Minute,
		notification.KindEvents: 10080 * time.Minute, notification.KindContacts: 10080 * time.Minute, notification.KindTasks: 4230 * time.Minute} {
		if got := notification.MaxLifetime(k); got != limit {
			t.Errorf("MaxLifetime(%s) = %s, want %s", k, got, limit)
		}
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		exp := notification.Expiration(k, now)
		if err := notification.CheckExpiration(k, now, exp); err != nil {
			t.Errorf("Expiration(%s) = %s, refused: %v", k, exp, err)
		}
		if err := notification.CheckExpiration(k, now, now.Add(limit+time.Minute)); !errors.Is(err, outlook.ErrInvalid) {
			t.Errorf("a minute over the limit for %s: %v, want ErrInvalid", k, err)
		}
	}
}

func TestValidateRequest(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	good := notification.Request{
		Resource:                 notification.MessagesResource(user, "inbox"),
		NotificationURL:          "https://crm.contoso.com/graph/notifications",
		LifecycleNotificationURL: "https://crm.contoso.com/graph/lifecycle",
		ClientState:              strings.Repeat("c", notification.MaxClientState),
		Expiration:               now.Add(70 * time.Hour),
	}
	if res, err := good.Validate(now); err != nil || res.Kind != notification.KindMessages {
		t.Fatalf("Validate(good) = %+v, %v", res, err)
	}
	local := good
	local.NotificationURL, local.LifecycleNotificationURL = "http://127.0.0.1:8080/graph/notifications", "http://localhost:8080/graph/lifecycle"
	if _, err := local.Validate(now); err != nil {
		t.Errorf("loopback http URLs: %v", err)
	}
	cases := map[string]func(r *notification.Request){
		"unknown resource":         func(r *notification.Request) { r.Resource = "groups/x/conversations" },
		"unknown change type":      func(r *notification.Request) { r.ChangeType = "created,moved" },
		"no notification URL":      func(r *notification.Request) { r.NotificationURL = "" },
		"http notification URL":    func(r *notification.Request) { r.NotificationURL = "http://crm.contoso.com/graph/notifications" },
		"relative lifecycle URL":   func(r *notification.Request) { r.LifecycleNotificationURL = "/graph/lifecycle" },
		"clientState too long":     func(r *notification.Request) { r.ClientState += "c" },
		"expired":                  func(r *notification.Request) { r.Expiration = now },
		"beyond Graph's lifetimes": func(r *notification.Request) { r.Expiration = now.Add(10080*time.Minute + time.Second) },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			r := good
			change(&r)
			if _, err := r.Validate(now); !errors.Is(err, outlook.ErrInvalid) {
				t.Errorf("Validate = %v, want ErrInvalid", err)
			}
		})
	}
}
