package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crmsync/crmsync/internal/api"
)

func TestManifestsAreServed(t *testing.T) {
	xml := []byte(`<?xml version="1.0" encoding="UTF-8"?><OfficeApp/>`)
	json := []byte(`{"manifestVersion":"1.17"}`)
	for _, c := range []struct {
		name, path string
		deps       api.Deps
		doc        []byte
		wantStatus int
		wantType   string
	}{
		{"the deployment's XML manifest", "/manifest.xml", api.Deps{Manifest: xml, ManifestJSON: json}, xml, http.StatusOK, "application/xml"},
		{"the deployment's unified manifest", "/manifest.json", api.Deps{Manifest: xml, ManifestJSON: json}, json, http.StatusOK, "application/json"},
		{"no XML configured", "/manifest.xml", api.Deps{}, nil, http.StatusNotFound, "application/problem+json"},
		{"no JSON configured", "/manifest.json", api.Deps{Manifest: xml}, nil, http.StatusNotFound, "application/problem+json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := api.NewServer(c.deps)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
			if rec.Code != c.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, c.wantStatus, rec.Body)
			}
			if got := rec.Header().Get("Content-Type"); got != c.wantType {
				t.Errorf("Content-Type = %q, want %q", got, c.wantType)
			}
			if c.doc != nil && rec.Body.String() != string(c.doc) {
				t.Errorf("body = %s, want the manifest", rec.Body)
			}
		})
	}
}
