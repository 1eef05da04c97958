package api_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// trackedEmail stores an email from address as tracking would, owned by the user and linked to their
// Outlook item at trackedAt.
func trackedEmail(t *testing.T, s *store.Store, userID, subject, address string, trackedAt time.Time) crm.Activity {
	t.Helper()
	ctx := context.Background()
	parties := []crm.Party{{Role: crm.PartyFrom, Address: address}}
	if err := s.ResolveParties(ctx, identity.DevTenantID, parties); err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateActivity(ctx, identity.DevTenantID, crm.Activity{Type: crm.ActivityEmail, Subject: subject, OwnerID: userID,
		Direction: "incoming", InternetMessageID: "<" + subject + "@fabrikam.test>", Parties: parties})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveItemLink(ctx, crm.ItemLink{TenantID: identity.DevTenantID, UserID: userID, ItemID: "AAMk" + a.ID, Kind: "message",
		ActivityID: a.ID, Reason: crm.ReasonTracked, CreatedAt: trackedAt}); err != nil {
		t.Fatal(err)
	}
	return a
}

// GET /activities?party=type:id lists the activities the caller may read with that record among their
// parties; each tracked one says who tracked it and when.
func TestActivitiesByParty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", identity.RoleAdmin), e.token("bob@contoso.test")
		bobID, aliceID := e.userID(bob), e.userID(alice)
		dana := e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"firstName": "Dana", "lastName": "Whitfield", "email": "dana@fabrikam.test"}})
		trackedAt := time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC)
		email := trackedEmail(t, s, bobID, "Renewal terms", "Dana@Fabrikam.test", trackedAt)
		trackedEmail(t, s, bobID, "Newsletter", "news@elsewhere.test", trackedAt)
		trackedEmail(t, s, aliceID, "Alice's thread", "dana@fabrikam.test", trackedAt) // bob reads only his own
		var appt crm.Activity
		e.do(http.MethodPost, "/api/v1/activities", bob, appointmentBody(func(b map[string]any) {
			b["parties"] = []map[string]any{{"role": "required", "address": "dana@fabrikam.test"}}
		})).want(http.StatusCreated, &appt)

		var list struct {
			Items      []crm.Activity
			NextCursor string
		}
		e.do(http.MethodGet, "/api/v1/activities?party=contact:"+dana.ID, bob, nil).want(http.StatusOK, &list)
		var got []string
		for _, a := range list.Items {
			got = append(got, a.Subject)
		}
		if !slices.Equal(got, []string{appt.Subject, email.Subject}) {
			t.Fatalf("bob's activities with dana = %v", got)
		}
		links := list.Items[1].Links
		if len(links) != 1 || links[0].UserID != bobID || links[0].UserName != "Bob" || links[0].Reason != crm.ReasonTracked ||
			!links[0].TrackedAt.Equal(trackedAt) {
			t.Fatalf("links = %+v", links)
		}
		// alice, who reads everything, sees hers too; party and regarding combine.
		e.do(http.MethodGet, "/api/v1/activities?party=contact:"+dana.ID, alice, nil).want(http.StatusOK, &list)
		if len(list.Items) != 3 {
			t.Fatalf("alice's activities with dana = %d", len(list.Items))
		}
		e.do(http.MethodGet, "/api/v1/activities?party=contact:"+dana.ID+"&regarding=contact:"+dana.ID, alice, nil).want(http.StatusOK, &list)
		if len(list.Items) != 0 {
			t.Fatalf("regarding and party = %+v", list.Items)
		}
		// Paged one at a time, the pages join up.
		var paged []string
		for _, a := range allPages[crm.Activity](e, bob, "/api/v1/activities?party=contact:"+dana.ID, 1) {
			paged = append(paged, a.Subject)
		}
		if !slices.Equal(paged, got) {
			t.Fatalf("paged = %v, want %v", paged, got)
		}
	})
}

// A party filter that names no readable record gets a clear 4xx and changes nothing.
func TestActivitiesByPartyBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", identity.RoleAdmin), e.token("bob@contoso.test")
		hers := e.seedRecord(alice, "contact", map[string]any{"fields": map[string]any{"lastName": "Private"}})
		for _, tc := range []struct {
			name, query string
			status      int
		}{
			{"not type:id", "?party=" + hers.ID, http.StatusUnprocessableEntity},
			{"no id", "?party=contact:", http.StatusUnprocessableEntity},
			{"a record bob may not read", "?party=contact:" + hers.ID, http.StatusNotFound},
			{"an unknown type", "?party=spaceship:" + hers.ID, http.StatusNotFound},
			{"a record that does not exist", "?party=contact:6c1d4bb0-4d3e-4a8e-9a59-8d1b7f0f7c11", http.StatusNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := e.do(http.MethodGet, "/api/v1/activities"+tc.query, bob, nil).problem(tc.status)
				if tc.status == http.StatusUnprocessableEntity && !hasFieldError(p.Errors, "party") {
					t.Fatalf("errors = %+v", p.Errors)
				}
				if n, _ := s.CountRecords(context.Background(), identity.DevTenantID, ""); n != 1 {
					t.Fatalf("records = %d", n)
				}
			})
		}
	})
}
