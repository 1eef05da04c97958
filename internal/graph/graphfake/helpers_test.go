package graphfake_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

const (
	aliceID  = "11111111-2222-3333-4444-555555555555"
	aliceUPN = "alice@contoso.test"
)

// fixture is a started fake with one mailbox, alice's, holding one inbox message.
type fixture struct {
	srv  *graphfake.Server
	base string // ends in /v1.0
	msg  outlook.Message
}

func setup(t *testing.T, opts ...graphfake.Option) *fixture {
	t.Helper()
	srv, base := graphfake.Start(t, opts...)
	srv.AddMailbox(aliceID, aliceUPN)
	msg := srv.AddMessage(aliceID, "inbox", outlook.Message{
		Subject:    "Fleet renewal",
		Body:       "Hi Alice, could you send pricing?",
		From:       outlook.Address{Name: "Dana Whitfield", Email: "dana.whitfield@fabrikam.test"},
		To:         []outlook.Address{{Name: "Alice", Email: aliceUPN}},
		ReceivedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
	})
	return &fixture{srv: srv, base: base, msg: msg}
}

// reply is a decoded response.
type reply struct {
	status int
	header http.Header
	body   map[string]any
}

// errorCode is the Graph error code of the response, "" when it is not an error body.
func (r reply) errorCode() string {
	e, _ := r.body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func (r reply) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

func (r reply) values() []map[string]any {
	var out []map[string]any
	vs, _ := r.body["value"].([]any)
	for _, v := range vs {
		out = append(out, v.(map[string]any))
	}
	return out
}

// call sends a request with a bearer token, path relative to the base URL or an absolute link.
// headers are name, value pairs; a "Authorization", "" pair removes the token.
func (f *fixture) call(t *testing.T, method, path string, body any, headers ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = f.base + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer test-token")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Add(headers[i], headers[i+1])
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: body is not JSON: %v\n%s", req.Method, req.URL, err, raw)
		}
	}
	return r
}

func wantStatus(t *testing.T, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %v", r.status, status, r.body)
	}
}

const immutable = `IdType="ImmutableId"`
