package graphfake_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

func TestGetMessageIDForms(t *testing.T) {
	f := setup(t)
	rest := f.srv.RESTID(aliceID, f.msg.ID)
	if rest == "" || rest == f.msg.ID {
		t.Fatalf("REST id %q must exist and differ from immutable id %q", rest, f.msg.ID)
	}
	tests := []struct {
		name   string
		id     string
		user   string
		prefer string
		wantID string
	}{
		{name: "REST id, REST answer", id: rest, user: aliceID, wantID: rest},
		{name: "REST id, immutable answer", id: rest, user: aliceID, prefer: immutable, wantID: f.msg.ID},
		{name: "immutable id, REST answer", id: f.msg.ID, user: aliceID, wantID: rest},
		{name: "immutable id by UPN in other case", id: f.msg.ID, user: "Alice@Contoso.TEST", prefer: immutable, wantID: f.msg.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.call(t, "GET", "/users/"+tt.user+"/messages/"+url.PathEscape(tt.id), nil, "Prefer", tt.prefer)
			wantStatus(t, r, http.StatusOK)
			if got := r.str("id"); got != tt.wantID {
				t.Errorf("id = %q, want %q", got, tt.wantID)
			}
			if r.str("subject") != "Fleet renewal" || r.str("changeKey") != f.msg.ChangeKey || r.str("@odata.etag") != `W/"`+f.msg.ChangeKey+`"` {
				t.Errorf("subject/changeKey/etag = %q/%q/%q", r.str("subject"), r.str("changeKey"), r.str("@odata.etag"))
			}
			from := r.body["from"].(map[string]any)["emailAddress"].(map[string]any)
			if from["address"] != "dana.whitfield@fabrikam.test" {
				t.Errorf("from = %v", from)
			}
		})
	}
}

func TestPatchCategoriesAndSelect(t *testing.T) {
	f := setup(t)
	path := "/users/" + aliceID + "/messages/" + f.msg.ID
	r := f.call(t, "PATCH", path, map[string]any{"@odata.type": "#microsoft.graph.message", "categories": []string{outlook.TrackedCategory}}, "Prefer", immutable)
	wantStatus(t, r, http.StatusOK)
	if r.str("changeKey") == f.msg.ChangeKey {
		t.Error("PATCH kept the change key")
	}
	got, _ := f.srv.Message(aliceID, f.msg.ID)
	if !slices.Equal(got.Categories, []string{outlook.TrackedCategory}) || got.ChangeKey != r.str("changeKey") {
		t.Errorf("after PATCH: categories %v, change key %q (response %q)", got.Categories, got.ChangeKey, r.str("changeKey"))
	}

	r = f.call(t, "GET", path+"?$select=subject,categories", nil)
	if _, ok := r.body["body"]; ok || r.str("id") == "" || r.str("subject") == "" {
		t.Errorf("$select=subject,categories answered %v", r.body)
	}
	if _, ok := r.body["internetMessageHeaders"]; ok {
		t.Error("internetMessageHeaders sent without $select")
	}
}

func TestStampProperty(t *testing.T) {
	f := setup(t)
	path := "/users/" + aliceID + "/messages/" + f.msg.ID
	expand := path + "?$expand=" + url.QueryEscape("singleValueExtendedProperties($filter=id eq '"+outlook.StampPropertyID+"')")
	stamp := func(value any) reply {
		return f.call(t, "PATCH", path, map[string]any{
			"singleValueExtendedProperties": []any{map[string]any{"id": outlook.StampPropertyID, "value": value}},
		})
	}

	if r := f.call(t, "GET", expand, nil); r.body["singleValueExtendedProperties"] != nil {
		t.Fatalf("unstamped item expanded to %v, want the property absent", r.body["singleValueExtendedProperties"])
	}
	wantStatus(t, stamp("act-1"), http.StatusOK)
	r := f.call(t, "GET", expand, nil)
	props, _ := r.body["singleValueExtendedProperties"].([]any)
	if len(props) != 1 || props[0].(map[string]any)["value"] != "act-1" || props[0].(map[string]any)["id"] != outlook.StampPropertyID {
		t.Fatalf("singleValueExtendedProperties = %v", r.body["singleValueExtendedProperties"])
	}
	if m, _ := f.srv.Message(aliceID, f.msg.ID); m.Stamp != "act-1" {
		t.Errorf("Stamp = %q", m.Stamp)
	}
	if n := f.srv.StampWrites(aliceID, f.srv.RESTID(aliceID, f.msg.ID)); n != 1 {
		t.Errorf("StampWrites = %d, want 1", n)
	}

	stamp("act-1")
	stamp("") // untrack: "" unsets and is no stamp write
	if n := f.srv.StampWrites(aliceID, f.msg.ID); n != 2 {
		t.Errorf("StampWrites = %d, want 2", n)
	}
	if m, _ := f.srv.Message(aliceID, f.msg.ID); m.Stamp != "" {
		t.Errorf("Stamp after untrack = %q", m.Stamp)
	}
}

func TestTranslateExchangeIDs(t *testing.T) {
	f := setup(t)
	rest := f.srv.RESTID(aliceID, f.msg.ID)
	body := map[string]any{
		"inputIds": []string{rest, "AAMkAGI2bm90LWEtcmVhbC1pZA="}, "sourceIdType": "restId", "targetIdType": "restImmutableEntryId",
	}
	// Graph supports translateExchangeIds with delegated permissions only: an app-only token, or one
	// graphfake cannot tell is delegated (not a JWT), is refused.
	for name, token := range map[string]string{"opaque": "test-token", "app-only JWT": appOnlyToken()} {
		r := f.call(t, "POST", "/users/"+aliceID+"/translateExchangeIds", body, "Authorization", "", "Authorization", "Bearer "+token)
		if r.status != http.StatusForbidden || r.errorCode() != "ErrorAccessDenied" {
			t.Errorf("%s token: status %d, code %q; want 403 ErrorAccessDenied", name, r.status, r.errorCode())
		}
	}
	r := f.call(t, "POST", "/users/"+aliceID+"/translateExchangeIds", body,
		"Authorization", "", "Authorization", "Bearer "+graphfake.DelegatedToken("User.ReadBasic.All"))
	wantStatus(t, r, http.StatusOK)
	v := r.values()
	if len(v) != 2 || v[0]["sourceId"] != rest || v[0]["targetId"] != f.msg.ID {
		t.Fatalf("value = %v", v)
	}
	if v[1]["targetId"] != nil || v[1]["errorDetails"] == nil {
		t.Errorf("unknown id translated to %v", v[1])
	}
}

// appOnlyToken is shaped as Graph's app-only tokens: roles, idtyp "app", no scp.
func appOnlyToken() string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"roles":["Mail.ReadWrite"],"idtyp":"app"}`)) + "."
}

// TestImmutableIDOnRead: a GET by the REST id with Prefer: IdType="ImmutableId" answers the item's
// immutable id, with an app-only token too — how crmsync learns it in server mode.
func TestImmutableIDOnRead(t *testing.T) {
	f := setup(t)
	rest := f.srv.RESTID(aliceID, f.msg.ID)
	r := f.call(t, "GET", "/users/"+aliceID+"/messages/"+url.PathEscape(rest)+"?$select=id", nil,
		"Authorization", "", "Authorization", "Bearer "+appOnlyToken(), "Prefer", `IdType="ImmutableId"`)
	wantStatus(t, r, http.StatusOK)
	if r.str("id") != f.msg.ID {
		t.Errorf("id = %q, want the immutable %q", r.str("id"), f.msg.ID)
	}
	if r.header.Get("Preference-Applied") != `IdType="ImmutableId"` {
		t.Errorf("Preference-Applied = %q", r.header.Get("Preference-Applied"))
	}
}

func TestErrors(t *testing.T) {
	f := setup(t)
	tests := []struct {
		name     string
		method   string
		path     string
		headers  []string
		status   int
		wantCode string
	}{
		{name: "no token", method: "GET", path: "/users/" + aliceID + "/messages/" + f.msg.ID, headers: []string{"Authorization", ""}, status: 401, wantCode: "InvalidAuthenticationToken"},
		{name: "empty bearer", method: "GET", path: "/users/" + aliceID + "/messages/" + f.msg.ID, headers: []string{"Authorization", "", "Authorization", "Bearer "}, status: 401, wantCode: "InvalidAuthenticationToken"},
		{name: "unknown user", method: "GET", path: "/users/nobody@contoso.test/messages/" + f.msg.ID, status: 404, wantCode: "MailboxNotEnabledForRESTAPI"},
		{name: "unknown item", method: "GET", path: "/users/" + aliceID + "/messages/AAMkAGI2bm90LWEtcmVhbC1pZA=", status: 404, wantCode: "ErrorItemNotFound"},
		{name: "message id on events", method: "GET", path: "/users/" + aliceID + "/events/" + f.msg.ID, status: 404, wantCode: "ErrorItemNotFound"},
		{name: "malformed id", method: "GET", path: "/users/" + aliceID + "/messages/not%20an%2Fid", status: 400, wantCode: "ErrorInvalidIdMalformed"},
		{name: "stale If-Match", method: "PATCH", path: "/users/" + aliceID + "/messages/" + f.msg.ID, headers: []string{"If-Match", `W/"CQAAABYAAADold"`}, status: 412, wantCode: "ErrorIrresolvableConflict"},
		{name: "unknown route", method: "GET", path: "/users/" + aliceID + "/nothing", status: 400, wantCode: "BadRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.method == "PATCH" {
				body = map[string]any{"categories": []string{}}
			}
			r := f.call(t, tt.method, tt.path, body, tt.headers...)
			wantStatus(t, r, tt.status)
			if r.errorCode() != tt.wantCode {
				t.Errorf("code = %q, want %q", r.errorCode(), tt.wantCode)
			}
		})
	}
}

// The SDK's compression middleware gzips request bodies.
func TestPatchGzipBody(t *testing.T) {
	f := setup(t)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(`{"categories":["Blue"]}`))
	_ = zw.Close()
	req, _ := http.NewRequest("PATCH", f.base+"/users/"+aliceID+"/messages/"+f.msg.ID, &buf)
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	wantStatus(t, send(t, req), http.StatusOK)
	if m, _ := f.srv.Message(aliceID, f.msg.ID); !slices.Equal(m.Categories, []string{"Blue"}) {
		t.Errorf("categories = %v", m.Categories)
	}
}

func TestInternetMessageHeaders(t *testing.T) {
	f := setup(t)
	reply := f.srv.AddMessage(aliceID, "inbox", outlook.Message{
		Subject: "RE: Fleet renewal", From: outlook.Address{Email: "dana.whitfield@fabrikam.test"},
		InReplyTo: f.msg.InternetMessageID, References: []string{f.msg.InternetMessageID},
	})
	if reply.ConversationID != f.msg.ConversationID {
		t.Errorf("reply conversation %q, original %q", reply.ConversationID, f.msg.ConversationID)
	}
	r := f.call(t, "GET", "/users/"+aliceID+"/mailFolders/inbox/messages/"+reply.ID+"?$select=internetMessageId,internetMessageHeaders", nil)
	wantStatus(t, r, http.StatusOK)
	headers := map[string]string{}
	for _, h := range r.body["internetMessageHeaders"].([]any) {
		h := h.(map[string]any)
		headers[h["name"].(string)] = h["value"].(string)
	}
	if headers["In-Reply-To"] != f.msg.InternetMessageID || headers["References"] != f.msg.InternetMessageID {
		t.Errorf("headers = %v", headers)
	}
	if r := f.call(t, "GET", "/users/"+aliceID+"/mailFolders/sentitems/messages/"+reply.ID, nil); r.status != 404 {
		t.Errorf("message found in the wrong folder: %d", r.status)
	}
}
