package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
)

// UpdateUserOptions stores a user's personal synchronization options (zero values: the tenant's
// defaults) and returns the user as stored.
func (s *Store) UpdateUserOptions(ctx context.Context, tenantID, userID string, opts crm.UserOptions) (crm.User, error) {
	res, err := s.exec(ctx, s.q(`UPDATE users SET sync_interval_minutes = ?, auto_track = ? WHERE tenant_id = ? AND id = ?`),
		opts.SyncIntervalMinutes, opts.AutoTrack, tenantID, userID)
	if err != nil {
		return crm.User{}, fmt.Errorf("update options of user %s: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.User{}, crm.NotFound("no user %s", userID)
	}
	return s.User(ctx, tenantID, userID)
}

// RequestSync records that a user asked for their mailbox to be synchronized now, and returns when.
// The synchronization engine picks the request up (client mode).
func (s *Store) RequestSync(ctx context.Context, tenantID, userID string) (time.Time, error) {
	now := s.now().UTC()
	res, err := s.exec(ctx, s.q(`UPDATE users SET sync_requested_at = ? WHERE tenant_id = ? AND id = ?`), now, tenantID, userID)
	if err != nil {
		return time.Time{}, fmt.Errorf("request sync of user %s: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return time.Time{}, crm.NotFound("no user %s", userID)
	}
	return now, nil
}

// SyncRequestedAt returns when a user last asked for a synchronization; false when never.
func (s *Store) SyncRequestedAt(ctx context.Context, tenantID, userID string) (time.Time, bool, error) {
	var at sql.NullTime
	err := s.db.GetContext(ctx, &at, s.q(`SELECT sync_requested_at FROM users WHERE tenant_id = ? AND id = ?`), tenantID, userID)
	if err != nil {
		return time.Time{}, false, notFound(err, crm.NotFound("no user %s", userID), "get sync request")
	}
	return at.Time.UTC(), at.Valid, nil
}

// RequestSync records a user's request for a synchronization pass, with their sealed token for the
// pass to act as them (nil keeps none).
func (tx *Tx) RequestSync(ctx context.Context, tenantID, userID string, sealedAssertion []byte) (time.Time, error) {
	now := tx.s.now().UTC()
	res, err := tx.db.ExecContext(ctx, tx.q(`UPDATE users SET sync_requested_at = ?, sync_assertion = ? WHERE tenant_id = ? AND id = ?`),
		now, nullBytes(sealedAssertion), tenantID, userID)
	if err != nil {
		return time.Time{}, fmt.Errorf("request sync of user %s: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return time.Time{}, crm.NotFound("no user %s", userID)
	}
	return now, nil
}

// TakeSyncAssertion returns the sealed token kept by the user's last synchronization request and forgets
// it, so that it serves one pass only; nil when there is none.
func (s *Store) TakeSyncAssertion(ctx context.Context, tenantID, userID string) ([]byte, error) {
	// Most passes have no token to take (server mode): a read decides, so they take no write slot.
	var kept int
	if err := s.db.GetContext(ctx, &kept, s.q(`SELECT COUNT(*) FROM users WHERE tenant_id = ? AND id = ? AND sync_assertion IS NOT NULL`),
		tenantID, userID); err != nil {
		return nil, fmt.Errorf("look for a sync assertion: %w", err)
	}
	if kept == 0 {
		return nil, nil
	}
	var sealed []byte
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := tx.db.GetContext(ctx, &sealed, s.q(`SELECT sync_assertion FROM users WHERE tenant_id = ? AND id = ? AND sync_assertion IS NOT NULL`),
			tenantID, userID); err != nil {
			if isNoRows(err) {
				sealed = nil
				return nil
			}
			return fmt.Errorf("read sync assertion: %w", err)
		}
		_, err := tx.db.ExecContext(ctx, s.q(`UPDATE users SET sync_assertion = NULL WHERE tenant_id = ? AND id = ?`), tenantID, userID)
		return err
	})
	return sealed, err
}
