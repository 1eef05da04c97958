package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/crmsync/crmsync/internal/crm"
)

// UpdateActivity replaces an activity's subject, body, times, location, status, regarding and attendees
// (its required and optional parties; the organizer, sender and other parties stay) with a's, if it is
// still at version: a stale version is a conflict and changes nothing. The version moves on by one and
// updated_at to now, so that the synchronization's push sees the change. The regarding record, when set,
// must be a live record of the tenant. It returns the activity as stored.
func (s *Store) UpdateActivity(ctx context.Context, tenantID string, id string, version int64, a crm.Activity) (crm.Activity, error) {
	if _, err := uuid.Parse(id); err != nil {
		return crm.Activity{}, crm.NotFound("there is no activity with the id %q", id)
	}
	for i, p := range a.Parties {
		if p.Role != crm.PartyRequired && p.Role != crm.PartyOptional {
			return crm.Activity{}, crm.Invalid("only attendees can be replaced",
				crm.FieldError{Field: fmt.Sprintf("parties[%d].role", i), Message: "must be required or optional"})
		}
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		// The activity first: another tenant's id is not found, whatever its regarding says.
		if err := s.activityAtVersionTx(ctx, tx, tenantID, id, &version); err != nil {
			return err
		}
		regType, regID, err := s.liveRegardingTx(ctx, tx, tenantID, a.Regarding)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE activities SET subject = ?, body = ?, start_at = ?, end_at = ?, due_at = ?, location = ?,
			status = ?, regarding_type = ?, regarding_id = ?, version = version + 1, updated_at = ?
			WHERE tenant_id = ? AND id = ? AND version = ? AND deleted_at IS NULL`),
			a.Subject, a.Body, timeOrNull(a.Start), timeOrNull(a.End), timeOrNull(a.Due), a.Location, a.Status, regType, regID, s.now().UTC(),
			tenantID, id, version)
		if err != nil {
			return fmt.Errorf("update activity %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update activity %s: %w", id, err)
		} else if n == 0 {
			return s.whyActivityNotWritten(ctx, tx, tenantID, id, &version)
		}
		return s.replaceAttendeesTx(ctx, tx, tenantID, id, a.Parties)
	})
	if err != nil {
		return crm.Activity{}, err
	}
	return s.Activity(ctx, tenantID, id)
}

// DeleteActivity removes an activity softly, keeping its history and links; the version moves on by one
// and updated_at to now, so that the push sees the delete. When version is given, a stale one is a
// conflict and changes nothing.
func (s *Store) DeleteActivity(ctx context.Context, tenantID, id string, version *int64) error {
	if _, err := uuid.Parse(id); err != nil {
		return crm.NotFound("there is no activity with the id %q", id)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		query, args := `UPDATE activities SET version = version + 1 WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`, []any{tenantID, id}
		if version != nil {
			query += ` AND version = ?`
			args = append(args, *version)
		}
		res, err := tx.ExecContext(ctx, s.q(query), args...)
		if err != nil {
			return fmt.Errorf("delete activity %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("delete activity %s: %w", id, err)
		} else if n == 0 {
			return s.whyActivityNotWritten(ctx, tx, tenantID, id, version)
		}
		return s.DeleteActivityTx(ctx, tx, tenantID, id)
	})
}

// liveRegardingTx checks that ref, when set, names a live record of the tenant, and returns the columns
// that store it.
func (s *Store) liveRegardingTx(ctx context.Context, tx *sqlx.Tx, tenantID string, ref *crm.Regarding) (sql.NullString, sql.NullString, error) {
	if ref == nil {
		return sql.NullString{}, sql.NullString{}, nil
	}
	notThere := crm.Invalid("the regarding record does not exist",
		crm.FieldError{Field: "regarding", Message: fmt.Sprintf("no %s has the id %s", ref.Type, ref.ID)})
	if _, err := uuid.Parse(ref.ID); err != nil {
		return sql.NullString{}, sql.NullString{}, notThere
	}
	var one int
	err := tx.GetContext(ctx, &one, s.q(`SELECT 1 FROM records WHERE tenant_id = ? AND type = ? AND id = ? AND deleted_at IS NULL`),
		tenantID, ref.Type, ref.ID)
	if err != nil {
		return sql.NullString{}, sql.NullString{}, notFound(err, notThere, "check regarding")
	}
	return nullString(ref.Type), nullString(ref.ID), nil
}

// activityAtVersionTx checks that the activity is live in the tenant and, when version is given, still at it.
func (s *Store) activityAtVersionTx(ctx context.Context, tx *sqlx.Tx, tenantID, id string, version *int64) error {
	var current int64
	err := tx.GetContext(ctx, &current, s.q(`SELECT version FROM activities WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`), tenantID, id)
	if err != nil {
		return notFound(err, crm.NotFound("there is no activity with the id %s", id), "read activity version")
	}
	if version != nil && *version != current {
		return staleVersion("activity", id, *version, current)
	}
	return nil
}

// whyActivityNotWritten explains a guarded write that touched no row: the activity is gone, or it moved on.
func (s *Store) whyActivityNotWritten(ctx context.Context, tx *sqlx.Tx, tenantID, id string, sent *int64) error {
	if err := s.activityAtVersionTx(ctx, tx, tenantID, id, sent); err != nil {
		return err
	}
	return crm.Conflict("the activity %s was changed by someone else; read it again and retry", id)
}
