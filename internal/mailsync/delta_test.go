package mailsync_test

import (
	"context"
	"errors"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/mailsync"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// When Graph drops the sync state, the folder is read again from scratch: what was tracked stays one
// activity, and what arrived meanwhile is tracked once.
func TestDeltaResyncWithoutDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newDeltaEnv(t, s)
		e.option(crm.AutoTrackAll)
		e.pass()
		first := e.mail("inbox", outlook.Message{Subject: "first", From: from(strangerAddr)})
		if n := e.pass(); n != 1 {
			t.Fatalf("pass queued %d, want 1", n)
		}
		e.settle()

		second := e.mail("inbox", outlook.Message{Subject: "second", From: from(strangerAddr)})
		e.fake.ExpireDeltaTokens(e.alice.ObjectID)
		if n := e.pass(); n != 1 {
			t.Fatalf("the resync queued %d, want 1 (the new message only)", n)
		}
		e.settle()
		if n := e.pass(); n != 0 {
			t.Errorf("a pass after the resync queued %d, want 0", n)
		}
		e.settle()
		got := e.activities()
		if len(got) != 2 || got[first.InternetMessageID] != 1 || got[second.InternetMessageID] != 1 {
			t.Errorf("activities = %v, want one for each message", got)
		}
		if n, err := s.CountTrackRequests(t.Context(), e.tenant.ID); err != nil || n != 2 {
			t.Errorf("track requests = %d, %v; want 2", n, err)
		}
	})
}

// failingReader fails the delta page after the first of each pass.
type failingReader struct {
	mailsync.MailReader
	pages int
}

func (f *failingReader) MessagesDelta(ctx context.Context, folder, link string) (mailsync.DeltaPage, error) {
	if f.pages++; f.pages > 1 {
		return mailsync.DeltaPage{}, &outlook.TransientError{Status: 503, Err: errors.New("unavailable")}
	}
	return f.MailReader.MessagesDelta(ctx, folder, link)
}

// A round that fails halfway keeps the previous deltaLink, so the next pass reads the whole round again;
// what the failed pass queued already is not queued twice.
func TestDeltaLinkSavedOnlyAfterACompleteRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newDeltaEnv(t, s)
		e.option(crm.AutoTrackAll)
		e.pass()
		before, _, err := s.DeltaLink(t.Context(), e.tenant.ID, e.alice.ID, "inbox")
		if err != nil || before == "" {
			t.Fatalf("after the first pass: %q, %v", before, err)
		}
		if _, _, err := s.DeltaLink(t.Context(), e.tenant.ID, e.alice.ID, "sentitems"); !crm.IsNotFound(err) {
			t.Errorf("sent items synchronized although the tenant does not track them: %v", err)
		}
		var sent []outlook.Message
		for range 60 { // two pages of 50
			sent = append(sent, e.mail("inbox", outlook.Message{Subject: "bulk", From: from(strangerAddr)}))
		}

		e.wrap = func(r mailsync.MailReader) mailsync.MailReader { return &failingReader{MailReader: r} }
		res, err := e.engine.Sync(t.Context(), mailsync.Mailbox{TenantID: e.tenant.ID, UserID: e.alice.ID, ObjectID: e.alice.ObjectID, Queue: e.queue})
		var transient *outlook.TransientError
		if !errors.As(err, &transient) {
			t.Fatalf("Sync = %v, want the transient failure", err)
		}
		if res.ItemsIn != 50 {
			t.Errorf("the failed pass queued %d, want the 50 of its first page", res.ItemsIn)
		}
		if after, _, _ := s.DeltaLink(t.Context(), e.tenant.ID, e.alice.ID, "inbox"); after != before {
			t.Errorf("the deltaLink moved on after a failed round")
		}

		e.wrap = nil
		if n := e.pass(); n != 10 {
			t.Errorf("the next pass queued %d, want the 10 the failed one missed", n)
		}
		e.settle()
		got := e.activities()
		for _, m := range sent {
			if got[m.InternetMessageID] != 1 {
				t.Fatalf("message has %d activities, want 1", got[m.InternetMessageID])
			}
		}
	})
}

// A tracked message the user deletes is untracked; its CRM activity stays.
func TestDeletedTrackedMessageIsUntracked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newDeltaEnv(t, s)
		e.option(crm.AutoTrackAll)
		e.pass()
		m := e.mail("inbox", outlook.Message{Subject: "tracked then deleted", From: outlook.Address{Email: "x@fabrikam.test"}})
		if n := e.pass(); n != 1 {
			t.Fatalf("queued %d, want 1", n)
		}
		e.settle()
		if _, err := s.ItemLink(context.Background(), e.tenant.ID, e.alice.ID, m.ID); err != nil {
			t.Fatalf("not tracked: %v", err)
		}
		e.fake.DeleteItem(e.alice.ObjectID, m.ID)
		e.pass()
		if _, err := s.ItemLink(context.Background(), e.tenant.ID, e.alice.ID, m.ID); !crm.IsNotFound(err) {
			t.Fatalf("the deleted message is still linked (%v)", err)
		}
		if got := e.activities(); got[m.InternetMessageID] != 1 {
			t.Fatalf("activities %v: deleting in Outlook must keep the CRM activity", got)
		}
	})
}
