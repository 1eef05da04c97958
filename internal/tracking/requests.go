package tracking

import (
	"context"
	"slices"
	"strings"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
)

// Outcome is a track request with what it produced, as its user may see it: the activity, or the
// contact without the secured fields they may not read.
type Outcome struct {
	crm.TrackRequest
	Activity *crm.Activity
	Record   *crm.Record
}

// Request returns one of the user's requests with what it produced.
func (s *Service) Request(ctx context.Context, who crm.Actor, id string) (Outcome, error) {
	r, err := s.store.TrackRequest(ctx, who.TenantID, who.UserID, id)
	if err != nil {
		return Outcome{}, err
	}
	return s.Outcome(ctx, who, r), nil
}

// RequestQuery narrows and pages the user's requests (My tracking).
type RequestQuery struct {
	State  string // queued, processing, done or failed; "" for all
	Limit  int
	Cursor string
}

// Requests returns a page of the user's own Track, Set Regarding and Untrack requests, newest first,
// each with what it produced, and the cursor of the next page ("" at the end).
func (s *Service) Requests(ctx context.Context, who crm.Actor, q RequestQuery) ([]Outcome, string, error) {
	if q.State != "" && !slices.Contains(crm.TrackStates, q.State) {
		return nil, "", crm.Invalid("the state is not valid", crm.FieldError{Field: "state", Message: "must be one of " + strings.Join(crm.TrackStates, ", ")})
	}
	list, next, err := s.store.TrackRequests(ctx, store.TrackRequestQuery{TenantID: who.TenantID, UserID: who.UserID,
		State: q.State, Limit: q.Limit, Cursor: q.Cursor})
	if err != nil {
		return nil, "", err
	}
	out := make([]Outcome, len(list))
	for i, r := range list {
		out[i] = s.Outcome(ctx, who, r)
	}
	return out, next, nil
}

// Outcome adds to a request of the user's what it produced, once it is done.
func (s *Service) Outcome(ctx context.Context, who crm.Actor, r crm.TrackRequest) Outcome {
	o := Outcome{TrackRequest: r}
	if r.State == crm.StateDone {
		o.Activity, o.Record = s.linked(ctx, who, r.ActivityID, r.RecordID)
	}
	return o
}

// linked reads what an item is linked to, the activity or the contact (as the user may see it); nil for
// neither or one that is gone.
func (s *Service) linked(ctx context.Context, who crm.Actor, activityID, recordID string) (*crm.Activity, *crm.Record) {
	var activity *crm.Activity
	var record *crm.Record
	if activityID != "" {
		if a, err := s.store.Activity(ctx, who.TenantID, activityID); err == nil {
			activity = &a
		}
	}
	if recordID != "" {
		if rec, err := s.store.Record(ctx, who.TenantID, crm.TypeContact, recordID); err == nil {
			rec = s.records.Shown(ctx, who, rec)
			record = &rec
		}
	}
	return activity, record
}

// Item is what crmsync knows of one of the user's Outlook items: its link when it is tracked, with the
// activity or contact it is linked to, and the click on it still being worked, if any.
type Item struct {
	ItemID   string
	Link     *crm.ItemLink
	Activity *crm.Activity
	Record   *crm.Record
	Pending  *Outcome
}

// Item says whether an Outlook item of the user's is tracked, to what, and whether a click on it is
// still being worked.
func (s *Service) Item(ctx context.Context, who crm.Actor, itemID string) (Item, error) {
	out := Item{ItemID: itemID}
	link, err := s.store.ItemLink(ctx, who.TenantID, who.UserID, itemID)
	switch {
	case err == nil:
		out.Link = &link
		out.Activity, out.Record = s.linked(ctx, who, link.ActivityID, link.RecordID)
	case !crm.IsNotFound(err):
		return Item{}, err
	}
	if r, err := s.store.OpenTrackRequestForItem(ctx, who.TenantID, who.UserID, itemID); err == nil {
		o := s.Outcome(ctx, who, r)
		out.Pending = &o
	}
	return out, nil
}

// Untrack accepts an Untrack click on an item the user tracked.
func (s *Service) Untrack(ctx context.Context, who Caller, itemID string) (crm.TrackRequest, error) {
	link, err := s.store.ItemLink(ctx, who.TenantID, who.UserID, itemID)
	if crm.IsNotFound(err) {
		return crm.TrackRequest{}, crm.NotFound("this item is not tracked")
	}
	if err != nil {
		return crm.TrackRequest{}, err
	}
	return s.Submit(ctx, who, Click{Action: crm.ActionUntrack, ItemID: itemID, ItemType: link.Kind})
}
