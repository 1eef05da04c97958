package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Wakeup is a part of a mailbox that its next pass must look at: a scope (a mail folder or an item kind)
// that a change notification or a CRM write named, at the generation the pass read.
type Wakeup struct {
	Scope      string `db:"scope"`
	Generation int64  `db:"generation"`
}

// Wake records, inside the caller's transaction, that the mailboxes must look at the scopes: a scope
// already waiting gets a new generation, so that a pass running now, which read the old one, leaves it
// for the next.
func (tx *Tx) Wake(ctx context.Context, keys []MailboxKey, scopes []string, now time.Time) error {
	now = now.UTC()
	type row struct{ tenant, user, scope string }
	var rows []row
	for _, k := range keys {
		for _, scope := range scopes {
			rows = append(rows, row{k.TenantID, k.UserID, scope})
		}
	}
	const batch = 200
	for len(rows) > 0 {
		n := min(batch, len(rows))
		values := strings.Repeat(`(?, ?, ?, 1, ?), `, n)
		args := make([]any, 0, 4*n)
		for _, r := range rows[:n] {
			args = append(args, r.tenant, r.user, r.scope, now)
		}
		_, err := tx.db.ExecContext(ctx, tx.q(`INSERT INTO sync_wakeups (tenant_id, user_id, scope, generation, requested_at)
			VALUES `+strings.TrimSuffix(values, ", ")+` ON CONFLICT (tenant_id, user_id, scope)
			DO UPDATE SET generation = sync_wakeups.generation + 1, requested_at = excluded.requested_at`), args...)
		if err != nil {
			return fmt.Errorf("wake %d mailboxes: %w", len(keys), err)
		}
		rows = rows[n:]
	}
	return nil
}

// Wakeups returns what a mailbox's next pass must look at.
func (s *Store) Wakeups(ctx context.Context, tenantID, userID string) ([]Wakeup, error) {
	var out []Wakeup
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT scope, generation FROM sync_wakeups WHERE tenant_id = ? AND user_id = ? ORDER BY scope`),
		tenantID, userID)
	if err != nil {
		return nil, fmt.Errorf("list wake-ups of %s: %w", userID, err)
	}
	return out, nil
}

// LockWakeups locks a mailbox's wake-ups until the transaction ends (PostgreSQL; SQLite has one writer
// anyway). A pass that ends takes them before its job's row, in the order a notification takes them
// (its wake-up, then its job): otherwise each would wait for the other's lock and PostgreSQL would abort one.
func (tx *Tx) LockWakeups(ctx context.Context, tenantID, userID string) error {
	if tx.s.dialect != Postgres {
		return nil
	}
	if _, err := tx.db.ExecContext(ctx, tx.q(`SELECT 1 FROM sync_wakeups WHERE tenant_id = ? AND user_id = ? ORDER BY scope FOR UPDATE`),
		tenantID, userID); err != nil {
		return fmt.Errorf("lock the wake-ups of %s: %w", userID, err)
	}
	return nil
}

// ServeWakeups removes, inside the transaction that ends a pass, the wake-ups the pass served (at the
// generation it read them), and returns how many others wait: those that arrived meanwhile.
func (tx *Tx) ServeWakeups(ctx context.Context, tenantID, userID string, served []Wakeup) (int, error) {
	for _, w := range served {
		if _, err := tx.db.ExecContext(ctx, tx.q(`DELETE FROM sync_wakeups WHERE tenant_id = ? AND user_id = ? AND scope = ? AND generation = ?`),
			tenantID, userID, w.Scope, w.Generation); err != nil {
			return 0, fmt.Errorf("serve the %s wake-up of %s: %w", w.Scope, userID, err)
		}
	}
	var left int
	if err := tx.db.GetContext(ctx, &left, tx.q(`SELECT COUNT(*) FROM sync_wakeups WHERE tenant_id = ? AND user_id = ?`), tenantID, userID); err != nil {
		return 0, fmt.Errorf("count the wake-ups of %s: %w", userID, err)
	}
	return left, nil
}

// ForgetWakeups removes every wake-up of a mailbox, inside a transaction: one that is disabled.
func (tx *Tx) ForgetWakeups(ctx context.Context, tenantID, userID string) error {
	if _, err := tx.db.ExecContext(ctx, tx.q(`DELETE FROM sync_wakeups WHERE tenant_id = ? AND user_id = ?`), tenantID, userID); err != nil {
		return fmt.Errorf("forget the wake-ups of %s: %w", userID, err)
	}
	return nil
}
