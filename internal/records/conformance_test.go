package records_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
	"github.com/crmsync/crmsync/internal/tracking"
)

// A question is something a case asks of a channel about the user alice and a subject: may she read it,
// create one, change it, delete one, see its secured phone?
type question string

const (
	canRead      question = "read"
	canCreate    question = "create"
	canChange    question = "change"
	canDelete    question = "delete"
	seesPhone    question = "sees the phone"
	channelREST           = "REST API"
	channelTrack          = "tracking"
	channelPush           = "CRM → Outlook push"
)

// asked says which channels can answer which question. The push never creates or deletes CRM data (an
// Outlook delete only unlinks), and tracking never changes a record's fields, so those are not asked of
// them; every other pair is.
var asked = map[question][]string{
	canRead:   {channelREST, channelTrack, channelPush},
	canCreate: {channelREST, channelTrack},
	canChange: {channelREST, channelPush},
	canDelete: {channelREST, channelTrack},
	seesPhone: {channelREST, channelTrack, channelPush},
}

// ruleCase is one access or field-security situation: how alice's tenant is set up, whose contact the
// subject is, and what every channel must answer.
type ruleCase struct {
	name  string
	setup func(t *testing.T, w *world)
	owner func(w *world) (tenantID, ownerID string) // the subject contact's; alice's by default
	want  map[question]bool
}

var ruleCases = []ruleCase{
	{name: "read", want: map[question]bool{canRead: true, seesPhone: true}},
	{name: "read, no access", setup: level(crm.RoleUser, crm.TypeContact, crm.OpRead, "none"),
		want: map[question]bool{canRead: false}},
	{name: "another owner", owner: func(w *world) (string, string) { return w.tenant, w.bob.ID },
		want: map[question]bool{canRead: false}},
	{name: "another tenant", owner: func(w *world) (string, string) { return w.otherTenant, w.carol.ID },
		want: map[question]bool{canRead: false}},
	{name: "create", want: map[question]bool{canCreate: true}},
	{name: "create, no access", setup: level(crm.RoleUser, crm.TypeContact, crm.OpCreate, "none"),
		want: map[question]bool{canCreate: false}},
	{name: "update", want: map[question]bool{canChange: true}},
	{name: "update, no access", setup: level(crm.RoleUser, crm.TypeContact, crm.OpUpdate, "none"),
		want: map[question]bool{canChange: false, canRead: true}},
	{name: "delete", want: map[question]bool{canDelete: true}},
	{name: "delete, no access", setup: level(crm.RoleUser, crm.ActivityAppointment, crm.OpDelete, "none"),
		want: map[question]bool{canDelete: false}},
	{name: "hidden field", setup: securePhone(crm.FieldPermission{}),
		want: map[question]bool{seesPhone: false, canChange: false, canCreate: false, canRead: true}},
	{name: "read-only field", setup: securePhone(crm.FieldPermission{Read: true}),
		want: map[question]bool{seesPhone: true, canChange: false, canCreate: false}},
}

// TestRulesAgree runs the same access and field-security cases through the three ways a user reaches the
// CRM — the REST API, tracking (Track, Set Regarding, Untrack) and the CRM → Outlook push — and checks
// that each channel gives the answer the case expects, so that all three agree.
func TestRulesAgree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := newEnv(t, s)
		for _, c := range ruleCases {
			t.Run(c.name, func(t *testing.T) {
				w := env.world(t)
				if c.setup != nil {
					c.setup(t, w)
				}
				tenantID, ownerID := w.tenant, w.alice.ID
				if c.owner != nil {
					tenantID, ownerID = c.owner(w)
				}
				subject := w.contact(tenantID, ownerID)
				channels := map[string]func(question) bool{
					channelREST:  func(q question) bool { return w.askREST(q, subject) },
					channelTrack: func(q question) bool { return w.askTracking(q, subject) },
					channelPush:  func(q question) bool { return w.askPush(q, subject) },
				}
				for q, want := range c.want {
					for _, ch := range asked[q] {
						if got := channels[ch](q); got != want {
							t.Errorf("%s: %s = %v, want %v", ch, q, got, want)
						}
					}
				}
			})
		}
	})
}

// level sets the tenant's access level of a role for an operation on a type.
func level(role, typ string, op crm.Operation, lvl string) func(*testing.T, *world) {
	return func(t *testing.T, w *world) {
		t.Helper()
		_, err := w.store.ReplaceAccessLevels(context.Background(), w.tenant, []crm.AccessLevel{{Role: role, RecordType: typ,
			Operation: string(op), Level: lvl}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// securePhone makes the contact's phone a secured field, with grant (its read, create and update) for
// every user.
func securePhone(grant crm.FieldPermission) func(*testing.T, *world) {
	return func(t *testing.T, w *world) {
		t.Helper()
		ctx := context.Background()
		ct, err := w.store.EntityType(ctx, w.tenant, crm.TypeContact)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ct.Fields {
			if ct.Fields[i].Name == "phone" {
				ct.Fields[i].Secured = true
			}
		}
		if _, err := w.store.UpdateEntityType(ctx, w.tenant, ct); err != nil {
			t.Fatal(err)
		}
		grant.Role, grant.RecordType, grant.Field = crm.RoleUser, crm.TypeContact, "phone"
		if _, err := w.store.ReplaceFieldPermissions(ctx, w.tenant, []crm.FieldPermission{grant}); err != nil {
			t.Fatal(err)
		}
	}
}

const (
	subjectPhone = "+1 555 0100"
	changedPhone = "+1 555 0199"
)

// contact creates the subject: a contact of the tenant owned by ownerID, with an email and a phone.
func (w *world) contact(tenantID, ownerID string) crm.Record {
	w.t.Helper()
	rec, err := w.store.CreateRecord(context.Background(), tenantID, crm.TypeContact, ownerID, crm.RecordInput{Fields: map[string]any{
		"firstName": "Sam", "lastName": "Subject", "email": "sam." + uuid.NewString()[:8] + "@fabrikam.test", "phone": subjectPhone}})
	if err != nil {
		w.t.Fatal(err)
	}
	return rec
}

// askREST answers a question through alice's REST calls.
func (w *world) askREST(q question, subject crm.Record) bool {
	w.t.Helper()
	switch q {
	case canRead, seesPhone:
		var rec crm.Record
		code := w.call(http.MethodGet, "/api/v1/records/contact/"+subject.ID, nil, &rec)
		if q == canRead {
			return w.status(code, http.StatusOK, http.StatusNotFound)
		}
		w.status(code, http.StatusOK)
		return rec.Fields["phone"] == subjectPhone
	case canCreate:
		code := w.call(http.MethodPost, "/api/v1/records/contact", map[string]any{"fields": map[string]any{
			"lastName": "Created", "email": "created." + uuid.NewString()[:8] + "@fabrikam.test", "phone": "+1 555 0111"}}, nil)
		return w.status(code, http.StatusCreated, http.StatusForbidden)
	case canChange:
		code := w.call(http.MethodPatch, "/api/v1/records/contact/"+subject.ID, map[string]any{"version": subject.Version,
			"fields": map[string]any{"phone": changedPhone}}, nil)
		return w.status(code, http.StatusOK, http.StatusForbidden)
	case canDelete:
		a := w.appointment()
		return w.status(w.call(http.MethodDelete, "/api/v1/activities/"+a.ID, nil, nil), http.StatusNoContent, http.StatusForbidden)
	}
	w.t.Fatalf("the REST API cannot answer %q", q)
	return false
}

// askTracking answers a question through alice's clicks in Outlook.
func (w *world) askTracking(q question, subject crm.Record) bool {
	w.t.Helper()
	switch q {
	case canRead:
		// Set the regarding of an email to the subject: accepted only if alice may see it.
		m := w.fake.AddMessage(w.alice.ObjectID, "inbox", outlook.Message{Subject: "About Sam", InternetMessageID: "<" + uuid.NewString() + "@fabrikam.test>",
			From: outlook.Address{Email: "someone@fabrikam.test"}, SentAt: time.Now().Add(-time.Hour), ReceivedAt: time.Now().Add(-time.Hour)})
		req, err := w.submit(tracking.Click{ItemID: w.fake.RESTID(w.alice.ObjectID, m.ID), ItemType: "message",
			Regarding: &crm.RecordRef{Type: crm.TypeContact, ID: subject.ID}})
		if crm.ErrorCode(err) == crm.CodeInvalid && strings.Contains(err.Error(), "regarding") {
			return false
		}
		if err != nil {
			w.t.Fatalf("track with regarding: %v", err)
		}
		w.done(req)
		return true
	case canCreate:
		// Track an Outlook contact nobody has in the CRM: it becomes a new contact of alice's.
		c := w.fake.AddContact(w.alice.ObjectID, outlook.Contact{GivenName: "New", Surname: "Person",
			EmailAddresses: []outlook.Address{{Email: "new." + uuid.NewString()[:8] + "@fabrikam.test"}}, BusinessPhones: []string{"+1 555 0111"}})
		return w.outcome(w.track(c.ID, "contact")).State == crm.StateDone
	case canDelete:
		// Untrack an appointment alice tracked, in a tenant whose untracking deletes.
		e := w.fake.AddEvent(w.alice.ObjectID, outlook.Event{Subject: "Review", Start: time.Now().Add(24 * time.Hour), IsOrganizer: true,
			Organizer: outlook.Address{Email: w.alice.UPN}})
		tracked := w.outcome(w.track(e.ID, "appointment"))
		if tracked.State != crm.StateDone {
			w.t.Fatalf("track the appointment: %s", tracked.Error)
		}
		w.untrackDeletes()
		untracked, err := w.svc.Tracking.Untrack(context.Background(), w.caller(), w.fake.RESTID(w.alice.ObjectID, e.ID))
		if err != nil {
			w.t.Fatal(err)
		}
		w.done(untracked)
		_, err = w.store.Activity(context.Background(), w.tenant, tracked.ActivityID)
		return crm.IsNotFound(err)
	case seesPhone:
		// Track an Outlook contact with the subject's email: it is linked to the subject, shown as alice
		// may see it.
		email, _ := subject.Fields["email"].(string)
		c := w.fake.AddContact(w.alice.ObjectID, outlook.Contact{GivenName: "Sam", Surname: "Subject", EmailAddresses: []outlook.Address{{Email: email}}})
		o := w.outcome(w.track(c.ID, "contact"))
		if o.Record == nil || o.Record.ID != subject.ID {
			w.t.Fatalf("the tracked contact shows %+v, want the subject %s", o.Record, subject.ID)
		}
		return o.Record.Fields["phone"] == subjectPhone
	}
	w.t.Fatalf("tracking cannot answer %q", q)
	return false
}

// askPush answers a question through the synchronization of alice's mailbox, whose filters pick every
// contact.
func (w *world) askPush(q question, subject crm.Record) bool {
	w.t.Helper()
	w.pass()
	copyOf := w.outlookCopy(subject.ID)
	switch q {
	case canRead:
		return copyOf != nil
	case seesPhone:
		if copyOf == nil {
			w.t.Fatal("the subject was not pushed")
		}
		return slices.Contains(copyOf.BusinessPhones, subjectPhone)
	case canChange:
		if copyOf == nil {
			w.t.Fatal("the subject was not pushed")
		}
		w.fake.UpdateContact(w.alice.ObjectID, copyOf.ID, func(c *outlook.Contact) { c.BusinessPhones = []string{changedPhone} })
		w.pass()
		now, err := w.store.Record(context.Background(), w.tenant, crm.TypeContact, subject.ID)
		if err != nil {
			w.t.Fatal(err)
		}
		return now.Fields["phone"] == changedPhone
	}
	w.t.Fatalf("the push cannot answer %q", q)
	return false
}

// status returns whether code is the first (the yes) of the codes, and fails the test unless it is one
// of them.
func (w *world) status(code int, yes int, no ...int) bool {
	w.t.Helper()
	if code != yes && !slices.Contains(no, code) {
		w.t.Fatalf("status %d, want %d or one of %v", code, yes, no)
	}
	return code == yes
}

// outlookCopy is alice's Outlook contact stamped with crmID, or nil.
func (w *world) outlookCopy(crmID string) *outlook.Contact {
	for _, c := range w.fake.Contacts(w.alice.ObjectID) {
		if c.Stamp == crmID {
			return &c
		}
	}
	return nil
}

func (w *world) caller() tracking.Caller {
	return tracking.Caller{Actor: crm.Actor{TenantID: w.tenant, UserID: w.alice.ID, Roles: w.alice.Roles}, ObjectID: w.alice.ObjectID,
		Token: "token-of-alice", Tenant: w.tenantRow()}
}

func (w *world) submit(click tracking.Click) (crm.TrackRequest, error) {
	if click.Action == "" {
		click.Action = crm.ActionTrack
	}
	return w.svc.Tracking.Submit(context.Background(), w.caller(), click)
}

// track clicks Track on one of alice's Outlook items and waits until it is worked.
func (w *world) track(immutableID, itemType string) crm.TrackRequest {
	w.t.Helper()
	req, err := w.submit(tracking.Click{ItemID: w.fake.RESTID(w.alice.ObjectID, immutableID), ItemType: itemType})
	if err != nil {
		w.t.Fatalf("track %s: %v", itemType, err)
	}
	return w.done(req)
}

// done waits until a request of alice's is worked.
func (w *world) done(req crm.TrackRequest) crm.TrackRequest {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for req.Open() {
		if time.Now().After(deadline) {
			w.t.Fatalf("request %s still %s after 30s", req.ID, req.State)
		}
		time.Sleep(20 * time.Millisecond)
		var err error
		if req, err = w.store.TrackRequest(context.Background(), w.tenant, w.alice.ID, req.ID); err != nil {
			w.t.Fatal(err)
		}
	}
	return req
}

func (w *world) outcome(req crm.TrackRequest) tracking.Outcome {
	return w.svc.Tracking.Outcome(context.Background(), w.caller().Actor, req)
}

func (w *world) appointment() crm.Activity {
	w.t.Helper()
	start := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Minute)
	end := start.Add(time.Hour)
	a, err := w.store.CreateActivity(context.Background(), w.tenant, crm.Activity{Type: crm.ActivityAppointment, Subject: "Review",
		Start: &start, End: &end, Status: "scheduled", OwnerID: w.alice.ID})
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func (w *world) tenantRow() crm.Tenant {
	w.t.Helper()
	t, err := w.store.Tenant(context.Background(), w.tenant)
	if err != nil {
		w.t.Fatal(err)
	}
	return t
}

func (w *world) untrackDeletes() {
	w.t.Helper()
	t := w.tenantRow()
	t.Settings.UntrackDeletes = true
	if err := w.store.UpdateTenantSettings(context.Background(), w.tenant, t.SyncMode, t.Settings); err != nil {
		w.t.Fatal(err)
	}
}

// call sends one of alice's REST requests and decodes a 2xx answer into out.
func (w *world) call(method, path string, body any, out any) int {
	w.t.Helper()
	rec := httptest.NewRecorder()
	w.api.ServeHTTP(rec, w.request(method, path, body))
	if out != nil && rec.Code < 300 {
		decode(w.t, rec.Body.Bytes(), out)
	}
	return rec.Code
}
