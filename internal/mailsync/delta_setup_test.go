package mailsync_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/mailsync"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
	"github.com/crmsync/crmsync/internal/tracking/trackingtest"
)

// graphReader is the wiring of graph.Mailbox as the delta engine's MailReader.
type graphReader struct{ *graph.Mailbox }

func (g graphReader) MessagesDelta(ctx context.Context, folder, link string) (mailsync.DeltaPage, error) {
	p, err := g.Mailbox.MessagesDelta(ctx, folder, link)
	return mailsync.DeltaPage(p), err
}

// deltaEnv is the delta engine on a real database, with the real tracking worker under River and the
// real Graph SDK talking to graphfake.
type deltaEnv struct {
	t      *testing.T
	store  *store.Store
	fake   *graphfake.Server
	engine *mailsync.DeltaEngine
	queue  jobs.Inserter // what the engine's passes enqueue into, as a job's client would
	tenant crm.Tenant
	alice  crm.User
	// wrap, when set, stands between the engine and the mailbox, to inject failures.
	wrap func(mailsync.MailReader) mailsync.MailReader
}

func newDeltaEnv(t *testing.T, s *store.Store) *deltaEnv {
	t.Helper()
	p := trackingtest.Start(t, s)
	auto, fake, client := p.Auto, p.Fake, p.Graph
	f := storetest.NewTenant(t, s, "alice@contoso.test")
	fake.AddMailbox(f.User.ObjectID, f.User.UPN)
	e := &deltaEnv{t: t, store: s, fake: fake, tenant: f.Tenant, alice: f.User}
	open := func(ctx context.Context, m mailsync.Mailbox) (mailsync.MailReader, error) {
		mb, err := client.Mailbox(graph.User{TenantID: m.TenantID, ObjectID: m.ObjectID, Assertion: m.Assertion})
		if err != nil {
			return nil, err
		}
		if e.wrap != nil {
			return e.wrap(graphReader{mb}), nil
		}
		return graphReader{mb}, nil
	}
	e.engine = mailsync.NewDeltaEngine(s, open, auto, nil)
	e.queue = p.Queue.Inserter
	return e
}

// option sets alice's automatic tracking option.
func (e *deltaEnv) option(autoTrack string) {
	e.t.Helper()
	if _, err := e.store.UpdateUserOptions(context.Background(), e.tenant.ID, e.alice.ID, crm.UserOptions{AutoTrack: autoTrack}); err != nil {
		e.t.Fatal(err)
	}
}

// pass runs one synchronization pass of alice's mailbox and returns how many messages it queued.
func (e *deltaEnv) pass() int {
	e.t.Helper()
	res, err := e.engine.Sync(context.Background(), mailsync.Mailbox{TenantID: e.tenant.ID, UserID: e.alice.ID, ObjectID: e.alice.ObjectID, Queue: e.queue})
	if err != nil {
		e.t.Fatalf("Sync: %v", err)
	}
	return res.ItemsIn
}

// settle waits until every track request is worked.
func (e *deltaEnv) settle() {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var open int
		err := e.store.DB().QueryRow(`SELECT COUNT(*) FROM track_requests WHERE tenant_id = '` + e.tenant.ID + `' AND state IN ('queued', 'processing')`).Scan(&open)
		if err != nil {
			e.t.Fatal(err)
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d track requests still open after 30s", open)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// activities counts the live email activities of each internetMessageId.
func (e *deltaEnv) activities() map[string]int {
	e.t.Helper()
	rows, err := e.store.DB().Query(`SELECT internet_message_id FROM activities WHERE tenant_id = '` + e.tenant.ID + `' AND deleted_at IS NULL`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			e.t.Fatal(err)
		}
		out[id]++
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// record creates a CRM record owned by alice.
func (e *deltaEnv) record(typ string, fields map[string]any) crm.Record {
	e.t.Helper()
	in := crm.RecordInput{Fields: fields}
	if name, ok := fields["name"].(string); ok {
		in.Name = &name
		delete(fields, "name")
	}
	rec, err := e.store.CreateRecord(context.Background(), e.tenant.ID, typ, e.alice.ID, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return rec
}

// mail delivers a message to one of alice's folders, received now unless m says otherwise.
func (e *deltaEnv) mail(folder string, m outlook.Message) outlook.Message {
	if m.InternetMessageID == "" {
		m.InternetMessageID = "<" + uuid.NewString() + "@fabrikam.test>"
	}
	if m.ConversationID == "" {
		m.ConversationID = "conv-" + uuid.NewString()
	}
	if len(m.To) == 0 {
		m.To = []outlook.Address{{Name: "Alice", Email: e.alice.UPN}}
	}
	return e.fake.AddMessage(e.alice.ObjectID, folder, m)
}
