package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/crmsync/crmsync/internal/crm"
)

// OnlineFilters returns, inside a transaction, every enabled online filter of the tenant for one record
// type, users' and system ones: what decides whose mailbox a CRM write of that type can change.
func (tx *Tx) OnlineFilters(ctx context.Context, tenantID, recordType string) ([]crm.Filter, error) {
	var rows []syncFilterRow
	err := tx.db.SelectContext(ctx, &rows, tx.q(`SELECT `+syncFilterColumns+` FROM sync_filters
		WHERE tenant_id = ? AND record_type = ? AND kind = ? AND enabled`), tenantID, recordType, crm.FilterOnline)
	if err != nil {
		return nil, fmt.Errorf("list online %s filters: %w", recordType, err)
	}
	out := make([]crm.Filter, 0, len(rows))
	for _, r := range rows {
		f, err := r.filter()
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// LinkedUsers returns, inside a transaction, the users whose Outlook items link to a CRM activity or
// record.
func (tx *Tx) LinkedUsers(ctx context.Context, tenantID, crmID string) ([]string, error) {
	var out []string
	err := tx.db.SelectContext(ctx, &out, tx.q(`SELECT DISTINCT user_id FROM item_links WHERE tenant_id = ? AND (activity_id = ? OR record_id = ?)`),
		tenantID, crmID, crmID)
	if err != nil {
		return nil, fmt.Errorf("list users linked to %s: %w", crmID, err)
	}
	return out, nil
}

// EnabledMailboxes returns, inside a transaction, the enabled mailboxes of the tenant's users among
// users, or of all its users when users is nil.
func (tx *Tx) EnabledMailboxes(ctx context.Context, tenantID string, users []string) ([]MailboxKey, error) {
	if users != nil && len(users) == 0 {
		return nil, nil
	}
	query, args := `SELECT tenant_id, user_id FROM mailboxes WHERE tenant_id = ? AND enabled`, []any{tenantID}
	if users != nil {
		in, inArgs, err := sqlx.In(` AND user_id IN (?)`, users)
		if err != nil {
			return nil, fmt.Errorf("list enabled mailboxes: %w", err)
		}
		query += in
		args = append(args, inArgs...)
	}
	var out []MailboxKey
	if err := tx.db.SelectContext(ctx, &out, tx.q(query+` ORDER BY user_id`), args...); err != nil {
		return nil, fmt.Errorf("list enabled mailboxes: %w", err)
	}
	return out, nil
}

// FilterView is what the filters see of a written activity or record, and whether it is deleted.
type FilterView struct {
	OwnerID string
	Fields  map[string]any
	Deleted bool
}

// ActivityView reads, inside a transaction, an activity as the filters see it (deleted ones too).
func (tx *Tx) ActivityView(ctx context.Context, tenantID, id string) (FilterView, error) {
	var row struct {
		activityRow
		DeletedAt sql.NullTime `db:"deleted_at"`
	}
	err := tx.db.GetContext(ctx, &row, tx.q(activitySelectWith(", a.deleted_at")+` WHERE a.tenant_id = ? AND a.id = ?`), tenantID, id)
	if err != nil {
		return FilterView{}, notFound(err, crm.NotFound("activity %s does not exist", id), "get activity")
	}
	a := row.activity()
	return FilterView{OwnerID: a.OwnerID, Fields: crm.ActivityFields(a), Deleted: row.DeletedAt.Valid}, nil
}

// RecordView reads, inside a transaction, a record as the filters see it (deleted ones too).
func (tx *Tx) RecordView(ctx context.Context, tenantID, id string) (FilterView, error) {
	var row struct {
		recordRow
		DeletedAt sql.NullTime `db:"deleted_at"`
	}
	err := tx.db.GetContext(ctx, &row, tx.q(`SELECT `+recordColumns+`, deleted_at FROM records WHERE tenant_id = ? AND id = ?`), tenantID, id)
	if err != nil {
		return FilterView{}, notFound(err, crm.NotFound("record %s does not exist", id), "get record")
	}
	rec, err := row.record()
	if err != nil {
		return FilterView{}, err
	}
	return FilterView{OwnerID: rec.OwnerID, Fields: crm.RecordFields(rec), Deleted: row.DeletedAt.Valid}, nil
}
