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
// pass to act as them (nil keeps none) and when that token expires (zero: unknown, taken as an hour,
// the shortest life Entra gives access tokens).
func (tx *Tx) RequestSync(ctx context.Context, tenantID, userID string, sealedAssertion []byte, expires time.Time) (time.Time, error) {
	now := tx.s.now().UTC()
	var until any
	if sealedAssertion != nil {
		if expires.IsZero() {
			expires = now.Add(time.Hour)
		}
		until = expires.UTC()
	}
	res, err := tx.db.ExecContext(ctx, tx.q(`UPDATE users SET sync_requested_at = ?, sync_assertion = ?, sync_assertion_expires_at = ? WHERE tenant_id = ? AND id = ?`),
		now, nullBytes(sealedAssertion), until, tenantID, userID)
	if err != nil {
		return time.Time{}, fmt.Errorf("request sync of user %s: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return time.Time{}, crm.NotFound("no user %s", userID)
	}
	return now, nil
}

// TakeSyncAssertion returns the sealed token kept by the user's last synchronization request; nil when
// there is none. Unless keep is set, it is forgotten, so that it serves one pass only; with keep, it
// stays until it expires (then it is forgotten and nil is returned), so that the passes change
// notifications cause while the add-in is in use act as the user too.
func (s *Store) TakeSyncAssertion(ctx context.Context, tenantID, userID string, now time.Time, keep bool) ([]byte, error) {
	// Most passes have no token to take (server mode): a read decides, so they take no write slot.
	var kept struct {
		Sealed  []byte       `db:"sync_assertion"`
		Expires sql.NullTime `db:"sync_assertion_expires_at"`
	}
	err := s.db.GetContext(ctx, &kept, s.q(`SELECT sync_assertion, sync_assertion_expires_at FROM users
		WHERE tenant_id = ? AND id = ? AND sync_assertion IS NOT NULL`), tenantID, userID)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look for a sync assertion: %w", err)
	}
	expired := kept.Expires.Valid && !kept.Expires.Time.After(now)
	if keep && !expired {
		return kept.Sealed, nil
	}
	// Forget it, unless a new request replaced it meanwhile.
	if _, err := s.exec(ctx, s.q(`UPDATE users SET sync_assertion = NULL, sync_assertion_expires_at = NULL
		WHERE tenant_id = ? AND id = ? AND sync_assertion = ?`), tenantID, userID, kept.Sealed); err != nil {
		return nil, fmt.Errorf("forget sync assertion: %w", err)
	}
	if expired {
		return nil, nil
	}
	return kept.Sealed, nil
}
