package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
)

type trackRequestRow struct {
	ID                string         `db:"id"`
	TenantID          string         `db:"tenant_id"`
	UserID            string         `db:"user_id"`
	ItemKey           string         `db:"item_key"`
	ItemID            string         `db:"item_id"`
	ImmutableID       string         `db:"immutable_id"`
	ItemType          string         `db:"item_type"`
	Action            string         `db:"action"`
	Generation        int64          `db:"generation"`
	InternetMessageID string         `db:"internet_message_id"`
	ConversationID    string         `db:"conversation_id"`
	RegardingType     sql.NullString `db:"regarding_type"`
	RegardingID       sql.NullString `db:"regarding_id"`
	State             string         `db:"state"`
	Error             string         `db:"error"`
	ActivityID        sql.NullString `db:"activity_id"`
	RecordID          sql.NullString `db:"record_id"`
	Assertion         []byte         `db:"assertion"`
	Auto              bool           `db:"auto"`
	CreatedAt         time.Time      `db:"created_at"`
	UpdatedAt         time.Time      `db:"updated_at"`
	FinishedAt        sql.NullTime   `db:"finished_at"`
}

const trackRequestColumns = `id, tenant_id, user_id, item_key, item_id, immutable_id, item_type, action, generation, internet_message_id,
	conversation_id, regarding_type, regarding_id, state, error, activity_id, record_id, assertion, auto, created_at, updated_at, finished_at`

func (r trackRequestRow) request() crm.TrackRequest {
	req := crm.TrackRequest{ID: r.ID, TenantID: r.TenantID, UserID: r.UserID, ItemKey: r.ItemKey, ItemID: r.ItemID,
		ImmutableID: r.ImmutableID, ItemType: r.ItemType, Action: r.Action, Generation: r.Generation, InternetMessageID: r.InternetMessageID,
		ConversationID: r.ConversationID, State: r.State, Error: r.Error, ActivityID: r.ActivityID.String,
		RecordID: r.RecordID.String, Assertion: r.Assertion, Auto: r.Auto, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		FinishedAt: nullTime(r.FinishedAt)}
	if r.RegardingID.Valid {
		req.Regarding = &crm.RecordRef{Type: r.RegardingType.String, ID: r.RegardingID.String}
	}
	return req
}

func regardingArgs(ref *crm.RecordRef) (sql.NullString, sql.NullString) {
	if ref == nil {
		return sql.NullString{}, sql.NullString{}
	}
	return nullString(ref.Type), nullString(ref.ID)
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// TrackRequestByKey finds the request of a user for an item and action, locking it on PostgreSQL so
// that two identical clicks cannot both enqueue work.
func (tx *Tx) TrackRequestByKey(ctx context.Context, tenantID, userID, itemKey, action string) (crm.TrackRequest, error) {
	query := `SELECT ` + trackRequestColumns + ` FROM track_requests WHERE tenant_id = ? AND user_id = ? AND item_key = ? AND action = ?`
	if tx.s.dialect == Postgres {
		query += ` FOR UPDATE`
	}
	var row trackRequestRow
	if err := tx.db.GetContext(ctx, &row, tx.q(query), tenantID, userID, itemKey, action); err != nil {
		return crm.TrackRequest{}, notFound(err, crm.NotFound("no request for item %s", itemKey), "get track request")
	}
	return row.request(), nil
}

// InsertNewTrackRequests stores, in one statement, those of the requests whose user has no request yet
// for the item and action, and returns the ids of those it stored: the first statement of the
// transaction that accepts a batch of clicks, and for new clicks the last before their jobs. Of two
// requests with the same key, the first is stored.
func (tx *Tx) InsertNewTrackRequests(ctx context.Context, reqs []crm.TrackRequest) (map[string]bool, error) {
	if len(reqs) == 0 {
		return map[string]bool{}, nil
	}
	const row = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	var b strings.Builder
	b.WriteString(`INSERT INTO track_requests (` + trackRequestColumns + `) VALUES `)
	args := make([]any, 0, 22*len(reqs))
	for i, r := range reqs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
		regType, regID := regardingArgs(r.Regarding)
		args = append(args, r.ID, r.TenantID, r.UserID, r.ItemKey, r.ItemID, r.ImmutableID, r.ItemType, r.Action, max(r.Generation, 1),
			r.InternetMessageID, r.ConversationID, regType, regID, r.State, r.Error, nullString(r.ActivityID), nullString(r.RecordID),
			nullBytes(r.Assertion), r.Auto, r.CreatedAt, r.UpdatedAt, timeOrNull(r.FinishedAt))
	}
	b.WriteString(` ON CONFLICT (tenant_id, user_id, item_key, action) DO NOTHING RETURNING id`)
	var ids []string
	if err := tx.db.SelectContext(ctx, &ids, tx.q(b.String()), args...); err != nil {
		return nil, fmt.Errorf("insert %d track requests: %w", len(reqs), err)
	}
	inserted := make(map[string]bool, len(ids))
	for _, id := range ids {
		inserted[id] = true
	}
	return inserted, nil
}

// TrackRequestForItem finds the request of a user for an item known by its immutable id and an action:
// one keyed by that id (automatic tracking's), or one keyed by a REST id whose worker learnt it.
func (tx *Tx) TrackRequestForItem(ctx context.Context, tenantID, userID, immutableID, action string) (crm.TrackRequest, error) {
	query := `SELECT ` + trackRequestColumns + ` FROM track_requests WHERE tenant_id = ? AND user_id = ? AND action = ?
		AND (item_key = ? OR immutable_id = ?) ORDER BY updated_at DESC LIMIT 1`
	if tx.s.dialect == Postgres {
		query += ` FOR UPDATE`
	}
	var row trackRequestRow
	if err := tx.db.GetContext(ctx, &row, tx.q(query), tenantID, userID, action, immutableID, immutableID); err != nil {
		return crm.TrackRequest{}, notFound(err, crm.NotFound("no request for item %s", immutableID), "get track request")
	}
	return row.request(), nil
}

// InsertTrackRequest stores a new request. A clash with a concurrent identical click is a conflict.
func (tx *Tx) InsertTrackRequest(ctx context.Context, r crm.TrackRequest) error {
	regType, regID := regardingArgs(r.Regarding)
	_, err := tx.db.ExecContext(ctx, tx.q(`INSERT INTO track_requests (`+trackRequestColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		r.ID, r.TenantID, r.UserID, r.ItemKey, r.ItemID, r.ImmutableID, r.ItemType, r.Action, max(r.Generation, 1), r.InternetMessageID,
		r.ConversationID, regType, regID, r.State, r.Error, nullString(r.ActivityID), nullString(r.RecordID), nullBytes(r.Assertion),
		r.Auto, r.CreatedAt, r.UpdatedAt, timeOrNull(r.FinishedAt))
	if isUniqueViolation(err) {
		return crm.Conflict("the same click is being accepted concurrently; retry")
	}
	if err != nil {
		return fmt.Errorf("insert track request: %w", err)
	}
	return nil
}

// RequeueTrackRequest puts an existing request back in the queue with a new payload and the next
// generation, which it returns.
func (tx *Tx) RequeueTrackRequest(ctx context.Context, r crm.TrackRequest) (int64, error) {
	regType, regID := regardingArgs(r.Regarding)
	_, err := tx.db.ExecContext(ctx, tx.q(`UPDATE track_requests SET generation = generation + 1, item_id = ?, immutable_id = ?, internet_message_id = ?,
		conversation_id = ?, regarding_type = ?, regarding_id = ?, state = ?, error = '', activity_id = NULL, record_id = NULL,
		assertion = ?, updated_at = ?, finished_at = NULL WHERE tenant_id = ? AND id = ?`),
		r.ItemID, r.ImmutableID, r.InternetMessageID, r.ConversationID, regType, regID, crm.StateQueued, nullBytes(r.Assertion),
		r.UpdatedAt, r.TenantID, r.ID)
	if err != nil {
		return 0, fmt.Errorf("requeue track request %s: %w", r.ID, err)
	}
	var gen int64
	if err := tx.db.GetContext(ctx, &gen, tx.q(`SELECT generation FROM track_requests WHERE tenant_id = ? AND id = ?`), r.TenantID, r.ID); err != nil {
		return 0, fmt.Errorf("requeue track request %s: %w", r.ID, err)
	}
	return gen, nil
}

// TrackRequest returns one of a user's requests.
func (s *Store) TrackRequest(ctx context.Context, tenantID, userID, id string) (crm.TrackRequest, error) {
	var row trackRequestRow
	err := s.db.GetContext(ctx, &row, s.q(`SELECT `+trackRequestColumns+` FROM track_requests WHERE tenant_id = ? AND user_id = ? AND id = ?`),
		tenantID, userID, id)
	if err != nil {
		return crm.TrackRequest{}, notFound(err, crm.NotFound("there is no track request %s", id), "get track request")
	}
	return row.request(), nil
}

// TrackRequestByID returns a request for its worker, whoever it belongs to.
func (s *Store) TrackRequestByID(ctx context.Context, tenantID, id string) (crm.TrackRequest, error) {
	var row trackRequestRow
	err := s.db.GetContext(ctx, &row, s.q(`SELECT `+trackRequestColumns+` FROM track_requests WHERE tenant_id = ? AND id = ?`), tenantID, id)
	if err != nil {
		return crm.TrackRequest{}, notFound(err, crm.NotFound("there is no track request %s", id), "get track request")
	}
	return row.request(), nil
}

// MarkTrackProcessing records that a worker picked the request up, and what it learnt of the item.
func (s *Store) MarkTrackProcessing(ctx context.Context, tenantID, id, immutableID string) error {
	_, err := s.exec(ctx, s.q(`UPDATE track_requests SET state = ?, immutable_id = CASE WHEN ? = '' THEN immutable_id ELSE ? END,
		updated_at = ? WHERE tenant_id = ? AND id = ? AND state IN (?, ?)`),
		crm.StateProcessing, immutableID, immutableID, s.now().UTC(), tenantID, id, crm.StateQueued, crm.StateProcessing)
	if err != nil {
		return fmt.Errorf("mark track request %s processing: %w", id, err)
	}
	return nil
}

// FinishTrackRequest closes a request as done or failed and forgets the user's sealed token.
func (tx *Tx) FinishTrackRequest(ctx context.Context, r crm.TrackRequest) error {
	now := tx.s.now().UTC()
	_, err := tx.db.ExecContext(ctx, tx.q(`UPDATE track_requests SET state = ?, error = ?, activity_id = ?, record_id = ?,
		immutable_id = CASE WHEN ? = '' THEN immutable_id ELSE ? END, assertion = NULL, updated_at = ?, finished_at = ?
		WHERE tenant_id = ? AND id = ?`),
		r.State, r.Error, nullString(r.ActivityID), nullString(r.RecordID), r.ImmutableID, r.ImmutableID, now, now, r.TenantID, r.ID)
	if err != nil {
		return fmt.Errorf("finish track request %s: %w", r.ID, err)
	}
	return nil
}

// OpenTrackRequestForItem returns the newest request of a user for an item that is still queued or being
// worked, by the item's immutable or REST id.
func (s *Store) OpenTrackRequestForItem(ctx context.Context, tenantID, userID, itemID string) (crm.TrackRequest, error) {
	var row trackRequestRow
	err := s.db.GetContext(ctx, &row, s.q(`SELECT `+trackRequestColumns+` FROM track_requests WHERE tenant_id = ? AND user_id = ?
		AND (item_key = ? OR item_id = ? OR immutable_id = ?) AND state IN (?, ?) ORDER BY updated_at DESC LIMIT 1`),
		tenantID, userID, itemID, itemID, itemID, crm.StateQueued, crm.StateProcessing)
	if err != nil {
		return crm.TrackRequest{}, notFound(err, crm.NotFound("no open request for the item"), "get open track request")
	}
	return row.request(), nil
}

// CountTrackRequests returns how many requests the tenant has (tests, health pages).
func (s *Store) CountTrackRequests(ctx context.Context, tenantID string) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM track_requests WHERE tenant_id = ?`), tenantID); err != nil {
		return 0, fmt.Errorf("count track requests: %w", err)
	}
	return n, nil
}

// TrackRequestQuery lists one user's requests, newest first: all of them, or those in one state.
type TrackRequestQuery struct {
	TenantID string
	UserID   string
	State    string // "" for every state
	Limit    int
	Cursor   string
}

// TrackRequests returns a page of a user's requests, newest click first, and the cursor of the next page
// ("" at the end). A request clicked again keeps its place: it is ordered by when it was first made.
func (s *Store) TrackRequests(ctx context.Context, q TrackRequestQuery) ([]crm.TrackRequest, string, error) {
	if q.Limit <= 0 {
		q.Limit = 25
	}
	q.Limit = min(q.Limit, MaxPageSize)
	where, args := `tenant_id = ? AND user_id = ?`, []any{q.TenantID, q.UserID}
	if q.State != "" {
		where += ` AND state = ?`
		args = append(args, q.State)
	}
	if q.Cursor != "" {
		at, id, err := decodeTimeCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		where += ` AND (created_at < ? OR (created_at = ? AND id < ?))`
		args = append(args, at, at, id)
	}
	args = append(args, q.Limit+1)
	var rows []trackRequestRow
	err := s.db.SelectContext(ctx, &rows, s.q(`SELECT `+trackRequestColumns+` FROM track_requests WHERE `+where+`
		ORDER BY created_at DESC, id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list track requests: %w", err)
	}
	next := ""
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		next = encodeTimeCursor(rows[q.Limit-1].CreatedAt, rows[q.Limit-1].ID)
	}
	out := make([]crm.TrackRequest, len(rows))
	for i, r := range rows {
		out[i] = r.request()
	}
	return out, next, nil
}
