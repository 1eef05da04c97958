package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
)

type tenantRow struct {
	ID        string    `db:"id"`
	Name      string    `db:"name"`
	SyncMode  string    `db:"sync_mode"`
	Settings  string    `db:"settings"`
	CreatedAt time.Time `db:"created_at"`
}

func (r tenantRow) tenant() (crm.Tenant, error) {
	t := crm.Tenant{ID: r.ID, Name: r.Name, SyncMode: r.SyncMode, Settings: crm.DefaultTenantSettings(), CreatedAt: r.CreatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Settings), &t.Settings); err != nil {
		return crm.Tenant{}, fmt.Errorf("tenant %s settings: %w", r.ID, err)
	}
	return t, nil
}

// EnsureTenant onboards a tenant if it is new: its row, and the built-in record types. It returns the
// tenant as stored, and is safe to call from several replicas at once.
func (s *Store) EnsureTenant(ctx context.Context, id, name string) (crm.Tenant, error) {
	if t, err := s.Tenant(ctx, id); err == nil {
		return t, nil
	} else if !crm.IsNotFound(err) {
		return crm.Tenant{}, err
	}
	settings, err := json.Marshal(crm.DefaultTenantSettings())
	if err != nil {
		return crm.Tenant{}, fmt.Errorf("encode tenant settings: %w", err)
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.db.ExecContext(ctx, s.q(`INSERT INTO tenants (id, name, sync_mode, settings, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`), id, name, crm.SyncModeClient, string(settings), s.now().UTC())
		if err != nil {
			return fmt.Errorf("insert tenant %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another replica onboarded it meanwhile
		}
		for _, et := range crm.BuiltInTypes() {
			if err := tx.insertEntityType(ctx, id, et); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return crm.Tenant{}, fmt.Errorf("onboard tenant %s: %w", id, err)
	}
	return s.Tenant(ctx, id)
}

// Tenant returns an onboarded tenant.
func (s *Store) Tenant(ctx context.Context, id string) (crm.Tenant, error) {
	var row tenantRow
	err := s.db.GetContext(ctx, &row, s.q(`SELECT id, name, sync_mode, settings, created_at FROM tenants WHERE id = ?`), id)
	if err != nil {
		return crm.Tenant{}, notFound(err, crm.NotFound("tenant %s is not onboarded", id), "get tenant")
	}
	return row.tenant()
}

// UpdateTenantSettings stores a tenant's sync mode and settings.
func (s *Store) UpdateTenantSettings(ctx context.Context, tenantID, syncMode string, settings crm.TenantSettings) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.UpdateTenantSettings(ctx, tenantID, syncMode, settings) })
}

// Tenant reads an onboarded tenant inside the transaction, locking its row on PostgreSQL so that a
// change made from what was read cannot lose a concurrent one (SQLite's writer is alone anyway).
func (tx *Tx) Tenant(ctx context.Context, id string) (crm.Tenant, error) {
	query := `SELECT id, name, sync_mode, settings, created_at FROM tenants WHERE id = ?`
	if tx.s.dialect == Postgres {
		query += ` FOR UPDATE`
	}
	var row tenantRow
	if err := tx.db.GetContext(ctx, &row, tx.q(query), id); err != nil {
		return crm.Tenant{}, notFound(err, crm.NotFound("tenant %s is not onboarded", id), "get tenant")
	}
	return row.tenant()
}

// UpdateTenantSettings is Store.UpdateTenantSettings inside the transaction.
func (tx *Tx) UpdateTenantSettings(ctx context.Context, tenantID, syncMode string, settings crm.TenantSettings) error {
	b, err := json.Marshal(settings)
	if err != nil {
		return fmt.Errorf("encode tenant settings: %w", err)
	}
	res, err := tx.db.ExecContext(ctx, tx.q(`UPDATE tenants SET sync_mode = ?, settings = ? WHERE id = ?`), syncMode, string(b), tenantID)
	if err != nil {
		return fmt.Errorf("update tenant %s: %w", tenantID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.NotFound("tenant %s is not onboarded", tenantID)
	}
	return nil
}
