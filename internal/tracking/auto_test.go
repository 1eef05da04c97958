package tracking_test

import (
	"context"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
	"github.com/crmsync/crmsync/internal/tracking"
)

func TestSubmitAuto(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		ctx := context.Background()
		auto := func(m outlook.Message) (crm.TrackRequest, bool) {
			t.Helper()
			req, queued, err := e.auto.SubmitAuto(ctx, e.queue, tracking.AutoItem{TenantID: e.tenant.ID, UserID: e.alice.ID, ImmutableID: m.ID,
				Kind: outlook.KindMessage, InternetMessageID: m.InternetMessageID, ConversationID: m.ConversationID})
			if err != nil {
				t.Fatalf("SubmitAuto: %v", err)
			}
			return req, queued
		}

		t.Run("tracks through the worker, once", func(t *testing.T) {
			m, _ := e.mail(e.alice, outlook.Message{Subject: "Auto", From: outlook.Address{Email: "grace@fabrikam.test"}})
			req, queued := auto(m)
			if !queued {
				t.Fatal("the first submission was not queued")
			}
			again, queued := auto(m)
			if queued || again.ID != req.ID {
				t.Errorf("a second submission queued %v, request %s, want the same request %s", queued, again.ID, req.ID)
			}
			wantDone(t, e.wait(e.alice, req.ID))
			if _, queued := auto(m); queued {
				t.Error("a submission after the item was tracked was queued")
			}
			if stamped, _ := e.fake.Message(e.alice.ObjectID, m.ID); stamped.Stamp == "" {
				t.Error("the message was not stamped")
			}
		})

		t.Run("the same email as a click is one activity", func(t *testing.T) {
			m, rest := e.mail(e.alice, outlook.Message{Subject: "Clicked", From: outlook.Address{Email: "grace@fabrikam.test"}})
			clicked := e.track(e.alice, tracking.Click{ItemID: rest, ItemType: "message", InternetMessageID: m.InternetMessageID})
			wantDone(t, clicked)
			if req, queued := auto(m); queued || req.ID != clicked.ID {
				t.Errorf("auto after a click queued %v, request %s, want the click's %s", queued, req.ID, clicked.ID)
			}
		})

		t.Run("never overrides an untrack", func(t *testing.T) {
			m, rest := e.mail(e.alice, outlook.Message{Subject: "Untracked", From: outlook.Address{Email: "grace@fabrikam.test"}})
			wantDone(t, e.track(e.alice, tracking.Click{ItemID: rest, ItemType: "message"}))
			wantDone(t, e.track(e.alice, tracking.Click{Action: crm.ActionUntrack, ItemID: rest, ItemType: "message"}))
			if _, queued := auto(m); queued {
				t.Error("auto-tracking queued a message the user untracked")
			}
		})
	})
}
