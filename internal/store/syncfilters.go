package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
)

type syncFilterRow struct {
	ID         string         `db:"id"`
	TenantID   string         `db:"tenant_id"`
	UserID     sql.NullString `db:"user_id"`
	Scope      string         `db:"scope"`
	Kind       string         `db:"kind"`
	RecordType string         `db:"record_type"`
	Name       string         `db:"name"`
	Enabled    bool           `db:"enabled"`
	IsDefault  bool           `db:"is_default"`
	Conditions []byte         `db:"conditions"`
	CreatedAt  time.Time      `db:"created_at"`
	UpdatedAt  time.Time      `db:"updated_at"`
}

const syncFilterColumns = `id, tenant_id, user_id, scope, kind, record_type, name, enabled, is_default, conditions, created_at, updated_at`

func (r syncFilterRow) filter() (crm.Filter, error) {
	f := crm.Filter{ID: r.ID, TenantID: r.TenantID, UserID: r.UserID.String, Scope: r.Scope, Kind: r.Kind, RecordType: r.RecordType,
		Name: r.Name, Enabled: r.Enabled, Default: r.IsDefault, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal(r.Conditions, &f.Conditions); err != nil {
		return crm.Filter{}, fmt.Errorf("sync filter %s: %w", r.ID, err)
	}
	return f, nil
}

func filterNotFound(id string) error {
	return crm.NotFound("there is no synchronization filter with the id %s", id)
}

// ownerClause is the condition that picks the filters of f's owner: a user, or the tenant's system scope.
func ownerClause(f crm.Filter) (string, []any) {
	if f.Scope == crm.ScopeSystem {
		return `tenant_id = ? AND scope = 'system'`, []any{f.TenantID}
	}
	return `tenant_id = ? AND user_id = ?`, []any{f.TenantID, f.UserID}
}

func (tx *Tx) insertFilter(ctx context.Context, f crm.Filter) error {
	conditions, err := json.Marshal(f.Conditions)
	if err != nil {
		return fmt.Errorf("encode filter conditions: %w", err)
	}
	var userID any
	if f.Scope == crm.ScopeUser {
		userID = f.UserID
	}
	_, err = tx.db.ExecContext(ctx, tx.q(`INSERT INTO sync_filters (`+syncFilterColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		f.ID, f.TenantID, userID, f.Scope, f.Kind, f.RecordType, f.Name, f.Enabled, f.Default, string(conditions), f.CreatedAt, f.UpdatedAt)
	if err != nil {
		return fmt.Errorf("insert sync filter %q: %w", f.Name, err)
	}
	return nil
}

// insertDefaultFilters gives a new user the default filters (crm.DefaultFilters).
func (tx *Tx) insertDefaultFilters(ctx context.Context, tenantID, userID string, now time.Time) error {
	for _, f := range crm.DefaultFilters() {
		f.ID, f.TenantID, f.UserID, f.CreatedAt, f.UpdatedAt = uuid.NewString(), tenantID, userID, now, now
		if err := tx.insertFilter(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// CreateSyncFilter stores a new filter for f.UserID (scope user) or for the whole tenant (scope system).
// An owner holds at most crm.MaxFiltersPerOwner filters.
func (s *Store) CreateSyncFilter(ctx context.Context, f crm.Filter, then ...Then) (crm.Filter, error) {
	now := s.now().UTC()
	f.ID, f.CreatedAt, f.UpdatedAt, f.Default = uuid.NewString(), now, now, false
	if f.Scope == crm.ScopeSystem {
		f.UserID = ""
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		where, args := ownerClause(f)
		var n int
		if err := tx.db.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM sync_filters WHERE `+where), args...); err != nil {
			return fmt.Errorf("count sync filters: %w", err)
		}
		if n >= crm.MaxFiltersPerOwner {
			return crm.Conflict("there are %d %s filters already, the most allowed: delete one first", n, f.Scope)
		}
		if err := tx.insertFilter(ctx, f); err != nil {
			return err
		}
		return tx.then(then)
	})
	if err != nil {
		return crm.Filter{}, err
	}
	return f, nil
}

// SyncFilter returns one filter of the tenant, whoever it belongs to; the caller decides who may see it.
func (s *Store) SyncFilter(ctx context.Context, tenantID, id string) (crm.Filter, error) {
	if _, err := uuid.Parse(id); err != nil {
		return crm.Filter{}, filterNotFound(id)
	}
	var row syncFilterRow
	err := s.db.GetContext(ctx, &row, s.q(`SELECT `+syncFilterColumns+` FROM sync_filters WHERE tenant_id = ? AND id = ?`), tenantID, id)
	if err != nil {
		return crm.Filter{}, notFound(err, filterNotFound(id), "get sync filter")
	}
	return row.filter()
}

// SyncFilters returns the filters that apply to a user: their own and the tenant's system filters,
// ordered by record type, kind and name.
func (s *Store) SyncFilters(ctx context.Context, tenantID, userID string) ([]crm.Filter, error) {
	var rows []syncFilterRow
	// Two indexed lookups rather than one OR, which SQLite answers by scanning every filter of the
	// tenant: with thousands of users that scan was most of a synchronization pass. System filters have
	// no user, so the first branch needs no scope condition (which would lead SQLite to the scope index).
	err := s.db.SelectContext(ctx, &rows, s.q(`SELECT `+syncFilterColumns+` FROM sync_filters
		WHERE tenant_id = ? AND user_id = ?
		UNION ALL SELECT `+syncFilterColumns+` FROM sync_filters WHERE tenant_id = ? AND scope = 'system'
		ORDER BY record_type, kind, name, id`), tenantID, userID, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list sync filters: %w", err)
	}
	filters := make([]crm.Filter, 0, len(rows))
	for _, r := range rows {
		f, err := r.filter()
		if err != nil {
			return nil, err
		}
		filters = append(filters, f)
	}
	return filters, nil
}

// UpdateSyncFilter replaces a filter's name, record type, kind, enabled flag and conditions. Its id,
// owner and scope stay.
func (s *Store) UpdateSyncFilter(ctx context.Context, f crm.Filter, then ...Then) (crm.Filter, error) {
	conditions, err := json.Marshal(f.Conditions)
	if err != nil {
		return crm.Filter{}, fmt.Errorf("encode filter conditions: %w", err)
	}
	f.UpdatedAt = s.now().UTC()
	err = s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.db.ExecContext(ctx, s.q(`UPDATE sync_filters SET name = ?, record_type = ?, kind = ?, enabled = ?, conditions = ?, updated_at = ?
			WHERE tenant_id = ? AND id = ?`), f.Name, f.RecordType, f.Kind, f.Enabled, string(conditions), f.UpdatedAt, f.TenantID, f.ID)
		if err != nil {
			return fmt.Errorf("update sync filter %s: %w", f.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return filterNotFound(f.ID)
		}
		return tx.then(then)
	})
	if err != nil {
		return crm.Filter{}, err
	}
	return s.SyncFilter(ctx, f.TenantID, f.ID)
}

// DeleteSyncFilter removes a filter.
func (s *Store) DeleteSyncFilter(ctx context.Context, tenantID, id string, then ...Then) error {
	if _, err := uuid.Parse(id); err != nil {
		return filterNotFound(id)
	}
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.db.ExecContext(ctx, s.q(`DELETE FROM sync_filters WHERE tenant_id = ? AND id = ?`), tenantID, id)
		if err != nil {
			return fmt.Errorf("delete sync filter %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return filterNotFound(id)
		}
		return tx.then(then)
	})
}
