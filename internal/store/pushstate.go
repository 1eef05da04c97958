package store

import (
	"context"
	"fmt"
	"time"
)

// PushState returns where a mailbox's push of one item kind stands; found is false before its first
// complete pass.
func (s *Store) PushState(ctx context.Context, tenantID, userID, kind string) (fingerprint string, watermark time.Time, found bool, err error) {
	var row struct {
		Fingerprint string    `db:"fingerprint"`
		Watermark   time.Time `db:"watermark"`
	}
	err = s.db.GetContext(ctx, &row, s.q(`SELECT fingerprint, watermark FROM push_state WHERE tenant_id = ? AND user_id = ? AND kind = ?`),
		tenantID, userID, kind)
	if isNoRows(err) {
		return "", time.Time{}, false, nil
	}
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("get push state of %s: %w", kind, err)
	}
	return row.Fingerprint, row.Watermark.UTC(), true, nil
}

// SavePushState records a complete push pass of one item kind.
func (s *Store) SavePushState(ctx context.Context, tenantID, userID, kind, fingerprint string, watermark time.Time) error {
	_, err := s.exec(ctx, s.q(`INSERT INTO push_state (tenant_id, user_id, kind, fingerprint, watermark) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, user_id, kind) DO UPDATE SET fingerprint = excluded.fingerprint, watermark = excluded.watermark`),
		tenantID, userID, kind, fingerprint, watermark.UTC())
	if err != nil {
		return fmt.Errorf("save push state of %s: %w", kind, err)
	}
	return nil
}
