package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// userID returns the id of the user behind token, onboarding them on first sight.
func (e *env) userID(token string) string {
	e.t.Helper()
	var me struct{ UserID string }
	e.do(http.MethodGet, "/api/v1/me", token, nil).want(http.StatusOK, &me)
	return me.UserID
}

func appointmentBody(change func(map[string]any)) map[string]any {
	body := map[string]any{"type": "appointment", "subject": "Quarterly review", "start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:00Z"}
	if change != nil {
		change(body)
	}
	return body
}

func TestActivityCreateReplaceDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice := e.token("alice@contoso.test")
		aliceID := e.userID(alice)
		acct := e.seedRecord(alice, "account", map[string]any{"name": "Fabrikam", "fields": map[string]any{"email": "info@fabrikam.test"}})
		dana := e.seedRecord(alice, "contact", map[string]any{"fields": map[string]any{"firstName": "Dana", "lastName": "Whitfield", "email": "dana@fabrikam.test"}})

		// An appointment: owned by the caller, scheduled, its attendees resolved to records.
		r := e.do(http.MethodPost, "/api/v1/activities", alice, appointmentBody(func(b map[string]any) {
			b["body"], b["location"] = "Agenda:\n1. Renewal", "Room 1"
			b["start"], b["end"] = "2026-03-02T10:00:00+01:00", "2026-03-02T11:00:00+01:00"
			b["regarding"] = map[string]any{"type": "account", "id": acct.ID}
			b["parties"] = []map[string]any{{"role": "required", "address": "Dana@Fabrikam.test", "name": "Dana"}, {"role": "optional", "address": "guest@elsewhere.test"}}
		}))
		var appt crm.Activity
		r.want(http.StatusCreated, &appt)
		if r.Header().Get("Location") != "/api/v1/activities/"+appt.ID {
			t.Fatalf("location = %q", r.Header().Get("Location"))
		}
		start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		if appt.Type != "appointment" || appt.Version != 1 || appt.OwnerID != aliceID || appt.Status != "scheduled" || appt.Location != "Room 1" ||
			!appt.Start.Equal(start) || !appt.End.Equal(start.Add(time.Hour)) || appt.Regarding == nil || appt.Regarding.Name != "Fabrikam" {
			t.Fatalf("created = %+v", appt)
		}
		if p := appt.Parties; len(p) != 2 || p[0].Address != "dana@fabrikam.test" || p[0].Record == nil || p[0].Record.ID != dana.ID || p[1].Record != nil {
			t.Fatalf("parties = %+v", p)
		}
		var got crm.Activity
		e.do(http.MethodGet, "/api/v1/activities/"+appt.ID, alice, nil).want(http.StatusOK, &got)
		if got.Subject != "Quarterly review" || got.Body != "Agenda:\n1. Renewal" || got.Version != 1 || len(got.Parties) != 2 {
			t.Fatalf("read back = %+v", got)
		}
		var list struct{ Items []crm.Activity }
		e.do(http.MethodGet, "/api/v1/activities?regarding=account:"+acct.ID, alice, nil).want(http.StatusOK, &list)
		if len(list.Items) != 1 || list.Items[0].ID != appt.ID {
			t.Fatalf("regarding list = %+v", list.Items)
		}

		// A task: open by default, with a due time and no regarding.
		var task crm.Activity
		e.do(http.MethodPost, "/api/v1/activities", alice, map[string]any{"type": "task", "subject": "Send the offer", "due": "2026-03-05T17:00:00Z"}).
			want(http.StatusCreated, &task)
		if task.Status != "open" || task.Due == nil || task.Start != nil || task.Regarding != nil || task.OwnerID != aliceID {
			t.Fatalf("task = %+v", task)
		}

		// Replace: every value is the body's, the version moves on.
		var replaced crm.Activity
		e.do(http.MethodPut, "/api/v1/activities/"+appt.ID, alice, map[string]any{"version": 1, "type": "appointment", "ownerId": aliceID,
			"subject": "Quarterly review (moved)", "start": "2026-03-03T09:00:00Z", "end": "2026-03-03T09:30:00Z", "status": "canceled",
			"parties": []map[string]any{{"role": "optional", "address": "info@fabrikam.test"}}}).want(http.StatusOK, &replaced)
		if replaced.Version != 2 || replaced.Subject != "Quarterly review (moved)" || replaced.Status != "canceled" || replaced.Body != "" ||
			replaced.Location != "" || replaced.Regarding != nil || !replaced.Start.Equal(start.Add(24*time.Hour)) {
			t.Fatalf("replaced = %+v", replaced)
		}
		if p := replaced.Parties; len(p) != 1 || p[0].Role != "optional" || p[0].Record == nil || p[0].Record.ID != acct.ID {
			t.Fatalf("replaced parties = %+v", p)
		}
		e.do(http.MethodGet, "/api/v1/activities/"+appt.ID, alice, nil).want(http.StatusOK, &got)
		if got.Version != 2 || got.Subject != "Quarterly review (moved)" {
			t.Fatalf("read back after replace = %+v", got)
		}
		e.do(http.MethodPut, "/api/v1/activities/"+task.ID, alice, map[string]any{"version": 1, "subject": "Send the offer", "status": "completed"}).
			want(http.StatusOK, &got)
		if got.Version != 2 || got.Status != "completed" || got.Due != nil {
			t.Fatalf("completed task = %+v", got)
		}

		// Delete, conditionally or not.
		e.do(http.MethodDelete, "/api/v1/activities/"+appt.ID+"?version=1", alice, nil).problem(http.StatusConflict)
		e.do(http.MethodDelete, "/api/v1/activities/"+appt.ID+"?version=2", alice, nil).want(http.StatusNoContent, nil)
		e.do(http.MethodGet, "/api/v1/activities/"+appt.ID, alice, nil).problem(http.StatusNotFound)
		e.do(http.MethodDelete, "/api/v1/activities/"+appt.ID, alice, nil).problem(http.StatusNotFound)
		e.do(http.MethodDelete, "/api/v1/activities/"+task.ID, alice, nil, "If-Match", `"2"`).want(http.StatusNoContent, nil)
		if n, _ := s.CountActivities(context.Background(), identity.DevTenantID, ""); n != 0 {
			t.Fatalf("activities left = %d", n)
		}
		gone, err := s.ActivityAny(context.Background(), identity.DevTenantID, appt.ID)
		if err != nil || !gone.Deleted || gone.Version != 3 {
			t.Fatalf("deleted appointment = %+v, %v", gone, err)
		}
	})
}

// A replace through the API changes the attendees only: the organizer tracking recorded stays.
func TestActivityReplaceKeepsOrganizer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice := e.token("alice@contoso.test")
		start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		end := start.Add(time.Hour)
		tracked, err := s.CreateActivity(context.Background(), identity.DevTenantID, crm.Activity{Type: crm.ActivityAppointment, Subject: "Tracked",
			Start: &start, End: &end, Status: "scheduled", OwnerID: e.userID(alice), ICalUID: "uid-7", Parties: []crm.Party{
				{Role: crm.PartyOrganizer, Address: "alice@contoso.test"}, {Role: crm.PartyRequired, Address: "old@fabrikam.test"}}})
		if err != nil {
			t.Fatal(err)
		}
		var got crm.Activity
		e.do(http.MethodPut, "/api/v1/activities/"+tracked.ID, alice, appointmentBody(func(b map[string]any) {
			b["version"] = 1
			b["parties"] = []map[string]any{{"role": "required", "address": "new@fabrikam.test"}}
		})).want(http.StatusOK, &got)
		roles := map[string]string{}
		for _, p := range got.Parties {
			roles[p.Address] = p.Role
		}
		if len(got.Parties) != 2 || roles["alice@contoso.test"] != "organizer" || roles["new@fabrikam.test"] != "required" || got.ICalUID != "uid-7" {
			t.Fatalf("parties = %+v", got.Parties)
		}
	})
}

// Bad input gets a clear 4xx and changes nothing.
func TestActivityBadInputChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s)
		alice := e.token("alice@contoso.test")
		aliceID := e.userID(alice)
		acct := e.seedRecord(alice, "account", map[string]any{"name": "Fabrikam"})
		var appt crm.Activity
		e.do(http.MethodPost, "/api/v1/activities", alice, appointmentBody(nil)).want(http.StatusCreated, &appt)
		email, err := s.CreateActivity(ctx, identity.DevTenantID, crm.Activity{Type: crm.ActivityEmail, Subject: "Tracked mail", OwnerID: aliceID,
			InternetMessageID: "<1@fabrikam.test>"})
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/activities/" + appt.ID
		const other = "7b1f0c2e-9d8a-4c3b-8e7f-6a5b4c3d2e1f"
		eve := e.mint(identity.TokenRequest{UPN: "eve@evil.test", TenantID: other, Roles: []string{identity.RoleAdmin}})
		put := func(change func(map[string]any)) map[string]any {
			return appointmentBody(func(b map[string]any) {
				b["version"] = 1
				if change != nil {
					change(b)
				}
			})
		}

		cases := []struct {
			name, method, path, token string
			body                      any
			headers                   []string
			status                    int
			field                     string // a field error the problem must name
		}{
			{name: "email type", method: "POST", path: "/api/v1/activities", token: alice, body: map[string]any{"type": "email", "subject": "x"}, status: 422, field: "type"},
			{name: "unknown type", method: "POST", path: "/api/v1/activities", token: alice, body: map[string]any{"type": "meeting", "subject": "x"}, status: 422, field: "type"},
			{name: "missing start", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) { delete(b, "start") }), status: 422, field: "start"},
			{name: "end before start", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) { b["end"] = "2026-03-02T08:00:00Z" }), status: 422, field: "end"},
			{name: "malformed time", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) { b["start"] = "tomorrow" }), status: 422, field: "start"},
			{name: "bad status", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) { b["status"] = "open" }), status: 422, field: "status"},
			{name: "missing subject", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) { delete(b, "subject") }), status: 422, field: "subject"},
			{name: "subject too long", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) { b["subject"] = strings.Repeat("x", 401) }), status: 422, field: "subject"},
			{name: "control character in subject", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) { b["subject"] = "a\u0007b" }), status: 422, field: "subject"},
			{name: "unknown member", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) { b["colour"] = "red" }), status: 422, field: "colour"},
			{name: "read-only member", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) { b["internetMessageId"] = "<x@y>" }), status: 422, field: "internetMessageId"},
			{name: "subject of wrong type", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) { b["subject"] = 5 }), status: 422, field: "subject"},
			{name: "start of wrong type", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) { b["start"] = 1700000000 }), status: 422, field: "start"},
			{name: "parties of wrong type", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) { b["parties"] = "dana@fabrikam.test" }), status: 422, field: "parties"},
			{name: "bad party role", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) {
				b["parties"] = []map[string]any{{"role": "organizer", "address": "dana@fabrikam.test"}}
			}), status: 422, field: "parties[0].role"},
			{name: "bad party address", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) {
				b["parties"] = []map[string]any{{"role": "required", "address": "dana at fabrikam"}}
			}), status: 422, field: "parties[0].address"},
			{name: "attendees on a task", method: "POST", path: "/api/v1/activities", token: alice, body: map[string]any{"type": "task", "subject": "x",
				"parties": []map[string]any{{"role": "required", "address": "dana@fabrikam.test"}}}, status: 422, field: "parties"},
			{name: "regarding unknown", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) {
				b["regarding"] = map[string]any{"type": "account", "id": uuid.NewString()}
			}), status: 422, field: "regarding"},
			{name: "regarding of an unknown type", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) {
				b["regarding"] = map[string]any{"type": "spaceship", "id": acct.ID}
			}), status: 422, field: "regarding"},
			{name: "regarding with a bad id", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) {
				b["regarding"] = map[string]any{"type": "account", "id": "42"}
			}), status: 422, field: "regarding.id"},
			{name: "owner who is nobody", method: "POST", path: "/api/v1/activities", token: e.token("adam@contoso.test", identity.RoleAdmin),
				body: appointmentBody(func(b map[string]any) { b["ownerId"] = uuid.NewString() }), status: 422, field: "ownerId"},
			{name: "version on create", method: "POST", path: "/api/v1/activities", token: alice, body: appointmentBody(func(b map[string]any) { b["version"] = 1 }), status: 422, field: "version"},
			{name: "invalid json", method: "POST", path: "/api/v1/activities", token: alice, body: `{"type":"task",`, status: 400},
			{name: "empty body", method: "POST", path: "/api/v1/activities", token: alice, body: ``, status: 400},
			{name: "not json content type", method: "POST", path: "/api/v1/activities", token: alice, body: `type=task`, headers: []string{"Content-Type", "text/plain"}, status: 415},
			{name: "stale version", method: "PUT", path: path, token: alice, body: put(func(b map[string]any) { b["version"] = 7; b["subject"] = "Stale" }), status: 409},
			{name: "missing version", method: "PUT", path: path, token: alice, body: put(func(b map[string]any) { delete(b, "version") }), status: 422, field: "version"},
			{name: "changed type", method: "PUT", path: path, token: alice, body: put(func(b map[string]any) { b["type"] = "task" }), status: 422, field: "type"},
			{name: "changed owner", method: "PUT", path: path, token: alice, body: put(func(b map[string]any) { b["ownerId"] = uuid.NewString() }), status: 422, field: "ownerId"},
			{name: "replace with end before start", method: "PUT", path: path, token: alice, body: put(func(b map[string]any) { b["end"] = "2026-03-01T00:00:00Z" }), status: 422, field: "end"},
			{name: "replace with regarding unknown", method: "PUT", path: path, token: alice, body: put(func(b map[string]any) {
				b["regarding"] = map[string]any{"type": "account", "id": uuid.NewString()}
			}), status: 422, field: "regarding"},
			{name: "replace an email", method: "PUT", path: "/api/v1/activities/" + email.ID, token: alice, body: map[string]any{"version": 1, "subject": "x"}, status: 422},
			{name: "delete an email", method: "DELETE", path: "/api/v1/activities/" + email.ID, token: alice, status: 422},
			{name: "bad delete version", method: "DELETE", path: path + "?version=x", token: alice, status: 422, field: "version"},
			{name: "stale delete version", method: "DELETE", path: path + "?version=2", token: alice, status: 409},
			{name: "another tenant's activity", method: "GET", path: path, token: eve, status: 404},
			{name: "another tenant's activity replace", method: "PUT", path: path, token: eve, body: put(nil), status: 404},
			{name: "another tenant's activity delete", method: "DELETE", path: path, token: eve, status: 404},
			{name: "no such activity", method: "PUT", path: "/api/v1/activities/" + uuid.NewString(), token: alice, body: put(nil), status: 404},
			{name: "malformed id", method: "DELETE", path: "/api/v1/activities/not-a-uuid", token: alice, status: 404},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p := e.do(tc.method, tc.path, tc.token, tc.body, tc.headers...).problem(tc.status)
				if tc.field != "" && !hasFieldError(p.Errors, tc.field) {
					t.Fatalf("errors = %+v, want one for %q", p.Errors, tc.field)
				}
				cur, err := s.Activity(ctx, identity.DevTenantID, appt.ID)
				if err != nil || cur.Version != 1 || cur.Subject != "Quarterly review" || !cur.End.Equal(appt.End.UTC()) {
					t.Fatalf("the appointment changed: %+v, %v", cur, err)
				}
				if cur, err := s.Activity(ctx, identity.DevTenantID, email.ID); err != nil || cur.Version != 1 {
					t.Fatalf("the email changed: %+v, %v", cur, err)
				}
				if n, _ := s.CountActivities(ctx, identity.DevTenantID, ""); n != 2 {
					t.Fatalf("activities = %d, want 2", n)
				}
			})
		}
	})
}

// Users create, see and change what they own; admins act for anyone. An activity a caller may not read
// does not exist for them; a regarding record they may not read cannot be chosen.
func TestActivityWriteAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test"), e.token("bob@contoso.test")
		admin := e.token("adam@contoso.test", identity.RoleAdmin)
		manager := e.token("mia@contoso.test", identity.RoleManager)
		aliceID, bobID := e.userID(alice), e.userID(bob)
		alicesAccount := e.seedRecord(alice, "account", map[string]any{"name": "Alice's account"})

		// Bob may not create for Alice, nor read, change or delete her appointment.
		e.do(http.MethodPost, "/api/v1/activities", bob, appointmentBody(func(b map[string]any) { b["ownerId"] = aliceID })).problem(http.StatusForbidden)
		e.do(http.MethodPost, "/api/v1/activities", manager, appointmentBody(func(b map[string]any) { b["ownerId"] = aliceID })).problem(http.StatusForbidden)
		var bobs crm.Activity
		e.do(http.MethodPost, "/api/v1/activities", bob, appointmentBody(func(b map[string]any) { b["ownerId"] = bobID })).want(http.StatusCreated, &bobs)
		if bobs.OwnerID != bobID {
			t.Fatalf("bob's = %+v", bobs)
		}
		var alices crm.Activity
		e.do(http.MethodPost, "/api/v1/activities", alice, appointmentBody(nil)).want(http.StatusCreated, &alices)
		path := "/api/v1/activities/" + alices.ID
		e.do(http.MethodGet, path, bob, nil).problem(http.StatusNotFound)
		e.do(http.MethodPut, path, bob, appointmentBody(func(b map[string]any) { b["version"] = 1; b["subject"] = "Bob's now" })).problem(http.StatusNotFound)
		e.do(http.MethodDelete, path, bob, nil).problem(http.StatusNotFound)

		// Bob cannot file his own appointment against a record he cannot see.
		e.do(http.MethodPut, "/api/v1/activities/"+bobs.ID, bob, appointmentBody(func(b map[string]any) {
			b["version"] = 1
			b["regarding"] = map[string]any{"type": "account", "id": alicesAccount.ID}
		})).problem(http.StatusUnprocessableEntity)

		// A manager reads everything but changes only their own.
		e.do(http.MethodGet, path, manager, nil).want(http.StatusOK, nil)
		e.do(http.MethodPut, path, manager, appointmentBody(func(b map[string]any) { b["version"] = 1 })).problem(http.StatusForbidden)
		e.do(http.MethodDelete, path, manager, nil).problem(http.StatusForbidden)

		// A stored rule takes a right away: users may no longer create tasks.
		if err := s.SetAccessRule(ctx, identity.DevTenantID, crm.AccessRule{Role: crm.RoleUser, RecordType: crm.ActivityTask, Operation: crm.OpCreate, Level: crm.LevelNone}); err != nil {
			t.Fatal(err)
		}
		e.do(http.MethodPost, "/api/v1/activities", bob, map[string]any{"type": "task", "subject": "Blocked"}).problem(http.StatusForbidden)
		if n, _ := s.CountActivities(ctx, identity.DevTenantID, ""); n != 2 {
			t.Fatalf("activities = %d, want 2: refused writes changed something", n)
		}
		if cur, err := s.Activity(ctx, identity.DevTenantID, alices.ID); err != nil || cur.Version != 1 {
			t.Fatalf("alice's appointment changed: %+v, %v", cur, err)
		}

		// The admin acts for anyone: creates for Bob, changes and deletes Alice's.
		var forBob crm.Activity
		e.do(http.MethodPost, "/api/v1/activities", admin, map[string]any{"type": "task", "subject": "For Bob", "ownerId": bobID}).want(http.StatusCreated, &forBob)
		if forBob.OwnerID != bobID {
			t.Fatalf("admin's task for bob = %+v", forBob)
		}
		e.do(http.MethodGet, "/api/v1/activities/"+forBob.ID, bob, nil).want(http.StatusOK, nil)
		adminsAccount := e.seedRecord(admin, "account", map[string]any{"name": "Admin's account"})
		var changed crm.Activity
		e.do(http.MethodPut, path, admin, appointmentBody(func(b map[string]any) {
			b["version"] = 1
			b["subject"] = "Moved by the admin"
			b["regarding"] = map[string]any{"type": "account", "id": adminsAccount.ID}
		})).want(http.StatusOK, &changed)
		if changed.Version != 2 || changed.OwnerID != aliceID || changed.Regarding == nil || changed.Regarding.ID != adminsAccount.ID {
			t.Fatalf("admin's change = %+v", changed)
		}
		// Alice may keep the regarding the admin chose when she changes her appointment, though she could not
		// have chosen it; she cannot choose it for another one.
		e.do(http.MethodPut, path, alice, appointmentBody(func(b map[string]any) {
			b["version"] = 2
			b["regarding"] = map[string]any{"type": "account", "id": adminsAccount.ID}
		})).want(http.StatusOK, &changed)
		if changed.Version != 3 || changed.Regarding == nil || changed.Regarding.ID != adminsAccount.ID {
			t.Fatalf("alice's change = %+v", changed)
		}
		e.do(http.MethodPost, "/api/v1/activities", alice, appointmentBody(func(b map[string]any) {
			b["regarding"] = map[string]any{"type": "account", "id": adminsAccount.ID}
		})).problem(http.StatusUnprocessableEntity)
		e.do(http.MethodDelete, path+"?version=3", admin, nil).want(http.StatusNoContent, nil)
		e.do(http.MethodGet, path, alice, nil).problem(http.StatusNotFound)
	})
}
