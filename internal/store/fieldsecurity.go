package store

import (
	"context"
	"fmt"

	"github.com/crmsync/crmsync/internal/crm"
)

type fieldPermissionRow struct {
	Role       string `db:"role"`
	RecordType string `db:"record_type"`
	Field      string `db:"field"`
	Read       bool   `db:"can_read"`
	Create     bool   `db:"can_create"`
	Update     bool   `db:"can_update"`
}

// FieldPermissions returns the tenant's field security grants, ordered by role, record type and field.
func (s *Store) FieldPermissions(ctx context.Context, tenantID string) ([]crm.FieldPermission, error) {
	var rows []fieldPermissionRow
	err := s.db.SelectContext(ctx, &rows, s.q(`SELECT role, record_type, field, can_read, can_create, can_update
		FROM field_security_profiles WHERE tenant_id = ? ORDER BY role, record_type, field`), tenantID)
	if err != nil {
		return nil, fmt.Errorf("load field security: %w", err)
	}
	perms := make([]crm.FieldPermission, 0, len(rows))
	for _, r := range rows {
		perms = append(perms, crm.FieldPermission{Role: r.Role, RecordType: r.RecordType, Field: r.Field, Read: r.Read, Create: r.Create, Update: r.Update})
	}
	return perms, nil
}

// FieldSecurity returns the decision on the tenant's secured fields.
func (s *Store) FieldSecurity(ctx context.Context, tenantID string) (crm.FieldSecurity, error) {
	perms, err := s.FieldPermissions(ctx, tenantID)
	if err != nil {
		return crm.FieldSecurity{}, err
	}
	return crm.NewFieldSecurity(perms), nil
}

// ReplaceFieldPermissions replaces all of the tenant's field security grants, after checking them
// against its record types in the same transaction. Grants of nothing are not stored.
func (s *Store) ReplaceFieldPermissions(ctx context.Context, tenantID string, perms []crm.FieldPermission, then ...Then) ([]crm.FieldPermission, error) {
	err := s.InTx(ctx, func(tx *Tx) error {
		types, err := s.entityTypes(ctx, tx.db, tenantID, "")
		if err != nil {
			return err
		}
		if err := crm.CheckFieldPermissions(perms, types); err != nil {
			return err
		}
		if _, err := tx.db.ExecContext(ctx, s.q(`DELETE FROM field_security_profiles WHERE tenant_id = ?`), tenantID); err != nil {
			return fmt.Errorf("clear field security: %w", err)
		}
		for _, p := range perms {
			if !p.Read && !p.Create && !p.Update {
				continue
			}
			_, err := tx.db.ExecContext(ctx, s.q(`INSERT INTO field_security_profiles (tenant_id, role, record_type, field, can_read, can_create, can_update)
				VALUES (?, ?, ?, ?, ?, ?, ?)`), tenantID, p.Role, p.RecordType, p.Field, p.Read, p.Create, p.Update)
			if err != nil {
				return fmt.Errorf("store field grant %s %s.%s: %w", p.Role, p.RecordType, p.Field, err)
			}
		}
		return tx.then(then)
	})
	if err != nil {
		return nil, err
	}
	return s.FieldPermissions(ctx, tenantID)
}
