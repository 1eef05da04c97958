package mailsync

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

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

// NewClientRequests builds the requests on the queue their passes go to; box seals the users' tokens.
func NewClientRequests(s *store.Store, q *jobs.Queue, box *secretbox.Box) *ClientRequests {
	return &ClientRequests{store: s, queue: q, box: box}
}

// Request records the user's request with their token and enqueues the pass. A pass already queued for
// the mailbox absorbs the request (River's uniqueness) and uses the newest token, read when it runs.
func (c *ClientRequests) Request(ctx context.Context, tenantID, userID, token string) (time.Time, error) {
	var sealed []byte
	if token != "" && c.box != nil {
		sealed = c.box.Seal([]byte(token), assertionPurpose)
	}
	var at time.Time
	err := c.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if at, err = tx.RequestSync(ctx, tenantID, userID, sealed, tokenExpiry(token)); err != nil {
			return err
		}
		if err := tx.EnsureMailbox(ctx, tenantID, userID, at); err != nil {
			return err
		}
		args := SyncMailboxArgs{TenantID: tenantID, UserID: userID}
		if err := c.queue.InsertTx(ctx, tx, args, nil); err != nil {
			return fmt.Errorf("enqueue the synchronization of %s: %w", userID, err)
		}
		return nil
	})
	return at, err
}

// tokenExpiry reads when a JWT access token expires (its exp claim), without checking it: the API has
// validated the token this request came with. Zero when it cannot be read.
func tokenExpiry(token string) time.Time {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return time.Time{}
	}
	sec, err := claims.Exp.Int64()
	if err != nil || sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}
