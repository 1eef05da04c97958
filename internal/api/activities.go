package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/records"
)

// listActivities lists the activities the caller may read, newest first; ?regarding=type:id narrows them
// to those about one record, ?party=type:id to those with it among their parties (the caller must be able
// to read the record).
func (s *Server) listActivities(c *gin.Context) {
	limit, cursor, err := pageParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	q := records.ActivityQuery{Limit: limit, Cursor: cursor}
	if q.Regarding, err = recordParam(c, "regarding"); err != nil {
		s.fail(c, err)
		return
	}
	if q.Party, err = recordParam(c, "party"); err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.deps.Records.Activities(c.Request.Context(), callerOf(c).Actor, q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page[crm.Activity]{Items: items, NextCursor: next})
}

// recordParam reads a query parameter naming a record as type:id; nil when it is absent.
func recordParam(c *gin.Context, name string) (*crm.RecordRef, error) {
	v := c.Query(name)
	if v == "" {
		return nil, nil
	}
	typ, id, ok := strings.Cut(v, ":")
	if !ok || typ == "" || id == "" {
		return nil, crm.Invalid("the "+name+" filter is not valid", crm.FieldError{Field: name, Message: "must be type:id, such as account:0b6d…"})
	}
	return &crm.RecordRef{Type: typ, ID: id}, nil
}

func (s *Server) getActivity(c *gin.Context) {
	a, err := s.deps.Records.Activity(c.Request.Context(), callerOf(c).Actor, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

// createActivity creates an appointment or a task, owned by the caller unless the body names another
// owner their security role lets them create for. Emails are not created here: they come from tracking.
func (s *Server) createActivity(c *gin.Context) {
	in, err := decodeActivity(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	created, err := s.deps.Records.CreateActivity(c.Request.Context(), callerOf(c).Actor, in)
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
	in, err := decodeActivity(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	updated, err := s.deps.Records.ReplaceActivity(c.Request.Context(), callerOf(c).Actor, c.Param("id"), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, updated)
}

// deleteActivity removes an appointment or a task; ?version= (or If-Match) makes it conditional. A
// tracked email is removed by untracking it, which knows whether other users still link to it.
func (s *Server) deleteActivity(c *gin.Context) {
	version, err := deleteVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Records.DeleteActivity(c.Request.Context(), callerOf(c).Actor, c.Param("id"), version); err != nil {
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
