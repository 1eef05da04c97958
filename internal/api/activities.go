package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
)

// listActivities lists the activities the caller may read, newest first; ?regarding=type:id narrows them
// to one record, which the caller must be able to read.
func (s *Server) listActivities(c *gin.Context) {
	who := callerOf(c)
	limit, cursor, err := pageParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	q := store.ActivityQuery{TenantID: who.TenantID, Limit: limit, Cursor: cursor}
	if v := c.Query("regarding"); v != "" {
		typ, id, ok := strings.Cut(v, ":")
		if !ok || typ == "" || id == "" {
			s.fail(c, crm.Invalid("the regarding filter is not valid", crm.FieldError{Field: "regarding", Message: "must be type:id, such as account:0b6d…"}))
			return
		}
		c.AddParam("type", typ)
		c.AddParam("id", id)
		if _, _, err := s.readableRecord(c); err != nil {
			s.fail(c, err)
			return
		}
		q.Regarding = &crm.RecordRef{Type: typ, ID: id}
	}
	policy, err := s.deps.Store.AccessPolicy(c.Request.Context(), who.TenantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	q.Scopes = readableScopes(policy, who.Actor, crm.ActivityTypes)
	items, next, err := s.deps.Store.Activities(c.Request.Context(), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page[crm.Activity]{Items: items, NextCursor: next})
}

func (s *Server) getActivity(c *gin.Context) {
	a, _, err := s.readableActivity(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

// readableActivity loads the activity named by the path that the caller may read; one they may not read
// is as absent as one of another tenant, so ids cannot be probed.
func (s *Server) readableActivity(c *gin.Context) (crm.Activity, crm.AccessPolicy, error) {
	who := callerOf(c)
	a, err := s.deps.Store.Activity(c.Request.Context(), who.TenantID, c.Param("id"))
	if err != nil {
		return crm.Activity{}, crm.AccessPolicy{}, err
	}
	policy, err := s.deps.Store.AccessPolicy(c.Request.Context(), who.TenantID)
	if err != nil {
		return crm.Activity{}, crm.AccessPolicy{}, err
	}
	if !policy.Can(who.Actor, a.Type, crm.OpRead, a.OwnerID) {
		return crm.Activity{}, crm.AccessPolicy{}, crm.NotFound("there is no activity with the id %s", a.ID)
	}
	return a, policy, nil
}

// createActivity creates an appointment or a task, owned by the caller unless the body names another
// owner their security role lets them create for. Emails are not created here: they come from tracking.
func (s *Server) createActivity(c *gin.Context) {
	who := callerOf(c)
	in, err := decodeActivity(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	a, err := in.NewActivity()
	if err != nil {
		s.fail(c, err)
		return
	}
	if a.OwnerID == "" {
		a.OwnerID = who.UserID
	}
	policy, err := s.deps.Store.AccessPolicy(c.Request.Context(), who.TenantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !policy.Can(who.Actor, a.Type, crm.OpCreate, a.OwnerID) {
		if a.OwnerID != who.UserID && policy.Can(who.Actor, a.Type, crm.OpCreate, who.UserID) {
			s.fail(c, crm.Forbidden("your security role does not let you create %ss for another user", a.Type))
		} else {
			s.fail(c, crm.Forbidden("your security role does not let you create %ss", a.Type))
		}
		return
	}
	if a.OwnerID != who.UserID {
		if _, err := s.deps.Store.User(c.Request.Context(), who.TenantID, a.OwnerID); crm.IsNotFound(err) {
			s.fail(c, crm.Invalid("the owner is not valid", crm.FieldError{Field: "ownerId", Message: "no user of your organisation has the id " + a.OwnerID}))
			return
		} else if err != nil {
			s.fail(c, err)
			return
		}
	}
	if err := s.prepareActivityWrite(c, policy, &a, nil); err != nil {
		s.fail(c, err)
		return
	}
	created, err := s.deps.Store.CreateActivity(c.Request.Context(), who.TenantID, a)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/activities/"+created.ID)
	c.JSON(http.StatusCreated, created)
}

// replaceActivity replaces an appointment's or a task's values with the body's, which must carry the
// version it was based on. Its attendees are replaced; its organizer and owner stay.
func (s *Server) replaceActivity(c *gin.Context) {
	current, policy, err := s.readableActivity(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if current.Type == crm.ActivityEmail {
		s.fail(c, crm.Invalid("emails are changed by tracking: use Set Regarding to change what one is regarding"))
		return
	}
	who := callerOf(c)
	if !policy.Can(who.Actor, current.Type, crm.OpUpdate, current.OwnerID) {
		s.fail(c, crm.Forbidden("your security role does not let you change this %s", current.Type))
		return
	}
	in, err := decodeActivity(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	next, err := in.Replacement(current)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.prepareActivityWrite(c, policy, &next, current.Regarding); err != nil {
		s.fail(c, err)
		return
	}
	updated, err := s.deps.Store.UpdateActivity(c.Request.Context(), who.TenantID, current.ID, next.Version, next)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, updated)
}

// deleteActivity removes an appointment or a task; ?version= (or If-Match) makes it conditional. A
// tracked email is removed by untracking it, which knows whether other users still link to it.
func (s *Server) deleteActivity(c *gin.Context) {
	a, policy, err := s.readableActivity(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if a.Type == crm.ActivityEmail {
		s.fail(c, crm.Invalid("emails are removed by untracking them in Outlook, not deleted here"))
		return
	}
	who := callerOf(c)
	if !policy.Can(who.Actor, a.Type, crm.OpDelete, a.OwnerID) {
		s.fail(c, crm.Forbidden("your security role does not let you delete this %s", a.Type))
		return
	}
	version, err := deleteVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Store.DeleteActivity(c.Request.Context(), who.TenantID, a.ID, version); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func decodeActivity(c *gin.Context) (crm.ActivityInput, error) {
	body, err := readJSON(c)
	if err != nil {
		return crm.ActivityInput{}, err
	}
	return crm.DecodeActivityInput(body)
}

// prepareActivityWrite checks that the caller may see the regarding record they chose (keeping the one
// the activity already has is not choosing it) and resolves the attendees' addresses to records, as
// tracking does.
func (s *Server) prepareActivityWrite(c *gin.Context, policy crm.AccessPolicy, a *crm.Activity, current *crm.Regarding) error {
	who := callerOf(c)
	if ref := a.Regarding; ref != nil && (current == nil || current.Type != ref.Type || current.ID != ref.ID) {
		notVisible := crm.Invalid("the regarding record is not valid", crm.FieldError{Field: "regarding",
			Message: "there is no " + ref.Type + " with the id " + ref.ID + " that you can see"})
		rec, err := s.deps.Store.Record(c.Request.Context(), who.TenantID, ref.Type, ref.ID)
		if crm.IsNotFound(err) {
			return notVisible
		}
		if err != nil {
			return err
		}
		if !policy.Can(who.Actor, rec.Type, crm.OpRead, rec.OwnerID) {
			return notVisible
		}
	}
	return s.deps.Store.ResolveParties(c.Request.Context(), who.TenantID, a.Parties)
}
