package mailsync_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/mailsync"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
	"github.com/crmsync/crmsync/internal/tracking/trackingtest"
)

// itemsEnv is the items engine on a real database with the real Graph SDK talking to graphfake.
type itemsEnv struct {
	t      *testing.T
	ctx    context.Context
	store  *store.Store
	fake   *graphfake.Server
	engine *mailsync.ItemsEngine
	tenant crm.Tenant
	alice  crm.User
	bob    crm.User
	log    *bytes.Buffer
	graph  *graph.Client
}

func newItemsEnv(t *testing.T, s *store.Store) *itemsEnv {
	t.Helper()
	return newItemsEnvOn(t, s, nil, nil)
}

// newItemsEnvOn is newItemsEnv with the engine's mailboxes in fake, through client, when both are set.
func newItemsEnvOn(t *testing.T, s *store.Store, fake *graphfake.Server, client *graph.Client) *itemsEnv {
	t.Helper()
	p := trackingtest.Start(t, s)
	if fake == nil {
		fake, client = p.Fake, p.Graph
	}
	f := storetest.NewTenant(t, s, "alice@contoso.test")
	bob := storetest.NewUser(t, s, f.Tenant.ID, "bob@contoso.test")
	fake.AddMailbox(f.User.ObjectID, f.User.UPN)
	fake.AddMailbox(bob.ObjectID, bob.UPN)
	e0 := &itemsEnv{t: t, ctx: context.Background(), store: s}
	e0.begin(f.User)
	e0.begin(bob)
	e := &itemsEnv{t: t, ctx: context.Background(), store: s, fake: fake, tenant: f.Tenant, alice: f.User, bob: bob, log: &bytes.Buffer{}, graph: client}
	open := func(ctx context.Context, m mailsync.Mailbox) (mailsync.Items, error) {
		return client.Mailbox(graph.User{TenantID: m.TenantID, ObjectID: m.ObjectID, Assertion: m.Assertion})
	}
	e.engine = mailsync.NewItemsEngine(s, p.Records, open, slog.New(slog.NewTextHandler(e.log, nil)))
	return e
}

// begin makes u's mailbox row: its synchronization begins now, so appointments the tests make later are
// new to it (and invite their attendees). The row is disabled: the tests run passes by hand, and no job
// the CRM writes enqueue may run one behind their back.
func (e *itemsEnv) begin(u crm.User) {
	e.t.Helper()
	if err := e.store.DisableMailbox(e.ctx, u.TenantID, u.ID, "the test runs passes by hand", time.Now()); err != nil {
		e.t.Fatal(err)
	}
}

// pass runs one synchronization pass of u's mailbox.
func (e *itemsEnv) pass(u crm.User) (mailsync.Result, error) {
	return e.engine.Sync(e.ctx, mailsync.Mailbox{TenantID: e.tenant.ID, UserID: u.ID, ObjectID: u.ObjectID})
}

func (e *itemsEnv) mustPass(u crm.User) mailsync.Result {
	e.t.Helper()
	res, err := e.pass(u)
	if err != nil {
		e.t.Fatalf("Sync: %v", err)
	}
	return res
}

func (e *itemsEnv) contact(owner crm.User, fields map[string]any) crm.Record {
	e.t.Helper()
	r, err := e.store.CreateRecord(e.ctx, e.tenant.ID, crm.TypeContact, owner.ID, crm.RecordInput{Fields: fields})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *itemsEnv) updateContact(r crm.Record, fields map[string]any) crm.Record {
	e.t.Helper()
	cur, err := e.store.Record(e.ctx, e.tenant.ID, crm.TypeContact, r.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	v := cur.Version
	r, err = e.store.UpdateRecord(e.ctx, e.tenant.ID, cur, store.RecordChange{Merge: true, Input: crm.RecordInput{Fields: fields, Version: &v}})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *itemsEnv) appointment(owner crm.User, subject string, start time.Time, attendees ...string) crm.Activity {
	e.t.Helper()
	end := start.Add(time.Hour)
	a := crm.Activity{Type: crm.ActivityAppointment, Subject: subject, Body: "Agenda", Start: &start, End: &end, Location: "Room 1",
		Status: "scheduled", OwnerID: owner.ID}
	for _, at := range attendees {
		a.Parties = append(a.Parties, crm.Party{Role: crm.PartyRequired, Address: at})
	}
	a, err := e.store.CreateActivity(e.ctx, e.tenant.ID, a)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *itemsEnv) activity(id string) crm.Activity {
	e.t.Helper()
	a, err := e.store.ActivityAny(e.ctx, e.tenant.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a.Activity
}

func (e *itemsEnv) patchActivity(id string, p store.ActivityPatch) {
	e.t.Helper()
	if _, err := e.store.PatchActivity(e.ctx, e.tenant.ID, id, e.activity(id).Version, p); err != nil {
		e.t.Fatal(err)
	}
}

// link returns u's link to a CRM id; ok is false when there is none.
func (e *itemsEnv) link(u crm.User, kind outlook.Kind, crmID string) (crm.ItemLink, bool) {
	e.t.Helper()
	links, err := e.store.ItemLinksOfKind(e.ctx, e.tenant.ID, u.ID, string(kind))
	if err != nil {
		e.t.Fatal(err)
	}
	l, ok := links[crmID]
	return l, ok
}

func (e *itemsEnv) mustLink(u crm.User, kind outlook.Kind, crmID string) crm.ItemLink {
	e.t.Helper()
	l, ok := e.link(u, kind, crmID)
	if !ok {
		e.t.Fatalf("%s has no %s linked to %s", u.UPN, kind, crmID)
	}
	return l
}

// filter replaces u's filters of a record type with one of the given conditions.
func (e *itemsEnv) filter(u crm.User, recordType, conditions string) crm.Filter {
	e.t.Helper()
	filters, err := e.store.SyncFilters(e.ctx, e.tenant.ID, u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range filters {
		if f.RecordType == recordType && f.UserID == u.ID {
			if err := e.store.DeleteSyncFilter(e.ctx, e.tenant.ID, f.ID); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	name := "test " + recordType
	in := crm.FilterInput{Name: &name, RecordType: recordType, Conditions: []byte(conditions)}
	f, err := in.Filter(func(string) (crm.EntityType, bool) {
		et, err := e.store.EntityType(e.ctx, e.tenant.ID, recordType)
		return et, err == nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	f.TenantID, f.UserID = e.tenant.ID, u.ID
	f, err = e.store.CreateSyncFilter(e.ctx, f)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// secondTick waits until Graph's whole-second lastModifiedDateTime and the CRM's clock are surely past
// everything done so far, so the next change on either side is later.
func secondTick() { time.Sleep(1100 * time.Millisecond) }
