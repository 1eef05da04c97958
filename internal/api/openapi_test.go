package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/api"
	"github.com/crmsync/crmsync/internal/api/openapitest"
	"github.com/crmsync/crmsync/internal/store/storetest"
	"github.com/crmsync/crmsync/internal/tracking"
)

// Every route routes.go registers under /api/v1 is in the OpenAPI document, and every operation of the
// document is routed: a route added to one and not the other fails here.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc, err := openapitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	// The tracking routes exist only with a tracker; it is built, never called.
	srv := api.NewServer(api.Deps{Tracker: tracking.New(nil, nil, nil, nil, nil)})
	param := regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)
	var routed []string
	for _, r := range srv.Routes() {
		if path, ok := strings.CutPrefix(r.Path, openapitest.Prefix); ok {
			routed = append(routed, r.Method+" "+param.ReplaceAllString(path, "{$1}"))
		}
	}
	var described []string
	for path, item := range doc.Spec.Paths.Map() {
		for method := range item.Operations() {
			described = append(described, method+" "+path)
		}
	}
	slices.Sort(routed)
	slices.Sort(described)
	for _, r := range routed {
		if !slices.Contains(described, r) {
			t.Errorf("%s is routed but not in internal/api/openapi.yaml", r)
		}
	}
	for _, d := range described {
		if !slices.Contains(routed, d) {
			t.Errorf("%s is in internal/api/openapi.yaml but not routed", d)
		}
	}
	if len(routed) < 40 {
		t.Fatalf("only %d routes under %s: %v", len(routed), openapitest.Prefix, routed)
	}
}

// The document is served as JSON without a token, and is the embedded file.
func TestOpenAPIIsServedWithoutToken(t *testing.T) {
	e := setup(t, storetest.SQLite(t))
	r := e.do(http.MethodGet, "/api/v1/openapi.json", "", nil)
	var served map[string]any
	r.want(http.StatusOK, &served)
	if ct := r.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type = %q", ct)
	}
	want, err := api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if r.Body.String() != string(want) {
		t.Fatal("the served document is not the embedded one")
	}
	if served["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v, want 3.1.0", served["openapi"])
	}
	// The components the taskpane's types are generated from.
	var doc struct {
		Components struct{ Schemas map[string]json.RawMessage }
	}
	if err := json.Unmarshal(want, &doc); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Record", "Activity", "TrackClick", "TrackRequest", "SyncFilter", "Problem", "Me", "EntityType"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("no component schema %s", name)
		}
	}
}
