package api

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
)

// listFieldMappings shows every user which fields synchronize in which direction; ?itemKind= narrows it.
func (s *Server) listFieldMappings(c *gin.Context) {
	kind := c.Query("itemKind")
	if kind != "" && !slices.Contains(crm.ItemKinds, kind) {
		s.fail(c, crm.Invalid("the item kind is not valid", crm.FieldError{Field: "itemKind", Message: "must be appointment, contact, task or email"}))
		return
	}
	maps, err := s.deps.Store.FieldMappings(c.Request.Context(), callerOf(c).TenantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if kind != "" {
		maps = slices.DeleteFunc(maps, func(m crm.FieldMapping) bool { return m.ItemKind != kind })
	}
	c.JSON(http.StatusOK, page[crm.FieldMapping]{Items: maps})
}

// putFieldMappings changes the direction of one mapping or of an array of them, and answers with all
// mappings. Nothing changes unless every mapping in the body is valid.
func (s *Server) putFieldMappings(c *gin.Context) {
	raw, err := readJSON(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	changes, err := crm.DecodeFieldMappingChanges(raw)
	if err != nil {
		s.fail(c, err)
		return
	}
	maps, err := s.deps.Records.SetFieldMappings(c.Request.Context(), callerOf(c).Actor, changes)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page[crm.FieldMapping]{Items: maps})
}
