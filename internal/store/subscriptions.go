package store

import (
	"context"
	"fmt"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
)

// The states of a mailbox's change-notification subscription.
const (
	SubscriptionActive   = "active"   // Graph holds it and notifications arrive
	SubscriptionRenewing = "renewing" // Graph asked for it to be reauthorized, or it is being created again
	SubscriptionFailing  = "failing"  // it could not be made or kept: the mailbox falls back to polling
)

// Subscription is one of a mailbox's change-notification subscriptions as crmsync keeps it: one per
// resource kind. ID is Graph's, empty while Graph holds none (a failing subscription). The clientState
// Graph sends back with each notification is kept only as its hash.
type Subscription struct {
	TenantID        string     `db:"tenant_id"`
	UserID          string     `db:"user_id"`
	Kind            string     `db:"resource_kind"`
	ID              string     `db:"subscription_id"`
	Resource        string     `db:"resource"`
	ClientStateHash string     `db:"client_state_hash"`
	ExpiresAt       *time.Time `db:"expires_at"`
	State           string     `db:"state"`
	Reason          string     `db:"reason"`
	Failures        int        `db:"failures"`
	// Generation moves on with each lifecycle notification (MarkSubscription); a save based on an older
	// one does not overwrite it.
	Generation int64      `db:"generation"`
	RetryAt    *time.Time `db:"retry_at"`
	UpdatedAt  time.Time  `db:"updated_at"`
}

func (s *Subscription) utc() {
	for _, t := range []*time.Time{s.ExpiresAt, s.RetryAt} {
		if t != nil {
			*t = t.UTC()
		}
	}
	s.UpdatedAt = s.UpdatedAt.UTC()
}

const subscriptionColumns = `tenant_id, user_id, resource_kind, subscription_id, resource, client_state_hash, expires_at, state, reason, failures, generation, retry_at, updated_at`

// Subscriptions returns a mailbox's subscriptions, by resource kind.
func (s *Store) Subscriptions(ctx context.Context, tenantID, userID string) ([]Subscription, error) {
	var out []Subscription
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT `+subscriptionColumns+` FROM graph_subscriptions
		WHERE tenant_id = ? AND user_id = ? ORDER BY resource_kind`), tenantID, userID)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions of %s: %w", userID, err)
	}
	for i := range out {
		out[i].utc()
	}
	return out, nil
}

// SubscriptionTarget is what a notification names through its subscription id: the subscription, and
// whether its mailbox is still synchronized.
type SubscriptionTarget struct {
	Subscription
	MailboxEnabled bool `db:"mailbox_enabled"`
}

// SubscriptionByID finds a subscription by Graph's id, in any tenant: a notification names nothing else.
// Not found when crmsync holds no such subscription.
func (s *Store) SubscriptionByID(ctx context.Context, id string) (SubscriptionTarget, error) {
	var t SubscriptionTarget
	// "<> ''" implies the partial index's condition, so that SQLite's planner uses it for a bound id.
	err := s.db.GetContext(ctx, &t, s.q(`SELECT `+prefixed("g.", subscriptionColumns)+`, COALESCE(m.enabled, FALSE) AS mailbox_enabled
		FROM graph_subscriptions g LEFT JOIN mailboxes m ON m.tenant_id = g.tenant_id AND m.user_id = g.user_id
		WHERE g.subscription_id = ? AND g.subscription_id <> ''`), id)
	if err != nil {
		return SubscriptionTarget{}, notFound(err, crm.NotFound("no subscription %s", id), "get subscription")
	}
	t.utc()
	return t, nil
}

// SaveSubscription inserts or replaces a mailbox's subscription of one resource kind, unless a lifecycle
// notification marked it since sub was read (its generation moved on): then it reports false and
// changes nothing.
func (s *Store) SaveSubscription(ctx context.Context, sub Subscription) (bool, error) {
	res, err := s.exec(ctx, s.q(`INSERT INTO graph_subscriptions (`+subscriptionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, user_id, resource_kind) DO UPDATE SET subscription_id = excluded.subscription_id,
		resource = excluded.resource, client_state_hash = excluded.client_state_hash, expires_at = excluded.expires_at,
		state = excluded.state, reason = excluded.reason, failures = excluded.failures, retry_at = excluded.retry_at,
		updated_at = excluded.updated_at WHERE graph_subscriptions.generation = excluded.generation`),
		sub.TenantID, sub.UserID, sub.Kind, sub.ID, sub.Resource, sub.ClientStateHash, utcOrNil(sub.ExpiresAt),
		sub.State, sub.Reason, sub.Failures, sub.Generation, utcOrNil(sub.RetryAt), s.now().UTC())
	if err != nil {
		return false, fmt.Errorf("save %s subscription of %s: %w", sub.Kind, sub.UserID, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteSubscription forgets a mailbox's subscription of one resource kind; deleting none is no error.
func (s *Store) DeleteSubscription(ctx context.Context, tenantID, userID, kind string) error {
	_, err := s.exec(ctx, s.q(`DELETE FROM graph_subscriptions WHERE tenant_id = ? AND user_id = ? AND resource_kind = ?`),
		tenantID, userID, kind)
	if err != nil {
		return fmt.Errorf("delete %s subscription of %s: %w", kind, userID, err)
	}
	return nil
}

// MarkSubscription sets the state and reason of the subscription Graph knows as id, inside a
// transaction (a lifecycle notification's); ok is false when crmsync holds no such subscription. A
// removed subscription (removed set) also loses its id: Graph no longer has it.
func (tx *Tx) MarkSubscription(ctx context.Context, id, state, reason string, removed bool) (bool, error) {
	set := `state = ?, reason = ?, updated_at = ?, generation = generation + 1`
	if removed {
		set += `, subscription_id = '', expires_at = NULL`
	}
	res, err := tx.db.ExecContext(ctx, tx.q(`UPDATE graph_subscriptions SET `+set+` WHERE subscription_id = ? AND subscription_id <> ''`),
		state, reason, tx.s.now().UTC(), id)
	if err != nil {
		return false, fmt.Errorf("mark subscription %s %s: %w", id, state, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// SubscriptionWork selects the mailboxes whose subscriptions need work, up to limit, after the key
// after: when notifications are on (want), enabled mailboxes without any subscription yet (of server-mode
// tenants, or client-mode users who asked for a synchronization), and those with a subscription that
// expires before renewBy or failed and is due for another try; in every case, mailboxes that are
// disabled but still hold subscriptions. When notifications are off, every mailbox that holds one.
func (s *Store) SubscriptionWork(ctx context.Context, want bool, now, renewBy time.Time, after MailboxKey, limit int) ([]MailboxKey, error) {
	now, renewBy = now.UTC(), renewBy.UTC()
	page := ` AND (m.tenant_id > ? OR (m.tenant_id = ? AND m.user_id > ?)) ORDER BY m.tenant_id, m.user_id LIMIT ?`
	pageArgs := []any{keyOrMin(after.TenantID), keyOrMin(after.TenantID), keyOrMin(after.UserID), limit}
	held := `EXISTS (SELECT 1 FROM graph_subscriptions g WHERE g.tenant_id = m.tenant_id AND g.user_id = m.user_id)`
	var query string
	var args []any
	if !want {
		query = `SELECT m.tenant_id, m.user_id FROM mailboxes m WHERE ` + held + page
	} else {
		query = `SELECT m.tenant_id, m.user_id FROM mailboxes m JOIN tenants t ON t.id = m.tenant_id
			JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
			WHERE ((NOT m.enabled AND ` + held + `)
			OR (m.enabled AND (t.sync_mode = ? OR u.sync_requested_at IS NOT NULL) AND NOT ` + held + `)
			OR (m.enabled AND EXISTS (SELECT 1 FROM graph_subscriptions g WHERE g.tenant_id = m.tenant_id AND g.user_id = m.user_id
				AND ((g.state = ? AND g.expires_at < ?) OR (g.state <> ? AND (g.retry_at IS NULL OR g.retry_at <= ?))))))` + page
		args = []any{crm.SyncModeServer, SubscriptionActive, renewBy, SubscriptionActive, now}
	}
	var out []MailboxKey
	if err := s.db.SelectContext(ctx, &out, s.q(query), append(args, pageArgs...)...); err != nil {
		return nil, fmt.Errorf("select mailboxes whose subscriptions need work: %w", err)
	}
	return out, nil
}

// SubscriptionHealth sums up a mailbox's subscriptions for its synchronization interval and its health
// on the admin page.
type SubscriptionHealth struct {
	Active, Renewing, Failing int
	// Reason is the first failing subscription's reason.
	Reason string
}

// Healthy reports whether notifications cover the mailbox: it has subscriptions, and none is failing.
func (h SubscriptionHealth) Healthy() bool { return h.Active+h.Renewing > 0 && h.Failing == 0 }

// SubscriptionHealthOf sums up a mailbox's subscriptions.
func (s *Store) SubscriptionHealthOf(ctx context.Context, tenantID, userID string) (SubscriptionHealth, error) {
	subs, err := s.Subscriptions(ctx, tenantID, userID)
	if err != nil {
		return SubscriptionHealth{}, err
	}
	return healthOf(subs), nil
}

func healthOf(subs []Subscription) SubscriptionHealth {
	var h SubscriptionHealth
	for _, sub := range subs {
		switch sub.State {
		case SubscriptionActive:
			h.Active++
		case SubscriptionRenewing:
			h.Renewing++
		default:
			h.Failing++
			if h.Reason == "" {
				h.Reason = sub.Kind + ": " + sub.Reason
			}
		}
	}
	return h
}

// SubscriptionsOfTenant returns every subscription of a tenant's mailboxes, by user, for the admin page.
func (s *Store) SubscriptionsOfTenant(ctx context.Context, tenantID string) (map[string][]Subscription, error) {
	var rows []Subscription
	err := s.db.SelectContext(ctx, &rows, s.q(`SELECT `+subscriptionColumns+` FROM graph_subscriptions
		WHERE tenant_id = ? ORDER BY user_id, resource_kind`), tenantID)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions of tenant %s: %w", tenantID, err)
	}
	out := map[string][]Subscription{}
	for _, r := range rows {
		r.utc()
		out[r.UserID] = append(out[r.UserID], r)
	}
	return out, nil
}

func utcOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// SubscriptionGenerations returns, inside a transaction, the generations of a mailbox's subscriptions by
// resource kind.
func (tx *Tx) SubscriptionGenerations(ctx context.Context, tenantID, userID string) (map[string]int64, error) {
	var rows []struct {
		Kind       string `db:"resource_kind"`
		Generation int64  `db:"generation"`
	}
	if err := tx.db.SelectContext(ctx, &rows, tx.q(`SELECT resource_kind, generation FROM graph_subscriptions WHERE tenant_id = ? AND user_id = ?`),
		tenantID, userID); err != nil {
		return nil, fmt.Errorf("read subscription generations of %s: %w", userID, err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Kind] = r.Generation
	}
	return out, nil
}
