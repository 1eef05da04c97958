package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/tracking"
)

// Tracker accepts Track, Set Regarding and Untrack clicks and tells how they went (tracking.Service).
type Tracker interface {
	Submit(ctx context.Context, who tracking.Caller, click tracking.Click) (crm.TrackRequest, error)
	Untrack(ctx context.Context, who tracking.Caller, itemID string) (crm.TrackRequest, error)
	Request(ctx context.Context, who crm.Actor, id string) (tracking.Outcome, error)
	Requests(ctx context.Context, who crm.Actor, q tracking.RequestQuery) ([]tracking.Outcome, string, error)
	Outcome(ctx context.Context, who crm.Actor, r crm.TrackRequest) tracking.Outcome
	Item(ctx context.Context, who crm.Actor, itemID string) (tracking.Item, error)
}

type trackBody struct {
	ItemID            string         `json:"itemId"`
	ItemType          string         `json:"itemType"`
	InternetMessageID string         `json:"internetMessageId"`
	ConversationID    string         `json:"conversationId"`
	Regarding         *crm.RecordRef `json:"regarding"`
}

type trackResponse struct {
	ID        string         `json:"id"`
	State     string         `json:"state"`
	Action    string         `json:"action"`
	ItemID    string         `json:"itemId"`
	ItemType  string         `json:"itemType"`
	Regarding *crm.RecordRef `json:"regarding"`
	Activity  *crm.Activity  `json:"activity"`
	Record    *crm.Record    `json:"record"`
	Error     string         `json:"error,omitempty"`
	UpdatedAt time.Time      `json:"updatedAt"`
}

func (s *Server) trackCaller(c *gin.Context) tracking.Caller {
	who := callerOf(c)
	return tracking.Caller{Actor: who.Actor, ObjectID: who.User.ObjectID, Token: who.Principal.Token, Tenant: who.Tenant}
}

func (s *Server) submit(c *gin.Context, click tracking.Click) {
	req, err := s.deps.Tracker.Submit(c.Request.Context(), s.trackCaller(c), click)
	s.accepted(c, req, err)
}

// accepted answers 202 with a request just accepted, or the error that refused it.
func (s *Server) accepted(c *gin.Context, req crm.TrackRequest, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/track/"+req.ID)
	c.JSON(http.StatusAccepted, trackView(s.deps.Tracker.Outcome(c.Request.Context(), callerOf(c).Actor, req)))
}

// postTrack is the Track click.
func (s *Server) postTrack(c *gin.Context) {
	var body trackBody
	if err := decodeBody(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, tracking.Click{Action: crm.ActionTrack, ItemID: body.ItemID, ItemType: body.ItemType,
		InternetMessageID: body.InternetMessageID, ConversationID: body.ConversationID, Regarding: body.Regarding})
}

func decodeBody(c *gin.Context, into any) error {
	raw, err := readJSON(c)
	if err != nil {
		return err
	}
	return crm.DecodeStrict(raw, into)
}

// trackView shows a request with what it produced.
func trackView(o tracking.Outcome) trackResponse {
	return trackResponse{ID: o.ID, State: o.State, Action: o.Action, ItemID: o.ItemID, ItemType: o.ItemType, Regarding: o.Regarding,
		Activity: o.Activity, Record: o.Record, Error: o.Error, UpdatedAt: o.UpdatedAt}
}

// trackListItem is one of the caller's requests in GET /track (My tracking): a request as GET /track/{id}
// shows it, with when it was made.
type trackListItem struct {
	trackResponse
	CreatedAt time.Time `json:"createdAt"`
}

// listTrack is My tracking: the caller's own requests, newest first; ?state= narrows them.
func (s *Server) listTrack(c *gin.Context) {
	limit, cursor, err := pageParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	list, next, err := s.deps.Tracker.Requests(c.Request.Context(), callerOf(c).Actor, tracking.RequestQuery{State: c.Query("state"), Limit: limit, Cursor: cursor})
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]trackListItem, len(list))
	for i, o := range list {
		items[i] = trackListItem{trackResponse: trackView(o), CreatedAt: o.CreatedAt}
	}
	c.JSON(http.StatusOK, page[trackListItem]{Items: items, NextCursor: next})
}

func (s *Server) getTrack(c *gin.Context) {
	o, err := s.deps.Tracker.Request(c.Request.Context(), callerOf(c).Actor, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, trackView(o))
}

// trackEvents streams a request's state changes as server-sent events until it is done or failed.
// It reads the database, so it works whichever replica does the work.
func (s *Server) trackEvents(c *gin.Context) {
	who := callerOf(c).Actor
	ctx := c.Request.Context()
	o, err := s.deps.Tracker.Request(ctx, who, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-store")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	send := func(o tracking.Outcome) {
		b, _ := json.Marshal(trackView(o))
		fmt.Fprintf(c.Writer, "event: state\ndata: %s\n\n", b)
		c.Writer.Flush()
	}
	send(o)
	last := o.State + o.UpdatedAt.String()
	deadline := time.NewTimer(2 * time.Minute)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for o.Open() {
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			return // the client reconnects or falls back to polling
		case <-tick.C:
		}
		if o, err = s.deps.Tracker.Request(ctx, who, o.ID); err != nil {
			return
		}
		if now := o.State + o.UpdatedAt.String(); now != last {
			last = now
			send(o)
		}
	}
}

type itemTracking struct {
	ItemID   string         `json:"itemId"`
	Tracked  bool           `json:"tracked"`
	Kind     string         `json:"itemType,omitempty"`
	Activity *crm.Activity  `json:"activity"`
	Record   *crm.Record    `json:"record"`
	Pending  *trackResponse `json:"pending"`
	Reason   string         `json:"reason,omitempty"`
}

// getItemTracking says whether an Outlook item is tracked, regarding what, with whom, and whether a
// click on it is still being worked.
func (s *Server) getItemTracking(c *gin.Context) {
	it, err := s.deps.Tracker.Item(c.Request.Context(), callerOf(c).Actor, c.Param("itemId"))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := itemTracking{ItemID: it.ItemID, Activity: it.Activity, Record: it.Record}
	if it.Link != nil {
		out.Tracked, out.Kind, out.Reason = true, it.Link.Kind, it.Link.Reason
	}
	if it.Pending != nil {
		v := trackView(*it.Pending)
		out.Pending = &v
	}
	c.JSON(http.StatusOK, out)
}

// putItemTracking is Set Regarding: it tracks the item if need be, regarding the chosen record.
func (s *Server) putItemTracking(c *gin.Context) {
	var body trackBody
	if err := decodeBody(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	if body.ItemID != "" && body.ItemID != c.Param("itemId") {
		s.fail(c, crm.Invalid("the item ids differ", crm.FieldError{Field: "itemId", Message: "must match the URL or be left out"}))
		return
	}
	s.submit(c, tracking.Click{Action: crm.ActionSetRegarding, ItemID: c.Param("itemId"), ItemType: body.ItemType,
		InternetMessageID: body.InternetMessageID, ConversationID: body.ConversationID, Regarding: body.Regarding})
}

// deleteItemTracking is Untrack.
func (s *Server) deleteItemTracking(c *gin.Context) {
	req, err := s.deps.Tracker.Untrack(c.Request.Context(), s.trackCaller(c), c.Param("itemId"))
	s.accepted(c, req, err)
}
