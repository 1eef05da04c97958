package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
)

type neverTrackRow struct {
	ID        string    `db:"id"`
	Value     string    `db:"value"`
	CreatedAt time.Time `db:"created_at"`
}

func (r neverTrackRow) entry() crm.NeverTrack {
	kind := crm.NeverTrackAddress
	if strings.HasPrefix(r.Value, "@") {
		kind = crm.NeverTrackDomain
	}
	return crm.NeverTrack{ID: r.ID, Value: r.Value, Kind: kind, CreatedAt: r.CreatedAt.UTC()}
}

// NeverTrackList returns a never-track list: the tenant's when userID is empty, else the user's own, by
// value.
func (s *Store) NeverTrackList(ctx context.Context, tenantID, userID string) ([]crm.NeverTrack, error) {
	var rows []neverTrackRow
	err := s.db.SelectContext(ctx, &rows, s.q(`SELECT id, value, created_at FROM never_track WHERE tenant_id = ? AND user_id = ? ORDER BY value`),
		tenantID, userID)
	if err != nil {
		return nil, fmt.Errorf("list never-track entries: %w", err)
	}
	out := make([]crm.NeverTrack, len(rows))
	for i, r := range rows {
		out[i] = r.entry()
	}
	return out, nil
}

// AddNeverTrack adds a normalized value to a never-track list (the tenant's when userID is empty) and
// returns the entry; a value already on the list is a conflict, a full list invalid.
func (s *Store) AddNeverTrack(ctx context.Context, tenantID, userID, value string) (crm.NeverTrack, error) {
	row := neverTrackRow{ID: uuid.NewString(), Value: value, CreatedAt: s.now().UTC()}
	err := s.InTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.db.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM never_track WHERE tenant_id = ? AND user_id = ?`), tenantID, userID); err != nil {
			return fmt.Errorf("count never-track entries: %w", err)
		}
		if n >= crm.MaxNeverTrackEntries {
			return crm.Invalid(fmt.Sprintf("the list holds %d entries, the most it may", crm.MaxNeverTrackEntries))
		}
		_, err := tx.db.ExecContext(ctx, s.q(`INSERT INTO never_track (id, tenant_id, user_id, value, created_at) VALUES (?, ?, ?, ?, ?)`),
			row.ID, tenantID, userID, row.Value, row.CreatedAt)
		if isUniqueViolation(err) {
			return crm.Conflict("%s is on the list already", value)
		}
		if err != nil {
			return fmt.Errorf("add never-track entry: %w", err)
		}
		return nil
	})
	if err != nil {
		return crm.NeverTrack{}, err
	}
	return row.entry(), nil
}

// DeleteNeverTrack removes an entry from a never-track list (the tenant's when userID is empty); not
// found when the list has no such entry.
func (s *Store) DeleteNeverTrack(ctx context.Context, tenantID, userID, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return crm.NotFound("no never-track entry %s", id)
	}
	res, err := s.exec(ctx, s.q(`DELETE FROM never_track WHERE tenant_id = ? AND user_id = ? AND id = ?`), tenantID, userID, id)
	if err != nil {
		return fmt.Errorf("delete never-track entry: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.NotFound("no never-track entry %s", id)
	}
	return nil
}

// NeverTrackValues returns the values on the tenant's list and on the user's own, together.
func (s *Store) NeverTrackValues(ctx context.Context, tenantID, userID string) ([]string, error) {
	var out []string
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT value FROM never_track WHERE tenant_id = ? AND (user_id = '' OR user_id = ?)`),
		tenantID, userID)
	if err != nil {
		return nil, fmt.Errorf("read never-track lists: %w", err)
	}
	return out, nil
}

// TenantDomains returns the domains of the tenant's users' addresses (email and UPN), as "@domain"
// values: the organisation's own mail.
func (s *Store) TenantDomains(ctx context.Context, tenantID string) ([]string, error) {
	var addrs []string
	err := s.db.SelectContext(ctx, &addrs, s.q(`SELECT email FROM users WHERE tenant_id = ? AND email <> '' UNION SELECT upn FROM users WHERE tenant_id = ?`),
		tenantID, tenantID)
	if err != nil {
		return nil, fmt.Errorf("read the tenant's domains: %w", err)
	}
	seen := map[string]bool{}
	var out []string
	for _, a := range addrs {
		at := strings.LastIndex(a, "@")
		if at < 0 {
			continue
		}
		d := "@" + strings.ToLower(a[at+1:])
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out, nil
}
