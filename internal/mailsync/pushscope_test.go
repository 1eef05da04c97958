package mailsync_test

import (
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// With filters that pick only the user's own items, a later pass reads only the CRM changes that
// concern the user's Outlook: their own items, and another owner's item their Outlook holds (here a
// contact they tracked), whose change still reaches Outlook. Another owner's change to an item the user
// does not hold is not read at all, and reaches nothing.
func TestIncrementalPushSeesOwnAndHeldChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newItemsEnv(t, s)
		if err := s.SetAccessRule(e.ctx, e.tenant.ID, crm.AccessRule{Role: crm.RoleUser, RecordType: crm.TypeContact,
			Operation: crm.OpRead, Level: crm.LevelAll}); err != nil {
			t.Fatal(err)
		}
		e.filter(e.alice, crm.TypeContact, `{"and":[{"field":"ownerId","op":"eq","value":"@me"}]}`)
		mine := e.contact(e.alice, map[string]any{"firstName": "Mine", "lastName": "One", "email": "mine@fabrikam.test"})
		held := e.contact(e.bob, map[string]any{"firstName": "Held", "lastName": "Two", "email": "held@fabrikam.test"})
		other := e.contact(e.bob, map[string]any{"firstName": "Other", "lastName": "Three", "email": "other@fabrikam.test"})
		tracked := e.fake.AddContact(e.alice.ObjectID, outlook.Contact{GivenName: "Held", Surname: "Two",
			EmailAddresses: []outlook.Address{{Email: "held@fabrikam.test"}}})
		if err := s.SaveItemLink(e.ctx, crm.ItemLink{TenantID: e.tenant.ID, UserID: e.alice.ID, ItemID: tracked.ID,
			Kind: string(outlook.KindContact), RecordID: held.ID, Reason: crm.ReasonTracked}); err != nil {
			t.Fatal(err)
		}
		e.mustPass(e.alice)
		e.mustPass(e.alice) // the created contact comes back through delta
		ownCopy := e.mustLink(e.alice, outlook.KindContact, mine.ID)

		secondTick()
		e.updateContact(mine, map[string]any{"phone": "+1 555 0101"})
		e.updateContact(held, map[string]any{"phone": "+1 555 0102"})
		e.updateContact(other, map[string]any{"phone": "+1 555 0103"})
		if res := e.mustPass(e.alice); res.ItemsOut != 2 {
			t.Fatalf("ItemsOut = %d, want 2: the user's own contact and the one they hold", res.ItemsOut)
		}
		for id, want := range map[string]string{ownCopy.ItemID: "+1 555 0101", tracked.ID: "+1 555 0102"} {
			if got, _ := e.fake.Contact(e.alice.ObjectID, id); len(got.BusinessPhones) != 1 || got.BusinessPhones[0] != want {
				t.Errorf("Outlook contact %s has phones %v, want %s", id, got.BusinessPhones, want)
			}
		}
		if _, ok := e.link(e.alice, outlook.KindContact, other.ID); ok {
			t.Fatal("another owner's contact the user does not hold reached their Outlook")
		}
	})
}
