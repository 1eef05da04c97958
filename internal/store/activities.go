package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/crmsync/crmsync/internal/crm"
)

type activityRow struct {
	ID                string         `db:"id"`
	Type              string         `db:"type"`
	Subject           string         `db:"subject"`
	Body              string         `db:"body"`
	StartAt           sql.NullTime   `db:"start_at"`
	EndAt             sql.NullTime   `db:"end_at"`
	DueAt             sql.NullTime   `db:"due_at"`
	Location          string         `db:"location"`
	Version           int64          `db:"version"`
	Status            string         `db:"status"`
	Direction         string         `db:"direction"`
	OwnerID           string         `db:"owner_id"`
	RegardingType     sql.NullString `db:"regarding_type"`
	RegardingID       sql.NullString `db:"regarding_id"`
	RegardingName     sql.NullString `db:"regarding_name"`
	InternetMessageID sql.NullString `db:"internet_message_id"`
	ConversationID    string         `db:"conversation_id"`
	ICalUID           string         `db:"ical_uid"`
	CreatedAt         time.Time      `db:"created_at"`
	UpdatedAt         time.Time      `db:"updated_at"`
	ScheduledAt       sql.NullTime   `db:"scheduled_at"`
}

var activitySelect = activitySelectWith("")

// activitySelectWith is the query reading activities with their regarding record's name, selecting the
// extra columns too (each prefixed by ", ").
func activitySelectWith(extra string) string {
	return `SELECT a.id, a.type, a.subject, a.body, a.start_at, a.end_at, a.due_at, a.location, a.version, a.status, a.direction,
	a.owner_id, a.regarding_type, a.regarding_id, rr.name AS regarding_name, a.internet_message_id, a.conversation_id,
	a.ical_uid, a.created_at, a.updated_at, a.scheduled_at` + extra + `
	FROM activities a LEFT JOIN records rr ON rr.id = a.regarding_id AND rr.tenant_id = a.tenant_id`
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func (r activityRow) activity() crm.Activity {
	a := crm.Activity{ID: r.ID, Type: r.Type, Subject: r.Subject, Body: r.Body, Start: nullTime(r.StartAt), End: nullTime(r.EndAt),
		Due: nullTime(r.DueAt), Location: r.Location, Version: r.Version, Status: r.Status, Direction: r.Direction, OwnerID: r.OwnerID,
		InternetMessageID: r.InternetMessageID.String, ConversationID: r.ConversationID, ICalUID: r.ICalUID,
		Parties: []crm.Party{}, Links: []crm.LinkRef{}, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		ScheduledAt: nullTime(r.ScheduledAt)}
	if r.RegardingID.Valid {
		a.Regarding = &crm.Regarding{Type: r.RegardingType.String, ID: r.RegardingID.String, Name: r.RegardingName.String}
	}
	return a
}

type partyRow struct {
	ActivityID string         `db:"activity_id"`
	Role       string         `db:"role"`
	Address    string         `db:"address"`
	Name       string         `db:"name"`
	RecordType sql.NullString `db:"record_type"`
	RecordID   sql.NullString `db:"record_id"`
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func timeOrNull(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// Activity returns one activity of the tenant with its parties.
func (s *Store) Activity(ctx context.Context, tenantID, id string) (crm.Activity, error) {
	if _, err := uuid.Parse(id); err != nil {
		return crm.Activity{}, crm.NotFound("there is no activity with the id %q", id)
	}
	var row activityRow
	err := s.db.GetContext(ctx, &row, s.q(activitySelect+` WHERE a.tenant_id = ? AND a.id = ? AND a.deleted_at IS NULL`), tenantID, id)
	if err != nil {
		return crm.Activity{}, notFound(err, crm.NotFound("there is no activity with the id %s", id), "get activity")
	}
	list := []crm.Activity{row.activity()}
	if err := s.attachParties(ctx, tenantID, list); err != nil {
		return crm.Activity{}, err
	}
	if err := s.attachLinks(ctx, tenantID, list); err != nil {
		return crm.Activity{}, err
	}
	return list[0], nil
}

func (s *Store) attachParties(ctx context.Context, tenantID string, list []crm.Activity) error {
	// Databases bound the parameters of one statement (SQLite 32,766, PostgreSQL 65,535): a full
	// synchronization pass reads thousands of activities at once, so ask in chunks.
	const chunk = 500
	for len(list) > chunk {
		if err := s.attachParties(ctx, tenantID, list[:chunk]); err != nil {
			return err
		}
		list = list[chunk:]
	}
	if len(list) == 0 {
		return nil
	}
	index := make(map[string]int, len(list))
	ids := make([]any, 0, len(list))
	for i, a := range list {
		index[a.ID] = i
		ids = append(ids, a.ID)
	}
	query, args, err := sqlx.In(`SELECT activity_id, role, address, name, record_type, record_id FROM activity_parties
		WHERE tenant_id = ? AND activity_id IN (?) ORDER BY activity_id, position`, tenantID, ids)
	if err != nil {
		return fmt.Errorf("list parties: %w", err)
	}
	var rows []partyRow
	if err := s.db.SelectContext(ctx, &rows, s.q(query), args...); err != nil {
		return fmt.Errorf("list parties: %w", err)
	}
	for _, r := range rows {
		p := crm.Party{Role: r.Role, Address: r.Address, Name: r.Name}
		if r.RecordID.Valid {
			p.Record = &crm.RecordRef{Type: r.RecordType.String, ID: r.RecordID.String}
		}
		i := index[r.ActivityID]
		list[i].Parties = append(list[i].Parties, p)
	}
	return nil
}

// ActivityQuery lists activities, newest first: those regarding one record when Regarding is set, those
// with one record among their resolved parties when Party is set, limited to the types and owners Scopes
// allow.
type ActivityQuery struct {
	TenantID  string
	Regarding *crm.RecordRef
	Party     *crm.RecordRef
	Scopes    []TypeScope
	Limit     int
	Cursor    string
}

// Activities returns a page of activities and the cursor of the next page ("" at the end).
func (s *Store) Activities(ctx context.Context, q ActivityQuery) ([]crm.Activity, string, error) {
	if q.Limit <= 0 {
		q.Limit = 25
	}
	q.Limit = min(q.Limit, MaxPageSize)
	if len(q.Scopes) == 0 {
		return []crm.Activity{}, "", nil
	}
	scope, args := scopeClause("a", q.Scopes)
	where := []string{`a.tenant_id = ?`, `a.deleted_at IS NULL`, scope}
	args = append([]any{q.TenantID}, args...)
	if q.Regarding != nil {
		where = append(where, `a.regarding_type = ? AND a.regarding_id = ?`)
		args = append(args, q.Regarding.Type, q.Regarding.ID)
	}
	if q.Party != nil {
		where = append(where, `EXISTS (SELECT 1 FROM activity_parties p WHERE p.tenant_id = a.tenant_id AND p.activity_id = a.id
			AND p.record_type = ? AND p.record_id = ?)`)
		args = append(args, q.Party.Type, q.Party.ID)
	}
	if q.Cursor != "" {
		at, id, err := decodeTimeCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, `(a.created_at < ? OR (a.created_at = ? AND a.id < ?))`)
		args = append(args, at, at, id)
	}
	args = append(args, q.Limit+1)
	var rows []activityRow
	err := s.db.SelectContext(ctx, &rows, s.q(activitySelect+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY a.created_at DESC, a.id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list activities: %w", err)
	}
	next := ""
	if len(rows) > q.Limit {
		last := rows[q.Limit-1]
		next = encodeTimeCursor(last.CreatedAt, last.ID)
		rows = rows[:q.Limit]
	}
	list := make([]crm.Activity, 0, len(rows))
	for _, r := range rows {
		list = append(list, r.activity())
	}
	if err := s.attachParties(ctx, q.TenantID, list); err != nil {
		return nil, "", err
	}
	if err := s.attachLinks(ctx, q.TenantID, list); err != nil {
		return nil, "", err
	}
	return list, next, nil
}

// attachLinks fills in which users' Outlook items each activity is linked to.
func (s *Store) attachLinks(ctx context.Context, tenantID string, list []crm.Activity) error {
	if len(list) == 0 {
		return nil
	}
	index := make(map[string]int, len(list))
	ids := make([]any, 0, len(list))
	for i, a := range list {
		index[a.ID] = i
		ids = append(ids, a.ID)
	}
	query, args, err := sqlx.In(`SELECT l.activity_id, l.user_id, l.item_id, l.reason, l.created_at,
		COALESCE(NULLIF(u.display_name, ''), u.upn, '') AS user_name
		FROM item_links l LEFT JOIN users u ON u.tenant_id = l.tenant_id AND u.id = l.user_id
		WHERE l.tenant_id = ? AND l.activity_id IN (?) ORDER BY l.activity_id, l.created_at`, tenantID, ids)
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	var rows []struct {
		ActivityID string    `db:"activity_id"`
		UserID     string    `db:"user_id"`
		ItemID     string    `db:"item_id"`
		Reason     string    `db:"reason"`
		CreatedAt  time.Time `db:"created_at"`
		UserName   string    `db:"user_name"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.q(query), args...); err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	for _, r := range rows {
		i := index[r.ActivityID]
		list[i].Links = append(list[i].Links, crm.LinkRef{UserID: r.UserID, ItemID: r.ItemID, UserName: r.UserName,
			Reason: r.Reason, TrackedAt: r.CreatedAt.UTC()})
	}
	return nil
}

// ChangedActivity is an appointment or task as the synchronization's push sees it: Deleted tells a
// soft-deleted one.
type ChangedActivity struct {
	crm.Activity
	Deleted bool
}

// Owners narrows a list of changed items to those one user's push needs: Owner's (everyone's when
// empty) and, with LinkedTo, also those that user's Outlook items link to, whoever owns them.
type Owners struct{ Owner, LinkedTo string }

// ChangedActivities returns the appointments or tasks updated after since, deleted ones included (a
// delete moves updated_at on), oldest change first, with their parties, of the owners given. A zero
// since returns every live one: the full pass after the push's fingerprint changed.
func (s *Store) ChangedActivities(ctx context.Context, tenantID, typ string, owners Owners, since time.Time) ([]ChangedActivity, error) {
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
	switch {
	case owners.LinkedTo != "":
		where += ` AND (a.owner_id = ? OR a.id IN (SELECT l.activity_id FROM item_links l
			WHERE l.tenant_id = ? AND l.user_id = ? AND l.activity_id IS NOT NULL))`
		args = append(args, owners.Owner, tenantID, owners.LinkedTo)
	case owners.Owner != "":
		where += " AND a.owner_id = ?"
		args = append(args, owners.Owner)
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

// CountActivities returns how many live activities of a type the tenant has ("" for all).
func (s *Store) CountActivities(ctx context.Context, tenantID, typ string) (int, error) {
	query, args := `SELECT COUNT(*) FROM activities WHERE tenant_id = ? AND deleted_at IS NULL`, []any{tenantID}
	if typ != "" {
		query += ` AND type = ?`
		args = append(args, typ)
	}
	var n int
	if err := s.db.GetContext(ctx, &n, s.q(query), args...); err != nil {
		return 0, fmt.Errorf("count activities: %w", err)
	}
	return n, nil
}
