package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

func TestUpdateActivity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		acct := mustCreate(t, s, f, "account", ptr("Fabrikam"), nil)
		start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		end := start.Add(time.Hour)
		created, err := s.CreateActivity(ctx, f.Tenant.ID, crm.Activity{Type: crm.ActivityAppointment, Subject: "Review", Start: &start, End: &end,
			Status: crm.StatusScheduled, OwnerID: f.User.ID, ICalUID: "uid-1", Parties: []crm.Party{
				{Role: crm.PartyOrganizer, Address: "alice@contoso.test"}, {Role: crm.PartyRequired, Address: "dana@fabrikam.test"}}})
		if err != nil {
			t.Fatal(err)
		}

		later, laterEnd := start.Add(24*time.Hour), end.Add(24*time.Hour)
		change := crm.Activity{Subject: "Review, moved", Body: "agenda", Start: &later, End: &laterEnd, Location: "Room 2", Status: crm.StatusCanceled,
			Regarding: &crm.Regarding{Type: "account", ID: acct.ID},
			Parties:   []crm.Party{{Role: crm.PartyOptional, Address: "Ops@Fabrikam.test", Name: "Ops", Record: &crm.RecordRef{Type: "account", ID: acct.ID}}}}
		updated, err := s.UpdateActivity(ctx, f.Tenant.ID, created.ID, 1, change)
		if err != nil {
			t.Fatal(err)
		}
		if updated.Version != 2 || updated.Subject != "Review, moved" || updated.Body != "agenda" || !updated.Start.Equal(later) || !updated.End.Equal(laterEnd) ||
			updated.Location != "Room 2" || updated.Status != crm.StatusCanceled || updated.ICalUID != "uid-1" || updated.OwnerID != f.User.ID ||
			!updated.UpdatedAt.After(created.UpdatedAt) || !updated.CreatedAt.Equal(created.CreatedAt) {
			t.Fatalf("updated = %+v", updated)
		}
		if updated.Regarding == nil || updated.Regarding.ID != acct.ID || updated.Regarding.Name != "Fabrikam" {
			t.Fatalf("regarding = %+v", updated.Regarding)
		}
		roles := map[string]string{}
		for _, p := range updated.Parties {
			roles[p.Address] = p.Role
		}
		if len(updated.Parties) != 2 || roles["alice@contoso.test"] != crm.PartyOrganizer || roles["ops@fabrikam.test"] != crm.PartyOptional {
			t.Fatalf("parties = %+v: the organizer stays, the attendees are replaced", updated.Parties)
		}
		changed, err := s.ChangedActivities(ctx, f.Tenant.ID, crm.ActivityAppointment, store.Owners{}, created.UpdatedAt)
		if err != nil || len(changed) != 1 || changed[0].ID != created.ID {
			t.Fatalf("the push does not see the change: %+v, %v", changed, err)
		}

		// Clearing: no regarding, no attendees, no times.
		cleared, err := s.UpdateActivity(ctx, f.Tenant.ID, created.ID, 2, crm.Activity{Subject: "Bare", Status: crm.StatusScheduled, Start: &start, End: &end})
		if err != nil {
			t.Fatal(err)
		}
		if cleared.Version != 3 || cleared.Regarding != nil || len(cleared.Parties) != 1 || cleared.Location != "" || cleared.Body != "" {
			t.Fatalf("cleared = %+v", cleared)
		}

		unchanged := func(t *testing.T) {
			t.Helper()
			got, err := s.Activity(ctx, f.Tenant.ID, created.ID)
			if err != nil || got.Version != 3 || got.Subject != "Bare" {
				t.Fatalf("the activity changed: %+v, %v", got, err)
			}
		}
		tests := []struct {
			name    string
			tenant  string
			id      string
			version int64
			a       crm.Activity
			code    crm.Code
		}{
			{name: "stale version", tenant: f.Tenant.ID, id: created.ID, version: 2, a: change, code: crm.CodeConflict},
			{name: "regarding nowhere", tenant: f.Tenant.ID, id: created.ID, version: 3,
				a: crm.Activity{Subject: "x", Regarding: &crm.Regarding{Type: "account", ID: uuid.NewString()}}, code: crm.CodeInvalid},
			{name: "regarding of the wrong type", tenant: f.Tenant.ID, id: created.ID, version: 3,
				a: crm.Activity{Subject: "x", Regarding: &crm.Regarding{Type: "contact", ID: acct.ID}}, code: crm.CodeInvalid},
			{name: "a party that is no attendee", tenant: f.Tenant.ID, id: created.ID, version: 3,
				a: crm.Activity{Subject: "x", Parties: []crm.Party{{Role: crm.PartyOrganizer, Address: "eve@evil.test"}}}, code: crm.CodeInvalid},
			{name: "another tenant", tenant: storetest.NewTenant(t, s, "eve@evil.test").Tenant.ID, id: created.ID, version: 3, a: change, code: crm.CodeNotFound},
			{name: "no such activity", tenant: f.Tenant.ID, id: uuid.NewString(), version: 1, a: change, code: crm.CodeNotFound},
			{name: "malformed id", tenant: f.Tenant.ID, id: "nope", version: 1, a: change, code: crm.CodeNotFound},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.UpdateActivity(ctx, tc.tenant, tc.id, tc.version, tc.a)
				wantCode(t, err, tc.code)
				unchanged(t)
			})
		}
	})
}

func TestDeleteActivity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		task, err := s.CreateActivity(ctx, f.Tenant.ID, crm.Activity{Type: crm.ActivityTask, Subject: "Call back", Status: crm.StatusOpen, OwnerID: f.User.ID})
		if err != nil {
			t.Fatal(err)
		}
		other := storetest.NewTenant(t, s, "eve@evil.test")

		wantCode(t, s.DeleteActivity(ctx, f.Tenant.ID, task.ID, ptr(int64(2))), crm.CodeConflict)
		wantCode(t, s.DeleteActivity(ctx, other.Tenant.ID, task.ID, nil), crm.CodeNotFound)
		wantCode(t, s.DeleteActivity(ctx, f.Tenant.ID, "nope", nil), crm.CodeNotFound)
		if got, err := s.Activity(ctx, f.Tenant.ID, task.ID); err != nil || got.Version != 1 {
			t.Fatalf("the task changed: %+v, %v", got, err)
		}

		if err := s.DeleteActivity(ctx, f.Tenant.ID, task.ID, ptr(int64(1))); err != nil {
			t.Fatal(err)
		}
		_, err = s.Activity(ctx, f.Tenant.ID, task.ID)
		wantCode(t, err, crm.CodeNotFound)
		gone, err := s.ActivityAny(ctx, f.Tenant.ID, task.ID)
		if err != nil || !gone.Deleted || gone.Version != 2 || !gone.UpdatedAt.After(task.UpdatedAt) {
			t.Fatalf("deleted task = %+v, %v", gone, err)
		}
		changed, err := s.ChangedActivities(ctx, f.Tenant.ID, crm.ActivityTask, store.Owners{}, task.UpdatedAt)
		if err != nil || len(changed) != 1 || !changed[0].Deleted {
			t.Fatalf("the push does not see the delete: %+v, %v", changed, err)
		}
		wantCode(t, s.DeleteActivity(ctx, f.Tenant.ID, task.ID, nil), crm.CodeNotFound)
		wantCode(t, s.DeleteActivity(ctx, f.Tenant.ID, task.ID, ptr(int64(2))), crm.CodeNotFound)
	})
}
