package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/crmsync/crmsync/internal/crm"
)

// The activities an Outlook item corresponds to: found by what identifies the same email, meeting or
// thread across mailboxes.

// ActivityIDByMessageID finds the email activity of a tenant with an internetMessageId.
func (tx *Tx) ActivityIDByMessageID(ctx context.Context, tenantID, internetMessageID string) (string, error) {
	return tx.activityIDWhere(ctx, `type = 'email' AND internet_message_id = ?`, tenantID, internetMessageID)
}

// ActivityIDByICalUID finds the appointment activity of a tenant for a meeting.
func (tx *Tx) ActivityIDByICalUID(ctx context.Context, tenantID, iCalUID string) (string, error) {
	return tx.activityIDWhere(ctx, `type = 'appointment' AND ical_uid = ?`, tenantID, iCalUID)
}

func (tx *Tx) activityIDWhere(ctx context.Context, cond, tenantID, value string) (string, error) {
	if value == "" {
		return "", crm.NotFound("no activity")
	}
	var id string
	err := tx.db.GetContext(ctx, &id, tx.q(`SELECT id FROM activities WHERE tenant_id = ? AND deleted_at IS NULL AND `+cond+` ORDER BY created_at LIMIT 1`), tenantID, value)
	if err != nil {
		return "", notFound(err, crm.NotFound("no activity"), "find activity")
	}
	return id, nil
}

// ActivityType returns the type of a live activity of the tenant.
func (tx *Tx) ActivityType(ctx context.Context, tenantID, id string) (string, error) {
	var typ string
	err := tx.db.GetContext(ctx, &typ, tx.q(`SELECT type FROM activities WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`), tenantID, id)
	if err != nil {
		return "", notFound(err, crm.NotFound("there is no activity with the id %s", id), "get activity type")
	}
	return typ, nil
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
		err := s.db.GetContext(ctx, &ref, s.q(`SELECT regarding_type, regarding_id FROM activities`+s.byConversation()+`
			WHERE tenant_id = ? AND type = 'email' AND conversation_id = ? AND regarding_id IS NOT NULL AND deleted_at IS NULL
			ORDER BY created_at DESC LIMIT 1`), tenantID, conversationID)
		if err == nil {
			return crm.RecordRef{Type: ref.Type, ID: ref.ID}, nil
		} else if !isNoRows(err) {
			return crm.RecordRef{}, fmt.Errorf("find regarding of conversation: %w", err)
		}
	}
	return crm.RecordRef{}, crm.NotFound("no tracked email of this thread has a regarding record")
}

// byConversation makes SQLite find a conversation's emails through its index. Without statistics (we do
// not run ANALYZE) it would rather take the (tenant, type) index and read every email of the tenant: a
// Track click, and automatic tracking's look at each new message, would cost as much as the tenant has
// emails. PostgreSQL's planner, which has statistics, needs no hint.
func (s *Store) byConversation() string {
	if s.dialect == SQLite {
		return ` INDEXED BY activities_by_conversation`
	}
	return ""
}

// ThreadTracked reports whether any of the given internetMessageIds, or any email of the conversation, is
// a tracked email activity of the tenant: what automatic tracking of responses asks of a new message.
func (s *Store) ThreadTracked(ctx context.Context, tenantID string, messageIDs []string, conversationID string) (bool, error) {
	// One EXISTS per index: the message ids' (unique) and the conversation's.
	var conds []string
	var args []any
	const tracked = `SELECT 1 FROM activities%s WHERE tenant_id = ? AND type = 'email' AND deleted_at IS NULL AND %s`
	if len(messageIDs) > 0 {
		conds = append(conds, `EXISTS (`+fmt.Sprintf(tracked, "", `internet_message_id IN (?)`)+`)`)
		args = append(args, tenantID, messageIDs)
	}
	if conversationID != "" {
		conds = append(conds, `EXISTS (`+fmt.Sprintf(tracked, s.byConversation(), `conversation_id = ?`)+`)`)
		args = append(args, tenantID, conversationID)
	}
	if len(conds) == 0 {
		return false, nil
	}
	query, inArgs, err := sqlx.In(`SELECT CASE WHEN `+strings.Join(conds, ` OR `)+` THEN 1 ELSE 0 END`, args...)
	if err != nil {
		return false, fmt.Errorf("find tracked emails of a thread: %w", err)
	}
	var n int
	if err := s.db.GetContext(ctx, &n, s.q(query), inArgs...); err != nil {
		return false, fmt.Errorf("find tracked emails of a thread: %w", err)
	}
	return n > 0, nil
}
