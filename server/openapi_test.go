package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/crmsync/crmsync/internal/api/openapitest"
)

// checkOpenAPI holds one exchange with a running service against the API's OpenAPI document, so that the
// routes only the full service serves (tracking) are checked as the API tests check the others.
func checkOpenAPI(t *testing.T, req *http.Request, sent []byte, resp *http.Response, got []byte) {
	t.Helper()
	doc, err := openapitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Check(context.Background(), openapitest.Exchange{Request: req, RequestBody: sent, Status: resp.StatusCode,
		Header: resp.Header, Body: got}); err != nil {
		t.Errorf("openapi: %v", err)
	}
}
