package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/crmsync/crmsync/internal/crm"
)

// ChangedActivity is an appointment or task as the synchronization's push sees it: Deleted tells a
// soft-deleted one.
type ChangedActivity struct {
	crm.Activity
	Deleted bool
}

// ChangedActivities returns the appointments or tasks updated after since, deleted ones included (a
// delete moves updated_at on), oldest change first, with their parties. A zero since returns every live
// one: the full pass after the push's fingerprint changed. ownerID, when not empty, keeps that owner's.
func (s *Store) ChangedActivities(ctx context.Context, tenantID, typ, ownerID string, since time.Time) ([]ChangedActivity, error) {
	var rows []struct {
		activityRow
		DeletedAt sql.NullTime `db:"deleted_at"`
	}
	where, args := "a.tenant_id = ? AND a.type = ?", []any{tenantID, typ}
	if since.IsZero() {
		where += " AND a.deleted_at IS NULL"
	} else {
		where += " AND a.updated_at > ?"
		args = append(args, since.UTC())
	}
	if ownerID != "" {
		where += " AND a.owner_id = ?"
		args = append(args, ownerID)
	}
	query := activitySelectWith(", a.deleted_at") + ` WHERE ` + where + ` ORDER BY a.updated_at, a.id`
	if err := s.db.SelectContext(ctx, &rows, s.q(query), args...); err != nil {
		return nil, fmt.Errorf("list changed %s activities: %w", typ, err)
	}
	list := make([]crm.Activity, len(rows))
	for i, r := range rows {
		list[i] = r.activity()
	}
	if err := s.attachParties(ctx, tenantID, list); err != nil {
		return nil, err
	}
	out := make([]ChangedActivity, len(rows))
	for i, r := range rows {
		out[i] = ChangedActivity{Activity: list[i], Deleted: r.DeletedAt.Valid}
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

// ActivityAny reads an activity by id with its parties, deleted or not.
func (s *Store) ActivityAny(ctx context.Context, tenantID, id string) (ChangedActivity, error) {
	var row struct {
		activityRow
		DeletedAt sql.NullTime `db:"deleted_at"`
	}
	err := s.db.GetContext(ctx, &row, s.q(activitySelectWith(", a.deleted_at")+` WHERE a.tenant_id = ? AND a.id = ?`), tenantID, id)
	if err != nil {
		return ChangedActivity{}, notFound(err, crm.NotFound("activity %s does not exist", id), "get activity")
	}
	list := []crm.Activity{row.activity()}
	if err := s.attachParties(ctx, tenantID, list); err != nil {
		return ChangedActivity{}, err
	}
	return ChangedActivity{Activity: list[0], Deleted: row.DeletedAt.Valid}, nil
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

// SaveItemLink stores a link outside any other write.
func (s *Store) SaveItemLink(ctx context.Context, l crm.ItemLink) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return s.SaveItemLinkTx(ctx, tx, l) })
}

// DeleteItemLink removes a user's link to an item; a link that is not there is not an error.
func (s *Store) DeleteItemLink(ctx context.Context, tenantID, userID, itemID string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return s.DeleteItemLinkTx(ctx, tx, tenantID, userID, itemID) })
}

// ReplaceItemLink swaps a link's item id (a pending creation that got its Outlook id) in one write.
func (s *Store) ReplaceItemLink(ctx context.Context, oldItemID string, l crm.ItemLink) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.DeleteItemLinkTx(ctx, tx, l.TenantID, l.UserID, oldItemID); err != nil {
			return err
		}
		return s.SaveItemLinkTx(ctx, tx, l)
	})
}

// PushState returns where a mailbox's push of one item kind stands; found is false before its first
// complete pass.
func (s *Store) PushState(ctx context.Context, tenantID, userID, kind string) (fingerprint string, watermark time.Time, found bool, err error) {
	var row struct {
		Fingerprint string    `db:"fingerprint"`
		Watermark   time.Time `db:"watermark"`
	}
	err = s.db.GetContext(ctx, &row, s.q(`SELECT fingerprint, watermark FROM push_state WHERE tenant_id = ? AND user_id = ? AND kind = ?`),
		tenantID, userID, kind)
	if isNoRows(err) {
		return "", time.Time{}, false, nil
	}
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("get push state of %s: %w", kind, err)
	}
	return row.Fingerprint, row.Watermark.UTC(), true, nil
}

// SavePushState records a complete push pass of one item kind.
func (s *Store) SavePushState(ctx context.Context, tenantID, userID, kind, fingerprint string, watermark time.Time) error {
	_, err := s.exec(ctx, s.q(`INSERT INTO push_state (tenant_id, user_id, kind, fingerprint, watermark) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, user_id, kind) DO UPDATE SET fingerprint = excluded.fingerprint, watermark = excluded.watermark`),
		tenantID, userID, kind, fingerprint, watermark.UTC())
	if err != nil {
		return fmt.Errorf("save push state of %s: %w", kind, err)
	}
	return nil
}

// ActivityPatch is a change to an appointment or task from its Outlook copy; nil members stay as they are.
type ActivityPatch struct {
	Subject, Body, Location, Status *string
	Start, End, Due                 **time.Time
	// Attendees replaces the required and optional parties when set.
	Attendees *[]crm.Party
}

// PatchActivity applies a change to an activity that still has version (optimistic concurrency: a
// stale version is a conflict and changes nothing) and returns it as stored.
func (s *Store) PatchActivity(ctx context.Context, tenantID, id string, version int64, p ActivityPatch) (crm.Activity, error) {
	now := s.now().UTC()
	set, args := "version = version + 1, updated_at = ?", []any{now}
	str := func(col string, v *string) {
		if v != nil {
			set += ", " + col + " = ?"
			args = append(args, *v)
		}
	}
	tm := func(col string, v **time.Time) {
		if v != nil {
			set += ", " + col + " = ?"
			args = append(args, timeOrNull(*v))
		}
	}
	str("subject", p.Subject)
	str("body", p.Body)
	str("location", p.Location)
	str("status", p.Status)
	tm("start_at", p.Start)
	tm("end_at", p.End)
	tm("due_at", p.Due)
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE activities SET `+set+` WHERE tenant_id = ? AND id = ? AND version = ? AND deleted_at IS NULL`),
			append(args, tenantID, id, version)...)
		if err != nil {
			return fmt.Errorf("update activity %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update activity %s: %w", id, err)
		} else if n == 0 {
			return crm.Conflict("activity %s changed since version %d was read", id, version)
		}
		if p.Attendees == nil {
			return nil
		}
		return s.replaceAttendeesTx(ctx, tx, tenantID, id, *p.Attendees)
	})
	if err != nil {
		return crm.Activity{}, err
	}
	got, err := s.ActivityAny(ctx, tenantID, id)
	return got.Activity, err
}

// replaceAttendeesTx replaces an activity's required and optional parties, keeping the others.
func (s *Store) replaceAttendeesTx(ctx context.Context, tx *sqlx.Tx, tenantID, activityID string, parties []crm.Party) error {
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM activity_parties WHERE tenant_id = ? AND activity_id = ? AND role IN (?, ?)`),
		tenantID, activityID, crm.PartyRequired, crm.PartyOptional); err != nil {
		return fmt.Errorf("clear attendees of %s: %w", activityID, err)
	}
	var next int
	if err := tx.GetContext(ctx, &next, s.q(`SELECT COALESCE(MAX(position), -1) + 1 FROM activity_parties WHERE tenant_id = ? AND activity_id = ?`),
		tenantID, activityID); err != nil {
		return fmt.Errorf("number attendees of %s: %w", activityID, err)
	}
	for i, p := range parties {
		var recType, recID sql.NullString
		if p.Record != nil {
			recType, recID = nullString(p.Record.Type), nullString(p.Record.ID)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO activity_parties (tenant_id, activity_id, position, role, address, name, record_type, record_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), tenantID, activityID, next+i, p.Role, toLower(p.Address), p.Name, recType, recID); err != nil {
			return fmt.Errorf("insert attendee of %s: %w", activityID, err)
		}
	}
	return nil
}

// PendingItemID names the link of an Outlook item being created for a CRM id before Graph gave it an id:
// written first, so that a crash between the creation and the link leaves a trace the next pass adopts
// instead of creating the item twice.
func PendingItemID(crmID string) string { return "pending:" + crmID }

// RemovedItemID names the link that remembers a user deleted the Outlook copy of a record a filter
// pushed: the record is not pushed again while it stays in the filter.
func RemovedItemID(crmID string) string { return "removed:" + crmID }
