package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crmsync/crmsync/internal/api"
)

func TestManifestIsServedAsXML(t *testing.T) {
	doc := []byte(`<?xml version="1.0" encoding="UTF-8"?><OfficeApp/>`)
	for _, c := range []struct {
		name       string
		manifest   []byte
		wantStatus int
		wantType   string
	}{
		{"the deployment's manifest", doc, http.StatusOK, "application/xml"},
		{"none configured", nil, http.StatusNotFound, "application/problem+json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := api.NewServer(api.Deps{Manifest: c.manifest})
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/manifest.xml", nil))
			if rec.Code != c.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, c.wantStatus, rec.Body)
			}
			if got := rec.Header().Get("Content-Type"); got != c.wantType {
				t.Errorf("Content-Type = %q, want %q", got, c.wantType)
			}
			if c.manifest != nil && rec.Body.String() != string(doc) {
				t.Errorf("body = %s, want the manifest", rec.Body)
			}
		})
	}
}
