package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/api"
	"github.com/crmsync/crmsync/internal/api/openapitest"
	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/deployment"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/identity/identitytest"
	"github.com/crmsync/crmsync/internal/records"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/telemetry"
	"github.com/crmsync/crmsync/internal/tracking"
)

// env is an API server on a real database with a local token issuer that it fetches keys from over HTTP.
type env struct {
	t         testing.TB
	handler   http.Handler
	store     *store.Store
	issuer    *identity.DevIssuer
	authority string
	metrics   *telemetry.Metrics
}

type option func(*api.Deps)

func withAllowList(tenants ...string) option {
	return func(d *api.Deps) { d.TenantAllowList = tenants }
}

func withRateLimit(perSecond float64, burst int) option {
	return func(d *api.Deps) { d.RateLimit, d.RateBurst = perSecond, burst }
}

// setup builds the API over s with the demo tenant onboarded.
func setup(t testing.TB, s *store.Store, opts ...option) *env {
	t.Helper()
	issuer, err := identity.LoadOrCreateDevIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	authority := identitytest.NewServer(t, issuer)
	deps := api.Deps{Store: s, Metrics: telemetry.NewMetrics()}
	for _, o := range opts {
		o(&deps)
	}
	validator, err := identity.NewValidator(identity.Options{Authority: authority, ClientID: identity.DevClientID, Tenants: deps.TenantAllowList})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(validator.Close)
	deps.Validator = validator
	if _, err := s.EnsureTenant(context.Background(), identity.DevTenantID, "Contoso (demo)"); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, handler: openapitest.Handler(t, api.NewServer(deps)), store: s, issuer: issuer, authority: authority, metrics: deps.Metrics}
}

// token mints a token for upn in the demo tenant (or req's tenant) with roles.
func (e *env) token(upn string, roles ...string) string {
	return e.mint(identity.TokenRequest{UPN: upn, Roles: roles})
}

func (e *env) mint(req identity.TokenRequest) string {
	e.t.Helper()
	req.Authority = e.authority
	tok, err := e.issuer.Mint(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

type response struct {
	*httptest.ResponseRecorder
	t testing.TB
}

// do sends a request; body may be nil, a string (sent as is) or a value (sent as JSON).
func (e *env) do(method, path, token string, body any, headers ...string) response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return response{rec, e.t}
}

// want checks the status code, and decodes the body into v when v is not nil.
func (r response) want(status int, v any) response {
	r.t.Helper()
	if r.Code != status {
		r.t.Fatalf("status = %d, want %d; body: %s", r.Code, status, r.Body.String())
	}
	if v != nil {
		if err := json.Unmarshal(r.Body.Bytes(), v); err != nil {
			r.t.Fatalf("decode %s: %v", r.Body.String(), err)
		}
	}
	return r
}

// problem checks a problem+json answer with the status and returns it.
func (r response) problem(status int) api.Problem {
	r.t.Helper()
	var p api.Problem
	r.want(status, &p)
	if ct := r.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		r.t.Fatalf("content type = %q, want application/problem+json", ct)
	}
	if p.Status != status || p.Title == "" || p.Type == "" || p.Detail == "" {
		r.t.Fatalf("incomplete problem: %+v", p)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

// seedRecord creates a record owned by the user behind token, through the API.
func (e *env) seedRecord(token, typ string, body map[string]any) crm.Record {
	e.t.Helper()
	var rec crm.Record
	e.do(http.MethodPost, "/api/v1/records/"+typ, token, body).want(http.StatusCreated, &rec)
	return rec
}

// withTracker routes the tracking endpoints over the store, with no job queue: enough to
// read the caller's requests and to refuse bad clicks before anything is queued.
func withTracker() option {
	return func(d *api.Deps) { d.Tracker = tracking.New(d.Store, records.New(d.Store, nil, nil), nil, nil, nil) }
}

// withDeployment describes and checks the deployment with d.
func withDeployment(d *deployment.Service) option {
	return func(deps *api.Deps) { deps.Deployment = d }
}

// allPages reads every page of a list, limit items at a time, following nextCursor, and returns the items
// in the order the pages gave them.
func allPages[T any](e *env, token, path string, limit int) []T {
	e.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var all []T
	cursor := ""
	for range 100 {
		var p struct {
			Items      []T    `json:"items"`
			NextCursor string `json:"nextCursor"`
		}
		e.do(http.MethodGet, path+sep+"limit="+strconv.Itoa(limit)+"&cursor="+url.QueryEscape(cursor), token, nil).want(http.StatusOK, &p)
		all = append(all, p.Items...)
		if cursor = p.NextCursor; cursor == "" {
			return all
		}
	}
	e.t.Fatalf("%s does not end", path)
	return nil
}
