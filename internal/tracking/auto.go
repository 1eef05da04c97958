package tracking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/store"
)

// AutoItem is an Outlook item that automatic tracking picked, known by its immutable id.
type AutoItem struct {
	TenantID          string
	UserID            string
	ImmutableID       string
	Kind              outlook.Kind
	InternetMessageID string
	ConversationID    string
	// Assertion is the user's token in client mode, sealed for the worker; empty in server mode.
	Assertion string
}

// Auto accepts the items automatic tracking picks, inside the synchronization's jobs: it enqueues through
// the queue the pass is given (the client of the job running it), so it exists before the queue does.
type Auto struct {
	store *store.Store
	box   *secretbox.Box
	now   func() time.Time
}

// NewAuto builds the automatic tracking of the synchronization; box seals the users' tokens for the
// worker.
func NewAuto(s *store.Store, box *secretbox.Box) *Auto {
	return &Auto{store: s, box: box, now: time.Now}
}

// SubmitAuto queues the tracking of an item that automatic tracking picked, through the same request
// and worker as a Track click, so the same email is still one activity. It makes no Graph call: the
// synchronization already knows the immutable id. It is idempotent and never overrides the user: an
// item that already has a track request (whatever its state) or an untrack request gets no new work,
// and the existing request is returned with queued false.
func (s *Auto) SubmitAuto(ctx context.Context, queue jobs.Inserter, it AutoItem) (req crm.TrackRequest, queued bool, err error) {
	if it.ImmutableID == "" {
		return crm.TrackRequest{}, false, crm.Invalid("an automatically tracked item needs its immutable id")
	}
	now := s.now().UTC()
	req = crm.TrackRequest{ID: uuid.NewString(), TenantID: it.TenantID, UserID: it.UserID, ItemKey: it.ImmutableID,
		ItemID: it.ImmutableID, ImmutableID: it.ImmutableID, ItemType: string(it.Kind), Action: crm.ActionTrack, Generation: 1,
		InternetMessageID: it.InternetMessageID, ConversationID: it.ConversationID, State: crm.StateQueued, Auto: true, CreatedAt: now, UpdatedAt: now}
	if it.Assertion != "" && s.box != nil {
		req.Assertion = s.box.Seal([]byte(it.Assertion), assertionPurpose)
	}
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		for _, action := range []string{crm.ActionTrack, crm.ActionUntrack} {
			existing, err := tx.TrackRequestForItem(ctx, req.TenantID, req.UserID, req.ItemKey, action)
			if err == nil {
				req = existing
				return nil
			}
			if !crm.IsNotFound(err) {
				return err
			}
		}
		if err := tx.InsertTrackRequest(ctx, req); err != nil {
			return err
		}
		queued = true
		return queue.InsertTx(ctx, tx, TrackArgs{TenantID: req.TenantID, RequestID: req.ID, Generation: req.Generation}, nil)
	})
	if err != nil {
		return crm.TrackRequest{}, false, fmt.Errorf("accept automatic tracking of %s %s: %w", it.Kind, it.ImmutableID, err)
	}
	req.Assertion = nil
	return req, queued, nil
}
