package notification_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/notification"
)

const (
	subID    = "7f105c7d-2dc5-4530-97cd-4e7ae6534c07"
	tenantID = "84bd8158-6d4d-4958-8b9f-9d6445542f95"
)

// changeJSON is a change notification shaped like the Outlook example of
// outlook-change-notifications-overview.md ("Receive notifications without resource data").
func changeJSON(change string) string {
	return `{"subscriptionId":"` + subID + `","subscriptionExpirationDateTime":"2022-01-02T03:12:18.2257768+05:30",
		"changeType":"` + change + `","resource":"Users/622eaaff-0683-4862-9de4-f2ec83c2bd98/Messages/AAMkAGUwNjQ4ZjIxAAA=",
		"resourceData":{"@odata.type":"#Microsoft.Graph.Message","@odata.id":"Users/622eaaff-0683-4862-9de4-f2ec83c2bd98/Messages/AAMkAGUwNjQ4ZjIxAAA=",
		"@odata.etag":"W/\"CQAAABYAAACQ2fKdhq8oSKEDSVrdi3lRAAGDUUXn\"","id":"AAMkAGUwNjQ4ZjIxAAA="},
		"clientState":"secretClientValue","tenantId":"` + tenantID + `"}`
}

// lifecycleJSON is a lifecycle notification shaped like change-notifications-lifecycle-events.md's.
func lifecycleJSON(event string) string {
	return `{"subscriptionId":"` + subID + `","subscriptionExpirationDateTime":"2019-03-20T11:00:00.0000000Z",
		"tenantId":"` + tenantID + `","clientState":"secretClientValue","lifecycleEvent":"` + event + `"}`
}

func TestDecodeChangeNotification(t *testing.T) {
	c, err := notification.Decode(strings.NewReader(`{"value":[` + changeJSON("created") + `]}`))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if len(c.Value) != 1 {
		t.Fatalf("got %d notifications, want 1", len(c.Value))
	}
	n := c.Value[0]
	wantExp := time.Date(2022, 1, 1, 21, 42, 18, 225776800, time.UTC)
	if n.SubscriptionID != subID || n.TenantID != tenantID || n.ClientState != "secretClientValue" ||
		n.ChangeType != notification.Created || n.IsLifecycle() || !n.SubscriptionExpiration.Equal(wantExp) {
		t.Errorf("notification = %+v", n)
	}
	if n.ResourceData == nil || n.ResourceData.ID != "AAMkAGUwNjQ4ZjIxAAA=" || n.ResourceData.ODataType != "#Microsoft.Graph.Message" {
		t.Errorf("resourceData = %+v", n.ResourceData)
	}
}

func TestDecodeLifecycleNotifications(t *testing.T) {
	// "lifecycle notifications can be batched together and received as a collection, each with a
	// possibly different lifecycleEvent value" (change-notifications-lifecycle-events.md).
	body := `{"value":[` + lifecycleJSON("reauthorizationRequired") + `,` + lifecycleJSON("subscriptionRemoved") + `,` +
		lifecycleJSON("missed") + `,` + changeJSON("deleted") + `]}`
	c, err := notification.Decode(strings.NewReader(body))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := []notification.LifecycleEvent{notification.ReauthorizationRequired, notification.SubscriptionRemoved, notification.Missed, ""}
	for i, n := range c.Value {
		if n.LifecycleEvent != want[i] || n.IsLifecycle() != (want[i] != "") {
			t.Errorf("notification %d: lifecycleEvent %q, want %q", i, n.LifecycleEvent, want[i])
		}
	}
}

func TestDecodeRefusesMalformedBodies(t *testing.T) {
	item := func(replace, with string) string {
		return `{"value":[` + strings.Replace(changeJSON("updated"), replace, with, 1) + `]}`
	}
	cases := []struct {
		name, body string
	}{
		{"empty", ``},
		{"not JSON", `value=1`},
		{"truncated", `{"value":[` + changeJSON("created")},
		{"an array", `[` + changeJSON("created") + `]`},
		{"data after the object", `{"value":[]} {"value":[]}`},
		{"no value", `{"validationTokens":[]}`},
		{"value null", `{"value":null}`},
		{"value an object", `{"value":{}}`},
		{"an item not an object", `{"value":["created"]}`},
		{"subscriptionId a number", item(`"subscriptionId":"`+subID+`"`, `"subscriptionId":7`)},
		{"subscriptionId missing", item(`"subscriptionId":"`+subID+`",`, ``)},
		{"subscriptionId not a GUID", item(subID, "not-a-guid")},
		{"tenantId not a GUID", item(tenantID, "contoso.com")},
		{"expiration not a date", item(`2022-01-02T03:12:18.2257768+05:30`, `tomorrow`)},
		{"expiration a number", item(`"2022-01-02T03:12:18.2257768+05:30"`, `1641000000`)},
		{"unknown changeType", item(`"changeType":"updated"`, `"changeType":"moved"`)},
		{"changeType an array", item(`"changeType":"updated"`, `"changeType":["updated"]`)},
		{"no resource", item(`"resource":"Users/622eaaff-0683-4862-9de4-f2ec83c2bd98/Messages/AAMkAGUwNjQ4ZjIxAAA=",`, ``)},
		{"resourceData a string", item(`"resourceData":{`, `"resourceData":"x","x":{`)},
		{"clientState an object", item(`"clientState":"secretClientValue"`, `"clientState":{}`)},
		{"clientState too long", item(`"secretClientValue"`, `"`+strings.Repeat("s", 256)+`"`)},
		{"resource too long", item(`"resource":"Users/`, `"resource":"`+strings.Repeat("u", 5000)+`/`)},
		{"neither change nor lifecycle", item(`"changeType":"updated",`, ``)},
		{"both change and lifecycle", item(`"changeType":"updated"`, `"changeType":"updated","lifecycleEvent":"missed"`)},
		{"unknown lifecycleEvent", `{"value":[` + lifecycleJSON("subscriptionExpired") + `]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := notification.Decode(strings.NewReader(tc.body))
			if !errors.Is(err, notification.ErrMalformed) {
				t.Errorf("Decode = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestDecodeBounds(t *testing.T) {
	many := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = changeJSON("created")
		}
		return `{"value":[` + strings.Join(items, ",") + `]}`
	}
	limits := notification.Limits{MaxNotifications: 3}
	if c, err := notification.DecodeWithLimits(strings.NewReader(many(3)), limits); err != nil || len(c.Value) != 3 {
		t.Errorf("3 notifications at a limit of 3: %d, %v", len(c.Value), err)
	}
	if _, err := notification.DecodeWithLimits(strings.NewReader(many(4)), limits); !errors.Is(err, notification.ErrTooLarge) {
		t.Errorf("4 notifications at a limit of 3: %v, want ErrTooLarge", err)
	}
	if _, err := notification.Decode(strings.NewReader(many(notification.MaxNotifications + 1))); !errors.Is(err, notification.ErrTooLarge) {
		t.Errorf("%d notifications: %v, want ErrTooLarge", notification.MaxNotifications+1, err)
	}
	big := `{"value":[],"pad":"` + strings.Repeat("x", notification.MaxBodyBytes) + `"}`
	if _, err := notification.Decode(strings.NewReader(big)); !errors.Is(err, notification.ErrTooLarge) {
		t.Errorf("a body over 1 MiB: %v, want ErrTooLarge", err)
	}
	if c, err := notification.Decode(strings.NewReader(`{"value":[]}`)); err != nil || len(c.Value) != 0 {
		t.Errorf("an empty batch: %v, %v", c, err)
	}
}

func TestDecodeIgnoresPropertiesGraphMayAdd(t *testing.T) {
	body := fmt.Sprintf(`{"@odata.type":"#microsoft.graph.changeNotificationCollection","value":[%s],"validationTokens":["ey.a.b"]}`,
		strings.Replace(changeJSON("created"), `{`, `{"@odata.type":"#microsoft.graph.changeNotification","encryptedContent":null,`, 1))
	c, err := notification.Decode(strings.NewReader(body))
	if err != nil || len(c.Value) != 1 || len(c.ValidationTokens) != 1 {
		t.Errorf("Decode = %+v, %v", c, err)
	}
}
