package graph_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/outlook"
)

// round follows a delta round to its end and returns every page's messages, removals and the deltaLink.
func round(t *testing.T, mb *graph.Mailbox, link string) (msgs []outlook.Message, removed []string, deltaLink string, pages int) {
	t.Helper()
	for {
		page, err := mb.MessagesDelta(context.Background(), "inbox", link)
		if err != nil {
			t.Fatalf("MessagesDelta: %v", err)
		}
		pages++
		msgs = append(msgs, page.Messages...)
		removed = append(removed, page.Removed...)
		if page.NextLink == "" {
			return msgs, removed, page.DeltaLink, pages
		}
		link = page.NextLink
	}
}

func ids(msgs []outlook.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.ID)
	}
	slices.Sort(out)
	return out
}

func TestMessagesDelta(t *testing.T) {
	t.Run("follows pages to the end with immutable ids", func(t *testing.T) {
		mb, b := setup(t)
		var want []string
		for range 120 {
			m := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "hello", From: outlook.Address{Email: "grace@fabrikam.test"}})
			want = append(want, m.ID)
		}
		b.fake.AddMessage(userID, "sentitems", outlook.Message{Subject: "elsewhere"})
		msgs, removed, link, pages := round(t, mb, "")
		slices.Sort(want)
		if got := ids(msgs); !slices.Equal(got, want) {
			t.Errorf("round listed %d messages, want the %d of the inbox", len(got), len(want))
		}
		if pages != 3 || len(removed) != 0 || link == "" {
			t.Errorf("pages %d, removed %d, deltaLink %q; want 3 pages of at most 50, none removed, a link", pages, len(removed), link)
		}
		m := msgs[0]
		if m.From.Email != "grace@fabrikam.test" || m.InternetMessageID == "" || m.ConversationID == "" || m.ChangeKey == "" || m.Subject != "hello" {
			t.Errorf("message lacks what auto-tracking needs: %+v", m)
		}
	})

	t.Run("a later round returns only the changes and removals", func(t *testing.T) {
		mb, b := setup(t)
		a := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "a"})
		gone := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "gone"})
		b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "same"})
		_, _, link, _ := round(t, mb, "")

		msgs, removed, link2, _ := round(t, mb, link)
		if len(msgs) != 0 || len(removed) != 0 {
			t.Fatalf("no change: got %d messages, %d removed", len(msgs), len(removed))
		}
		b.fake.UpdateMessage(userID, a.ID, func(m *outlook.Message) { m.Subject = "a, edited" })
		b.fake.DeleteItem(userID, gone.ID)
		added := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "new"})
		msgs, removed, _, _ = round(t, mb, link2)
		if got, want := ids(msgs), ids([]outlook.Message{a, added}); !slices.Equal(got, want) {
			t.Errorf("changed: %v, want %v", got, want)
		}
		if !slices.Equal(removed, []string{gone.ID}) {
			t.Errorf("removed: %v, want [%s]", removed, gone.ID)
		}
	})

	t.Run("an expired link is a sync reset", func(t *testing.T) {
		mb, b := setup(t)
		b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "a"})
		_, _, link, _ := round(t, mb, "")
		b.fake.ExpireDeltaTokens(userID)
		_, err := mb.MessagesDelta(context.Background(), "inbox", link)
		if !errors.Is(err, outlook.ErrSyncReset) {
			t.Fatalf("err = %v, want ErrSyncReset", err)
		}
		if msgs, _, _, _ := round(t, mb, ""); len(msgs) != 1 {
			t.Errorf("a fresh round lists %d messages, want 1", len(msgs))
		}
	})
}
