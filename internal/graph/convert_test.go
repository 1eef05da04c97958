package graph

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/crmsync/crmsync/internal/outlook"
)

func TestThreadHeaders(t *testing.T) {
	cases := []struct {
		name          string
		inReplyTo     string
		references    string
		wantInReplyTo string
		wantRefs      []string
	}{
		{"single line", "<b@x.test>", "<a@x.test> <b@x.test>", "<b@x.test>", []string{"<a@x.test>", "<b@x.test>"}},
		{"folded", "<b@x.test>", "<a@x.test>\r\n\t<b@x.test>\r\n <c@x.test>", "<b@x.test>", []string{"<a@x.test>", "<b@x.test>", "<c@x.test>"}},
		{"comment after the id", "<b@x.test> (Grace's message)", "<a@x.test>,<b@x.test>", "<b@x.test>", []string{"<a@x.test>", "<b@x.test>"}},
		{"without brackets", "b@x.test", "a@x.test b@x.test", "b@x.test", []string{"a@x.test", "b@x.test"}},
		{"absent", "", "", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hs []models.InternetMessageHeaderable
			for name, value := range map[string]string{"In-Reply-To": tc.inReplyTo, "references": tc.references} {
				if value == "" {
					continue
				}
				h := models.NewInternetMessageHeader()
				h.SetName(&name)
				h.SetValue(&value)
				hs = append(hs, h)
			}
			inReplyTo, refs := threadHeaders(hs)
			if inReplyTo != tc.wantInReplyTo || !slices.Equal(refs, tc.wantRefs) {
				t.Errorf("got %q, %q; want %q, %q", inReplyTo, refs, tc.wantInReplyTo, tc.wantRefs)
			}
		})
	}
}

func TestDateTime(t *testing.T) {
	cases := []struct {
		value, zone string
		want        time.Time
	}{
		{"2025-03-02T14:00:00.0000000", "UTC", time.Date(2025, 3, 2, 14, 0, 0, 0, time.UTC)},
		{"2025-03-02T14:00:00", "", time.Date(2025, 3, 2, 14, 0, 0, 0, time.UTC)},
		{"2025-07-02T14:00:00.0000000", "Europe/Paris", time.Date(2025, 7, 2, 12, 0, 0, 0, time.UTC)},
		{"2025-03-02T14:00:00.0000000", "W. Europe Standard Time", time.Date(2025, 3, 2, 14, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		d := models.NewDateTimeTimeZone()
		d.SetDateTime(&tc.value)
		d.SetTimeZone(&tc.zone)
		if got := dateTime(d); !got.Equal(tc.want) {
			t.Errorf("dateTime(%s %s) = %s, want %s", tc.value, tc.zone, got, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	if d, ok := retryAfter(http.Header{"Retry-After": {"12"}}); !ok || d != 12*time.Second {
		t.Errorf("seconds: %s, %v", d, ok)
	}
	future := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	if d, ok := retryAfter(http.Header{"Retry-After": {future}}); !ok || d < 80*time.Second || d > 90*time.Second {
		t.Errorf("date: %s, %v", d, ok)
	}
	if _, ok := retryAfter(http.Header{}); ok {
		t.Error("absent header read as a delay")
	}
	// throttling.md's sample: "Retry-After: 2.128"; a fraction below the millisecond rounds up.
	for v, want := range map[string]time.Duration{"2.128": 2128 * time.Millisecond, "0.5": 500 * time.Millisecond, "1.0001": 1001 * time.Millisecond} {
		if d, ok := retryAfter(http.Header{"Retry-After": {v}}); !ok || d != want {
			t.Errorf("%s: %s, %v; want %s", v, d, ok, want)
		}
	}
	for _, v := range []string{"-1", "NaN", "1e12", "soon"} {
		if d, ok := retryAfter(http.Header{"Retry-After": {v}}); ok {
			t.Errorf("%q read as %s", v, d)
		}
	}
}

// An extended property's name is case-sensitive ("filtering the string name (Name) in the id of an
// extended property is case-sensitive", singlevaluelegacyextendedproperty-get.md); its type and GUID
// are not.
func TestSamePropertyID(t *testing.T) {
	const id = "String {6b1c3f2e-7d4a-4f3b-9a57-1c2d3e4f5a6b} Name CrmActivityId"
	for other, want := range map[string]bool{
		id: true,
		"string  {6B1C3F2E-7D4A-4F3B-9A57-1C2D3E4F5A6B} Name CrmActivityId": true,
		"String {6b1c3f2e-7d4a-4f3b-9a57-1c2d3e4f5a6b} Name crmactivityid":  false,
		"String {00000000-7d4a-4f3b-9a57-1c2d3e4f5a6b} Name CrmActivityId":  false,
		"String 0x8001": false,
	} {
		if got := samePropertyID(other, id); got != want {
			t.Errorf("samePropertyID(%q) = %v, want %v", other, got, want)
		}
	}
}

// The stamp extension is found by its name whichever form Graph gives its id: the create page's
// microsoft.graph.openTypeExtension.{name}, the get page's Microsoft.OutlookServices.OpenTypeExtension.{name}
// (opentypeextension-post-opentypeextension.md, opentypeextension-get.md), or none at all.
func TestStampExtensionIDForms(t *testing.T) {
	for _, form := range []struct{ id, name string }{
		{"microsoft.graph.openTypeExtension." + outlook.StampExtensionName, outlook.StampExtensionName},
		{"Microsoft.OutlookServices.OpenTypeExtension." + outlook.StampExtensionName, outlook.StampExtensionName},
		{"Microsoft.OutlookServices.OpenTypeExtension." + outlook.StampExtensionName, ""},
		{"microsoft.graph.openTypeExtension." + outlook.StampExtensionName, ""},
	} {
		ext := models.NewOpenTypeExtension()
		ext.SetId(&form.id)
		if form.name != "" {
			ext.SetExtensionName(&form.name)
		}
		ext.SetAdditionalData(map[string]any{"crmId": "act-1"})
		other := models.NewOpenTypeExtension()
		otherID, otherName := "microsoft.graph.openTypeExtension.com.example", "com.example"
		other.SetId(&otherID)
		other.SetExtensionName(&otherName)
		task := models.NewTodoTask()
		task.SetExtensions([]models.Extensionable{other, ext})
		if got := taskStamp(task); got != "act-1" {
			t.Errorf("id %q, extensionName %q: stamp %q", form.id, form.name, got)
		}
	}
}

// TestNonJSONErrorBody: gateways in front of Graph answer with HTML; the status must still decide.
func TestNonJSONErrorBody(t *testing.T) {
	cases := []struct {
		status     int
		retryAfter string
		check      func(error) bool
	}{
		{http.StatusServiceUnavailable, "9", func(err error) bool {
			var th *outlook.ThrottledError
			return errors.As(err, &th) && th.RetryAfter == 9*time.Second
		}},
		{http.StatusBadGateway, "", func(err error) bool {
			var tr *outlook.TransientError
			return errors.As(err, &tr) && tr.Status == http.StatusBadGateway
		}},
		{http.StatusForbidden, "", func(err error) bool { return errors.Is(err, outlook.ErrPermission) }},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte("<html><body>upstream trouble</body></html>"))
			}))
			defer srv.Close()
			c, err := NewClient(Options{BaseURL: srv.URL + "/v1.0", DevToken: "test"})
			if err != nil {
				t.Fatal(err)
			}
			mb, err := c.Mailbox(User{ObjectID: "u"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := mb.Message(context.Background(), "AAkAid"); !tc.check(err) {
				t.Errorf("error = %v (%T)", err, errors.Unwrap(err))
			}
		})
	}
}
