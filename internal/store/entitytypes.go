package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/crmsync/crmsync/internal/crm"
)

type entityTypeRow struct {
	Name        string `db:"name"`
	DisplayName string `db:"display_name"`
	PluralName  string `db:"plural_name"`
	BuiltIn     bool   `db:"built_in"`
	NameFrom    string `db:"name_from"`
}

type entityFieldRow struct {
	TypeName    string `db:"type_name"`
	Name        string `db:"name"`
	DisplayName string `db:"display_name"`
	Kind        string `db:"kind"`
	Required    bool   `db:"required"`
	MaxLength   int    `db:"max_length"`
	Secured     bool   `db:"secured"`
	BuiltIn     bool   `db:"built_in"`
	Targets     string `db:"targets"`
	Choices     string `db:"choices"`
}

// EntityTypes returns the tenant's record types with their fields, ordered by name.
func (s *Store) EntityTypes(ctx context.Context, tenantID string) ([]crm.EntityType, error) {
	return s.entityTypes(ctx, s.db, tenantID, "")
}

// EntityType returns one record type of the tenant.
func (s *Store) EntityType(ctx context.Context, tenantID, name string) (crm.EntityType, error) {
	types, err := s.entityTypes(ctx, s.db, tenantID, name)
	if err != nil {
		return crm.EntityType{}, err
	}
	if len(types) == 0 {
		return crm.EntityType{}, crm.NotFound("there is no record type %q", name)
	}
	return types[0], nil
}

func (s *Store) entityTypes(ctx context.Context, db sqlx.QueryerContext, tenantID, only string) ([]crm.EntityType, error) {
	typeQuery := `SELECT name, display_name, plural_name, built_in, name_from FROM entity_types WHERE tenant_id = ?`
	fieldQuery := `SELECT type_name, name, display_name, kind, required, max_length, secured, built_in, targets, choices
		FROM entity_fields WHERE tenant_id = ?`
	args := []any{tenantID}
	if only != "" {
		typeQuery += ` AND name = ?`
		fieldQuery += ` AND type_name = ?`
		args = append(args, only)
	}
	var typeRows []entityTypeRow
	if err := sqlx.SelectContext(ctx, db, &typeRows, s.q(typeQuery+` ORDER BY name`), args...); err != nil {
		return nil, fmt.Errorf("list record types: %w", err)
	}
	var fieldRows []entityFieldRow
	if err := sqlx.SelectContext(ctx, db, &fieldRows, s.q(fieldQuery+` ORDER BY type_name, position`), args...); err != nil {
		return nil, fmt.Errorf("list record fields: %w", err)
	}
	fields := map[string][]crm.Field{}
	for _, r := range fieldRows {
		f := crm.Field{Name: r.Name, DisplayName: r.DisplayName, Kind: crm.FieldKind(r.Kind), Required: r.Required,
			MaxLength: r.MaxLength, Secured: r.Secured, BuiltIn: r.BuiltIn}
		if err := unmarshalList(r.Targets, &f.Targets); err != nil {
			return nil, err
		}
		if err := unmarshalList(r.Choices, &f.Choices); err != nil {
			return nil, err
		}
		fields[r.TypeName] = append(fields[r.TypeName], f)
	}
	types := make([]crm.EntityType, 0, len(typeRows))
	for _, r := range typeRows {
		t := crm.EntityType{Name: r.Name, DisplayName: r.DisplayName, PluralName: r.PluralName, BuiltIn: r.BuiltIn, Fields: fields[r.Name]}
		if err := unmarshalList(r.NameFrom, &t.NameFrom); err != nil {
			return nil, err
		}
		if t.Fields == nil {
			t.Fields = []crm.Field{}
		}
		types = append(types, t)
	}
	return types, nil
}

func unmarshalList(s string, into *[]string) error {
	if err := json.Unmarshal([]byte(s), into); err != nil {
		return fmt.Errorf("decode stored list %q: %w", s, err)
	}
	if len(*into) == 0 {
		*into = nil
	}
	return nil
}

func marshalList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return string(b)
}

func (tx *Tx) insertEntityType(ctx context.Context, tenantID string, t crm.EntityType) error {
	_, err := tx.db.ExecContext(ctx, tx.q(`INSERT INTO entity_types (tenant_id, name, display_name, plural_name, built_in, name_from, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), tenantID, t.Name, t.DisplayName, t.PluralName, t.BuiltIn, marshalList(t.NameFrom), tx.s.now().UTC())
	if isUniqueViolation(err) {
		return crm.Conflict("a record type named %q exists already", t.Name)
	}
	if err != nil {
		return fmt.Errorf("insert record type %s: %w", t.Name, err)
	}
	return tx.insertFields(ctx, tenantID, t)
}

func (tx *Tx) insertFields(ctx context.Context, tenantID string, t crm.EntityType) error {
	for i, f := range t.Fields {
		_, err := tx.db.ExecContext(ctx, tx.q(`INSERT INTO entity_fields (tenant_id, type_name, name, position, display_name, kind,
			required, max_length, secured, built_in, targets, choices) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			tenantID, t.Name, f.Name, i, f.DisplayName, string(f.Kind), f.Required, f.MaxLength, f.Secured, f.BuiltIn,
			marshalList(f.Targets), marshalList(f.Choices))
		if err != nil {
			return fmt.Errorf("insert field %s.%s: %w", t.Name, f.Name, err)
		}
	}
	return nil
}

// checkTargets makes sure every reference field points at types the tenant has (or at t itself).
func (tx *Tx) checkTargets(ctx context.Context, tenantID string, t crm.EntityType) error {
	types, err := tx.s.entityTypes(ctx, tx.db, tenantID, "")
	if err != nil {
		return err
	}
	known := map[string]bool{t.Name: true}
	for _, et := range types {
		known[et.Name] = true
	}
	var errs []crm.FieldError
	for i, f := range t.Fields {
		for _, target := range f.Targets {
			if !known[target] {
				errs = append(errs, crm.FieldError{Field: fmt.Sprintf("fields[%d].targets", i), Message: fmt.Sprintf("there is no record type %q", target)})
			}
		}
	}
	if len(errs) > 0 {
		return crm.Invalid("the record type is not valid", errs...)
	}
	return nil
}

// CreateEntityType adds a custom record type to the tenant.
func (s *Store) CreateEntityType(ctx context.Context, tenantID string, t crm.EntityType) (crm.EntityType, error) {
	t.BuiltIn = false
	for i := range t.Fields {
		t.Fields[i].BuiltIn = false
	}
	if err := t.Validate(); err != nil {
		return crm.EntityType{}, err
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := tx.checkTargets(ctx, tenantID, t); err != nil {
			return err
		}
		return tx.insertEntityType(ctx, tenantID, t)
	})
	if err != nil {
		return crm.EntityType{}, err
	}
	return s.EntityType(ctx, tenantID, t.Name)
}

// UpdateEntityType changes a record type's names and fields. Built-in fields stay as they are (their
// display name and whether they are secured aside); custom fields may be added, changed or removed. Values of a removed field stay
// in stored records but are no longer served or accepted.
func (s *Store) UpdateEntityType(ctx context.Context, tenantID string, t crm.EntityType) (crm.EntityType, error) {
	err := s.InTx(ctx, func(tx *Tx) error {
		current, err := s.entityTypes(ctx, tx.db, tenantID, t.Name)
		if err != nil {
			return err
		}
		if len(current) == 0 {
			return crm.NotFound("there is no record type %q", t.Name)
		}
		cur := current[0]
		t.BuiltIn, t.NameFrom = cur.BuiltIn, cur.NameFrom
		var errs []crm.FieldError
		for i := range t.Fields {
			t.Fields[i].BuiltIn = false
			if old, ok := cur.Field(t.Fields[i].Name); ok && old.BuiltIn {
				display, secured := t.Fields[i].DisplayName, t.Fields[i].Secured
				t.Fields[i] = old
				t.Fields[i].Secured = secured
				if display != "" {
					t.Fields[i].DisplayName = display
				}
			}
		}
		for _, old := range cur.Fields {
			if _, ok := t.Field(old.Name); !ok && old.BuiltIn {
				errs = append(errs, crm.FieldError{Field: "fields", Message: fmt.Sprintf("the built-in field %q cannot be removed", old.Name)})
			}
		}
		if len(errs) > 0 {
			return crm.Invalid("the record type cannot be changed so", errs...)
		}
		if err := t.Validate(); err != nil {
			return err
		}
		if err := tx.checkTargets(ctx, tenantID, t); err != nil {
			return err
		}
		if _, err := tx.db.ExecContext(ctx, s.q(`UPDATE entity_types SET display_name = ?, plural_name = ? WHERE tenant_id = ? AND name = ?`),
			t.DisplayName, t.PluralName, tenantID, t.Name); err != nil {
			return fmt.Errorf("update record type %s: %w", t.Name, err)
		}
		if _, err := tx.db.ExecContext(ctx, s.q(`DELETE FROM entity_fields WHERE tenant_id = ? AND type_name = ?`), tenantID, t.Name); err != nil {
			return fmt.Errorf("replace fields of %s: %w", t.Name, err)
		}
		if err := tx.insertFields(ctx, tenantID, t); err != nil {
			return err
		}
		return tx.reindexEmails(ctx, tenantID, t, cur)
	})
	if err != nil {
		return crm.EntityType{}, err
	}
	return s.EntityType(ctx, tenantID, t.Name)
}

// reindexEmails brings record_emails in line when a type gains or loses email fields, so that party
// resolution sees the new field's addresses at once.
func (tx *Tx) reindexEmails(ctx context.Context, tenantID string, t, before crm.EntityType) error {
	if slices.Equal(t.EmailFields(), before.EmailFields()) {
		return nil
	}
	if _, err := tx.db.ExecContext(ctx, tx.q(`DELETE FROM record_emails WHERE tenant_id = ? AND record_type = ?`), tenantID, t.Name); err != nil {
		return fmt.Errorf("reindex emails of %s: %w", t.Name, err)
	}
	emailFields := t.EmailFields()
	if len(emailFields) == 0 {
		return nil
	}
	var rows []recordRow
	if err := tx.db.SelectContext(ctx, &rows, tx.q(`SELECT `+recordColumns+` FROM records WHERE tenant_id = ? AND type = ? AND deleted_at IS NULL`), tenantID, t.Name); err != nil {
		return fmt.Errorf("reindex emails of %s: %w", t.Name, err)
	}
	for _, r := range rows {
		rec, err := r.record()
		if err != nil {
			return err
		}
		var emails []crm.RecordEmail
		for _, f := range emailFields {
			if v, ok := rec.Fields[f].(string); ok && v != "" {
				emails = append(emails, crm.RecordEmail{Field: f, Address: toLower(v)})
			}
		}
		if err := tx.writeEmails(ctx, tenantID, rec.ID, rec.Type, emails); err != nil {
			return err
		}
	}
	return nil
}

// DeleteEntityType removes a custom record type that holds no live records.
func (s *Store) DeleteEntityType(ctx context.Context, tenantID, name string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		current, err := s.entityTypes(ctx, tx.db, tenantID, name)
		if err != nil {
			return err
		}
		if len(current) == 0 {
			return crm.NotFound("there is no record type %q", name)
		}
		if current[0].BuiltIn {
			return crm.Conflict("%q is a built-in record type and cannot be deleted", name)
		}
		var n int
		if err := tx.db.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM records WHERE tenant_id = ? AND type = ?`), tenantID, name); err != nil {
			return fmt.Errorf("count records of %s: %w", name, err)
		}
		if n > 0 {
			return crm.Conflict("the record type %q still has %d records; delete them first", name, n)
		}
		if _, err := tx.db.ExecContext(ctx, s.q(`DELETE FROM entity_types WHERE tenant_id = ? AND name = ?`), tenantID, name); err != nil {
			return fmt.Errorf("delete record type %s: %w", name, err)
		}
		return nil
	})
}
