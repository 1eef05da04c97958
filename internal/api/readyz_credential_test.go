package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/api"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// TestReadyzReportsTheIdentity: /readyz shows the state of the service's managed or workload identity;
// a failing identity is reported but leaves the service ready (the API works; jobs wait for it).
func TestReadyzReportsTheIdentity(t *testing.T) {
	since := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	health := api.CredentialHealth{Kind: "managed-identity", State: "failing", Since: &since,
		Error: "the managed identity gave no token: ManagedIdentityCredential authentication failed. (HTTP 500 from 169.254.129.1:8081)"}
	e := setup(t, storetest.SQLite(t), func(d *api.Deps) { d.Credential = func() api.CredentialHealth { return health } })
	var ready struct {
		Status     string                `json:"status"`
		Credential *api.CredentialHealth `json:"credential"`
	}
	e.do(http.MethodGet, "/readyz", "", nil).want(http.StatusOK, &ready)
	if ready.Status != "ready" || ready.Credential == nil || ready.Credential.State != "failing" || ready.Credential.Error != health.Error ||
		!ready.Credential.Since.Equal(since) {
		t.Fatalf("readyz = %+v (credential %+v)", ready, ready.Credential)
	}

	plain := setup(t, storetest.SQLite(t))
	var secretOnly map[string]any
	plain.do(http.MethodGet, "/readyz", "", nil).want(http.StatusOK, &secretOnly)
	if _, shown := secretOnly["credential"]; shown {
		t.Fatalf("readyz without an identity shows one: %v", secretOnly)
	}
}
