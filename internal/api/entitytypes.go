package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
)

// listEntityTypes serves the tenant's record types to every user (the taskpane needs them for the
// regarding picker), each field with the caller's access to it.
func (s *Server) listEntityTypes(c *gin.Context) {
	types, err := s.deps.Records.EntityTypes(c.Request.Context(), callerOf(c).Actor)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page[crm.EntityType]{Items: types})
}

func (s *Server) getEntityType(c *gin.Context) {
	t, err := s.deps.Records.EntityType(c.Request.Context(), callerOf(c).Actor, c.Param("name"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

func decodeEntityType(c *gin.Context) (crm.EntityType, error) {
	body, err := readJSON(c)
	if err != nil {
		return crm.EntityType{}, err
	}
	var t crm.EntityType
	if err := crm.DecodeStrict(body, &t); err != nil {
		return crm.EntityType{}, err
	}
	for i := range t.Fields {
		t.Fields[i].Access = nil // the reader's, as GET answered it: not part of the type
	}
	return t, nil
}

func (s *Server) createEntityType(c *gin.Context) {
	t, err := decodeEntityType(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	created, err := s.deps.Store.CreateEntityType(c.Request.Context(), callerOf(c).TenantID, t)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/entity-types/"+created.Name)
	c.JSON(http.StatusCreated, created)
}

func (s *Server) updateEntityType(c *gin.Context) {
	t, err := decodeEntityType(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if t.Name != "" && t.Name != c.Param("name") {
		s.fail(c, crm.Invalid("a record type cannot be renamed", crm.FieldError{Field: "name", Message: "must be " + c.Param("name") + " or left out"}))
		return
	}
	t.Name = c.Param("name")
	updated, err := s.deps.Store.UpdateEntityType(c.Request.Context(), callerOf(c).TenantID, t)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, updated)
}

func (s *Server) deleteEntityType(c *gin.Context) {
	if err := s.deps.Store.DeleteEntityType(c.Request.Context(), callerOf(c).TenantID, c.Param("name")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
