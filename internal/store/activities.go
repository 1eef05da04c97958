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
}

var activitySelect = activitySelectWith("")

// activitySelectWith is the query reading activities with their regarding record's name, selecting the
// extra columns too (each prefixed by ", ").
func activitySelectWith(extra string) string {
	return `SELECT a.id, a.type, a.subject, a.body, a.start_at, a.end_at, a.due_at, a.location, a.version, a.status, a.direction,
	a.owner_id, a.regarding_type, a.regarding_id, rr.name AS regarding_name, a.internet_message_id, a.conversation_id,
	a.ical_uid, a.created_at, a.updated_at` + extra + `
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
		Parties: []crm.Party{}, Links: []crm.LinkRef{}, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
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

// CreateActivity stores an activity with its parties. The regarding record, when set, must be a live
// record of the tenant. An email whose internetMessageId the tenant already has is a conflict: the
// caller links to the existing one instead.
func (s *Store) CreateActivity(ctx context.Context, tenantID string, a crm.Activity) (crm.Activity, error) {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		a, err = s.CreateActivityTx(ctx, tx, tenantID, a)
		return err
	})
	if err != nil {
		return crm.Activity{}, err
	}
	return s.Activity(ctx, tenantID, a.ID)
}

// CreateActivityTx is CreateActivity inside the caller's transaction, so that a job can commit the
// activity together with its own bookkeeping.
func (s *Store) CreateActivityTx(ctx context.Context, tx *sqlx.Tx, tenantID string, a crm.Activity) (crm.Activity, error) {
	if !crm.IsActivityType(a.Type) {
		return crm.Activity{}, crm.Invalid("unknown activity type", crm.FieldError{Field: "type", Message: "must be email, appointment or task"})
	}
	if a.ID == "" {
		a.ID = uuid.NewString()
	}
	now := s.now().UTC()
	a.CreatedAt, a.UpdatedAt = now, now
	var regType, regID sql.NullString
	if a.Regarding != nil {
		var name string
		err := tx.GetContext(ctx, &name, s.q(`SELECT name FROM records WHERE tenant_id = ? AND type = ? AND id = ? AND deleted_at IS NULL`),
			tenantID, a.Regarding.Type, a.Regarding.ID)
		if err != nil {
			return crm.Activity{}, notFound(err, crm.Invalid("the regarding record does not exist",
				crm.FieldError{Field: "regarding", Message: fmt.Sprintf("no %s has the id %s", a.Regarding.Type, a.Regarding.ID)}), "check regarding")
		}
		a.Regarding.Name = name
		regType, regID = nullString(a.Regarding.Type), nullString(a.Regarding.ID)
	}
	var messageID sql.NullString
	if a.Type == crm.ActivityEmail {
		messageID = nullString(a.InternetMessageID)
	}
	a.Version = 1
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO activities (id, tenant_id, type, subject, body, start_at, end_at, due_at, location, status,
		direction, owner_id, regarding_type, regarding_id, internet_message_id, conversation_id, ical_uid, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		a.ID, tenantID, a.Type, a.Subject, a.Body, timeOrNull(a.Start), timeOrNull(a.End), timeOrNull(a.Due), a.Location, a.Status,
		a.Direction, a.OwnerID, regType, regID, messageID, a.ConversationID, a.ICalUID, now, now)
	if isUniqueViolation(err) {
		return crm.Activity{}, crm.Conflict("an email with the internetMessageId %s is already tracked", a.InternetMessageID)
	}
	if err != nil {
		return crm.Activity{}, fmt.Errorf("insert activity: %w", err)
	}
	for i, p := range a.Parties {
		var recType, recID sql.NullString
		if p.Record != nil {
			recType, recID = nullString(p.Record.Type), nullString(p.Record.ID)
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO activity_parties (tenant_id, activity_id, position, role, address, name, record_type, record_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), tenantID, a.ID, i, p.Role, strings.ToLower(p.Address), p.Name, recType, recID)
		if err != nil {
			return crm.Activity{}, fmt.Errorf("insert party %d of activity %s: %w", i, a.ID, err)
		}
	}
	return a, nil
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

// ActivityQuery lists activities, newest first: those regarding one record when Regarding is set, limited
// to the types and owners Scopes allow.
type ActivityQuery struct {
	TenantID  string
	Regarding *crm.RecordRef
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
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		// The cursor carries the creation time in SortName for activities.
		where = append(where, `(a.created_at < ? OR (a.created_at = ? AND a.id < ?))`)
		at, perr := time.Parse(time.RFC3339Nano, c.SortName)
		if perr != nil {
			return nil, "", crm.Invalid("the cursor is not valid", crm.FieldError{Field: "cursor", Message: "pass back the nextCursor of the previous page unchanged"})
		}
		args = append(args, at.UTC(), at.UTC(), c.ID)
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
		next = encodeCursor(cursor{SortName: last.CreatedAt.UTC().Format(time.RFC3339Nano), ID: last.ID})
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
	query, args, err := sqlx.In(`SELECT activity_id, user_id, item_id FROM item_links WHERE tenant_id = ? AND activity_id IN (?)
		ORDER BY activity_id, created_at`, tenantID, ids)
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	var rows []struct {
		ActivityID string `db:"activity_id"`
		UserID     string `db:"user_id"`
		ItemID     string `db:"item_id"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.q(query), args...); err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	for _, r := range rows {
		i := index[r.ActivityID]
		list[i].Links = append(list[i].Links, crm.LinkRef{UserID: r.UserID, ItemID: r.ItemID})
	}
	return nil
}
