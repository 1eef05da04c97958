package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
)

// CreateActivity stores an activity with its parties and returns it as stored. The regarding record,
// when set, must be a live record of the tenant. An email whose internetMessageId the tenant already has
// is a conflict: the caller links to the existing one instead.
func (s *Store) CreateActivity(ctx context.Context, tenantID string, a crm.Activity, then ...Then) (crm.Activity, error) {
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		if a, err = tx.CreateActivity(ctx, tenantID, a); err != nil {
			return err
		}
		return tx.then(then)
	})
	if err != nil {
		return crm.Activity{}, err
	}
	return s.Activity(ctx, tenantID, a.ID)
}

// CreateActivity is Store.CreateActivity inside the transaction, so that a job can commit the activity
// together with its own bookkeeping. It returns the activity as written, without its links.
func (tx *Tx) CreateActivity(ctx context.Context, tenantID string, a crm.Activity) (crm.Activity, error) {
	if !crm.IsActivityType(a.Type) {
		return crm.Activity{}, crm.Invalid("unknown activity type", crm.FieldError{Field: "type", Message: "must be email, appointment or task"})
	}
	if a.ID == "" {
		a.ID = uuid.NewString()
	}
	now := tx.s.now().UTC()
	a.CreatedAt, a.UpdatedAt, a.ScheduledAt = now, now, &now
	var regType, regID sql.NullString
	if a.Regarding != nil {
		var name string
		err := tx.db.GetContext(ctx, &name, tx.q(`SELECT name FROM records WHERE tenant_id = ? AND type = ? AND id = ? AND deleted_at IS NULL`),
			tenantID, a.Regarding.Type, a.Regarding.ID)
		if err != nil {
			return crm.Activity{}, notFound(err, crm.Invalid("the regarding record does not exist",
				crm.FieldError{Field: "regarding", Message: fmt.Sprintf("no %s has the id %s", a.Regarding.Type, a.Regarding.ID)}), "check regarding")
		}
		a.Regarding.Name = name
		regType, regID = nullString(a.Regarding.Type), nullString(a.Regarding.ID)
	}
	var messageID sql.NullString
	if a.Type == crm.ActivityEmail {
		messageID = nullString(a.InternetMessageID)
	}
	a.Version = 1
	_, err := tx.db.ExecContext(ctx, tx.q(`INSERT INTO activities (id, tenant_id, type, subject, body, start_at, end_at, due_at, location, status,
		direction, owner_id, regarding_type, regarding_id, internet_message_id, conversation_id, ical_uid, created_at, updated_at, scheduled_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		a.ID, tenantID, a.Type, a.Subject, a.Body, timeOrNull(a.Start), timeOrNull(a.End), timeOrNull(a.Due), a.Location, a.Status,
		a.Direction, a.OwnerID, regType, regID, messageID, a.ConversationID, a.ICalUID, now, now, now)
	if isUniqueViolation(err) {
		return crm.Activity{}, crm.Conflict("an email with the internetMessageId %s is already tracked", a.InternetMessageID)
	}
	if err != nil {
		return crm.Activity{}, fmt.Errorf("insert activity: %w", err)
	}
	if err := tx.insertParties(ctx, tenantID, a.ID, 0, a.Parties); err != nil {
		return crm.Activity{}, err
	}
	return a, nil
}

// insertParties adds parties to an activity, numbered from position first.
func (tx *Tx) insertParties(ctx context.Context, tenantID, activityID string, first int, parties []crm.Party) error {
	for i, p := range parties {
		var recType, recID sql.NullString
		if p.Record != nil {
			recType, recID = nullString(p.Record.Type), nullString(p.Record.ID)
		}
		_, err := tx.db.ExecContext(ctx, tx.q(`INSERT INTO activity_parties (tenant_id, activity_id, position, role, address, name, record_type, record_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), tenantID, activityID, first+i, p.Role, strings.ToLower(p.Address), p.Name, recType, recID)
		if err != nil {
			return fmt.Errorf("insert party %d of activity %s: %w", first+i, activityID, err)
		}
	}
	return nil
}

// UpdateActivity replaces an activity's subject, body, times, location, status, regarding and attendees
// (its required and optional parties; the organizer, sender and other parties stay) with a's, if it is
// still at version: a stale version is a conflict and changes nothing. The version moves on by one and
// updated_at to now, so that the synchronization's push sees the change. The regarding record, when set,
// must be a live record of the tenant. It returns the activity as stored.
func (s *Store) UpdateActivity(ctx context.Context, tenantID string, id string, version int64, a crm.Activity, then ...Then) (crm.Activity, error) {
	if _, err := uuid.Parse(id); err != nil {
		return crm.Activity{}, crm.NotFound("there is no activity with the id %q", id)
	}
	for i, p := range a.Parties {
		if p.Role != crm.PartyRequired && p.Role != crm.PartyOptional {
			return crm.Activity{}, crm.Invalid("only attendees can be replaced",
				crm.FieldError{Field: fmt.Sprintf("parties[%d].role", i), Message: "must be required or optional"})
		}
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		// The activity first: another tenant's id is not found, whatever its regarding says.
		if err := tx.activityAtVersion(ctx, tenantID, id, &version); err != nil {
			return err
		}
		regType, regID, err := tx.liveRegarding(ctx, tenantID, a.Regarding)
		if err != nil {
			return err
		}
		// A new start or end reschedules it: scheduled_at says when (see crm.Activity.ScheduledAt).
		same := "IS"
		if s.dialect == Postgres {
			same = "IS NOT DISTINCT FROM"
		}
		now := s.now().UTC()
		res, err := tx.db.ExecContext(ctx, tx.q(`UPDATE activities SET
			scheduled_at = CASE WHEN start_at `+same+` ? AND end_at `+same+` ? THEN scheduled_at ELSE ? END,
			subject = ?, body = ?, start_at = ?, end_at = ?, due_at = ?, location = ?,
			status = ?, regarding_type = ?, regarding_id = ?, version = version + 1, updated_at = ?
			WHERE tenant_id = ? AND id = ? AND version = ? AND deleted_at IS NULL`),
			timeOrNull(a.Start), timeOrNull(a.End), now,
			a.Subject, a.Body, timeOrNull(a.Start), timeOrNull(a.End), timeOrNull(a.Due), a.Location, a.Status, regType, regID, now,
			tenantID, id, version)
		if err != nil {
			return fmt.Errorf("update activity %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update activity %s: %w", id, err)
		} else if n == 0 {
			return tx.whyActivityNotWritten(ctx, tenantID, id, &version)
		}
		if err := tx.replaceAttendees(ctx, tenantID, id, a.Parties); err != nil {
			return err
		}
		return tx.then(then)
	})
	if err != nil {
		return crm.Activity{}, err
	}
	return s.Activity(ctx, tenantID, id)
}

// DeleteActivity removes an activity softly, keeping its history and links; the version moves on by one
// and updated_at to now, so that the push sees the delete. When version is given, a stale one is a
// conflict and changes nothing.
func (s *Store) DeleteActivity(ctx context.Context, tenantID, id string, version *int64, then ...Then) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if err := tx.DeleteActivity(ctx, tenantID, id, version); err != nil {
			return err
		}
		return tx.then(then)
	})
}

// DeleteActivity is Store.DeleteActivity inside the transaction.
func (tx *Tx) DeleteActivity(ctx context.Context, tenantID, id string, version *int64) error {
	if _, err := uuid.Parse(id); err != nil {
		return crm.NotFound("there is no activity with the id %q", id)
	}
	now := tx.s.now().UTC()
	query, args := `UPDATE activities SET version = version + 1, deleted_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`,
		[]any{now, now, tenantID, id}
	if version != nil {
		query += ` AND version = ?`
		args = append(args, *version)
	}
	res, err := tx.db.ExecContext(ctx, tx.q(query), args...)
	if err != nil {
		return fmt.Errorf("delete activity %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete activity %s: %w", id, err)
	} else if n == 0 {
		return tx.whyActivityNotWritten(ctx, tenantID, id, version)
	}
	return nil
}

// SetActivityRegarding changes what an activity is regarding (nil clears it).
func (tx *Tx) SetActivityRegarding(ctx context.Context, tenantID, activityID string, ref *crm.RecordRef) error {
	regType, regID := regardingArgs(ref)
	_, err := tx.db.ExecContext(ctx, tx.q(`UPDATE activities SET regarding_type = ?, regarding_id = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
		regType, regID, tx.s.now().UTC(), tenantID, activityID)
	if err != nil {
		return fmt.Errorf("set regarding of activity %s: %w", activityID, err)
	}
	return nil
}

// liveRegarding checks that ref, when set, names a live record of the tenant, and returns the columns
// that store it.
func (tx *Tx) liveRegarding(ctx context.Context, tenantID string, ref *crm.Regarding) (sql.NullString, sql.NullString, error) {
	if ref == nil {
		return sql.NullString{}, sql.NullString{}, nil
	}
	notThere := crm.Invalid("the regarding record does not exist",
		crm.FieldError{Field: "regarding", Message: fmt.Sprintf("no %s has the id %s", ref.Type, ref.ID)})
	if _, err := uuid.Parse(ref.ID); err != nil {
		return sql.NullString{}, sql.NullString{}, notThere
	}
	var one int
	err := tx.db.GetContext(ctx, &one, tx.q(`SELECT 1 FROM records WHERE tenant_id = ? AND type = ? AND id = ? AND deleted_at IS NULL`),
		tenantID, ref.Type, ref.ID)
	if err != nil {
		return sql.NullString{}, sql.NullString{}, notFound(err, notThere, "check regarding")
	}
	return nullString(ref.Type), nullString(ref.ID), nil
}

// activityAtVersion checks that the activity is live in the tenant and, when version is given, still at it.
func (tx *Tx) activityAtVersion(ctx context.Context, tenantID, id string, version *int64) error {
	var current int64
	err := tx.db.GetContext(ctx, &current, tx.q(`SELECT version FROM activities WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`), tenantID, id)
	if err != nil {
		return notFound(err, crm.NotFound("there is no activity with the id %s", id), "read activity version")
	}
	if version != nil && *version != current {
		return staleVersion("activity", id, *version, current)
	}
	return nil
}

// whyActivityNotWritten explains a guarded write that touched no row: the activity is gone, or it moved on.
func (tx *Tx) whyActivityNotWritten(ctx context.Context, tenantID, id string, sent *int64) error {
	if err := tx.activityAtVersion(ctx, tenantID, id, sent); err != nil {
		return err
	}
	return crm.Conflict("the activity %s was changed by someone else; read it again and retry", id)
}

// ActivityPatch is a change to an appointment or task from its Outlook copy; nil members stay as they are.
type ActivityPatch struct {
	Subject, Body, Location, Status *string
	Start, End, Due                 **time.Time
	// Attendees replaces the required and optional parties when set.
	Attendees *[]crm.Party
}

// PatchActivity applies a change to an activity that still has version (optimistic concurrency: a
// stale version is a conflict and changes nothing) and returns it as stored.
func (s *Store) PatchActivity(ctx context.Context, tenantID, id string, version int64, p ActivityPatch, then ...Then) (crm.Activity, error) {
	now := s.now().UTC()
	set, args := "version = version + 1, updated_at = ?", []any{now}
	str := func(col string, v *string) {
		if v != nil {
			set += ", " + col + " = ?"
			args = append(args, *v)
		}
	}
	tm := func(col string, v **time.Time) {
		if v != nil {
			set += ", " + col + " = ?"
			args = append(args, timeOrNull(*v))
		}
	}
	str("subject", p.Subject)
	str("body", p.Body)
	str("location", p.Location)
	str("status", p.Status)
	tm("start_at", p.Start)
	tm("end_at", p.End)
	tm("due_at", p.Due)
	err := s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.db.ExecContext(ctx, tx.q(`UPDATE activities SET `+set+` WHERE tenant_id = ? AND id = ? AND version = ? AND deleted_at IS NULL`),
			append(args, tenantID, id, version)...)
		if err != nil {
			return fmt.Errorf("update activity %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update activity %s: %w", id, err)
		} else if n == 0 {
			return crm.Conflict("activity %s changed since version %d was read", id, version)
		}
		if p.Attendees != nil {
			if err := tx.replaceAttendees(ctx, tenantID, id, *p.Attendees); err != nil {
				return err
			}
		}
		return tx.then(then)
	})
	if err != nil {
		return crm.Activity{}, err
	}
	got, err := s.ActivityAny(ctx, tenantID, id)
	return got.Activity, err
}

// replaceAttendees replaces an activity's required and optional parties, keeping the others.
func (tx *Tx) replaceAttendees(ctx context.Context, tenantID, activityID string, parties []crm.Party) error {
	if _, err := tx.db.ExecContext(ctx, tx.q(`DELETE FROM activity_parties WHERE tenant_id = ? AND activity_id = ? AND role IN (?, ?)`),
		tenantID, activityID, crm.PartyRequired, crm.PartyOptional); err != nil {
		return fmt.Errorf("clear attendees of %s: %w", activityID, err)
	}
	var next int
	if err := tx.db.GetContext(ctx, &next, tx.q(`SELECT COALESCE(MAX(position), -1) + 1 FROM activity_parties WHERE tenant_id = ? AND activity_id = ?`),
		tenantID, activityID); err != nil {
		return fmt.Errorf("number attendees of %s: %w", activityID, err)
	}
	return tx.insertParties(ctx, tenantID, activityID, next, parties)
}
