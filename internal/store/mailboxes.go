package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/crmsync/crmsync/internal/crm"
)

// Mailbox is the synchronization state of one user's mailbox, with the user's name for admin pages.
type Mailbox struct {
	TenantID            string     `json:"-" db:"tenant_id"`
	UserID              string     `json:"userId" db:"user_id"`
	UPN                 string     `json:"upn" db:"upn"`
	ObjectID            string     `json:"-" db:"object_id"`
	Enabled             bool       `json:"enabled" db:"enabled"`
	DisabledReason      string     `json:"disabledReason,omitempty" db:"disabled_reason"`
	NextSyncAt          *time.Time `json:"nextSyncAt" db:"next_sync_at"`
	LastSyncAt          *time.Time `json:"lastSyncAt" db:"last_sync_at"`
	LastSuccessAt       *time.Time `json:"lastSuccessAt" db:"last_success_at"`
	ConsecutiveFailures int        `json:"consecutiveFailures" db:"consecutive_failures"`
	BackoffUntil        *time.Time `json:"backoffUntil" db:"backoff_until"`
	Alert               string     `json:"alert,omitempty" db:"alert"`
	ItemsIn             int        `json:"itemsIn" db:"items_in"`
	ItemsOut            int        `json:"itemsOut" db:"items_out"`
	LastError           string     `json:"lastError,omitempty" db:"last_error"`
	// BeganAt is when the mailbox's synchronization began (its row was made).
	BeganAt *time.Time `json:"-" db:"began_at"`
	// Notifications is the state of the mailbox's change-notification subscriptions.
	Notifications MailboxNotifications `json:"notifications" db:"-"`
}

// MailboxNotifications is the health of a mailbox's change notifications, as admins read it: State is
// none (no subscription: the mailbox polls at its user's interval), active, renewing or failing (Reason
// says why, and the mailbox polls at its user's interval until they work again); Polling says which
// interval the mailbox synchronizes at meanwhile: "backstop" (notifications cover it) or "interval".
type MailboxNotifications struct {
	State         string                `json:"state"`
	Reason        string                `json:"reason,omitempty"`
	Polling       string                `json:"polling"`
	Subscriptions []SubscriptionSummary `json:"subscriptions"`
}

// SubscriptionSummary is one subscription on the admin page.
type SubscriptionSummary struct {
	Resource  string     `json:"resource"`
	State     string     `json:"state"`
	Reason    string     `json:"reason,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt"`
}

// notificationsOf sums up a mailbox's subscriptions for the admin page.
func notificationsOf(subs []Subscription) MailboxNotifications {
	n := MailboxNotifications{State: "none", Polling: "interval", Subscriptions: []SubscriptionSummary{}}
	for _, sub := range subs {
		n.Subscriptions = append(n.Subscriptions, SubscriptionSummary{Resource: sub.Kind, State: sub.State, Reason: sub.Reason, ExpiresAt: sub.ExpiresAt})
	}
	h := healthOf(subs)
	switch {
	case h.Failing > 0:
		n.State, n.Reason = SubscriptionFailing, h.Reason
	case h.Renewing > 0:
		n.State = SubscriptionRenewing
	case h.Active > 0:
		n.State = SubscriptionActive
	}
	if h.Healthy() {
		n.Polling = "backstop"
	}
	return n
}

func (m *Mailbox) utc() {
	for _, t := range []*time.Time{m.NextSyncAt, m.LastSyncAt, m.LastSuccessAt, m.BackoffUntil, m.BeganAt} {
		if t != nil {
			*t = t.UTC()
		}
	}
}

// A user without a mailbox row has never been scheduled: it shows as enabled and never synchronized.
const mailboxColumns = `u.tenant_id, u.id AS user_id, u.upn, u.object_id, COALESCE(m.enabled, TRUE) AS enabled,
	COALESCE(m.disabled_reason, '') AS disabled_reason, m.next_sync_at, m.last_sync_at, m.last_success_at,
	COALESCE(m.consecutive_failures, 0) AS consecutive_failures, m.backoff_until, COALESCE(m.alert, '') AS alert,
	COALESCE(m.items_in, 0) AS items_in, COALESCE(m.items_out, 0) AS items_out, COALESCE(m.last_error, '') AS last_error,
	m.began_at FROM users u LEFT JOIN mailboxes m ON m.tenant_id = u.tenant_id AND m.user_id = u.id`

// Mailboxes lists the synchronization state of every user's mailbox in the tenant, by UPN.
func (s *Store) Mailboxes(ctx context.Context, tenantID string) ([]Mailbox, error) {
	var out []Mailbox
	if err := s.db.SelectContext(ctx, &out, s.q(`SELECT `+mailboxColumns+` WHERE u.tenant_id = ? ORDER BY u.upn, u.id`), tenantID); err != nil {
		return nil, fmt.Errorf("list mailboxes: %w", err)
	}
	subs, err := s.SubscriptionsOfTenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].utc()
		out[i].Notifications = notificationsOf(subs[out[i].UserID])
	}
	if out == nil {
		out = []Mailbox{}
	}
	return out, nil
}

// Mailbox returns the synchronization state of a user's mailbox; not found when the tenant has no such user.
func (s *Store) Mailbox(ctx context.Context, tenantID, userID string) (Mailbox, error) {
	var m Mailbox
	err := s.db.GetContext(ctx, &m, s.q(`SELECT `+mailboxColumns+` WHERE u.tenant_id = ? AND u.id = ?`), tenantID, userID)
	if err != nil {
		return Mailbox{}, notFound(err, crm.NotFound("no mailbox of user %s", userID), "get mailbox")
	}
	m.utc()
	subs, err := s.Subscriptions(ctx, tenantID, userID)
	if err != nil {
		return Mailbox{}, err
	}
	m.Notifications = notificationsOf(subs)
	return m, nil
}

// EnsureMailboxes creates the missing mailbox rows of users the scheduler must consider, due at now:
// every user of a server-mode tenant, and the client-mode users who asked for a synchronization.
func (s *Store) EnsureMailboxes(ctx context.Context, now time.Time) (int64, error) {
	now = now.UTC()
	res, err := s.exec(ctx, s.q(`INSERT INTO mailboxes (tenant_id, user_id, object_id, next_sync_at, updated_at, began_at)
		SELECT u.tenant_id, u.id, u.object_id, ?, ?, ? FROM users u JOIN tenants t ON t.id = u.tenant_id
		WHERE (t.sync_mode = ? OR u.sync_requested_at IS NOT NULL)
		AND NOT EXISTS (SELECT 1 FROM mailboxes m WHERE m.tenant_id = u.tenant_id AND m.user_id = u.id)
		ON CONFLICT (tenant_id, user_id) DO NOTHING`), now, now, now, crm.SyncModeServer)
	if err != nil {
		return 0, fmt.Errorf("create mailbox rows: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// MailboxKey names a mailbox.
type MailboxKey struct {
	TenantID string `db:"tenant_id"`
	UserID   string `db:"user_id"`
}

// DueMailboxes returns up to limit mailboxes, after the key after (zero: from the start), that are
// enabled, not backed off, and due: in server mode when next_sync_at has come, in client mode when the
// user asked for a synchronization since requestedSince that no successful pass has served yet.
func (s *Store) DueMailboxes(ctx context.Context, now, requestedSince time.Time, after MailboxKey, limit int) ([]MailboxKey, error) {
	return s.dueMailboxes(ctx, s.db, "", now, requestedSince, after, limit)
}

// DueMailboxes is Store.DueMailboxes inside the transaction that enqueues their jobs, so that no pass
// commits between the two: on PostgreSQL it locks the mailboxes' rows, and leaves out those locked
// meanwhile (a pass recording its outcome: they are not due any more once it commits); on SQLite the
// transaction holds the only writer.
func (tx *Tx) DueMailboxes(ctx context.Context, now, requestedSince time.Time, after MailboxKey, limit int) ([]MailboxKey, error) {
	lock := ""
	if tx.s.dialect == Postgres {
		lock = ` FOR UPDATE OF m SKIP LOCKED`
	}
	return tx.s.dueMailboxes(ctx, tx.db, lock, now, requestedSince, after, limit)
}

func (s *Store) dueMailboxes(ctx context.Context, db sqlx.QueryerContext, lock string, now, requestedSince time.Time, after MailboxKey, limit int) ([]MailboxKey, error) {
	now, requestedSince = now.UTC(), requestedSince.UTC()
	var out []MailboxKey
	err := sqlx.SelectContext(ctx, db, &out, s.q(`SELECT m.tenant_id, m.user_id FROM mailboxes m
		JOIN tenants t ON t.id = m.tenant_id
		JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
		WHERE m.enabled AND (m.backoff_until IS NULL OR m.backoff_until <= ?)
		AND ((t.sync_mode = ? AND m.next_sync_at <= ?)
		  OR (t.sync_mode <> ? AND u.sync_requested_at >= ? AND (m.last_success_at IS NULL OR u.sync_requested_at > m.last_success_at)))
		AND (m.tenant_id > ? OR (m.tenant_id = ? AND m.user_id > ?))
		ORDER BY m.tenant_id, m.user_id LIMIT ?`+lock),
		now, crm.SyncModeServer, now, crm.SyncModeServer, requestedSince, keyOrMin(after.TenantID), keyOrMin(after.TenantID), keyOrMin(after.UserID), limit)
	if err != nil {
		return nil, fmt.Errorf("select due mailboxes: %w", err)
	}
	return out, nil
}

// keyOrMin makes the zero key sort before every id (ids are UUIDs on both databases).
func keyOrMin(id string) string {
	if id == "" {
		return "00000000-0000-0000-0000-000000000000"
	}
	return id
}

// SyncOutcome is what one synchronization pass of a mailbox did.
type SyncOutcome struct {
	StartedAt, NextSyncAt time.Time
	ItemsIn, ItemsOut     int
}

// RecordSyncSuccess stores a successful pass: when it ran and runs next, what it moved, and no failures.
func (tx *Tx) RecordSyncSuccess(ctx context.Context, tenantID, userID string, o SyncOutcome) error {
	at := o.StartedAt.UTC()
	return tx.updateMailbox(ctx, tenantID, userID, `last_sync_at = ?, last_success_at = ?, next_sync_at = ?,
		items_in = ?, items_out = ?, consecutive_failures = 0, backoff_until = NULL, alert = '', last_error = '', updated_at = ?`,
		at, at, o.NextSyncAt.UTC(), o.ItemsIn, o.ItemsOut, at)
}

// SyncFailure is a failed pass: the failures in a row it makes, until when the mailbox waits, and the
// alert to show admins (empty: none yet).
type SyncFailure struct {
	StartedAt, BackoffUntil time.Time
	Failures                int
	Error, Alert            string
}

// RecordSyncFailure stores a failed pass. The mailbox is due again when its backoff ends at the latest,
// so that a failed pass that looked at only part of it (a notification's) is followed by a full one.
func (tx *Tx) RecordSyncFailure(ctx context.Context, tenantID, userID string, f SyncFailure) error {
	backoff := f.BackoffUntil.UTC()
	return tx.updateMailbox(ctx, tenantID, userID, `last_sync_at = ?, consecutive_failures = ?, backoff_until = ?,
		last_error = ?, alert = ?, updated_at = ?, next_sync_at = CASE WHEN next_sync_at > ? THEN ? ELSE next_sync_at END`,
		f.StartedAt.UTC(), f.Failures, backoff, f.Error, f.Alert, f.StartedAt.UTC(), backoff, backoff)
}

// RecordScopedSuccess stores a pass that looked only at what change notifications or CRM writes named:
// when it ran and what it moved. The mailbox's schedule, which full passes keep, stays.
func (tx *Tx) RecordScopedSuccess(ctx context.Context, tenantID, userID string, o SyncOutcome) error {
	at := o.StartedAt.UTC()
	return tx.updateMailbox(ctx, tenantID, userID, `last_sync_at = ?, items_in = ?, items_out = ?, updated_at = ?`,
		at, o.ItemsIn, o.ItemsOut, at)
}

// RecordSyncDisabled stores a pass that failed for good: the mailbox is disabled, with the reason and an
// alert for admins, until one of them enables it again.
func (tx *Tx) RecordSyncDisabled(ctx context.Context, tenantID, userID, reason string, now time.Time) error {
	return tx.updateMailbox(ctx, tenantID, userID, `enabled = FALSE, disabled_reason = ?, last_error = ?, alert = ?, updated_at = ?`,
		reason, reason, "synchronization is disabled: "+reason, now.UTC())
}

func (tx *Tx) updateMailbox(ctx context.Context, tenantID, userID, set string, args ...any) error {
	res, err := tx.db.ExecContext(ctx, tx.q(`UPDATE mailboxes SET `+set+` WHERE tenant_id = ? AND user_id = ?`), append(args, tenantID, userID)...)
	if err != nil {
		return fmt.Errorf("update mailbox of user %s: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.NotFound("no mailbox of user %s", userID)
	}
	return nil
}

// EnableMailbox enables a user's mailbox, forgets its failures and alert, and makes it due at now.
func (s *Store) EnableMailbox(ctx context.Context, tenantID, userID string, now time.Time) error {
	now = now.UTC()
	return s.upsertMailbox(ctx, tenantID, userID, now, `enabled = TRUE, disabled_reason = '', consecutive_failures = 0,
		backoff_until = NULL, alert = '', next_sync_at = ?, updated_at = ?`, now, now)
}

// DisableMailbox disables a user's mailbox with the reason admins see.
func (s *Store) DisableMailbox(ctx context.Context, tenantID, userID, reason string, now time.Time) error {
	now = now.UTC()
	return s.upsertMailbox(ctx, tenantID, userID, now, `enabled = FALSE, disabled_reason = ?, updated_at = ?`, reason, now)
}

// upsertMailbox creates the user's mailbox row if needed, then applies set to it; not found when the
// tenant has no such user.
func (s *Store) upsertMailbox(ctx context.Context, tenantID, userID string, now time.Time, set string, args ...any) error {
	return s.InTx(ctx, func(tx *Tx) error {
		var objectID string
		err := tx.db.GetContext(ctx, &objectID, s.q(`SELECT object_id FROM users WHERE tenant_id = ? AND id = ?`), tenantID, userID)
		if err != nil {
			return notFound(err, crm.NotFound("no mailbox of user %s", userID), "get user")
		}
		if _, err := tx.db.ExecContext(ctx, s.q(`INSERT INTO mailboxes (tenant_id, user_id, object_id, next_sync_at, updated_at, began_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, user_id) DO NOTHING`), tenantID, userID, objectID, now, now, now); err != nil {
			return fmt.Errorf("create mailbox of user %s: %w", userID, err)
		}
		return tx.updateMailbox(ctx, tenantID, userID, set, args...)
	})
}

// EnsureMailbox creates a user's mailbox row, due now, if it does not exist yet: a client-mode request
// must find it when its pass runs at once, before the scheduler's next tick would create it.
func (tx *Tx) EnsureMailbox(ctx context.Context, tenantID, userID string, now time.Time) error {
	now = now.UTC()
	_, err := tx.db.ExecContext(ctx, tx.q(`INSERT INTO mailboxes (tenant_id, user_id, object_id, next_sync_at, updated_at, began_at)
		SELECT u.tenant_id, u.id, u.object_id, ?, ?, ? FROM users u WHERE u.tenant_id = ? AND u.id = ?
		ON CONFLICT (tenant_id, user_id) DO NOTHING`), now, now, now, tenantID, userID)
	if err != nil {
		return fmt.Errorf("create the mailbox row of %s: %w", userID, err)
	}
	return nil
}

// MakeDue makes a mailbox due at at the latest: polling takes over when its change notifications fail.
func (s *Store) MakeDue(ctx context.Context, tenantID, userID string, at time.Time) error {
	at = at.UTC()
	_, err := s.exec(ctx, s.q(`UPDATE mailboxes SET next_sync_at = ? WHERE tenant_id = ? AND user_id = ? AND next_sync_at > ?`),
		at, tenantID, userID, at)
	if err != nil {
		return fmt.Errorf("make the mailbox of %s due: %w", userID, err)
	}
	return nil
}
