package bench

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
)

// What each mailbox of a fleet holds. The CRM items are owned by the mailbox's user, so the default
// filters ("My appointments", "My contacts", "My tasks") push each of them to that user's Outlook.
const (
	inboxPerMailbox        = 3
	contactsPerMailbox     = 2
	appointmentsPerMailbox = 2
	tasksPerMailbox        = 1
	pushedPerMailbox       = contactsPerMailbox + appointmentsPerMailbox + tasksPerMailbox
)

// seedBatch is how many users' CRM items one transaction writes: small enough that River, on SQLite,
// is not kept from the database for long.
const seedBatch = 50

// fleetUser is one seeded mailbox and the CRM items its user owns.
type fleetUser struct {
	user         crm.User
	contacts     []crm.Record // contactsPerMailbox, the first one's address writes the changed cycle's email
	appointments []string     // CRM ids
}

// fleet is the seeded tenant, in server mode, and its mailboxes.
type fleet struct {
	tenant crm.Tenant
	users  []fleetUser
}

// newServerTenant onboards a tenant in server mode with the default settings, with the id given (a new
// one when empty).
func newServerTenant(ctx context.Context, s *store.Store, id, name string) (crm.Tenant, error) {
	if id == "" {
		id = uuid.NewString()
	}
	t, err := s.EnsureTenant(ctx, id, name)
	if err != nil {
		return crm.Tenant{}, err
	}
	if err := s.UpdateTenantSettings(ctx, t.ID, crm.SyncModeServer, crm.DefaultTenantSettings()); err != nil {
		return crm.Tenant{}, err
	}
	return s.Tenant(ctx, t.ID)
}

// addUsers creates n users of the tenant (each with the default filters) and their fake mailboxes.
func addUsers(ctx context.Context, svc *syncService, tenantID string, n int, stderr io.Writer) ([]crm.User, error) {
	names := userNames(n)
	users := make([]crm.User, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 4 {
		wg.Go(func() {
			for i := range next {
				upn := names[i]
				users[i], errs[i] = svc.store.UserOnSight(ctx, crm.User{TenantID: tenantID, ObjectID: uuid.NewString(), UPN: upn,
					Email: upn, DisplayName: fmt.Sprintf("User %d", i+1)})
			}
		})
	}
	lastReport := time.Now()
	for i := range n {
		next <- i
		if time.Since(lastReport) >= 10*time.Second {
			progress(stderr, "seeding: %d of %d users", i, n)
			lastReport = time.Now()
		}
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("add user %s: %w", names[i], err)
		}
	}
	for _, u := range users {
		svc.fake.AddMailbox(u.ObjectID, u.UPN)
	}
	return users, nil
}

// seedFleet onboards one server-mode tenant with n users. Each has a fake mailbox with a few inbox
// messages (from before synchronization began, so never tracked) and owns a few CRM contacts,
// appointments and a task that its default filters push.
func seedFleet(ctx context.Context, svc *syncService, n int, stderr io.Writer) (*fleet, error) {
	tenant, err := newServerTenant(ctx, svc.store, svc.tenantID, "Benchmark fleet")
	if err != nil {
		return nil, err
	}
	users, err := addUsers(ctx, svc, tenant.ID, n, stderr)
	if err != nil {
		return nil, err
	}
	f := &fleet{tenant: tenant, users: make([]fleetUser, n)}
	sent := time.Now().Add(-2 * time.Hour)
	for i, u := range users {
		f.users[i].user = u
		for j := range inboxPerMailbox {
			svc.fake.AddMessage(u.ObjectID, "inbox", outlook.Message{
				InternetMessageID: fmt.Sprintf("<fleet-%d-%d@fabrikam.test>", i, j), Subject: fmt.Sprintf("Earlier message %d", j),
				Body: "Sent before synchronization began.", From: outlook.Address{Name: "Sam Sender", Email: "sam.sender@fabrikam.test"},
				To: []outlook.Address{{Email: u.UPN}}, SentAt: sent, ReceivedAt: sent})
		}
	}
	lastReport := time.Now()
	for lo := 0; lo < n; lo += seedBatch {
		hi := min(lo+seedBatch, n)
		err := svc.store.InTx(ctx, func(tx *store.Tx) error {
			for i := lo; i < hi; i++ {
				if err := f.seedCRM(ctx, svc.store, tx, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("seed CRM items: %w", err)
		}
		if time.Since(lastReport) >= 10*time.Second {
			progress(stderr, "seeding: CRM items of %d of %d users", hi, n)
			lastReport = time.Now()
		}
	}
	return f, nil
}

// seedCRM writes the CRM items of user i: contacts, appointments with the first contact as attendee,
// and a task, spread over the coming months.
func (f *fleet) seedCRM(ctx context.Context, s *store.Store, tx *store.Tx, i int) error {
	fu := &f.users[i]
	owner := fu.user.ID
	for j := range contactsPerMailbox {
		r, err := tx.CreateRecord(ctx, f.tenant.ID, crm.TypeContact, owner, crm.RecordInput{Fields: map[string]any{
			"firstName": fmt.Sprintf("Contact%d", j+1), "lastName": fmt.Sprintf("Of User %d", i+1),
			"email": fmt.Sprintf("contact%d.user%d@fabrikam.test", j+1, i+1), "phone": fmt.Sprintf("+1 555 %04d", (i*7+j)%10000)}})
		if err != nil {
			return err
		}
		fu.contacts = append(fu.contacts, r)
	}
	day := time.Now().UTC().Truncate(time.Hour).Add(24 * time.Hour)
	for j := range appointmentsPerMailbox {
		start := day.Add(time.Duration((i+j*30)%180) * 24 * time.Hour).Add(time.Duration(9+j) * time.Hour)
		end := start.Add(time.Hour)
		a, err := tx.CreateActivity(ctx, f.tenant.ID, crm.Activity{Type: crm.ActivityAppointment, Subject: fmt.Sprintf("Meeting %d", j+1),
			Body: "Agenda", Start: &start, End: &end, Location: "Room 1", Status: "scheduled", OwnerID: owner,
			Parties: []crm.Party{{Role: crm.PartyRequired, Address: fmt.Sprintf("contact1.user%d@fabrikam.test", i+1)}}})
		if err != nil {
			return err
		}
		fu.appointments = append(fu.appointments, a.ID)
	}
	for j := range tasksPerMailbox {
		due := day.Add(time.Duration(7+i%30) * 24 * time.Hour)
		if _, err := tx.CreateActivity(ctx, f.tenant.ID, crm.Activity{Type: crm.ActivityTask, Subject: fmt.Sprintf("Follow up %d", j+1),
			Body: "Call back", Due: &due, Status: "open", OwnerID: owner}); err != nil {
			return err
		}
	}
	return nil
}

// checkPushed fails unless every CRM item of the fleet is linked to an Outlook copy crmsync created.
func (f *fleet) checkPushed(ctx context.Context, svc *syncService) error {
	return f.checkPushedN(ctx, svc, len(f.users)*pushedPerMailbox)
}
