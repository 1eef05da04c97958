package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/crmsync/crmsync/internal/crm"
)

// InTx runs fn in one transaction, for use cases that write through several stores and the job queue
// at once. The transaction commits when fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error { return s.inTx(ctx, fn) }

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

// TrackRequestByKeyTx finds the request of a user for an item and action, locking it on PostgreSQL so
// that two identical clicks cannot both enqueue work.
func (s *Store) TrackRequestByKeyTx(ctx context.Context, tx *sqlx.Tx, tenantID, userID, itemKey, action string) (crm.TrackRequest, error) {
	query := `SELECT ` + trackRequestColumns + ` FROM track_requests WHERE tenant_id = ? AND user_id = ? AND item_key = ? AND action = ?`
	if s.dialect == Postgres {
		query += ` FOR UPDATE`
	}
	var row trackRequestRow
	if err := tx.GetContext(ctx, &row, s.q(query), tenantID, userID, itemKey, action); err != nil {
		return crm.TrackRequest{}, notFound(err, crm.NotFound("no request for item %s", itemKey), "get track request")
	}
	return row.request(), nil
}

// InsertTrackRequestTx stores a new request. A clash with a concurrent identical click is a conflict.
func (s *Store) InsertTrackRequestTx(ctx context.Context, tx *sqlx.Tx, r crm.TrackRequest) error {
	regType, regID := regardingArgs(r.Regarding)
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO track_requests (`+trackRequestColumns+`)
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

// RequeueTrackRequestTx puts an existing request back in the queue with a new payload and the next
// generation, which it returns.
func (s *Store) RequeueTrackRequestTx(ctx context.Context, tx *sqlx.Tx, r crm.TrackRequest) (int64, error) {
	regType, regID := regardingArgs(r.Regarding)
	_, err := tx.ExecContext(ctx, s.q(`UPDATE track_requests SET generation = generation + 1, item_id = ?, immutable_id = ?, internet_message_id = ?,
		conversation_id = ?, regarding_type = ?, regarding_id = ?, state = ?, error = '', activity_id = NULL, record_id = NULL,
		assertion = ?, updated_at = ?, finished_at = NULL WHERE tenant_id = ? AND id = ?`),
		r.ItemID, r.ImmutableID, r.InternetMessageID, r.ConversationID, regType, regID, crm.StateQueued, nullBytes(r.Assertion),
		r.UpdatedAt, r.TenantID, r.ID)
	if err != nil {
		return 0, fmt.Errorf("requeue track request %s: %w", r.ID, err)
	}
	var gen int64
	if err := tx.GetContext(ctx, &gen, s.q(`SELECT generation FROM track_requests WHERE tenant_id = ? AND id = ?`), r.TenantID, r.ID); err != nil {
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

// FinishTrackRequestTx closes a request as done or failed and forgets the user's sealed token.
func (s *Store) FinishTrackRequestTx(ctx context.Context, tx *sqlx.Tx, r crm.TrackRequest) error {
	now := s.now().UTC()
	_, err := tx.ExecContext(ctx, s.q(`UPDATE track_requests SET state = ?, error = ?, activity_id = ?, record_id = ?,
		immutable_id = CASE WHEN ? = '' THEN immutable_id ELSE ? END, assertion = NULL, updated_at = ?, finished_at = ?
		WHERE tenant_id = ? AND id = ?`),
		r.State, r.Error, nullString(r.ActivityID), nullString(r.RecordID), r.ImmutableID, r.ImmutableID, now, now, r.TenantID, r.ID)
	if err != nil {
		return fmt.Errorf("finish track request %s: %w", r.ID, err)
	}
	return nil
}

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
	CreatedAt   time.Time      `db:"created_at"`
	UpdatedAt   time.Time      `db:"updated_at"`
}

const itemLinkColumns = `tenant_id, user_id, item_id, rest_item_id, kind, activity_id, record_id, reason, created_by_us, stamped,
	change_key, crm_version, field_hash, synced_fields, created_at, updated_at`

func (r itemLinkRow) link() crm.ItemLink {
	return crm.ItemLink{TenantID: r.TenantID, UserID: r.UserID, ItemID: r.ItemID, RESTItemID: r.RESTItemID, Kind: r.Kind,
		ActivityID: r.ActivityID.String, RecordID: r.RecordID.String, Reason: r.Reason, CreatedByUs: r.CreatedByUs,
		Stamped: r.Stamped, ChangeKey: r.ChangeKey, CRMVersion: r.CRMVersion, FieldHash: r.FieldHash,
		Synced: parseSynced(r.Synced), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
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

// ItemLink finds a user's link for an item by its immutable or its REST id.
func (s *Store) ItemLink(ctx context.Context, tenantID, userID, itemID string) (crm.ItemLink, error) {
	return s.itemLink(ctx, s.db, tenantID, userID, itemID)
}

// ItemLinkTx is ItemLink inside a transaction.
func (s *Store) ItemLinkTx(ctx context.Context, tx *sqlx.Tx, tenantID, userID, itemID string) (crm.ItemLink, error) {
	return s.itemLink(ctx, tx, tenantID, userID, itemID)
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

// SaveItemLinkTx inserts or replaces the link of a user's item.
func (s *Store) SaveItemLinkTx(ctx context.Context, tx *sqlx.Tx, l crm.ItemLink) error {
	now := s.now().UTC()
	if l.CreatedAt.IsZero() {
		l.CreatedAt = now
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO item_links (`+itemLinkColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, user_id, item_id) DO UPDATE SET rest_item_id = excluded.rest_item_id, kind = excluded.kind,
		activity_id = excluded.activity_id, record_id = excluded.record_id, reason = excluded.reason,
		created_by_us = excluded.created_by_us, stamped = excluded.stamped, change_key = excluded.change_key,
		crm_version = excluded.crm_version, field_hash = excluded.field_hash, synced_fields = excluded.synced_fields, updated_at = excluded.updated_at`),
		l.TenantID, l.UserID, l.ItemID, l.RESTItemID, l.Kind, nullString(l.ActivityID), nullString(l.RecordID), l.Reason,
		l.CreatedByUs, l.Stamped, l.ChangeKey, l.CRMVersion, l.FieldHash, syncedJSON(l.Synced), l.CreatedAt, now)
	if err != nil {
		return fmt.Errorf("save item link %s: %w", l.ItemID, err)
	}
	return nil
}

// DeleteItemLinkTx removes a user's link for an item.
func (s *Store) DeleteItemLinkTx(ctx context.Context, tx *sqlx.Tx, tenantID, userID, itemID string) error {
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM item_links WHERE tenant_id = ? AND user_id = ? AND item_id = ?`), tenantID, userID, itemID); err != nil {
		return fmt.Errorf("delete item link %s: %w", itemID, err)
	}
	return nil
}

// CountActivityLinksTx says how many items (of any user) link to an activity.
func (s *Store) CountActivityLinksTx(ctx context.Context, tx *sqlx.Tx, tenantID, activityID string) (int, error) {
	var n int
	if err := tx.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM item_links WHERE tenant_id = ? AND activity_id = ?`), tenantID, activityID); err != nil {
		return 0, fmt.Errorf("count links of activity %s: %w", activityID, err)
	}
	return n, nil
}

// ActivityIDByMessageIDTx finds the email activity of a tenant with an internetMessageId.
func (s *Store) ActivityIDByMessageIDTx(ctx context.Context, tx *sqlx.Tx, tenantID, internetMessageID string) (string, error) {
	return s.activityIDWhere(ctx, tx, `type = 'email' AND internet_message_id = ?`, tenantID, internetMessageID)
}

// ActivityIDByICalUIDTx finds the appointment activity of a tenant for a meeting.
func (s *Store) ActivityIDByICalUIDTx(ctx context.Context, tx *sqlx.Tx, tenantID, iCalUID string) (string, error) {
	return s.activityIDWhere(ctx, tx, `type = 'appointment' AND ical_uid = ?`, tenantID, iCalUID)
}

func (s *Store) activityIDWhere(ctx context.Context, tx *sqlx.Tx, cond, tenantID, value string) (string, error) {
	if value == "" {
		return "", crm.NotFound("no activity")
	}
	var id string
	err := tx.GetContext(ctx, &id, s.q(`SELECT id FROM activities WHERE tenant_id = ? AND deleted_at IS NULL AND `+cond+` ORDER BY created_at LIMIT 1`), tenantID, value)
	if err != nil {
		return "", notFound(err, crm.NotFound("no activity"), "find activity")
	}
	return id, nil
}

// RegardingOfThread returns what the tracked emails of a thread are regarding: the first of the given
// internetMessageIds (the ones a message answers, nearest first) that is tracked with a regarding, else
// the latest tracked email of the conversation that has one. Not found when none has.
func (s *Store) RegardingOfThread(ctx context.Context, tenantID string, messageIDs []string, conversationID string) (crm.RecordRef, error) {
	for _, id := range messageIDs {
		var ref struct {
			Type string `db:"regarding_type"`
			ID   string `db:"regarding_id"`
		}
		err := s.db.GetContext(ctx, &ref, s.q(`SELECT regarding_type, regarding_id FROM activities WHERE tenant_id = ? AND type = 'email'
			AND internet_message_id = ? AND regarding_id IS NOT NULL AND deleted_at IS NULL`), tenantID, id)
		if err == nil {
			return crm.RecordRef{Type: ref.Type, ID: ref.ID}, nil
		} else if !isNoRows(err) {
			return crm.RecordRef{}, fmt.Errorf("find regarding of %s: %w", id, err)
		}
	}
	if conversationID != "" {
		var ref struct {
			Type string `db:"regarding_type"`
			ID   string `db:"regarding_id"`
		}
		err := s.db.GetContext(ctx, &ref, s.q(`SELECT regarding_type, regarding_id FROM activities WHERE tenant_id = ? AND type = 'email'
			AND conversation_id = ? AND regarding_id IS NOT NULL AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 1`), tenantID, conversationID)
		if err == nil {
			return crm.RecordRef{Type: ref.Type, ID: ref.ID}, nil
		} else if !isNoRows(err) {
			return crm.RecordRef{}, fmt.Errorf("find regarding of conversation: %w", err)
		}
	}
	return crm.RecordRef{}, crm.NotFound("no tracked email of this thread has a regarding record")
}

// typePriority orders record types when one address belongs to several records: people before
// organisations, known customers before prospects, as Dynamics resolves parties.
var typePriority = map[string]int{crm.TypeContact: 0, crm.TypeAccount: 1, crm.TypeLead: 2}

// ResolveParties ties each party's address to the CRM record it belongs to (see ResolveAddresses), in place.
func (s *Store) ResolveParties(ctx context.Context, tenantID string, parties []crm.Party) error {
	var addrs []string
	for _, p := range parties {
		if p.Address != "" {
			addrs = append(addrs, p.Address)
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	found, err := s.ResolveAddresses(ctx, tenantID, addrs, "")
	if err != nil {
		return err
	}
	for i, p := range parties {
		if ref, ok := found[strings.ToLower(p.Address)]; ok {
			parties[i].Record = &ref
		}
	}
	return nil
}

// ResolveAddresses maps each email address to the record it belongs to, if any, across every record type
// with an email field. onlyType, when set, restricts the match to one type.
func (s *Store) ResolveAddresses(ctx context.Context, tenantID string, addresses []string, onlyType string) (map[string]crm.RecordRef, error) {
	out := map[string]crm.RecordRef{}
	if len(addresses) == 0 {
		return out, nil
	}
	lower := make([]string, 0, len(addresses))
	for _, a := range addresses {
		lower = append(lower, strings.ToLower(a))
	}
	query := `SELECT e.address, e.record_type, e.record_id FROM record_emails e JOIN records r ON r.id = e.record_id
		WHERE e.tenant_id = ? AND e.address IN (?) AND r.deleted_at IS NULL`
	args := []any{tenantID, lower}
	if onlyType != "" {
		query += ` AND e.record_type = ?`
		args = append(args, onlyType)
	}
	query, inArgs, err := sqlx.In(query+` ORDER BY r.created_at, r.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("resolve addresses: %w", err)
	}
	var rows []struct {
		Address    string `db:"address"`
		RecordType string `db:"record_type"`
		RecordID   string `db:"record_id"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.q(query), inArgs...); err != nil {
		return nil, fmt.Errorf("resolve addresses: %w", err)
	}
	rank := func(t string) int {
		if p, ok := typePriority[t]; ok {
			return p
		}
		return len(typePriority)
	}
	for _, r := range rows {
		if cur, ok := out[r.Address]; !ok || rank(r.RecordType) < rank(cur.Type) {
			out[r.Address] = crm.RecordRef{Type: r.RecordType, ID: r.RecordID}
		}
	}
	return out, nil
}

// SetActivityRegardingTx changes what an activity is regarding (nil clears it).
func (s *Store) SetActivityRegardingTx(ctx context.Context, tx *sqlx.Tx, tenantID, activityID string, ref *crm.RecordRef) error {
	regType, regID := regardingArgs(ref)
	_, err := tx.ExecContext(ctx, s.q(`UPDATE activities SET regarding_type = ?, regarding_id = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
		regType, regID, s.now().UTC(), tenantID, activityID)
	if err != nil {
		return fmt.Errorf("set regarding of activity %s: %w", activityID, err)
	}
	return nil
}

// DeleteActivityTx removes an activity softly, keeping its history.
func (s *Store) DeleteActivityTx(ctx context.Context, tx *sqlx.Tx, tenantID, activityID string) error {
	now := s.now().UTC()
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE activities SET deleted_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`), now, now, tenantID, activityID); err != nil {
		return fmt.Errorf("delete activity %s: %w", activityID, err)
	}
	return nil
}

// ActivityTypeTx returns the type of a live activity of the tenant.
func (s *Store) ActivityTypeTx(ctx context.Context, tx *sqlx.Tx, tenantID, id string) (string, error) {
	var typ string
	err := tx.GetContext(ctx, &typ, s.q(`SELECT type FROM activities WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`), tenantID, id)
	if err != nil {
		return "", notFound(err, crm.NotFound("there is no activity with the id %s", id), "get activity type")
	}
	return typ, nil
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

// MarkItemStampedTx records that a user's linked item now carries its stamp.
func (s *Store) MarkItemStampedTx(ctx context.Context, tx *sqlx.Tx, tenantID, userID, itemID string) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE item_links SET stamped = ?, updated_at = ? WHERE tenant_id = ? AND user_id = ? AND item_id = ?`),
		true, s.now().UTC(), tenantID, userID, itemID)
	if err != nil {
		return fmt.Errorf("mark item %s stamped: %w", itemID, err)
	}
	return nil
}
