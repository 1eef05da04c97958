package tracking

import (
	"context"
	"fmt"
	"regexp"
	"strings"

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

// Submit accepts a click: it checks it and stores the request and its job in one short transaction
// (shared with the clicks accepted at the same moment, see acceptor), without waiting for Graph. The request is keyed by the id the add-in sent (a REST id, or a To Do task
// id), so a retried click returns the same request without queuing more work. What only the user's
// mailbox can say — the item's immutable id, and whether the mailbox has the item at all (an item of
// another mailbox is refused there, with nothing created) — the worker learns from its first read of the
// item; a click on the same item after it moved to another folder (a new REST id) is a new request whose
// worker finds the item's link through the immutable id and ends with the same activity.
func (s *Service) Submit(ctx context.Context, who Caller, click Click) (crm.TrackRequest, error) {
	if err := click.validate(); err != nil {
		return crm.TrackRequest{}, err
	}
	if click.Regarding != nil {
		if err := s.checkRegarding(ctx, who, click.Regarding); err != nil {
			return crm.TrackRequest{}, err
		}
	}
	now := s.now().UTC()
	req := crm.TrackRequest{ID: uuid.NewString(), TenantID: who.TenantID, UserID: who.UserID, ItemKey: click.ItemID,
		ItemID: click.ItemID, ItemType: click.ItemType, Action: click.Action, Generation: 1,
		InternetMessageID: click.InternetMessageID, ConversationID: click.ConversationID, Regarding: click.Regarding,
		State: crm.StateQueued, CreatedAt: now, UpdatedAt: now}
	if outlook.Kind(click.ItemType) == outlook.KindTask {
		req.ImmutableID = click.ItemID // To Do ids do not change
	}
	if a := who.assertion(); a != "" && s.box != nil {
		req.Assertion = s.box.Seal([]byte(a), assertionPurpose)
	}
	req, err := s.acceptor.accept(ctx, req)
	if err != nil {
		return crm.TrackRequest{}, fmt.Errorf("accept %s of %s: %w", click.Action, click.ItemType, err)
	}
	req.Assertion = nil
	return req, nil
}

// settle settles an accepted click whose user already has a request for the item and action, inside the
// transaction that stores it: the same click again (its request, no new job), or a click that asks for
// the work again (the request taken up again at its next generation, with a new job).
func (s *Service) settle(ctx context.Context, tx *store.Tx, w *acceptance) (bool, error) {
	click := w.req
	existing, err := tx.TrackRequestByKey(ctx, click.TenantID, click.UserID, click.ItemKey, click.Action)
	if err != nil {
		return false, err
	}
	reuse, err := s.stillHolds(ctx, tx, existing, click)
	if err != nil {
		return false, err
	}
	if reuse {
		w.req = existing
		return false, nil
	}
	click.ID, click.CreatedAt = existing.ID, existing.CreatedAt
	if click.Generation, err = tx.RequeueTrackRequest(ctx, click); err != nil {
		return false, err
	}
	w.req = click
	return true, nil
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
