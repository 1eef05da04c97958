package api_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/crmsync/crmsync/internal/api"
)

const appHTML = `<!doctype html><html><head><script type="module" src="/taskpane/assets/app-abc123.js"></script></head><body></body></html>`

func appServer(t *testing.T) *api.Server {
	t.Helper()
	files := fstest.MapFS{
		"taskpane.html":        {Data: []byte("<!doctype html>" + officeJSTag)},
		"app/index.html":       {Data: []byte(appHTML)},
		"assets/app-abc123.js": {Data: []byte("export {};")},
	}
	return api.NewServer(api.Deps{Taskpane: files, LoginOrigin: "https://login.microsoftonline.us"})
}

func TestAppPage(t *testing.T) {
	srv := appServer(t)
	for _, c := range []struct {
		name, path string
		wantStatus int
		wantIn     string
	}{
		{"the page", "/app/", http.StatusOK, appHTML},
		{"the page by name", "/app/index.html", http.StatusOK, appHTML},
		{"a screen is a hash route, not a path", "/app/records/account", http.StatusNotFound, "there is nothing at /app/records/account"},
		{"a path out of the folder", "/app/../server.go", http.StatusNotFound, "not-found"},
		{"its assets come from the taskpane build", "/taskpane/assets/app-abc123.js", http.StatusOK, "export"},
		{"not under /taskpane/, whose policy lets Outlook frame it", "/taskpane/app/index.html", http.StatusNotFound, "not-found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := get(t, srv, c.path)
			if rec.Code != c.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, c.wantStatus, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), c.wantIn) {
				t.Errorf("body = %s, want it to contain %s", rec.Body, c.wantIn)
			}
		})
	}
}

func TestAppPageHeaders(t *testing.T) {
	rec := get(t, appServer(t), "/app/")
	if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", got)
	}
	if rec.Header().Get("ETag") == "" {
		t.Error("no ETag")
	}
	if got := rec.Header().Get("X-Frame-Options"); got != "SAMEORIGIN" {
		t.Errorf("X-Frame-Options = %q, want SAMEORIGIN", got)
	}
	policy := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self';", "frame-ancestors 'self'",
		"connect-src 'self' https://login.microsoftonline.com https://login.microsoftonline.us",
		"frame-src 'self' https://login.microsoftonline.com https://login.microsoftonline.us"} {
		if !strings.Contains(policy, want) {
			t.Errorf("policy %q lacks %q", policy, want)
		}
	}
	// Only we may frame it, and it runs no script but ours: not Office.js, not Outlook's frames.
	for _, bad := range []string{"appsforoffice", "outlook", "'unsafe-eval'", "*"} {
		if strings.Contains(policy, bad) {
			t.Errorf("policy %q has %q", policy, bad)
		}
	}
}

func TestAppRedirectsToItsFolder(t *testing.T) {
	rec := get(t, appServer(t), "/app")
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/app/" {
		t.Errorf("got %d to %q, want 301 to /app/", rec.Code, rec.Header().Get("Location"))
	}
}

func TestAppNotServedWithoutFiles(t *testing.T) {
	srv := api.NewServer(api.Deps{})
	if rec := get(t, srv, "/app/"); rec.Code != http.StatusNotFound {
		t.Errorf("status = %d, want 404", rec.Code)
	}
	srv = api.NewServer(api.Deps{Taskpane: fstest.MapFS{"taskpane.html": {Data: []byte("x")}}})
	if rec := get(t, srv, "/app/"); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "make taskpane") {
		t.Errorf("a build without the app: %d %s, want 404 saying how to build it", rec.Code, rec.Body)
	}
}
