package store

import (
	"context"
	"fmt"

	"github.com/crmsync/crmsync/internal/crm"
)

type accessRuleRow struct {
	Role       string `db:"role"`
	RecordType string `db:"record_type"`
	Operation  string `db:"operation"`
	Level      string `db:"level"`
}

// AccessPolicy returns the tenant's access policy: the defaults with the rules its admins stored on top.
func (s *Store) AccessPolicy(ctx context.Context, tenantID string) (crm.AccessPolicy, error) {
	levels, err := s.AccessLevels(ctx, tenantID)
	if err != nil {
		return crm.AccessPolicy{}, err
	}
	return crm.PolicyOf(levels)
}

// SetAccessRule stores one rule, replacing the rule for the same role, type and operation.
func (s *Store) SetAccessRule(ctx context.Context, tenantID string, r crm.AccessRule) error {
	_, err := s.exec(ctx, s.q(`INSERT INTO security_roles (tenant_id, role, record_type, operation, level) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, role, record_type, operation) DO UPDATE SET level = excluded.level`),
		tenantID, r.Role, r.RecordType, string(r.Operation), r.Level.String())
	if err != nil {
		return fmt.Errorf("store access rule: %w", err)
	}
	return nil
}

// AccessLevels returns the tenant's stored access rules (the overrides of the defaults), ordered by role,
// record type and operation.
func (s *Store) AccessLevels(ctx context.Context, tenantID string) ([]crm.AccessLevel, error) {
	var rows []accessRuleRow
	if err := s.db.SelectContext(ctx, &rows, s.q(`SELECT role, record_type, operation, level FROM security_roles
		WHERE tenant_id = ? ORDER BY role, record_type, operation`), tenantID); err != nil {
		return nil, fmt.Errorf("load access rules: %w", err)
	}
	levels := make([]crm.AccessLevel, 0, len(rows))
	for _, r := range rows {
		levels = append(levels, crm.AccessLevel{Role: r.Role, RecordType: r.RecordType, Operation: r.Operation, Level: r.Level})
	}
	return levels, nil
}

// ReplaceAccessLevels replaces all of the tenant's stored access rules, after checking them against its
// record types in the same transaction.
func (s *Store) ReplaceAccessLevels(ctx context.Context, tenantID string, levels []crm.AccessLevel, then ...Then) ([]crm.AccessLevel, error) {
	err := s.InTx(ctx, func(tx *Tx) error {
		types, err := s.entityTypes(ctx, tx.db, tenantID, "")
		if err != nil {
			return err
		}
		names := make([]string, 0, len(types))
		for _, t := range types {
			names = append(names, t.Name)
		}
		rules, err := crm.CheckAccessLevels(levels, names)
		if err != nil {
			return err
		}
		if _, err := tx.db.ExecContext(ctx, s.q(`DELETE FROM security_roles WHERE tenant_id = ?`), tenantID); err != nil {
			return fmt.Errorf("clear access rules: %w", err)
		}
		for _, r := range rules {
			_, err := tx.db.ExecContext(ctx, s.q(`INSERT INTO security_roles (tenant_id, role, record_type, operation, level) VALUES (?, ?, ?, ?, ?)`),
				tenantID, r.Role, r.RecordType, string(r.Operation), r.Level.String())
			if err != nil {
				return fmt.Errorf("store access rule: %w", err)
			}
		}
		return tx.then(then)
	})
	if err != nil {
		return nil, err
	}
	return s.AccessLevels(ctx, tenantID)
}
