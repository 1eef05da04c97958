package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Tx is one transaction of the store: the reads and writes a use case makes together, such as a track
// request, its activity and its job, which commit or roll back as one. Its methods are the steps a use
// case takes inside it; the store's own methods are complete operations that need no transaction of the
// caller's.
type Tx struct {
	s  *Store
	db *sqlx.Tx
}

// InTx runs fn in one transaction, which commits when fn returns nil and rolls back otherwise. On SQLite
// it holds the only writing connection, so fn should do its slow work (Graph calls) before or after, and
// must not write through the store's own methods, which would wait for that connection.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	db, err := s.wdb.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer db.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(&Tx{s: s, db: db}); err != nil {
		return err
	}
	if err := db.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Then is work a use case adds to a store operation's own transaction, such as the pushes a CRM write
// enqueues (see records.Changes): it commits with the write, or neither does.
type Then func(tx *Tx) error

// then runs the hooks in order inside tx.
func (tx *Tx) then(hooks []Then) error {
	for _, h := range hooks {
		if h == nil {
			continue
		}
		if err := h(tx); err != nil {
			return err
		}
	}
	return nil
}

// Unwrap returns the database/sql transaction under tx for the job queue (package jobs), whose River
// client writes its jobs, and their completion, in it. Use cases write through tx's methods.
func (tx *Tx) Unwrap() *sql.Tx { return tx.db.Tx }

// q rewrites ? placeholders for the store's database.
func (tx *Tx) q(query string) string { return tx.s.q(query) }
