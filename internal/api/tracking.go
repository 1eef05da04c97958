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

// Tracker accepts Track, Set Regarding and Untrack clicks.
type Tracker interface {
	Submit(ctx context.Context, who tracking.Caller, click tracking.Click) (crm.TrackRequest, error)
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
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/track/"+req.ID)
	c.JSON(http.StatusAccepted, s.trackView(c, req))
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
func (s *Server) trackView(c *gin.Context, r crm.TrackRequest) trackResponse {
	v := trackResponse{ID: r.ID, State: r.State, Action: r.Action, ItemID: r.ItemID, ItemType: r.ItemType, Regarding: r.Regarding,
		Error: r.Error, UpdatedAt: r.UpdatedAt}
	ctx := c.Request.Context()
	if r.State == crm.StateDone && r.ActivityID != "" {
		if a, err := s.deps.Store.Activity(ctx, r.TenantID, r.ActivityID); err == nil {
			v.Activity = &a
		}
	}
	if r.State == crm.StateDone && r.RecordID != "" {
		if rec, err := s.deps.Store.Record(ctx, r.TenantID, crm.TypeContact, r.RecordID); err == nil {
			rec = s.redactRecord(c, rec)
			v.Record = &rec
		}
	}
	return v
}

func (s *Server) getTrack(c *gin.Context) {
	who := callerOf(c)
	r, err := s.deps.Store.TrackRequest(c.Request.Context(), who.TenantID, who.UserID, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.trackView(c, r))
}

// trackEvents streams a request's state changes as server-sent events until it is done or failed.
// It reads the database, so it works whichever replica does the work.
func (s *Server) trackEvents(c *gin.Context) {
	who := callerOf(c)
	ctx := c.Request.Context()
	r, err := s.deps.Store.TrackRequest(ctx, who.TenantID, who.UserID, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-store")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	send := func(r crm.TrackRequest) {
		b, _ := json.Marshal(s.trackView(c, r))
		fmt.Fprintf(c.Writer, "event: state\ndata: %s\n\n", b)
		c.Writer.Flush()
	}
	send(r)
	last := r.State + r.UpdatedAt.String()
	deadline := time.NewTimer(2 * time.Minute)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for r.Open() {
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			return // the client reconnects or falls back to polling
		case <-tick.C:
		}
		if r, err = s.deps.Store.TrackRequest(ctx, who.TenantID, who.UserID, r.ID); err != nil {
			return
		}
		if now := r.State + r.UpdatedAt.String(); now != last {
			last = now
			send(r)
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
	who := callerOf(c)
	ctx := c.Request.Context()
	itemID := c.Param("itemId")
	out := itemTracking{ItemID: itemID}
	link, err := s.deps.Store.ItemLink(ctx, who.TenantID, who.UserID, itemID)
	switch {
	case err == nil:
		out.Tracked, out.Kind, out.Reason = true, link.Kind, link.Reason
		if link.ActivityID != "" {
			if a, err := s.deps.Store.Activity(ctx, who.TenantID, link.ActivityID); err == nil {
				out.Activity = &a
			}
		}
		if link.RecordID != "" {
			if rec, err := s.deps.Store.Record(ctx, who.TenantID, crm.TypeContact, link.RecordID); err == nil {
				rec = s.redactRecord(c, rec)
				out.Record = &rec
			}
		}
	case !crm.IsNotFound(err):
		s.fail(c, err)
		return
	}
	if r, err := s.deps.Store.OpenTrackRequestForItem(ctx, who.TenantID, who.UserID, itemID); err == nil {
		v := s.trackView(c, r)
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
	who := callerOf(c)
	itemID := c.Param("itemId")
	link, err := s.deps.Store.ItemLink(c.Request.Context(), who.TenantID, who.UserID, itemID)
	if err != nil {
		if crm.IsNotFound(err) {
			err = crm.NotFound("this item is not tracked")
		}
		s.fail(c, err)
		return
	}
	s.submit(c, tracking.Click{Action: crm.ActionUntrack, ItemID: itemID, ItemType: link.Kind})
}
