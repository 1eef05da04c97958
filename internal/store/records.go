package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
)

type recordRow struct {
	ID        string    `db:"id"`
	TenantID  string    `db:"tenant_id"`
	Type      string    `db:"type"`
	Name      string    `db:"name"`
	SortName  string    `db:"sort_name"`
	OwnerID   string    `db:"owner_id"`
	Fields    []byte    `db:"fields"`
	Version   int64     `db:"version"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

const recordColumns = `id, tenant_id, type, name, sort_name, owner_id, fields, version, created_at, updated_at`

func (r recordRow) record() (crm.Record, error) {
	rec := crm.Record{ID: r.ID, Type: r.Type, Name: r.Name, OwnerID: r.OwnerID, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal(r.Fields, &rec.Fields); err != nil {
		return crm.Record{}, fmt.Errorf("record %s fields: %w", r.ID, err)
	}
	if rec.Fields == nil {
		rec.Fields = map[string]any{}
	}
	return rec, nil
}

func toLower(s string) string { return strings.ToLower(s) }

// CreateRecord stores a new record of the given type owned by ownerID. The input is checked against the
// type, references must point at live records of the tenant, and email fields are indexed.
func (s *Store) CreateRecord(ctx context.Context, tenantID, typeName, ownerID string, in crm.RecordInput) (crm.Record, error) {
	var rec crm.Record
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		rec, err = tx.CreateRecord(ctx, tenantID, typeName, ownerID, in)
		return err
	})
	return rec, err
}

// CreateRecord is Store.CreateRecord inside the transaction.
func (tx *Tx) CreateRecord(ctx context.Context, tenantID, typeName, ownerID string, in crm.RecordInput) (crm.Record, error) {
	types, err := tx.s.entityTypes(ctx, tx.db, tenantID, typeName)
	if err != nil {
		return crm.Record{}, err
	}
	if len(types) == 0 {
		return crm.Record{}, crm.NotFound("there is no record type %q", typeName)
	}
	et := types[0]
	if in.Version != nil {
		return crm.Record{}, crm.Invalid("a new record has no version", crm.FieldError{Field: "version", Message: "leave it out when creating"})
	}
	norm, err := et.Normalize(in, nil)
	if err != nil {
		return crm.Record{}, err
	}
	now := tx.s.now().UTC()
	rec := crm.Record{ID: uuid.NewString(), Type: et.Name, Name: norm.Name, OwnerID: ownerID, Fields: norm.Fields,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	fields, err := json.Marshal(rec.Fields)
	if err != nil {
		return crm.Record{}, fmt.Errorf("encode fields: %w", err)
	}
	if err := tx.checkReferences(ctx, tenantID, et, norm.References); err != nil {
		return crm.Record{}, err
	}
	_, err = tx.db.ExecContext(ctx, tx.q(`INSERT INTO records (`+recordColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		rec.ID, tenantID, rec.Type, rec.Name, toLower(rec.Name), rec.OwnerID, string(fields), rec.Version, now, now)
	if err != nil {
		return crm.Record{}, fmt.Errorf("insert %s record: %w", rec.Type, err)
	}
	if err := tx.writeEmails(ctx, tenantID, rec.ID, rec.Type, norm.Emails); err != nil {
		return crm.Record{}, err
	}
	return rec, nil
}

// checkReferences makes sure each reference names a live record of one of the field's target types.
func (tx *Tx) checkReferences(ctx context.Context, tenantID string, et crm.EntityType, refs map[string]crm.RecordRef) error {
	var errs []crm.FieldError
	for field, ref := range refs {
		f, _ := et.Field(field)
		var typ string
		err := tx.db.GetContext(ctx, &typ, tx.q(`SELECT type FROM records WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`), tenantID, ref.ID)
		if err != nil && !isNoRows(err) {
			return fmt.Errorf("check reference %s: %w", field, err)
		}
		if isNoRows(err) || !slices.Contains(f.Targets, typ) {
			errs = append(errs, crm.FieldError{Field: "fields." + field, Message: fmt.Sprintf("no %s has the id %s", strings.Join(f.Targets, " or "), ref.ID)})
		}
	}
	if len(errs) > 0 {
		return crm.Invalid("a reference points nowhere", errs...)
	}
	return nil
}

// Record returns a live record of the tenant. A record of another tenant, another type or a deleted one
// is not found.
func (s *Store) Record(ctx context.Context, tenantID, typeName, id string) (crm.Record, error) {
	if _, err := uuid.Parse(id); err != nil {
		return crm.Record{}, crm.NotFound("there is no %s with the id %q", typeName, id)
	}
	var row recordRow
	err := s.db.GetContext(ctx, &row, s.q(`SELECT `+recordColumns+` FROM records
		WHERE tenant_id = ? AND type = ? AND id = ? AND deleted_at IS NULL`), tenantID, typeName, id)
	if err != nil {
		return crm.Record{}, notFound(err, crm.NotFound("there is no %s with the id %s", typeName, id), "get record")
	}
	return row.record()
}

// RecordChange is an update of a record: its new input, the version the caller last saw, and whether
// fields left out keep their value (a merge, PATCH) or are cleared (a replace, PUT).
type RecordChange struct {
	Input crm.RecordInput
	Merge bool
}

// UpdateRecord applies a change to a record whose current state the caller has read (and authorized).
// The write only happens if the record still has the version the caller sent: a stale version is a
// conflict and changes nothing.
func (s *Store) UpdateRecord(ctx context.Context, tenantID string, current crm.Record, change RecordChange, then ...Then) (crm.Record, error) {
	if change.Input.Version == nil {
		return crm.Record{}, crm.Invalid("the update has no version", crm.FieldError{Field: "version", Message: "is required: send the version you last read"})
	}
	if *change.Input.Version != current.Version {
		return crm.Record{}, staleVersion(current.Type, current.ID, *change.Input.Version, current.Version)
	}
	et, err := s.EntityType(ctx, tenantID, current.Type)
	if err != nil {
		return crm.Record{}, err
	}
	var base map[string]any
	if change.Merge {
		base = current.Fields
		if change.Input.Name == nil && len(et.NameFrom) == 0 {
			change.Input.Name = &current.Name
		}
	}
	norm, err := et.Normalize(change.Input, base)
	if err != nil {
		return crm.Record{}, err
	}
	fields, err := json.Marshal(norm.Fields)
	if err != nil {
		return crm.Record{}, fmt.Errorf("encode fields: %w", err)
	}
	now := s.now().UTC()
	updated := current
	updated.Name, updated.Fields, updated.Version, updated.UpdatedAt = norm.Name, norm.Fields, current.Version+1, now
	err = s.InTx(ctx, func(tx *Tx) error {
		if err := tx.checkReferences(ctx, tenantID, et, norm.References); err != nil {
			return err
		}
		res, err := tx.db.ExecContext(ctx, s.q(`UPDATE records SET name = ?, sort_name = ?, fields = ?, version = ?, updated_at = ?
			WHERE tenant_id = ? AND id = ? AND version = ? AND deleted_at IS NULL`),
			updated.Name, toLower(updated.Name), string(fields), updated.Version, now, tenantID, current.ID, current.Version)
		if err != nil {
			return fmt.Errorf("update record %s: %w", current.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update record %s: %w", current.ID, err)
		} else if n == 0 {
			return tx.whyNotWritten(ctx, tenantID, current, *change.Input.Version)
		}
		if err := tx.writeEmails(ctx, tenantID, current.ID, current.Type, norm.Emails); err != nil {
			return err
		}
		return tx.then(then)
	})
	if err != nil {
		return crm.Record{}, err
	}
	return updated, nil
}

func staleVersion(typeName, id string, sent, now int64) error {
	return crm.Conflict("the %s %s was changed by someone else: you sent version %d, it is at version %d now; read it again and retry", typeName, id, sent, now)
}

// whyNotWritten explains a guarded write that touched no row: the record is gone, or it moved on.
func (tx *Tx) whyNotWritten(ctx context.Context, tenantID string, rec crm.Record, sent int64) error {
	var version int64
	err := tx.db.GetContext(ctx, &version, tx.q(`SELECT version FROM records WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`), tenantID, rec.ID)
	if err != nil {
		return notFound(err, crm.NotFound("there is no %s with the id %s", rec.Type, rec.ID), "reread record")
	}
	return staleVersion(rec.Type, rec.ID, sent, version)
}

// DeleteRecord removes a record (softly: activities that point at it keep their history). When version
// is given, a stale one is a conflict.
func (s *Store) DeleteRecord(ctx context.Context, tenantID string, current crm.Record, version *int64, then ...Then) error {
	if version != nil && *version != current.Version {
		return staleVersion(current.Type, current.ID, *version, current.Version)
	}
	now := s.now().UTC()
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.db.ExecContext(ctx, s.q(`UPDATE records SET deleted_at = ?, updated_at = ?, version = version + 1
			WHERE tenant_id = ? AND id = ? AND version = ? AND deleted_at IS NULL`), now, now, tenantID, current.ID, current.Version)
		if err != nil {
			return fmt.Errorf("delete record %s: %w", current.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tx.whyNotWritten(ctx, tenantID, current, current.Version)
		}
		if err := tx.writeEmails(ctx, tenantID, current.ID, current.Type, nil); err != nil {
			return fmt.Errorf("unindex emails of %s: %w", current.ID, err)
		}
		return tx.then(then)
	})
}
