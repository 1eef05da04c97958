package store

// Searching, listing and counting records: the scopes a reader may see, the orders and their cursors.

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
)

// TypeScope is how much of one record type a search may return: all of it, or what UserID owns.
type TypeScope struct {
	Type    string
	OwnOnly bool
	UserID  string
}

// scopeClause is the condition that keeps a query to the types and owners scopes allow, on the table
// aliased alias (records and activities both have type and owner_id).
func scopeClause(alias string, scopes []TypeScope) (string, []any) {
	var conds []string
	var args []any
	for _, sc := range scopes {
		if sc.OwnOnly {
			conds = append(conds, "("+alias+".type = ? AND "+alias+".owner_id = ?)")
			args = append(args, sc.Type, sc.UserID)
		} else {
			conds = append(conds, alias+".type = ?")
			args = append(args, sc.Type)
		}
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// The orders a search's results come in: by name or by last change, either way up.
const (
	SortName          = "name"
	SortNameDesc      = "-name"
	SortUpdatedAt     = "updatedAt"
	SortUpdatedAtDesc = "-updatedAt"
)

// RecordSorts lists the orders a search may ask for.
var RecordSorts = []string{SortName, SortNameDesc, SortUpdatedAt, SortUpdatedAtDesc}

// RecordQuery is a search across record types: the words must each match the name or the start of an
// email address; results are ordered by Sort (by name when empty) and paged with an opaque cursor.
type RecordQuery struct {
	TenantID string
	Search   string
	Scopes   []TypeScope
	Sort     string
	Limit    int
	Cursor   string
	// HiddenEmailFields are email fields whose values the searcher may not read: the search does not
	// match them.
	HiddenEmailFields []TypeField
}

// TypeField names a field of a record type.
type TypeField struct{ Type, Field string }

// MaxPageSize bounds a page of results.
const MaxPageSize = 100

type cursor struct {
	SortName string `json:"n"` // the last item's sort key: its sort name, or a time in RFC 3339
	ID       string `json:"i"`
	Sort     string `json:"s,omitempty"` // the order it continues, when not by name
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err == nil {
		_, err = uuid.Parse(c.ID)
	}
	if err != nil {
		return cursor{}, crm.Invalid("the cursor is not valid", crm.FieldError{Field: "cursor", Message: "pass back the nextCursor of the previous page unchanged"})
	}
	return c, nil
}

// encodeTimeCursor is the cursor of a list ordered by a time, newest first, then by id: the last item's
// time (kept in the cursor's name member) and id.
func encodeTimeCursor(at time.Time, id string) string {
	return encodeCursor(cursor{SortName: at.UTC().Format(time.RFC3339Nano), ID: id})
}

// decodeTimeCursor reads a cursor of encodeTimeCursor.
func decodeTimeCursor(s string) (time.Time, string, error) {
	c, err := decodeCursor(s)
	if err != nil {
		return time.Time{}, "", err
	}
	at, err := time.Parse(time.RFC3339Nano, c.SortName)
	if err != nil {
		return time.Time{}, "", crm.Invalid("the cursor is not valid", crm.FieldError{Field: "cursor", Message: "pass back the nextCursor of the previous page unchanged"})
	}
	return at.UTC(), c.ID, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SearchRecords returns a page of the records the query matches and the cursor of the next page ("" at the
// end). Types outside Scopes are never returned.
func (s *Store) SearchRecords(ctx context.Context, q RecordQuery) ([]crm.Record, string, error) {
	if q.Limit <= 0 {
		q.Limit = 25
	}
	q.Limit = min(q.Limit, MaxPageSize)
	if len(q.Scopes) == 0 {
		return []crm.Record{}, "", nil
	}
	scope, args := scopeClause("r", q.Scopes)
	where := []string{scope}
	args = append([]any{q.TenantID}, args...)
	hidden, hiddenArgs := "", []any{}
	for _, h := range q.HiddenEmailFields {
		hidden += ` AND NOT (e.record_type = ? AND e.field = ?)`
		hiddenArgs = append(hiddenArgs, h.Type, h.Field)
	}
	for _, word := range strings.Fields(strings.ToLower(q.Search)) {
		where = append(where, `(r.sort_name LIKE ? ESCAPE '\' OR EXISTS (SELECT 1 FROM record_emails e
			WHERE e.record_id = r.id AND e.address LIKE ? ESCAPE '\'`+hidden+`))`)
		args = append(args, "%"+likeEscape(word)+"%", likeEscape(word)+"%")
		args = append(args, hiddenArgs...)
	}
	order := recordOrders[cmp.Or(q.Sort, SortName)]
	if order.column == "" {
		return nil, "", crm.Invalid("the sort is not valid", crm.FieldError{Field: "sort", Message: "must be one of " + strings.Join(RecordSorts, ", ")})
	}
	if q.Cursor != "" {
		key, id, err := order.decode(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, `(r.`+order.column+` `+order.after+` ? OR (r.`+order.column+` = ? AND r.id `+order.after+` ?))`)
		args = append(args, key, key, id)
	}
	args = append(args, q.Limit+1)
	var rows []recordRow
	err := s.db.SelectContext(ctx, &rows, s.q(`SELECT `+prefixed("r.", recordColumns)+` FROM records r
		WHERE r.tenant_id = ? AND r.deleted_at IS NULL AND `+strings.Join(where, " AND ")+`
		ORDER BY r.`+order.column+` `+order.direction+`, r.id `+order.direction+` LIMIT ?`), args...)
	if err != nil {
		return nil, "", fmt.Errorf("search records: %w", err)
	}
	next := ""
	if len(rows) > q.Limit {
		next = order.encode(rows[q.Limit-1])
		rows = rows[:q.Limit]
	}
	records := make([]crm.Record, 0, len(rows))
	for _, r := range rows {
		rec, err := r.record()
		if err != nil {
			return nil, "", err
		}
		records = append(records, rec)
	}
	return records, next, nil
}

// recordOrder is how SearchRecords orders and pages by one sort: the column, which way, and the cursor
// holding the last row's key.
type recordOrder struct {
	sort, column, direction, after string
}

var recordOrders = map[string]recordOrder{
	SortName:          {sort: SortName, column: "sort_name", direction: "ASC", after: ">"},
	SortNameDesc:      {sort: SortNameDesc, column: "sort_name", direction: "DESC", after: "<"},
	SortUpdatedAt:     {sort: SortUpdatedAt, column: "updated_at", direction: "ASC", after: ">"},
	SortUpdatedAtDesc: {sort: SortUpdatedAtDesc, column: "updated_at", direction: "DESC", after: "<"},
}

func (o recordOrder) byTime() bool { return o.column == "updated_at" }

func (o recordOrder) encode(last recordRow) string {
	c := cursor{SortName: last.SortName, ID: last.ID}
	if o.byTime() {
		c.SortName = last.UpdatedAt.UTC().Format(time.RFC3339Nano)
	}
	if o.sort != SortName {
		c.Sort = o.sort
	}
	return encodeCursor(c)
}

// decode reads a cursor of this order: the key to continue after, and the id.
func (o recordOrder) decode(s string) (any, string, error) {
	c, err := decodeCursor(s)
	if err != nil {
		return nil, "", err
	}
	if cmp.Or(c.Sort, SortName) != o.sort {
		return nil, "", crm.Invalid("the cursor is not valid", crm.FieldError{Field: "cursor",
			Message: "it continues another order: pass back the nextCursor of the previous page with the same sort"})
	}
	if !o.byTime() {
		return c.SortName, c.ID, nil
	}
	at, err := time.Parse(time.RFC3339Nano, c.SortName)
	if err != nil {
		return nil, "", crm.Invalid("the cursor is not valid", crm.FieldError{Field: "cursor", Message: "pass back the nextCursor of the previous page unchanged"})
	}
	return at.UTC(), c.ID, nil
}

func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ", ")
	for i, p := range parts {
		parts[i] = prefix + p
	}
	return strings.Join(parts, ", ")
}

// CountRecords returns how many live records of a type the tenant holds ("" for all types).
func (s *Store) CountRecords(ctx context.Context, tenantID, typeName string) (int, error) {
	query, args := `SELECT COUNT(*) FROM records WHERE tenant_id = ? AND deleted_at IS NULL`, []any{tenantID}
	if typeName != "" {
		query += ` AND type = ?`
		args = append(args, typeName)
	}
	var n int
	if err := s.db.GetContext(ctx, &n, s.q(query), args...); err != nil {
		return 0, fmt.Errorf("count records: %w", err)
	}
	return n, nil
}

// scanBatch is how many records ScanRecords reads per query.
const scanBatch = 500

// ScanRecords calls fn with every live record of the scopes, by name, a batch at a time, until fn
// returns an error (which ScanRecords returns). No scopes means no records.
func (s *Store) ScanRecords(ctx context.Context, tenantID string, scopes []TypeScope, fn func(crm.Record) error) error {
	if len(scopes) == 0 {
		return nil
	}
	scope, scopeArgs := scopeClause("r", scopes)
	var after *cursor
	for {
		where, args := `r.tenant_id = ? AND r.deleted_at IS NULL AND `+scope, append([]any{tenantID}, scopeArgs...)
		if after != nil {
			where += ` AND (r.sort_name > ? OR (r.sort_name = ? AND r.id > ?))`
			args = append(args, after.SortName, after.SortName, after.ID)
		}
		var rows []recordRow
		err := s.db.SelectContext(ctx, &rows, s.q(`SELECT `+prefixed("r.", recordColumns)+` FROM records r WHERE `+where+`
			ORDER BY r.sort_name, r.id LIMIT ?`), append(args, scanBatch)...)
		if err != nil {
			return fmt.Errorf("scan records: %w", err)
		}
		for _, row := range rows {
			rec, err := row.record()
			if err != nil {
				return err
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
		if len(rows) < scanBatch {
			return nil
		}
		last := rows[len(rows)-1]
		after = &cursor{SortName: last.SortName, ID: last.ID}
	}
}
