package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
)

// ChangeQuery asks for the records of some types in the order they last changed, for a client that keeps
// a copy of them (the taskpane's offline cache): every live record, or every record changed after a time
// with the deleted ones included, a page at a time.
type ChangeQuery struct {
	TenantID string
	// Scopes are the types, and the owners within them, the reader may see; nothing else is returned.
	Scopes []TypeScope
	// ChangedAfter keeps the records whose last change is after it; the zero time keeps every record.
	ChangedAfter time.Time
	// IncludeDeleted returns soft-deleted records too (marked Deleted), so that their removal can be
	// passed on; without it only live records are returned.
	IncludeDeleted bool
	// After continues a previous page: only records after this key in (updated_at, id) order.
	After *ChangeKey
	// LinkedTo, when set, also keeps the records of the Scopes' types that this user's Outlook items link
	// to, whoever owns them: what the synchronization's push of one user needs besides their own.
	LinkedTo string
	Limit    int
}

// ChangeKey is a record's place in the order of changes: its last change, then its id.
type ChangeKey struct {
	UpdatedAt time.Time
	ID        string
}

// ChangedRecord is a record as ChangedRecords returns it: Deleted tells a soft-deleted one.
type ChangedRecord struct {
	crm.Record
	Deleted bool
}

// Key is the record's place in the order of changes.
func (r ChangedRecord) Key() ChangeKey { return ChangeKey{UpdatedAt: r.UpdatedAt, ID: r.ID} }

type changedRecordRow struct {
	recordRow
	Deleted bool `db:"deleted"`
}

// ChangedRecords returns up to q.Limit records of q's scopes ordered by (updated_at, id). A deletion
// moves updated_at on (see DeleteRecord), so a record deleted after ChangedAfter is among them when
// IncludeDeleted is set. No scopes means no records.
func (s *Store) ChangedRecords(ctx context.Context, q ChangeQuery) ([]ChangedRecord, error) {
	if len(q.Scopes) == 0 || q.Limit <= 0 {
		return []ChangedRecord{}, nil
	}
	scope, scopeArgs := scopeClause("r", q.Scopes)
	if q.LinkedTo != "" {
		types := make([]string, len(q.Scopes))
		for i, sc := range q.Scopes {
			types[i] = "?"
			scopeArgs = append(scopeArgs, sc.Type)
		}
		scope = "(" + scope + " OR (r.type IN (" + strings.Join(types, ", ") + `) AND r.id IN (SELECT l.record_id FROM item_links l
			WHERE l.tenant_id = ? AND l.user_id = ? AND l.record_id IS NOT NULL)))`
		scopeArgs = append(scopeArgs, q.TenantID, q.LinkedTo)
	}
	where := []string{"r.tenant_id = ?", scope}
	args := append([]any{q.TenantID}, scopeArgs...)
	if !q.IncludeDeleted {
		where = append(where, "r.deleted_at IS NULL")
	}
	if !q.ChangedAfter.IsZero() {
		where = append(where, "r.updated_at > ?")
		args = append(args, q.ChangedAfter.UTC())
	}
	if q.After != nil {
		where = append(where, "(r.updated_at > ? OR (r.updated_at = ? AND r.id > ?))")
		args = append(args, q.After.UpdatedAt.UTC(), q.After.UpdatedAt.UTC(), q.After.ID)
	}
	args = append(args, q.Limit)
	var rows []changedRecordRow
	err := s.db.SelectContext(ctx, &rows, s.q(`SELECT `+prefixed("r.", recordColumns)+`, r.deleted_at IS NOT NULL AS deleted
		FROM records r WHERE `+strings.Join(where, " AND ")+` ORDER BY r.updated_at, r.id LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("list changed records: %w", err)
	}
	out := make([]ChangedRecord, 0, len(rows))
	for _, r := range rows {
		rec, err := r.record()
		if err != nil {
			return nil, err
		}
		out = append(out, ChangedRecord{Record: rec, Deleted: r.Deleted})
	}
	return out, nil
}

// RecordAny reads a record by id, deleted or not: the push must see a delete to act on it.
func (s *Store) RecordAny(ctx context.Context, tenantID, id string) (ChangedRecord, error) {
	var row struct {
		recordRow
		DeletedAt sql.NullTime `db:"deleted_at"`
	}
	err := s.db.GetContext(ctx, &row, s.q(`SELECT `+recordColumns+`, deleted_at FROM records WHERE tenant_id = ? AND id = ?`), tenantID, id)
	if err != nil {
		return ChangedRecord{}, notFound(err, crm.NotFound("record %s does not exist", id), "get record")
	}
	rec, err := row.record()
	return ChangedRecord{Record: rec, Deleted: row.DeletedAt.Valid}, err
}
