package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/api"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

type mailboxPage struct {
	Items []store.Mailbox `json:"items"`
}

// mailboxChecker answers mailbox checks with err and remembers which mailboxes it opened.
type mailboxChecker struct {
	err    error
	opened []string
}

func (m *mailboxChecker) check(_ context.Context, tenantID, objectID string) error {
	m.opened = append(m.opened, tenantID+"/"+objectID)
	return m.err
}

func withMailboxCheck(m *mailboxChecker) option {
	return func(d *api.Deps) { d.CheckMailbox = m.check }
}

func TestAdminMailboxes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		checker := &mailboxChecker{}
		e := setup(t, s, withMailboxCheck(checker))
		admin, user := e.token("admin@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		e.do(http.MethodGet, "/api/v1/me", user, nil).want(http.StatusOK, nil)
		bob, err := s.UserByObjectID(ctx, identity.DevTenantID, objectIDOf(t, s, "bob@contoso.test"))
		if err != nil {
			t.Fatal(err)
		}
		stranger := storetest.NewTenant(t, s, "eve@fabrikam.test")
		bobPath := "/api/v1/admin/mailboxes/" + bob.ID

		t.Run("non-admins are refused", func(t *testing.T) {
			e.do(http.MethodGet, "/api/v1/admin/mailboxes", user, nil).problem(http.StatusForbidden)
			e.do(http.MethodPost, bobPath+"/disable", user, nil).problem(http.StatusForbidden)
			e.do(http.MethodPost, bobPath+"/test-enable", user, nil).problem(http.StatusForbidden)
		})
		t.Run("unknown and other tenants' users are not found", func(t *testing.T) {
			for _, id := range []string{stranger.User.ID, "00000000-0000-4000-8000-000000000000"} {
				e.do(http.MethodPost, "/api/v1/admin/mailboxes/"+id+"/disable", admin, nil).problem(http.StatusNotFound)
				e.do(http.MethodPost, "/api/v1/admin/mailboxes/"+id+"/test-enable", admin, nil).problem(http.StatusNotFound)
			}
			if m, _ := s.Mailbox(ctx, stranger.Tenant.ID, stranger.User.ID); !m.Enabled || m.NextSyncAt != nil {
				t.Errorf("another tenant's mailbox changed: %+v", m)
			}
		})
		t.Run("list shows the tenant's users only", func(t *testing.T) {
			var p mailboxPage
			e.do(http.MethodGet, "/api/v1/admin/mailboxes", admin, nil).want(http.StatusOK, &p)
			var upns []string
			for _, m := range p.Items {
				upns = append(upns, m.UPN)
			}
			if strings.Join(upns, ",") != "admin@contoso.test,bob@contoso.test" {
				t.Errorf("listed %v", upns)
			}
		})
		t.Run("disable", func(t *testing.T) {
			var m store.Mailbox
			e.do(http.MethodPost, bobPath+"/disable", admin, nil).want(http.StatusOK, &m)
			if m.Enabled || m.DisabledReason != "disabled by an administrator" {
				t.Errorf("after disable: %+v", m)
			}
		})
		t.Run("a failing test changes nothing", func(t *testing.T) {
			checker.err = errors.New("crmsync may not access this mailbox")
			before, _ := s.Mailbox(ctx, bob.TenantID, bob.ID)
			p := e.do(http.MethodPost, bobPath+"/test-enable", admin, nil).problem(http.StatusUnprocessableEntity)
			if !strings.Contains(p.Detail, "may not access") {
				t.Errorf("detail %q does not say why", p.Detail)
			}
			after, _ := s.Mailbox(ctx, bob.TenantID, bob.ID)
			if after.Enabled || after.DisabledReason != before.DisabledReason || *after.NextSyncAt != *before.NextSyncAt {
				t.Errorf("a failed test changed the mailbox: %+v", after)
			}
		})
		t.Run("a passing test enables and schedules at once", func(t *testing.T) {
			checker.err, checker.opened = nil, nil
			var m store.Mailbox
			e.do(http.MethodPost, bobPath+"/test-enable", admin, nil).want(http.StatusOK, &m)
			if !m.Enabled || m.DisabledReason != "" || m.ConsecutiveFailures != 0 || m.Alert != "" || m.NextSyncAt == nil ||
				time.Since(*m.NextSyncAt) > time.Minute {
				t.Errorf("after test-enable: %+v", m)
			}
			if len(checker.opened) != 1 || checker.opened[0] != identity.DevTenantID+"/"+bob.ObjectID {
				t.Errorf("opened %v", checker.opened)
			}
		})
	})
}

// objectIDOf finds a user's Entra object id by UPN in the demo tenant.
func objectIDOf(t *testing.T, s *store.Store, upn string) string {
	t.Helper()
	list, err := s.Mailboxes(context.Background(), identity.DevTenantID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.UPN == upn {
			return m.ObjectID
		}
	}
	t.Fatalf("no user %s", upn)
	return ""
}
