package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/crmsync/crmsync/internal/crm"
)

type itemLinkRow struct {
	TenantID    string         `db:"tenant_id"`
	UserID      string         `db:"user_id"`
	ItemID      string         `db:"item_id"`
	RESTItemID  string         `db:"rest_item_id"`
	Kind        string         `db:"kind"`
	ActivityID  sql.NullString `db:"activity_id"`
	RecordID    sql.NullString `db:"record_id"`
	Reason      string         `db:"reason"`
	CreatedByUs bool           `db:"created_by_us"`
	Stamped     bool           `db:"stamped"`
	ChangeKey   string         `db:"change_key"`
	CRMVersion  int64          `db:"crm_version"`
	FieldHash   string         `db:"field_hash"`
	Synced      string         `db:"synced_fields"`
	InBody      bool           `db:"attendees_in_body"`
	CreatedAt   time.Time      `db:"created_at"`
	UpdatedAt   time.Time      `db:"updated_at"`
}

const itemLinkColumns = `tenant_id, user_id, item_id, rest_item_id, kind, activity_id, record_id, reason, created_by_us, stamped,
	change_key, crm_version, field_hash, synced_fields, attendees_in_body, created_at, updated_at`

func (r itemLinkRow) link() crm.ItemLink {
	return crm.ItemLink{TenantID: r.TenantID, UserID: r.UserID, ItemID: r.ItemID, RESTItemID: r.RESTItemID, Kind: r.Kind,
		ActivityID: r.ActivityID.String, RecordID: r.RecordID.String, Reason: r.Reason, CreatedByUs: r.CreatedByUs,
		Stamped: r.Stamped, ChangeKey: r.ChangeKey, CRMVersion: r.CRMVersion, FieldHash: r.FieldHash,
		Synced: parseSynced(r.Synced), AttendeesInBody: r.InBody, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// syncedJSON stores a link's agreed field values.
func syncedJSON(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // cannot fail: a map of strings
	return string(b)
}

// parseSynced reads a link's agreed field values; a value that does not parse counts as none agreed,
// which makes the next synchronization compare both sides afresh instead of failing the mailbox.
func parseSynced(s string) map[string]string {
	m := map[string]string{}
	_ = json.Unmarshal([]byte(s), &m)
	return m
}

// PendingItemID names the link of an Outlook item being created for a CRM id before Graph gave it an id:
// written first, so that a crash between the creation and the link leaves a trace the next pass adopts
// instead of creating the item twice.
func PendingItemID(crmID string) string { return "pending:" + crmID }

// RemovedItemID names the link that remembers a user deleted the Outlook copy of a record a filter
// pushed: the record is not pushed again while it stays in the filter.
func RemovedItemID(crmID string) string { return "removed:" + crmID }

// ItemLink finds a user's link for an item by its immutable or its REST id.
func (s *Store) ItemLink(ctx context.Context, tenantID, userID, itemID string) (crm.ItemLink, error) {
	return s.itemLink(ctx, s.db, tenantID, userID, itemID)
}

// ItemLink is Store.ItemLink inside the transaction.
func (tx *Tx) ItemLink(ctx context.Context, tenantID, userID, itemID string) (crm.ItemLink, error) {
	return tx.s.itemLink(ctx, tx.db, tenantID, userID, itemID)
}

func (s *Store) itemLink(ctx context.Context, db sqlx.QueryerContext, tenantID, userID, itemID string) (crm.ItemLink, error) {
	var row itemLinkRow
	err := sqlx.GetContext(ctx, db, &row, s.q(`SELECT `+itemLinkColumns+` FROM item_links
		WHERE tenant_id = ? AND user_id = ? AND (item_id = ? OR rest_item_id = ?) ORDER BY updated_at DESC LIMIT 1`),
		tenantID, userID, itemID, itemID)
	if err != nil {
		return crm.ItemLink{}, notFound(err, crm.NotFound("the item is not tracked"), "get item link")
	}
	return row.link(), nil
}

// ItemLinksOfKind returns a user's links of one item kind, by the CRM id they link to (activity or record).
func (s *Store) ItemLinksOfKind(ctx context.Context, tenantID, userID, kind string) (map[string]crm.ItemLink, error) {
	var rows []itemLinkRow
	err := s.db.SelectContext(ctx, &rows, s.q(`SELECT `+itemLinkColumns+` FROM item_links WHERE tenant_id = ? AND user_id = ? AND kind = ?`),
		tenantID, userID, kind)
	if err != nil {
		return nil, fmt.Errorf("list %s links: %w", kind, err)
	}
	out := make(map[string]crm.ItemLink, len(rows))
	for _, r := range rows {
		l := r.link()
		out[l.CRMID()] = l
	}
	return out, nil
}

// SaveItemLink inserts or replaces the link of a user's item.
func (tx *Tx) SaveItemLink(ctx context.Context, l crm.ItemLink) error {
	now := tx.s.now().UTC()
	if l.CreatedAt.IsZero() {
		l.CreatedAt = now
	}
	_, err := tx.db.ExecContext(ctx, tx.q(`INSERT INTO item_links (`+itemLinkColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, user_id, item_id) DO UPDATE SET rest_item_id = excluded.rest_item_id, kind = excluded.kind,
		activity_id = excluded.activity_id, record_id = excluded.record_id, reason = excluded.reason,
		created_by_us = excluded.created_by_us, stamped = excluded.stamped, change_key = excluded.change_key,
		crm_version = excluded.crm_version, field_hash = excluded.field_hash, synced_fields = excluded.synced_fields,
		attendees_in_body = excluded.attendees_in_body, updated_at = excluded.updated_at`),
		l.TenantID, l.UserID, l.ItemID, l.RESTItemID, l.Kind, nullString(l.ActivityID), nullString(l.RecordID), l.Reason,
		l.CreatedByUs, l.Stamped, l.ChangeKey, l.CRMVersion, l.FieldHash, syncedJSON(l.Synced), l.AttendeesInBody, l.CreatedAt, now)
	if err != nil {
		return fmt.Errorf("save item link %s: %w", l.ItemID, err)
	}
	return nil
}

// SaveItemLink stores a link outside any other write.
func (s *Store) SaveItemLink(ctx context.Context, l crm.ItemLink) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.SaveItemLink(ctx, l) })
}

// DeleteItemLink removes a user's link for an item; a link that is not there is not an error.
func (tx *Tx) DeleteItemLink(ctx context.Context, tenantID, userID, itemID string) error {
	if _, err := tx.db.ExecContext(ctx, tx.q(`DELETE FROM item_links WHERE tenant_id = ? AND user_id = ? AND item_id = ?`), tenantID, userID, itemID); err != nil {
		return fmt.Errorf("delete item link %s: %w", itemID, err)
	}
	return nil
}

// DeleteItemLink removes a user's link to an item outside any other write.
func (s *Store) DeleteItemLink(ctx context.Context, tenantID, userID, itemID string) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.DeleteItemLink(ctx, tenantID, userID, itemID) })
}

// ReplaceItemLink swaps a link's item id (a pending creation that got its Outlook id) in one write.
func (s *Store) ReplaceItemLink(ctx context.Context, oldItemID string, l crm.ItemLink) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if err := tx.DeleteItemLink(ctx, l.TenantID, l.UserID, oldItemID); err != nil {
			return err
		}
		return tx.SaveItemLink(ctx, l)
	})
}

// CountActivityLinks says how many items (of any user) link to an activity.
func (tx *Tx) CountActivityLinks(ctx context.Context, tenantID, activityID string) (int, error) {
	var n int
	if err := tx.db.GetContext(ctx, &n, tx.q(`SELECT COUNT(*) FROM item_links WHERE tenant_id = ? AND activity_id = ?`), tenantID, activityID); err != nil {
		return 0, fmt.Errorf("count links of activity %s: %w", activityID, err)
	}
	return n, nil
}

// MarkItemStamped records that a user's linked item now carries its stamp.
func (tx *Tx) MarkItemStamped(ctx context.Context, tenantID, userID, itemID string) error {
	_, err := tx.db.ExecContext(ctx, tx.q(`UPDATE item_links SET stamped = ?, updated_at = ? WHERE tenant_id = ? AND user_id = ? AND item_id = ?`),
		true, tx.s.now().UTC(), tenantID, userID, itemID)
	if err != nil {
		return fmt.Errorf("mark item %s stamped: %w", itemID, err)
	}
	return nil
}
