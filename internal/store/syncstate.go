package store

import (
	"context"
	"fmt"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
)

// DeltaLink returns the deltaLink URL saved for a user's folder at the end of its last complete delta
// round, and when it was saved. Not found when the folder was never synchronized or its state was reset.
func (s *Store) DeltaLink(ctx context.Context, tenantID, userID, folder string) (string, time.Time, error) {
	var row struct {
		Link      string    `db:"delta_link"`
		UpdatedAt time.Time `db:"updated_at"`
	}
	err := s.db.GetContext(ctx, &row, s.q(`SELECT delta_link, updated_at FROM sync_state WHERE tenant_id = ? AND user_id = ? AND folder = ?`),
		tenantID, userID, folder)
	if err != nil {
		return "", time.Time{}, notFound(err, crm.NotFound("folder %s has no synchronization state", folder), "get delta link")
	}
	return row.Link, row.UpdatedAt.UTC(), nil
}

// SaveDeltaLink stores the deltaLink URL that starts the folder's next delta round, replacing the last.
func (s *Store) SaveDeltaLink(ctx context.Context, tenantID, userID, folder, link string) error {
	_, err := s.exec(ctx, s.q(`INSERT INTO sync_state (tenant_id, user_id, folder, delta_link, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, user_id, folder) DO UPDATE SET delta_link = excluded.delta_link, updated_at = excluded.updated_at`),
		tenantID, userID, folder, link, s.now().UTC())
	if err != nil {
		return fmt.Errorf("save delta link of folder %s: %w", folder, err)
	}
	return nil
}

// DeleteDeltaLink forgets a folder's synchronization state, so the next round starts from scratch.
// Deleting a state that does not exist is not an error.
func (s *Store) DeleteDeltaLink(ctx context.Context, tenantID, userID, folder string) error {
	if _, err := s.exec(ctx, s.q(`DELETE FROM sync_state WHERE tenant_id = ? AND user_id = ? AND folder = ?`), tenantID, userID, folder); err != nil {
		return fmt.Errorf("delete delta link of folder %s: %w", folder, err)
	}
	return nil
}
