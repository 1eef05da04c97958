package mailsync_test

import (
	"context"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// Email from an address or domain on a never-track list (the tenant's or the user's own) is never
// tracked automatically, whatever the option; the same option still picks a sender that is not on a
// list. With "all", the organisation's own domains are on the list.
func TestNeverTrackListsOverEveryOption(t *testing.T) {
	const otherLead = "lou@wingtiptoys.test"
	cases := []struct {
		option       string
		tenant, user []string // entries on the lists
		skipped      []outlook.Message
		tracked      outlook.Message
	}{
		{option: crm.AutoTrackResponses, user: []string{leadAddr},
			skipped: []outlook.Message{{Subject: "Re: Offer (from the lead)", From: from(leadAddr), InReplyTo: trackedID}},
			tracked: outlook.Message{Subject: "Re: Offer (from a stranger)", From: from(strangerAddr), InReplyTo: trackedID}},
		{option: crm.AutoTrackLeadsContactsAccounts, tenant: []string{"fabrikam.test"},
			skipped: []outlook.Message{{Subject: "from a lead at a never-tracked domain", From: from(leadAddr)}},
			tracked: outlook.Message{Subject: "from another lead", From: from(otherLead)}},
		{option: crm.AutoTrackEmailEnabledRecords, user: []string{"@partners.test"},
			skipped: []outlook.Message{{Subject: "from the partner", From: from(partnerAddr)}},
			tracked: outlook.Message{Subject: "from a lead", From: from(leadAddr)}},
		{option: crm.AutoTrackAll, tenant: []string{strangerAddr},
			skipped: []outlook.Message{
				{Subject: "from a colleague", From: from("bob@contoso.test")},
				{Subject: "from a never-tracked stranger", From: from(strangerAddr)}},
			tracked: outlook.Message{Subject: "from a lead", From: from(leadAddr)}},
	}
	for _, c := range cases {
		t.Run(c.option, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				e := newDeltaEnv(t, s)
				autoTrackWorld(t, e)
				e.record(crm.TypeLead, map[string]any{"firstName": "Lou", "lastName": "Lead", "email": otherLead})
				storetest.NewUser(t, s, e.tenant.ID, "bob@contoso.test")
				e.option(c.option)
				for _, v := range c.tenant {
					add(t, s, e.tenant.ID, "", v)
				}
				for _, v := range c.user {
					add(t, s, e.tenant.ID, e.alice.ID, v)
				}
				e.pass()
				var skipped []outlook.Message
				for _, m := range c.skipped {
					skipped = append(skipped, e.mail("inbox", m))
				}
				tracked := e.mail("inbox", c.tracked)
				if n := e.pass(); n != 1 {
					t.Fatalf("the pass queued %d messages, want 1 (the sender on no list)", n)
				}
				e.settle()
				got := e.activities()
				if got[tracked.InternetMessageID] != 1 {
					t.Errorf("%q was not tracked", tracked.Subject)
				}
				for _, m := range skipped {
					if got[m.InternetMessageID] != 0 {
						t.Errorf("%q was tracked, though its sender is on a never-track list", m.Subject)
					}
					if _, err := s.ItemLink(ctx, e.tenant.ID, e.alice.ID, m.ID); !crm.IsNotFound(err) {
						t.Errorf("%q is linked (%v)", m.Subject, err)
					}
				}
			})
		})
	}
}

func add(t *testing.T, s *store.Store, tenantID, userID, raw string) {
	t.Helper()
	v, _, ok := crm.NormalizeNeverTrack(raw)
	if !ok {
		t.Fatalf("%q is not an address or a domain", raw)
	}
	if _, err := s.AddNeverTrack(context.Background(), tenantID, userID, v); err != nil {
		t.Fatal(err)
	}
}
