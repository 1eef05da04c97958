package mailsync

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/store"
)

// assertionPurpose binds a sealed token to its use: a token sealed for synchronization cannot be opened
// as anything else.
const assertionPurpose = store.PurposeSyncAssertion

// ClientRequests starts client-mode synchronization: the taskpane's POST /api/v1/sync (at open, at the
// user's interval while it stays open, and on "Synchronize now"). The request and the job are written in
// one transaction, so the pass starts at once rather than at the scheduler's next tick; the user's token
// is kept sealed for that pass, which acts as the user (on-behalf-of) and forgets it.
type ClientRequests struct {
	store *store.Store
	box   *secretbox.Box
	queue *jobs.Queue
}

// NewClientRequests builds the requests; the queue is set later with SetQueue.
func NewClientRequests(s *store.Store, box *secretbox.Box) *ClientRequests {
	return &ClientRequests{store: s, box: box}
}

// SetQueue gives the requests the queue they enqueue into.
func (c *ClientRequests) SetQueue(q *jobs.Queue) { c.queue = q }

// Request records the user's request with their token and enqueues the pass. A pass already queued for
// the mailbox absorbs the request (River's uniqueness) and uses the newest token, read when it runs.
func (c *ClientRequests) Request(ctx context.Context, tenantID, userID, token string) (time.Time, error) {
	var sealed []byte
	if token != "" && c.box != nil {
		sealed = c.box.Seal([]byte(token), assertionPurpose)
	}
	var at time.Time
	err := c.store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if at, err = c.store.RequestSyncTx(ctx, tx, tenantID, userID, sealed); err != nil {
			return err
		}
		if err := c.store.EnsureMailboxTx(ctx, tx, tenantID, userID, at); err != nil {
			return err
		}
		if c.queue == nil {
			return nil // the scheduler's next tick enqueues it
		}
		args := SyncMailboxArgs{TenantID: tenantID, UserID: userID}
		if _, err := c.queue.Client().InsertTx(ctx, tx.Tx, args, nil); err != nil {
			return fmt.Errorf("enqueue the synchronization of %s: %w", userID, err)
		}
		return nil
	})
	return at, err
}

// assertion opens the token kept for a user's pass and forgets it; "" when none is kept (the pass then
// runs with the app's own permissions) or it cannot be opened (the key changed).
func (c *ClientRequests) assertion(ctx context.Context, tenantID, userID string) (string, error) {
	if c == nil || c.box == nil {
		return "", nil
	}
	sealed, err := c.store.TakeSyncAssertion(ctx, tenantID, userID)
	if err != nil || sealed == nil {
		return "", err
	}
	plain, err := c.box.Open(sealed, assertionPurpose)
	if err != nil {
		return "", nil
	}
	return string(plain), nil
}
