package records_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/api"
	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/identity/identitytest"
	"github.com/crmsync/crmsync/internal/service"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/tracking/trackingtest"
)

// env is what the cases of one database share: the whole service as serve builds it, with River working
// its jobs, its REST API, and a fake Graph it talks to through the real SDK.
type env struct {
	store     *store.Store
	svc       *service.Service
	api       http.Handler
	fake      *graphfake.Server
	issuer    *identity.DevIssuer
	authority string
}

func newEnv(t *testing.T, s *store.Store) *env {
	t.Helper()
	p := trackingtest.Start(t, s)
	issuer, err := identity.LoadOrCreateDevIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	authority := identitytest.NewServer(t, issuer)
	validator, err := identity.NewValidator(identity.Options{Authority: authority, ClientID: identity.DevClientID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(validator.Close)
	return &env{store: s, svc: p.Service, api: api.NewServer(p.API(api.Deps{Validator: validator})), fake: p.Fake, issuer: issuer,
		authority: authority}
}

// world is one case's tenant: alice, who asks, and bob in it; carol in another tenant.
type world struct {
	*env
	t                   *testing.T
	tenant, otherTenant string
	alice, bob, carol   crm.User
	token               string
}

func (e *env) world(t *testing.T) *world {
	t.Helper()
	w := &world{env: e, t: t, tenant: e.newTenant(t), otherTenant: e.newTenant(t)}
	w.alice, w.bob, w.carol = e.newUser(t, w.tenant, "alice@contoso.test"), e.newUser(t, w.tenant, "bob@contoso.test"),
		e.newUser(t, w.otherTenant, "carol@fabrikam.test")
	e.fake.AddMailbox(w.alice.ObjectID, w.alice.UPN)
	// Besides her default "My contacts", alice's filters pick every contact, so that only access keeps
	// one out of her Outlook.
	name := "All contacts"
	f, err := crm.FilterInput{Name: &name, RecordType: crm.TypeContact}.Filter(func(string) (crm.EntityType, bool) {
		t, err := e.store.EntityType(context.Background(), w.tenant, crm.TypeContact)
		return t, err == nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.TenantID, f.UserID = w.tenant, w.alice.ID
	if _, err := e.store.CreateSyncFilter(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	w.token, err = e.issuer.Mint(identity.TokenRequest{Authority: e.authority, TenantID: w.tenant, UPN: w.alice.UPN})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (e *env) newTenant(t *testing.T) string {
	t.Helper()
	tenant, err := e.store.EnsureTenant(context.Background(), uuid.NewString(), "Tenant")
	if err != nil {
		t.Fatal(err)
	}
	return tenant.ID
}

// newUser adds a user as their first sign-in would.
func (e *env) newUser(t *testing.T, tenantID, upn string) crm.User {
	t.Helper()
	u, err := e.store.UserOnSight(context.Background(), crm.User{TenantID: tenantID, ObjectID: identity.DevObjectID(tenantID, upn), UPN: upn, Email: upn})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// request is one of alice's REST requests, with a JSON body when body is not nil.
func (w *world) request(method, path string, body any) *http.Request {
	w.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			w.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Authorization", "Bearer "+w.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// pass runs one synchronization pass of alice's mailbox, as her taskpane's request does (client mode),
// through River's job, and waits for it.
func (w *world) pass() {
	w.t.Helper()
	ctx := context.Background()
	at, err := w.svc.SyncRequests.Request(ctx, w.tenant, w.alice.ID, "")
	if err != nil {
		w.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, err := w.store.Mailbox(ctx, w.tenant, w.alice.ID)
		if err != nil {
			w.t.Fatal(err)
		}
		if m.LastSyncAt != nil && !m.LastSyncAt.Before(at) {
			if m.LastError != "" {
				w.t.Fatalf("synchronize alice's mailbox: %s", m.LastError)
			}
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatal("alice's mailbox was not synchronized within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func decode(t *testing.T, b []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}
