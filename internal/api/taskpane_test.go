package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/crmsync/crmsync/internal/api"
)

const officeJSTag = `<script src="https://appsforoffice.microsoft.com/lib/1/hosted/office.js"></script>`

func taskpaneServer(t *testing.T) *api.Server {
	t.Helper()
	files := fstest.MapFS{
		"taskpane.html":             {Data: []byte("<!doctype html><html><head>" + officeJSTag + `<script type="module" src="/taskpane/assets/taskpane-abc123.js"></script></head><body></body></html>`)},
		"commands.html":             {Data: []byte("<!doctype html><html><head>" + officeJSTag + "</head></html>")},
		"assets/taskpane-abc123.js": {Data: []byte("export {};")},
		"icons/icon-16.png":         {Data: []byte("\x89PNG\r\n\x1a\n")},
	}
	return api.NewServer(api.Deps{Taskpane: files, TaskpaneConfig: api.TaskpaneConfig{
		ClientID:  "11111111-2222-3333-4444-555555555555",
		Authority: "https://login.microsoftonline.com/common",
		APIScope:  "api://crm.example.com/11111111-2222-3333-4444-555555555555/access_as_user",
	}})
}

func get(t *testing.T, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestTaskpaneFiles(t *testing.T) {
	srv := taskpaneServer(t)
	for _, c := range []struct {
		name, path   string
		wantStatus   int
		wantType     string
		wantCache    string
		wantContains string
	}{
		{"the taskpane, with Office.js", "/taskpane/taskpane.html", http.StatusOK, "text/html; charset=utf-8", "no-cache", officeJSTag},
		{"the function file", "/taskpane/commands.html", http.StatusOK, "text/html; charset=utf-8", "no-cache", officeJSTag},
		{"a hashed asset", "/taskpane/assets/taskpane-abc123.js", http.StatusOK, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "export"},
		{"an icon", "/taskpane/icons/icon-16.png", http.StatusOK, "image/png", "public, max-age=86400", "PNG"},
		{"a missing file", "/taskpane/nope.html", http.StatusNotFound, "application/problem+json", "", "there is nothing at /taskpane/nope.html"},
		{"a directory", "/taskpane/assets/", http.StatusNotFound, "application/problem+json", "", "not-found"},
		{"a path out of the folder", "/taskpane/../server.go", http.StatusNotFound, "application/problem+json", "", "not-found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := get(t, srv, c.path)
			if rec.Code != c.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, c.wantStatus, rec.Body)
			}
			if got := rec.Header().Get("Content-Type"); got != c.wantType {
				t.Errorf("Content-Type = %q, want %q", got, c.wantType)
			}
			if got := rec.Header().Get("Cache-Control"); got != c.wantCache {
				t.Errorf("Cache-Control = %q, want %q", got, c.wantCache)
			}
			if !strings.Contains(rec.Body.String(), c.wantContains) {
				t.Errorf("body = %s, want it to contain %s", rec.Body, c.wantContains)
			}
		})
	}
}

func TestTaskpaneRevalidatesWithETag(t *testing.T) {
	srv := taskpaneServer(t)
	first := get(t, srv, "/taskpane/taskpane.html")
	etag := first.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if again := get(t, srv, "/taskpane/taskpane.html", "If-None-Match", etag); again.Code != http.StatusNotModified {
		t.Errorf("revalidation status = %d, want 304", again.Code)
	}
}

func TestTaskpaneRootRedirectsToThePage(t *testing.T) {
	rec := get(t, taskpaneServer(t), "/taskpane/")
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/taskpane/taskpane.html" {
		t.Errorf("got %d to %q, want 302 to /taskpane/taskpane.html", rec.Code, rec.Header().Get("Location"))
	}
}

func TestTaskpaneConfig(t *testing.T) {
	rec := get(t, taskpaneServer(t), "/taskpane/config.json")
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d: %s", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", got)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"clientId":  "11111111-2222-3333-4444-555555555555",
		"authority": "https://login.microsoftonline.com/common",
		"apiScope":  "api://crm.example.com/11111111-2222-3333-4444-555555555555/access_as_user",
		"apiBase":   "/api/v1",
		"local":     false,
	}
	if len(got) != len(want) {
		t.Errorf("config = %v, want exactly %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func TestTaskpaneNotServedWithoutFiles(t *testing.T) {
	srv := api.NewServer(api.Deps{})
	for _, path := range []string{"/taskpane/taskpane.html", "/taskpane/config.json"} {
		if rec := get(t, srv, path); rec.Code != http.StatusNotFound {
			t.Errorf("%s: status = %d, want 404", path, rec.Code)
		}
	}
}
