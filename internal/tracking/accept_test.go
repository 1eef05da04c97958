package tracking_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
	"github.com/crmsync/crmsync/internal/tracking"
)

// The accept path does not ask Graph whether the item is the user's: a click on another mailbox's item is
// accepted, and its worker, which reads the item through the clicking user's mailbox, refuses it with a
// reason and creates nothing: no activity, no link, no stamp on either mailbox's copy.
func TestAnotherMailboxsItemCreatesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s)
		bobs, bobsREST := e.mail(e.bob, outlook.Message{Subject: "Bob's", From: dana})

		req := e.track(e.alice, tracking.Click{ItemID: bobsREST, ItemType: "message", InternetMessageID: bobs.InternetMessageID})
		if req.State != crm.StateFailed || !strings.Contains(req.Error, "not in your mailbox") {
			t.Fatalf("request = %s %q, want failed: not in your mailbox", req.State, req.Error)
		}
		if n := e.count(""); n != 0 {
			t.Fatalf("%d activities created", n)
		}
		for _, id := range []string{bobs.ID, bobsREST} {
			if _, err := s.ItemLink(ctx, e.tenant.ID, e.alice.ID, id); !crm.IsNotFound(err) {
				t.Fatalf("alice has a link to bob's item: %v", err)
			}
		}
		if got, _ := e.fake.Message(e.bob.ObjectID, bobs.ID); got.Stamp != "" || e.fake.StampWrites(e.bob.ObjectID, bobs.ID) != 0 {
			t.Fatalf("bob's item was stamped: %q", got.Stamp)
		}
	})
}

// Exchange gives an item a new REST id when it moves to another folder; its immutable id stays. A click
// after the move is a new request (the accept path cannot know it is the same item), and its worker
// finds the item's link through the immutable id: the same activity, no second stamp.
func TestClickAfterAFolderMoveIsTheSameActivity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s)
		msg, rest := e.mail(e.alice, outlook.Message{Subject: "Moving", From: dana})
		first := e.track(e.alice, tracking.Click{ItemID: rest, ItemType: "message"})
		wantDone(t, first)
		if first.ImmutableID != msg.ID {
			t.Fatalf("the worker learnt immutable id %q, want %q", first.ImmutableID, msg.ID)
		}

		moved := e.fake.MoveMessage(e.alice.ObjectID, msg.ID, "archive")
		if moved == rest {
			t.Fatal("the move kept the REST id")
		}
		again := e.track(e.alice, tracking.Click{ItemID: moved, ItemType: "message"})
		wantDone(t, again)
		if again.ActivityID != first.ActivityID {
			t.Fatalf("the click after the move made activity %s, want %s", again.ActivityID, first.ActivityID)
		}
		if n, writes := e.count("email"), e.fake.StampWrites(e.alice.ObjectID, msg.ID); n != 1 || writes != 1 {
			t.Fatalf("activities %d, stamp writes %d; want 1 and 1", n, writes)
		}
		link, err := s.ItemLink(ctx, e.tenant.ID, e.alice.ID, moved)
		if err != nil || link.ItemID != msg.ID || link.ActivityID != first.ActivityID {
			t.Fatalf("link by the new REST id = %+v, %v", link, err)
		}
		// Untrack by the new REST id finds the item through its link.
		wantDone(t, e.track(e.alice, tracking.Click{Action: crm.ActionUntrack, ItemID: moved, ItemType: "message"}))
		if got, _ := e.fake.Message(e.alice.ObjectID, msg.ID); got.Stamp != "" {
			t.Fatalf("the moved item is still stamped %q", got.Stamp)
		}
	})
}

// An untrack by the REST id an item got when it moved, with no click since, finds the item through its
// immutable id, which the worker reads with the item (in server mode Graph does not translate ids for
// app-only tokens, nor does graphfake): the stamp and the link go, and Graph translated nothing.
func TestUntrackAfterAFolderMove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s)
		msg, rest := e.mail(e.alice, outlook.Message{Subject: "Moving", From: dana})
		wantDone(t, e.track(e.alice, tracking.Click{ItemID: rest, ItemType: "message"}))
		moved := e.fake.MoveMessage(e.alice.ObjectID, msg.ID, "archive")

		wantDone(t, e.track(e.alice, tracking.Click{Action: crm.ActionUntrack, ItemID: moved, ItemType: "message"}))
		if got, _ := e.fake.Message(e.alice.ObjectID, msg.ID); got.Stamp != "" {
			t.Fatalf("the moved item is still stamped %q", got.Stamp)
		}
		if _, err := s.ItemLink(ctx, e.tenant.ID, e.alice.ID, msg.ID); !crm.IsNotFound(err) {
			t.Fatalf("link after the untrack: %v", err)
		}
		if n := e.fake.Requests("POST /users/{user}/translateExchangeIds"); n != 0 {
			t.Fatalf("%d translateExchangeIds calls", n)
		}
	})
}

// A retried click, still queued or done, is the same request and queues nothing new; a click after a
// failure takes the same request up again.
func TestRetriedClicksAndClicksAfterAFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s)
		msg, rest := e.mail(e.alice, outlook.Message{Subject: "Twice", From: dana})
		click := tracking.Click{ItemID: rest, ItemType: "message"}

		// Graph fails the worker's first two reads, so the retry meets the request still open.
		e.fake.InjectFault("GET /users/{user}/messages/{id}", graphfake.Fault{Status: 503, Times: 2})
		first, err := e.submit(e.alice, click)
		if err != nil {
			t.Fatal(err)
		}
		retried, err := e.submit(e.alice, click)
		if err != nil || retried.ID != first.ID || retried.Generation != first.Generation {
			t.Fatalf("retry while open = %+v, %v; want request %s generation %d", retried, err, first.ID, first.Generation)
		}
		wantDone(t, e.wait(e.alice, first.ID))
		if n, _ := s.CountTrackRequests(ctx, e.tenant.ID); n != 1 {
			t.Fatalf("%d requests, want 1", n)
		}
		if e.count("email") != 1 || e.fake.StampWrites(e.alice.ObjectID, msg.ID) != 1 {
			t.Fatalf("activities %d, stamp writes %d", e.count("email"), e.fake.StampWrites(e.alice.ObjectID, msg.ID))
		}

		// A click that failed for good is worked again when clicked again.
		other, otherREST := e.mail(e.alice, outlook.Message{Subject: "Denied first", From: dana})
		e.fake.InjectFault("GET /users/{user}/messages/{id}", graphfake.Fault{Status: 403, Times: 1})
		failed := e.track(e.alice, tracking.Click{ItemID: otherREST, ItemType: "message"})
		if failed.State != crm.StateFailed {
			t.Fatalf("request = %s, want failed", failed.State)
		}
		after := e.track(e.alice, tracking.Click{ItemID: otherREST, ItemType: "message"})
		wantDone(t, after)
		if after.ID != failed.ID || after.Generation != failed.Generation+1 || after.Error != "" {
			t.Fatalf("click after the failure = %+v; want request %s at generation %d", after, failed.ID, failed.Generation+1)
		}
		if got, _ := e.fake.Message(e.alice.ObjectID, other.ID); got.Stamp != after.ActivityID {
			t.Fatalf("stamp %q, want %s", got.Stamp, after.ActivityID)
		}
	})
}

// Clicks that arrive together are stored together (one transaction for the clicks accepted while the
// previous one commits): each is still its own request, a click repeated in the same instant is the
// same request, and every item is worked once.
func TestClicksAtOnceAreEachStoredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := setup(t, s)
		const items, repeats = 12, 4
		var rests, ids []string
		for i := range items {
			m, rest := e.mail(e.alice, outlook.Message{Subject: fmt.Sprintf("At once %d", i), From: dana})
			rests, ids = append(rests, rest), append(ids, m.ID)
		}
		got := make([][]crm.TrackRequest, items)
		for i := range got {
			got[i] = make([]crm.TrackRequest, repeats)
		}
		var wg sync.WaitGroup
		for i := range items {
			for r := range repeats {
				wg.Go(func() {
					req, err := e.submit(e.alice, tracking.Click{ItemID: rests[i], ItemType: "message"})
					if err != nil {
						t.Errorf("click %d/%d: %v", i, r, err)
					}
					got[i][r] = req
				})
			}
		}
		wg.Wait()
		for i := range items {
			for r := range repeats {
				if got[i][r].ID != got[i][0].ID {
					t.Fatalf("item %d: clicks made requests %s and %s", i, got[i][0].ID, got[i][r].ID)
				}
			}
			wantDone(t, e.wait(e.alice, got[i][0].ID))
			if w := e.fake.StampWrites(e.alice.ObjectID, ids[i]); w != 1 {
				t.Errorf("item %d stamped %d times", i, w)
			}
		}
		if n, _ := s.CountTrackRequests(ctx, e.tenant.ID); n != items {
			t.Fatalf("%d requests, want %d", n, items)
		}
		if n := e.count("email"); n != items {
			t.Fatalf("%d activities, want %d", n, items)
		}
	})
}
