package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/crmsync/crmsync/internal/secretbox"
)

// The purposes sealed values are bound to (secretbox's additional data): one per column, so a value
// copied into another column does not open there.
const (
	// PurposeTrackAssertion seals track_requests.assertion, the user's token kept for a click's job.
	PurposeTrackAssertion = "tracking:user-assertion"
	// PurposeSyncAssertion seals users.sync_assertion, the user's token kept for a requested pass.
	PurposeSyncAssertion = "sync:user-assertion"
)

// SealedColumn is a column whose values are sealed with the encryption keys. Every such table has an
// id primary key.
type SealedColumn struct {
	Table, Column, Purpose string
}

// SealedColumns lists every column holding sealed values; `crmsync rotate-key` reseals them all. A
// test checks that every binary column of the schema is listed here.
func SealedColumns() []SealedColumn {
	return []SealedColumn{
		{Table: "track_requests", Column: "assertion", Purpose: PurposeTrackAssertion},
		{Table: "users", Column: "sync_assertion", Purpose: PurposeSyncAssertion},
	}
}

// ResealCount is what ResealSecrets did to one column.
type ResealCount struct {
	SealedColumn
	Sealed     int // values found
	Resealed   int // values written back under the first key
	Unopenable int // values no listed key opens: left as they are
}

// Resealer reseals one value under the current first key, telling whether that changed it; a value no
// key opens is secretbox.ErrOpen. *secretbox.Box is one.
type Resealer interface {
	Reseal(sealed []byte, purpose string) (resealed []byte, changed bool, err error)
}

// resealBatch is how many rows one round reads; each row is written back on its own, so a long
// rotation holds no lock for long.
const resealBatch = 500

// ResealSecrets reseals every sealed value of every sealed column with box and writes back the changed
// ones; values no key opens are counted and left as they are. A row is updated only if it still holds
// the value that was read: a running replica may have finished the request (clearing its token) or
// sealed a newer one meanwhile, and that value wins.
func (s *Store) ResealSecrets(ctx context.Context, box Resealer) ([]ResealCount, error) {
	var counts []ResealCount
	for _, col := range SealedColumns() {
		count := ResealCount{SealedColumn: col}
		after := "00000000-0000-0000-0000-000000000000" // below every id
		for {
			var rows []struct {
				ID     string `db:"id"`
				Sealed []byte `db:"sealed"`
			}
			// Keyset paging by id: each round starts after the last id seen.
			q := fmt.Sprintf(`SELECT id, %[2]s AS sealed FROM %[1]s WHERE %[2]s IS NOT NULL AND id > ? ORDER BY id LIMIT %[3]d`,
				col.Table, col.Column, resealBatch)
			if err := s.db.SelectContext(ctx, &rows, s.q(q), after); err != nil {
				return counts, fmt.Errorf("read %s.%s: %w", col.Table, col.Column, err)
			}
			for _, r := range rows {
				count.Sealed++
				resealed, changed, err := box.Reseal(r.Sealed, col.Purpose)
				if errors.Is(err, secretbox.ErrOpen) {
					count.Unopenable++
					continue
				}
				if err != nil {
					return counts, fmt.Errorf("reseal %s.%s of %s: %w", col.Table, col.Column, r.ID, err)
				}
				if !changed {
					continue
				}
				res, err := s.exec(ctx, s.q(fmt.Sprintf(`UPDATE %[1]s SET %[2]s = ? WHERE id = ? AND %[2]s = ?`, col.Table, col.Column)),
					resealed, r.ID, r.Sealed)
				if err != nil {
					return counts, fmt.Errorf("write %s.%s of %s: %w", col.Table, col.Column, r.ID, err)
				}
				if n, _ := res.RowsAffected(); n == 1 {
					count.Resealed++
				}
			}
			if len(rows) < resealBatch {
				break
			}
			after = rows[len(rows)-1].ID
		}
		counts = append(counts, count)
	}
	return counts, nil
}
