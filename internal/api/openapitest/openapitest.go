// Package openapitest holds the API's answers to its OpenAPI description: tests wrap the API handler (or
// check what a running service answered) and fail on any response, or any accepted request, that the
// description does not allow. It imports kin-openapi, which only tests link.
package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/crmsync/crmsync/internal/api"
)

// Prefix is where the API's routes live; the description's server URL.
const Prefix = "/api/v1"

// Document is the API's OpenAPI description, loaded and validated by kin-openapi, with a router over it.
type Document struct {
	Spec   *openapi3.T
	router routers.Router
}

var loaded = sync.OnceValues(load)

// Load returns the API's description, loaded once per test binary.
func Load() (*Document, error) { return loaded() }

func load() (*Document, error) {
	raw, err := api.OpenAPI()
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	spec, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := spec.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %w", err)
	}
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	// The track events' stream is text; kin-openapi decodes only the media types it knows.
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.PlainBodyDecoder)
	return &Document{Spec: spec, router: router}, nil
}

// Exchange is one request and the answer the API gave it.
type Exchange struct {
	Request     *http.Request
	RequestBody []byte
	Status      int
	Header      http.Header
	Body        []byte
}

// Check holds an exchange against the description. Answers outside /api/v1 are not its business. Under
// it, a route the description lacks must answer 404 or 405 as a problem; a described route must answer a
// status it lists, with the headers and body its schema allows; and a request it accepted (2xx) must be
// one the description allows too, so that clients generated from it can send what the API takes.
func (d *Document) Check(ctx context.Context, x Exchange) error {
	if !strings.HasPrefix(x.Request.URL.Path, Prefix+"/") {
		return nil
	}
	req := x.Request.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(x.RequestBody))
	route, params, err := d.router.FindRoute(req)
	if errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed) {
		if x.Status != http.StatusNotFound && x.Status != http.StatusMethodNotAllowed {
			return fmt.Errorf("%s %s is not in the OpenAPI document, yet answered %d", x.Request.Method, x.Request.URL.Path, x.Status)
		}
		return d.checkProblem(x)
	}
	if err != nil {
		return fmt.Errorf("find the route of %s %s: %w", x.Request.Method, x.Request.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if x.Status >= 200 && x.Status < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			return fmt.Errorf("%s %s was accepted (%d), but the OpenAPI document does not allow its request: %w\nrequest body: %s",
				x.Request.Method, x.Request.URL.Path, x.Status, err, x.RequestBody)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.Status, Header: x.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(x.Body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("%s %s answered %d, which the OpenAPI document does not allow: %w\nbody: %s",
			x.Request.Method, x.Request.URL.Path, x.Status, err, x.Body)
	}
	return nil
}

// checkProblem checks the problem an unrouted request got against the Problem schema.
func (d *Document) checkProblem(x Exchange) error {
	if ct := x.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		return fmt.Errorf("%s %s answered %d as %q, not application/problem+json", x.Request.Method, x.Request.URL.Path, x.Status, ct)
	}
	var v any
	if err := json.Unmarshal(x.Body, &v); err != nil {
		return fmt.Errorf("%s %s answered a problem that is not JSON: %w", x.Request.Method, x.Request.URL.Path, err)
	}
	schema := d.Spec.Components.Schemas["Problem"].Value
	if err := schema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		return fmt.Errorf("%s %s answered a problem the OpenAPI document does not allow: %w\nbody: %s", x.Request.Method, x.Request.URL.Path, err, x.Body)
	}
	return nil
}

// Handler wraps an API handler so that every exchange through it is checked; a mismatch fails t. The
// answer reaches the caller once complete, so it suits handlers that end their answers, as the tests'.
func Handler(t testing.TB, h http.Handler) http.Handler {
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		// Checked against a copy: the handler may change the request it is given.
		sent := r.Clone(r.Context())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if err := doc.Check(context.Background(), Exchange{Request: sent, RequestBody: body, Status: rec.Code,
			Header: rec.Header(), Body: rec.Body.Bytes()}); err != nil {
			t.Errorf("openapi: %v", err)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}
