package mailsync_test

import (
	"context"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

const (
	leadAddr     = "lena@fabrikam.test"
	partnerAddr  = "pat@partners.test"
	strangerAddr = "sam@elsewhere.test"
	trackedID    = "<tracked-original@contoso.test>"
)

// autoTrackWorld gives alice a lead, a record of a custom type with an email field, and a tracked email
// that replies can answer.
func autoTrackWorld(t *testing.T, e *deltaEnv) {
	t.Helper()
	ctx := context.Background()
	e.record(crm.TypeLead, map[string]any{"firstName": "Lena", "lastName": "Lead", "email": leadAddr})
	partner := crm.EntityType{Name: "partner", Fields: []crm.Field{{Name: "email", Kind: crm.KindEmail}}}
	if _, err := e.store.CreateEntityType(ctx, e.tenant.ID, partner); err != nil {
		t.Fatal(err)
	}
	e.record("partner", map[string]any{"name": "Pat", "email": partnerAddr})
	if _, err := e.store.CreateActivity(ctx, e.tenant.ID, crm.Activity{Type: crm.ActivityEmail, Subject: "Offer", Status: "sent",
		Direction: "outgoing", OwnerID: e.alice.ID, InternetMessageID: trackedID, ConversationID: "conv-tracked"}); err != nil {
		t.Fatal(err)
	}
}

func from(addr string) outlook.Address { return outlook.Address{Name: addr, Email: addr} }

func TestAutoTrackOptions(t *testing.T) {
	cases := []struct {
		option          string
		match, nonMatch outlook.Message
	}{
		{crm.AutoTrackNone,
			outlook.Message{}, // nothing matches
			outlook.Message{Subject: "from a lead", From: from(leadAddr)}},
		{crm.AutoTrackResponses,
			outlook.Message{Subject: "Re: Offer", From: from(strangerAddr), InReplyTo: trackedID, References: []string{trackedID}},
			outlook.Message{Subject: "from a lead, new thread", From: from(leadAddr)}},
		{crm.AutoTrackLeadsContactsAccounts,
			outlook.Message{Subject: "from a lead", From: from(leadAddr)},
			outlook.Message{Subject: "from a partner", From: from(partnerAddr)}},
		{crm.AutoTrackEmailEnabledRecords,
			outlook.Message{Subject: "from a partner", From: from(partnerAddr)},
			outlook.Message{Subject: "from a stranger", From: from(strangerAddr)}},
		{crm.AutoTrackAll,
			outlook.Message{Subject: "from a stranger", From: from(strangerAddr)},
			outlook.Message{Subject: "a draft", From: from(strangerAddr), IsDraft: true}},
	}
	for _, c := range cases {
		t.Run(c.option, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				e := newDeltaEnv(t, s)
				autoTrackWorld(t, e)
				e.option(c.option)
				old := e.mail("inbox", outlook.Message{Subject: "before synchronization", From: from(leadAddr),
					ReceivedAt: time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)})
				if n := e.pass(); n != 0 {
					t.Fatalf("the first pass queued %d messages; it only records where the mailbox stands", n)
				}

				var match outlook.Message
				wantQueued := 0
				if c.match.Subject != "" {
					match = e.mail("inbox", c.match)
					wantQueued = 1
				}
				nonMatch := e.mail("inbox", c.nonMatch)
				if n := e.pass(); n != wantQueued {
					t.Fatalf("pass queued %d messages, want %d", n, wantQueued)
				}
				e.settle()
				got := e.activities()
				if match.ID != "" {
					if got[match.InternetMessageID] != 1 {
						t.Errorf("the matching message has %d activities, want 1", got[match.InternetMessageID])
					}
					if stamped, _ := e.fake.Message(e.alice.ObjectID, match.ID); stamped.Stamp == "" {
						t.Errorf("the matching message was not stamped")
					}
					if l, err := e.store.ItemLink(context.Background(), e.tenant.ID, e.alice.ID, match.ID); err != nil || l.Reason != crm.ReasonAuto {
						t.Errorf("link = %+v (%v), want reason auto", l, err)
					}
				}
				for _, m := range []outlook.Message{nonMatch, old} {
					if got[m.InternetMessageID] != 0 {
						t.Errorf("%q was tracked", m.Subject)
					}
				}

				// The stamp makes the tracked message show in delta again: it must not be queued again.
				if n := e.pass(); n != 0 {
					t.Errorf("a pass after the stamp queued %d messages, want 0", n)
				}
				if n := e.pass(); n != 0 {
					t.Errorf("a pass without changes queued %d messages, want 0", n)
				}
				e.settle()
				if match.ID != "" && e.fake.StampWrites(e.alice.ObjectID, match.ID) != 1 {
					t.Errorf("stamp writes = %d, want 1", e.fake.StampWrites(e.alice.ObjectID, match.ID))
				}
				if again := e.activities(); len(again) != len(got) {
					t.Errorf("activities went from %v to %v", got, again)
				}
			})
		})
	}
}

// Sent mail is tracked only when the tenant says so, and is judged by its recipients.
func TestAutoTrackSentItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newDeltaEnv(t, s)
		autoTrackWorld(t, e)
		e.option(crm.AutoTrackLeadsContactsAccounts)
		settings := e.tenant.Settings
		settings.TrackSentItems = true
		if err := s.UpdateTenantSettings(context.Background(), e.tenant.ID, e.tenant.SyncMode, settings); err != nil {
			t.Fatal(err)
		}
		e.pass()
		toLead := e.mail("sentitems", outlook.Message{Subject: "to a lead", From: from(e.alice.UPN), To: []outlook.Address{from(leadAddr)}})
		toStranger := e.mail("sentitems", outlook.Message{Subject: "to a stranger", From: from(e.alice.UPN), To: []outlook.Address{from(strangerAddr)}})
		if n := e.pass(); n != 1 {
			t.Fatalf("pass queued %d, want 1", n)
		}
		e.settle()
		got := e.activities()
		if got[toLead.InternetMessageID] != 1 || got[toStranger.InternetMessageID] != 0 {
			t.Errorf("activities %v: want the one to the lead only", got)
		}
	})
}
