package tracking_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
	"github.com/crmsync/crmsync/internal/tracking"
	"github.com/crmsync/crmsync/internal/tracking/trackingtest"
)

// env is the tracking pipeline on a real database, with River working its jobs and the real Graph SDK
// talking to a fake Graph over HTTP.
type env struct {
	t      *testing.T
	store  *store.Store
	svc    *tracking.Service
	auto   *tracking.Auto
	queue  jobs.Inserter
	fake   *graphfake.Server
	tenant crm.Tenant
	alice  user
	bob    user
}

type user struct {
	crm.User
	caller tracking.Caller
}

func setup(t *testing.T, s *store.Store) *env {
	t.Helper()
	return setupWith(t, s, trackingtest.Start(t, s))
}

// setupWith is setup on a pipeline of the test's making.
func setupWith(t *testing.T, s *store.Store, p trackingtest.Pipeline) *env {
	t.Helper()
	svc, fake := p.Tracking, p.Fake
	f := storetest.NewTenant(t, s, "alice@contoso.test")
	e := &env{t: t, store: s, svc: svc, auto: p.Auto, queue: p.Queue.Inserter, fake: fake, tenant: f.Tenant}
	e.alice = e.newUser(f.User)
	e.bob = e.newUser(storetest.NewUser(t, s, f.Tenant.ID, "bob@contoso.test"))
	return e
}

func (e *env) newUser(u crm.User) user {
	e.fake.AddMailbox(u.ObjectID, u.UPN)
	return user{User: u, caller: tracking.Caller{Actor: crm.Actor{TenantID: u.TenantID, UserID: u.ID, Roles: u.Roles},
		ObjectID: u.ObjectID, Token: "token-of-" + u.UPN, Tenant: e.tenant}}
}

// record creates a CRM record owned by alice.
func (e *env) record(typ string, name string, fields map[string]any) crm.Record {
	e.t.Helper()
	in := crm.RecordInput{Fields: fields}
	if name != "" {
		in.Name = &name
	}
	rec, err := e.store.CreateRecord(context.Background(), e.tenant.ID, typ, e.alice.ID, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return rec
}

// mail puts a message in u's inbox and returns it with its REST id (what the add-in sends).
func (e *env) mail(u user, m outlook.Message) (outlook.Message, string) {
	if m.InternetMessageID == "" {
		m.InternetMessageID = "<" + uuid.NewString() + "@fabrikam.test>"
	}
	if m.ConversationID == "" {
		m.ConversationID = "conv-" + uuid.NewString()
	}
	if m.SentAt.IsZero() {
		m.SentAt = time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
		m.ReceivedAt = m.SentAt
	}
	added := e.fake.AddMessage(u.ObjectID, "inbox", m)
	return added, e.fake.RESTID(u.ObjectID, added.ID)
}

func (e *env) submit(u user, click tracking.Click) (crm.TrackRequest, error) {
	if click.Action == "" {
		click.Action = crm.ActionTrack
	}
	return e.svc.Submit(context.Background(), u.caller, click)
}

// track submits a click and waits for its outcome.
func (e *env) track(u user, click tracking.Click) crm.TrackRequest {
	e.t.Helper()
	req, err := e.submit(u, click)
	if err != nil {
		e.t.Fatalf("submit: %v", err)
	}
	return e.wait(u, req.ID)
}

// wait polls the request until it is done or failed.
func (e *env) wait(u user, id string) crm.TrackRequest {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, err := e.store.TrackRequest(context.Background(), e.tenant.ID, u.ID, id)
		if err != nil {
			e.t.Fatal(err)
		}
		if !req.Open() {
			return req
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("request %s still %s after 30s", id, req.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) activity(id string) crm.Activity {
	e.t.Helper()
	a, err := e.store.Activity(context.Background(), e.tenant.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) count(typ string) int {
	n, err := e.store.CountActivities(context.Background(), e.tenant.ID, typ)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func wantDone(t *testing.T, req crm.TrackRequest) {
	t.Helper()
	if req.State != crm.StateDone {
		t.Fatalf("request %s is %s: %s", req.ID, req.State, req.Error)
	}
}
