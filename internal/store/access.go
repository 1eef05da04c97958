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
	var rows []accessRuleRow
	if err := s.db.SelectContext(ctx, &rows, s.q(`SELECT role, record_type, operation, level FROM security_roles WHERE tenant_id = ?`), tenantID); err != nil {
		return crm.AccessPolicy{}, fmt.Errorf("load access rules: %w", err)
	}
	rules := make([]crm.AccessRule, 0, len(rows))
	for _, r := range rows {
		level, err := crm.ParseLevel(r.Level)
		if err != nil {
			return crm.AccessPolicy{}, fmt.Errorf("access rule %s/%s/%s: %w", r.Role, r.RecordType, r.Operation, err)
		}
		rules = append(rules, crm.AccessRule{Role: r.Role, RecordType: r.RecordType, Operation: crm.Operation(r.Operation), Level: level})
	}
	return crm.NewAccessPolicy(rules), nil
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
