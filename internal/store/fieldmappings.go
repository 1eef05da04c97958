package store

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/crmsync/crmsync/internal/crm"
)

type fieldMappingRow struct {
	ItemKind  string `db:"item_kind"`
	CRMField  string `db:"crm_field"`
	Direction string `db:"direction"`
}

// FieldMappings returns the tenant's field mappings: the defaults with the directions its admins chose.
func (s *Store) FieldMappings(ctx context.Context, tenantID string) ([]crm.FieldMapping, error) {
	return s.fieldMappings(ctx, s.db, tenantID)
}

func (s *Store) fieldMappings(ctx context.Context, db sqlx.QueryerContext, tenantID string) ([]crm.FieldMapping, error) {
	var rows []fieldMappingRow
	if err := sqlx.SelectContext(ctx, db, &rows, s.q(`SELECT item_kind, crm_field, direction FROM field_mappings WHERE tenant_id = ?`), tenantID); err != nil {
		return nil, fmt.Errorf("load field mappings: %w", err)
	}
	stored := make(map[crm.FieldMappingKey]string, len(rows))
	for _, r := range rows {
		stored[crm.FieldMappingKey{ItemKind: r.ItemKind, CRMField: r.CRMField}] = r.Direction
	}
	return crm.EffectiveFieldMappings(stored), nil
}

// SetFieldMappings stores new directions for some mappings (checked by crm.DecodeFieldMappingChanges)
// and returns all of the tenant's mappings. A direction equal to the default is not stored, so that the
// mapping follows the default.
func (s *Store) SetFieldMappings(ctx context.Context, tenantID string, changes []crm.FieldMapping, then ...Then) ([]crm.FieldMapping, error) {
	defaults := map[crm.FieldMappingKey]string{}
	for _, m := range crm.DefaultFieldMappings() {
		defaults[crm.FieldMappingKey{ItemKind: m.ItemKind, CRMField: m.CRMField}] = m.Direction
	}
	var out []crm.FieldMapping
	err := s.InTx(ctx, func(tx *Tx) error {
		for _, m := range changes {
			var err error
			if defaults[crm.FieldMappingKey{ItemKind: m.ItemKind, CRMField: m.CRMField}] == m.Direction {
				_, err = tx.db.ExecContext(ctx, s.q(`DELETE FROM field_mappings WHERE tenant_id = ? AND item_kind = ? AND crm_field = ?`),
					tenantID, m.ItemKind, m.CRMField)
			} else {
				_, err = tx.db.ExecContext(ctx, s.q(`INSERT INTO field_mappings (tenant_id, item_kind, crm_field, direction, updated_at)
					VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, item_kind, crm_field)
					DO UPDATE SET direction = excluded.direction, updated_at = excluded.updated_at`),
					tenantID, m.ItemKind, m.CRMField, m.Direction, s.now().UTC())
			}
			if err != nil {
				return fmt.Errorf("store field mapping %s.%s: %w", m.ItemKind, m.CRMField, err)
			}
		}
		if err := tx.then(then); err != nil {
			return err
		}
		var err error
		out, err = s.fieldMappings(ctx, tx.db, tenantID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
