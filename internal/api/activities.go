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
	who := callerOf(c)
	a, err := s.deps.Store.Activity(c.Request.Context(), who.TenantID, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	policy, err := s.deps.Store.AccessPolicy(c.Request.Context(), who.TenantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !policy.Can(who.Actor, a.Type, crm.OpRead, a.OwnerID) {
		s.fail(c, crm.NotFound("there is no activity with the id %s", a.ID))
		return
	}
	c.JSON(http.StatusOK, a)
}
