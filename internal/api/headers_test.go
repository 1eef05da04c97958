package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/store/storetest"
)

func TestSecurityHeaders(t *testing.T) {
	e := setup(t, storetest.SQLite(t))
	token := e.token("alice@contoso.test")
	cases := []struct {
		name, path   string
		wantInPolicy []string
		notInPolicy  []string
	}{
		{"api", "/api/v1/me", []string{"default-src 'none'", "frame-ancestors 'none'"}, []string{"appsforoffice"}},
		{"taskpane page", "/taskpane/taskpane.html", []string{"default-src 'self'", "script-src 'self' https://appsforoffice.microsoft.com",
			"connect-src 'self' https://login.microsoftonline.com", "frame-ancestors 'self' https://outlook.office.com", "https://outlook.cloud.microsoft"},
			[]string{"'unsafe-eval'", "frame-ancestors *", "script-src *"}},
		{"sandbox", "/dev/outlook", []string{"frame-ancestors 'self'"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(http.MethodGet, tc.path, token, nil, "Origin", "https://evil.example")
			policy := r.Header().Get("Content-Security-Policy")
			for _, want := range tc.wantInPolicy {
				if !strings.Contains(policy, want) {
					t.Errorf("policy %q lacks %q", policy, want)
				}
			}
			for _, bad := range tc.notInPolicy {
				if strings.Contains(policy, bad) {
					t.Errorf("policy %q has %q", policy, bad)
				}
			}
			if r.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff")
			}
			if r.Header().Get("Access-Control-Allow-Origin") != "" {
				t.Error("CORS is open")
			}
		})
	}
	// A preflight from another origin gets no CORS grant either.
	r := e.do(http.MethodOptions, "/api/v1/records", "", nil, "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
	if r.Header().Get("Access-Control-Allow-Origin") != "" || r.Header().Get("Access-Control-Allow-Methods") != "" {
		t.Fatalf("preflight granted: %v", r.Header())
	}
}
