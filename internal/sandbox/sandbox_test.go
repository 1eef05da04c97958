package sandbox_test

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/golang-jwt/jwt/v5"

	"github.com/crmsync/crmsync/internal/api"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/sandbox"
	"github.com/crmsync/crmsync/taskpane"
)

const authority = "http://127.0.0.1:8080/dev/oidc"

// bundle is what a test of the sandbox looks at besides its handler.
type bundle struct {
	issuer  *identity.DevIssuer
	mailbox *graphfake.Server
}

// setup serves the sandbox as local mode does, through the API's router, over pages like the build's.
func setup(t *testing.T, pages fs.FS) (http.Handler, bundle) {
	t.Helper()
	issuer, err := identity.LoadOrCreateDevIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mailbox := graphfake.Demo()
	if pages == nil {
		pages = fstest.MapFS{
			"sandbox.html":  {Data: []byte(`<!doctype html><html><head><script type="module" src="/taskpane/assets/sandbox-1.js"></script></head><body></body></html>`)},
			"taskpane.html": {Data: []byte("<!doctype html><html><head>" + sandbox.OfficeJSTag + `<script type="module" src="/taskpane/assets/taskpane-1.js"></script></head></html>`)},
			"commands.html": {Data: []byte("<!doctype html><html><head><title>no Office.js here</title></head></html>")},
		}
	}
	h := sandbox.Handler(sandbox.Deps{Pages: pages, Issuer: issuer, Authority: authority, Mailbox: mailbox})
	return api.NewServer(api.Deps{Sandbox: h}), bundle{issuer: issuer, mailbox: mailbox}
}

func do(t *testing.T, h http.Handler, method, target, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Host = "127.0.0.1:8080" // httptest's example.com is no loopback name
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPages(t *testing.T) {
	h, _ := setup(t, nil)
	tests := []struct {
		name, path   string
		wantStatus   int
		wantContains string
		wantAbsent   string
	}{
		{"the sandbox page", "/dev/outlook", http.StatusOK, "/taskpane/assets/sandbox-1.js", ""},
		{"the taskpane, with the stand-in", "/dev/outlook/taskpane.html", http.StatusOK, sandbox.StandinTag, sandbox.OfficeJSTag},
		{"a page without the Office.js tag fails loudly", "/dev/outlook/commands.html", http.StatusInternalServerError, "want the Office.js tag", ""},
		{"anything else", "/dev/outlook/nope.html", http.StatusNotFound, "there is nothing at /dev/outlook/nope.html", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, h, "GET", tt.path, "", "")
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), tt.wantContains) {
				t.Errorf("body = %s, want it to contain %s", rec.Body, tt.wantContains)
			}
			if tt.wantAbsent != "" && strings.Contains(rec.Body.String(), tt.wantAbsent) {
				t.Errorf("body still contains %s", tt.wantAbsent)
			}
			// The API's page policy: scripts only from our origin (and Office.js's), framed by 'self' too.
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'self'") {
				t.Errorf("Content-Security-Policy = %q, want the page policy", csp)
			}
		})
	}
	if rec := do(t, h, "POST", "/dev/outlook/token", "", ""); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET" {
		t.Errorf("POST /dev/outlook/token = %d (Allow %q), want 405 (Allow GET)", rec.Code, rec.Header().Get("Allow"))
	}
}

// The pages of the real build: the swap finds its tag, and what the sandbox page loads exists.
func TestTheTaskpaneBuildHasWhatTheSandboxServes(t *testing.T) {
	pages := taskpane.FS()
	for _, name := range []string{"sandbox.html", "office-standin.js"} {
		if _, err := fs.Stat(pages, name); err != nil {
			t.Errorf("%s is not in the taskpane build (make taskpane builds it): %v", name, err)
		}
	}
	h, _ := setup(t, pages)
	for _, path := range []string{"/dev/outlook/taskpane.html", "/dev/outlook/commands.html"} {
		rec := do(t, h, "GET", path, "", "")
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.Contains(body, sandbox.StandinTag) || strings.Contains(body, "appsforoffice") {
			t.Errorf("GET %s = %d, want the page with the stand-in and no Office.js:\n%s", path, rec.Code, body)
		}
		// Vite's base makes every asset URL absolute, so it resolves from /dev/outlook as from /taskpane.
		if strings.Contains(body, `src="./`) || strings.Contains(body, `href="./`) || strings.Contains(body, `src="assets/`) {
			t.Errorf("GET %s has a relative asset URL:\n%s", path, body)
		}
	}
	if rec := do(t, h, "GET", "/dev/outlook", "", ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `src="/taskpane/assets/`) {
		t.Errorf("GET /dev/outlook = %d:\n%s", rec.Code, rec.Body)
	}
}

func TestToken(t *testing.T) {
	h, b := setup(t, nil)
	tests := []struct {
		name       string
		query      string
		host       string
		wantStatus int
		wantRoles  []string
	}{
		{"alice, an admin", "?user=alice@contoso.test", "", http.StatusOK, []string{identity.RoleAdmin}},
		{"bob, no app role, any case", "?user=Bob@Contoso.test", "", http.StatusOK, nil},
		{"another user of the demo tenant", "?user=carol@contoso.test", "localhost:8443", http.StatusOK, nil},
		{"no user", "", "", http.StatusBadRequest, nil},
		{"not a UPN", "?user=alice", "", http.StatusBadRequest, nil},
		{"two at signs", "?user=alice@evil.test@contoso.test", "", http.StatusBadRequest, nil},
		{"another tenant's user", "?user=dan@fabrikam.test", "", http.StatusForbidden, nil},
		{"a look-alike domain", "?user=eve@notcontoso.test", "", http.StatusForbidden, nil},
		{"a host name that is not loopback", "?user=alice@contoso.test", "attacker.example:8080", http.StatusForbidden, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/dev/outlook/token"+tt.query, nil)
			req.Host = "127.0.0.1:8080"
			if tt.host != "" {
				req.Host = tt.host
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if rec.Code != http.StatusOK {
				if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type = %q, want a problem", ct)
				}
				return
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			var body struct{ Token string }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			claims := jwt.MapClaims{}
			if _, err := jwt.ParseWithClaims(body.Token, claims, func(*jwt.Token) (any, error) { return b.issuer.PublicKey(), nil }); err != nil {
				t.Fatalf("the token does not verify with the issuer's key: %v", err)
			}
			user := strings.ToLower(strings.TrimPrefix(tt.query, "?user="))
			if claims["preferred_username"] != user || claims["tid"] != identity.DevTenantID || claims["iss"] != authority+"/"+identity.DevTenantID+"/v2.0" {
				t.Errorf("claims = %v, want %s of the demo tenant, issued by %s", claims, user, authority)
			}
			var roles []string
			if rs, ok := claims["roles"].([]any); ok {
				for _, r := range rs {
					roles = append(roles, r.(string))
				}
			}
			if !slices.Equal(roles, tt.wantRoles) {
				t.Errorf("roles = %v, want %v", roles, tt.wantRoles)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	const route = "GET /users/{user}/messages/{id}"
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantDetail  string
	}{
		{"a 404 once", "application/json", `{"route":"` + route + `","status":404,"times":1}`, http.StatusNoContent, ""},
		{"every route, throttled", "application/json; charset=utf-8", `{"route":"*","status":429,"retryAfterSeconds":2}`, http.StatusNoContent, ""},
		{"latency only", "application/json", `{"route":"` + route + `","latencyMs":500,"times":1}`, http.StatusNoContent, ""},
		{"bad JSON", "application/json", `{"route":`, http.StatusBadRequest, "not valid JSON"},
		{"an unknown member", "application/json", `{"route":"*","status":500,"when":"now"}`, http.StatusBadRequest, "unknown field"},
		{"two objects", "application/json", `{"route":"*","status":500}{}`, http.StatusBadRequest, "one JSON object"},
		{"an unknown route pattern", "application/json", `{"route":"GET /users/{user}/mail","status":404}`, http.StatusBadRequest, "is not a route of the demo mailbox"},
		{"a status that is no error", "application/json", `{"route":"*","status":200}`, http.StatusBadRequest, "not an error status"},
		{"nothing to do", "application/json", `{"route":"*"}`, http.StatusBadRequest, "needs a status"},
		{"negative times", "application/json", `{"route":"*","status":500,"times":-1}`, http.StatusBadRequest, "times -1"},
		{"not JSON", "text/plain", `{"route":"*","status":500}`, http.StatusUnsupportedMediaType, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, b := setup(t, nil)
			rec := do(t, h, "POST", "/dev/outlook/faults", tt.contentType, tt.body)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), tt.wantDetail) {
				t.Errorf("body = %s, want it to say %q", rec.Body, tt.wantDetail)
			}
			// Nothing is injected unless the fault is valid.
			injected := getMessageStatus(t, b.mailbox) != http.StatusOK
			if wantInjected := tt.wantStatus == http.StatusNoContent && !strings.Contains(tt.name, "latency"); injected != wantInjected {
				t.Errorf("a message read failed = %v, want %v", injected, wantInjected)
			}
		})
	}

	t.Run("cleared", func(t *testing.T) {
		h, b := setup(t, nil)
		do(t, h, "POST", "/dev/outlook/faults", "application/json", `{"route":"`+route+`","status":404}`)
		if got := getMessageStatus(t, b.mailbox); got != http.StatusNotFound {
			t.Fatalf("with the fault, a message read = %d, want 404", got)
		}
		if rec := do(t, h, "DELETE", "/dev/outlook/faults", "", ""); rec.Code != http.StatusNoContent {
			t.Fatalf("DELETE = %d: %s", rec.Code, rec.Body)
		}
		if got := getMessageStatus(t, b.mailbox); got != http.StatusOK {
			t.Fatalf("after clearing, a message read = %d, want 200", got)
		}
	})
}

// getMessageStatus lists alice's demo inbox and reads a message from the fake Graph, and returns the
// status of the first call that fails, or 200.
func getMessageStatus(t *testing.T, mailbox *graphfake.Server) int {
	t.Helper()
	graph := mailbox.Handler()
	get := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer test")
		req.Header.Set("Prefer", "odata.maxpagesize=1")
		rec := httptest.NewRecorder()
		graph.ServeHTTP(rec, req)
		return rec
	}
	list := get("/users/alice@contoso.test/mailFolders/inbox/messages/delta")
	if list.Code != http.StatusOK {
		return list.Code // a fault on every route
	}
	var page struct{ Value []struct{ ID string } }
	if err := json.Unmarshal(list.Body.Bytes(), &page); err != nil || len(page.Value) == 0 {
		t.Fatalf("the demo inbox: %v %+v", err, page)
	}
	return get("/users/alice@contoso.test/messages/" + page.Value[0].ID).Code
}

// Without the sandbox (production, or local mode without the demo mailbox) there is nothing at /dev/outlook.
func TestNotLocal(t *testing.T) {
	h := api.NewServer(api.Deps{})
	for _, path := range []string{"/dev/outlook", "/dev/outlook/taskpane.html", "/dev/outlook/token?user=alice@contoso.test", "/dev/outlook/users"} {
		if rec := do(t, h, "GET", path, "", ""); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
	}
	if rec := do(t, h, "POST", "/dev/outlook/faults", "application/json", `{"route":"*","status":500}`); rec.Code != http.StatusNotFound {
		t.Errorf("POST /dev/outlook/faults = %d, want 404", rec.Code)
	}
}

func TestUsers(t *testing.T) {
	h, _ := setup(t, nil)
	rec := do(t, h, "GET", "/dev/outlook/users", "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /dev/outlook/users = %d: %s", rec.Code, rec.Body)
	}
	var got struct {
		Items []struct {
			UPN         string   `json:"upn"`
			DisplayName string   `json:"displayName"`
			Roles       []string `json:"roles"`
		} `json:"items"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 2 || got.Items[0].UPN != "alice@contoso.test" || got.Items[0].DisplayName != "Alice Johnson" ||
		!slices.Equal(got.Items[0].Roles, []string{"CRM.Admin"}) || got.Items[1].UPN != "bob@contoso.test" || len(got.Items[1].Roles) != 0 {
		t.Errorf("users = %+v, want alice (CRM.Admin) and bob (no role)", got.Items)
	}
	// As the token route: only on a loopback host name.
	req := httptest.NewRequest("GET", "/dev/outlook/users", nil)
	req.Host = "crm.example.com"
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("from crm.example.com: %d, want 403", rec.Code)
	}
}
