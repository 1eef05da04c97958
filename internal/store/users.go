package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
)

type userRow struct {
	ID                  string    `db:"id"`
	TenantID            string    `db:"tenant_id"`
	ObjectID            string    `db:"object_id"`
	UPN                 string    `db:"upn"`
	Email               string    `db:"email"`
	DisplayName         string    `db:"display_name"`
	Roles               string    `db:"roles"`
	SyncIntervalMinutes int       `db:"sync_interval_minutes"`
	AutoTrack           string    `db:"auto_track"`
	CreatedAt           time.Time `db:"created_at"`
	LastSeenAt          time.Time `db:"last_seen_at"`
}

const userColumns = `id, tenant_id, object_id, upn, email, display_name, roles, sync_interval_minutes, auto_track, created_at, last_seen_at`

func (r userRow) user() (crm.User, error) {
	u := crm.User{ID: r.ID, TenantID: r.TenantID, ObjectID: r.ObjectID, UPN: r.UPN, Email: r.Email,
		DisplayName: r.DisplayName, Options: crm.UserOptions{SyncIntervalMinutes: r.SyncIntervalMinutes, AutoTrack: r.AutoTrack},
		CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC()}
	if err := json.Unmarshal([]byte(r.Roles), &u.Roles); err != nil {
		return crm.User{}, fmt.Errorf("user %s roles: %w", r.ID, err)
	}
	return u, nil
}

// lastSeenResolution is how stale last_seen_at may get before a request writes it again; writing it on
// every request would make every read a write.
const lastSeenResolution = time.Hour

// UserOnSight returns the user a validated token names, creating the row on first sight and refreshing
// the name, email and roles when the token says otherwise. Most calls are a single read.
func (s *Store) UserOnSight(ctx context.Context, seen crm.User) (crm.User, error) {
	now := s.now().UTC()
	slices.Sort(seen.Roles)
	if seen.Roles == nil {
		seen.Roles = []string{}
	}
	u, err := s.UserByObjectID(ctx, seen.TenantID, seen.ObjectID)
	switch {
	case crm.IsNotFound(err):
		return s.insertUser(ctx, seen, now)
	case err != nil:
		return crm.User{}, err
	}
	if u.UPN == seen.UPN && u.Email == seen.Email && u.DisplayName == seen.DisplayName &&
		slices.Equal(u.Roles, seen.Roles) && now.Sub(u.LastSeenAt) < lastSeenResolution {
		return u, nil
	}
	roles, _ := json.Marshal(seen.Roles)
	_, err = s.exec(ctx, s.q(`UPDATE users SET upn = ?, email = ?, display_name = ?, roles = ?, last_seen_at = ?
		WHERE tenant_id = ? AND id = ?`), seen.UPN, seen.Email, seen.DisplayName, string(roles), now, u.TenantID, u.ID)
	if err != nil {
		return crm.User{}, fmt.Errorf("update user %s: %w", u.ID, err)
	}
	u.UPN, u.Email, u.DisplayName, u.Roles, u.LastSeenAt = seen.UPN, seen.Email, seen.DisplayName, seen.Roles, now
	return u, nil
}

// insertUser adds a user seen for the first time, with the default synchronization filters, in one
// transaction: a user never exists without them, and a user inserted by a concurrent request gets them once.
func (s *Store) insertUser(ctx context.Context, u crm.User, now time.Time) (crm.User, error) {
	if u.ID == "" {
		u.ID = uuid.NewString()
	}
	u.CreatedAt, u.LastSeenAt = now, now
	roles, _ := json.Marshal(u.Roles)
	err := s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.db.ExecContext(ctx, s.q(`INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, object_id) DO NOTHING`),
			u.ID, u.TenantID, u.ObjectID, u.UPN, u.Email, u.DisplayName, string(roles), u.Options.SyncIntervalMinutes, u.Options.AutoTrack, now, now)
		if err != nil {
			return fmt.Errorf("insert user %s/%s: %w", u.TenantID, u.ObjectID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("insert user %s/%s: %w", u.TenantID, u.ObjectID, err)
		}
		if n == 0 {
			return nil // another request inserted the user, and their filters, first
		}
		return tx.insertDefaultFilters(ctx, u.TenantID, u.ID, now)
	})
	if err != nil {
		return crm.User{}, err
	}
	// A concurrent first request may have inserted the row first; read back whichever won.
	return s.UserByObjectID(ctx, u.TenantID, u.ObjectID)
}

// UserByObjectID returns the user with the Entra object id in the tenant.
func (s *Store) UserByObjectID(ctx context.Context, tenantID, objectID string) (crm.User, error) {
	var row userRow
	err := s.db.GetContext(ctx, &row, s.q(`SELECT `+userColumns+` FROM users WHERE tenant_id = ? AND object_id = ?`), tenantID, objectID)
	if err != nil {
		return crm.User{}, notFound(err, crm.NotFound("no user %s in tenant %s", objectID, tenantID), "get user")
	}
	return row.user()
}

// User returns a user of the tenant by id.
func (s *Store) User(ctx context.Context, tenantID, id string) (crm.User, error) {
	var row userRow
	err := s.db.GetContext(ctx, &row, s.q(`SELECT `+userColumns+` FROM users WHERE tenant_id = ? AND id = ?`), tenantID, id)
	if err != nil {
		return crm.User{}, notFound(err, crm.NotFound("no user %s", id), "get user")
	}
	return row.user()
}

// CountUsers returns how many users the tenant has (tests and health pages).
func (s *Store) CountUsers(ctx context.Context, tenantID string) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM users WHERE tenant_id = ?`), tenantID); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}
