package tracking

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
)

// Caller is the user behind a click.
type Caller struct {
	crm.Actor
	ObjectID string
	// Token is the user's access token to our API; in client mode it is kept, sealed, so the worker can
	// act on the user's behalf.
	Token  string
	Tenant crm.Tenant
}

// assertion is the token to act on the user's behalf with: theirs in client mode; none in server mode,
// where the service uses its own app-only access.
func (c Caller) assertion() string {
	if c.Tenant.SyncMode == crm.SyncModeServer {
		return ""
	}
	return c.Token
}

// Click is what the add-in sends for Track, Set Regarding or Untrack.
type Click struct {
	Action            string
	ItemID            string
	ItemType          string
	InternetMessageID string
	ConversationID    string
	Regarding         *crm.RecordRef
}

// itemIDPattern accepts Graph ids (base64 or base64url with padding) and task ids ("list:task").
var itemIDPattern = regexp.MustCompile(`^[A-Za-z0-9+/=_\-]{1,1000}(:[A-Za-z0-9+/=_\-]{1,1000})?$`)

func (c Click) validate() error {
	var errs []crm.FieldError
	if _, err := outlook.ParseKind(c.ItemType); err != nil {
		errs = append(errs, crm.FieldError{Field: "itemType", Message: "must be message, appointment, contact or task"})
	}
	if !itemIDPattern.MatchString(c.ItemID) {
		errs = append(errs, crm.FieldError{Field: "itemId", Message: "must be an Outlook item id (use Office.context.mailbox.convertToRestId)"})
	}
	for field, v := range map[string]string{"internetMessageId": c.InternetMessageID, "conversationId": c.ConversationID} {
		if len(v) > 2000 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			errs = append(errs, crm.FieldError{Field: field, Message: "must be at most 2000 printable characters"})
		}
	}
	if c.Regarding != nil && (c.ItemType == string(outlook.KindContact)) {
		errs = append(errs, crm.FieldError{Field: "regarding", Message: "a contact becomes a CRM contact; it has no regarding record"})
	}
	if c.Action == crm.ActionSetRegarding && c.Regarding == nil {
		errs = append(errs, crm.FieldError{Field: "regarding", Message: "is required to set regarding"})
	}
	if len(errs) > 0 {
		return crm.Invalid("the click is not valid", errs...)
	}
	return nil
}

// Submit accepts a click: it checks it, learns the item's immutable id, and stores the request and its
// job in one transaction. A retried click returns the same request without queuing more work.
func (s *Service) Submit(ctx context.Context, who Caller, click Click) (crm.TrackRequest, error) {
	if err := click.validate(); err != nil {
		return crm.TrackRequest{}, err
	}
	if click.Regarding != nil {
		if err := s.checkRegarding(ctx, who, click.Regarding); err != nil {
			return crm.TrackRequest{}, err
		}
	}
	kind := outlook.Kind(click.ItemType)
	immutableID, err := s.immutableID(ctx, who, kind, click.ItemID)
	if err != nil {
		return crm.TrackRequest{}, err
	}
	now := s.now().UTC()
	req := crm.TrackRequest{ID: uuid.NewString(), TenantID: who.TenantID, UserID: who.UserID, ItemKey: cmp.Or(immutableID, click.ItemID),
		ItemID: click.ItemID, ImmutableID: immutableID, ItemType: click.ItemType, Action: click.Action, Generation: 1,
		InternetMessageID: click.InternetMessageID, ConversationID: click.ConversationID, Regarding: click.Regarding,
		State: crm.StateQueued, CreatedAt: now, UpdatedAt: now}
	if a := who.assertion(); a != "" && s.box != nil {
		req.Assertion = s.box.Seal([]byte(a), assertionPurpose)
	}
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		existing, err := tx.TrackRequestByKey(ctx, req.TenantID, req.UserID, req.ItemKey, req.Action)
		switch {
		case crm.IsNotFound(err):
			if err := tx.InsertTrackRequest(ctx, req); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			reuse, err := s.stillHolds(ctx, tx, existing, req)
			if err != nil {
				return err
			}
			if reuse {
				req = existing
				return nil
			}
			req.ID, req.CreatedAt = existing.ID, existing.CreatedAt
			if req.Generation, err = tx.RequeueTrackRequest(ctx, req); err != nil {
				return err
			}
		}
		return s.queue.InsertTx(ctx, tx, TrackArgs{TenantID: req.TenantID, RequestID: req.ID, Generation: req.Generation}, nil)
	})
	if err != nil {
		return crm.TrackRequest{}, fmt.Errorf("accept %s of %s: %w", click.Action, click.ItemType, err)
	}
	req.Assertion = nil
	return req, nil
}

// stillHolds decides whether a repeated click is the same click (answer with the existing request) or
// asks for the work again: after a failure, with another payload, or when the outcome no longer holds
// (tracked again after an untrack, untracked again after a track).
func (s *Service) stillHolds(ctx context.Context, tx *store.Tx, existing, click crm.TrackRequest) (bool, error) {
	if existing.State == crm.StateFailed || !sameRef(existing.Regarding, click.Regarding) {
		return false, nil
	}
	if existing.Open() {
		return true, nil
	}
	_, err := tx.ItemLink(ctx, existing.TenantID, existing.UserID, existing.ItemKey)
	linked := err == nil
	if err != nil && !crm.IsNotFound(err) {
		return false, err
	}
	if existing.Action == crm.ActionUntrack {
		return !linked, nil
	}
	return linked, nil
}

func sameRef(a, b *crm.RecordRef) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// checkRegarding makes sure the caller may choose the regarding record (see records.CheckRegarding).
func (s *Service) checkRegarding(ctx context.Context, who Caller, ref *crm.RecordRef) error {
	access, err := s.records.Access(ctx, who.Actor)
	if err != nil {
		return err
	}
	return s.records.CheckRegarding(ctx, access, *ref)
}

// immutableID asks the user's mailbox for the item's immutable id. An item the mailbox does not have
// (another user's, or a malformed id) is refused now, with nothing queued. When Graph cannot answer at
// this moment, the click is accepted all the same, keyed by its REST id, and the worker asks again: a
// click is never lost to a passing Graph failure.
func (s *Service) immutableID(ctx context.Context, who Caller, kind outlook.Kind, itemID string) (string, error) {
	if kind == outlook.KindTask {
		return itemID, nil // To Do ids do not change
	}
	// The click must be acknowledged fast even when Graph is slow: past this, the worker resolves the id.
	ctx, cancel := context.WithTimeout(ctx, acceptLookupTimeout)
	defer cancel()
	mb, err := s.open(ctx, MailboxUser{TenantID: who.TenantID, ObjectID: who.ObjectID, Assertion: who.assertion()})
	if err != nil {
		s.logger.Warn("mailbox not available at accept time; the worker will resolve the item", "error", err.Error())
		return "", nil
	}
	id, err := mb.ImmutableID(ctx, kind, itemID)
	switch {
	case err == nil:
		return id, nil
	case errors.Is(err, outlook.ErrNotFound), errors.Is(err, outlook.ErrInvalid):
		return "", crm.NotFound("your mailbox has no %s with this id", kind)
	}
	s.logger.Warn("immutable id not available at accept time; the worker will resolve it", "error", err.Error())
	return "", nil
}

// acceptLookupTimeout bounds the Graph lookup on the accept path.
const acceptLookupTimeout = 2 * time.Second

// TrackArgs is the job that works one track request.
type TrackArgs struct {
	TenantID   string `json:"tenantId"`
	RequestID  string `json:"requestId"`
	Generation int64  `json:"generation"`
}

// Kind names the job.
func (TrackArgs) Kind() string { return "track_item" }

// InsertOpts sends tracking jobs to their own queue, so a long synchronization backlog never delays a click.
func (TrackArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 12}
}

// Queue is the River queue tracking jobs run on.
const Queue = "tracking"
