package api

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
)

type securedField struct {
	RecordType string `json:"recordType"`
	Field      string `json:"field"`
}

// fieldSecurityBody is GET and PUT /admin/field-security. securedFields is read-only: it lists what can
// be granted, and is ignored when sent back.
type fieldSecurityBody struct {
	Items         []crm.FieldPermission `json:"items"`
	SecuredFields json.RawMessage       `json:"securedFields,omitempty"`
}

type fieldSecurityView struct {
	Items         []crm.FieldPermission `json:"items"`
	SecuredFields []securedField        `json:"securedFields"`
}

func (s *Server) fieldSecurityView(c *gin.Context, perms []crm.FieldPermission) (fieldSecurityView, error) {
	types, err := s.deps.Store.EntityTypes(c.Request.Context(), callerOf(c).TenantID)
	if err != nil {
		return fieldSecurityView{}, err
	}
	v := fieldSecurityView{Items: perms, SecuredFields: []securedField{}}
	for _, t := range types {
		for _, f := range t.Fields {
			if f.Secured {
				v.SecuredFields = append(v.SecuredFields, securedField{RecordType: t.Name, Field: f.Name})
			}
		}
	}
	return v, nil
}

// getFieldSecurity lists the field security grants per role, and the secured fields they can cover.
func (s *Server) getFieldSecurity(c *gin.Context) {
	perms, err := s.deps.Store.FieldPermissions(c.Request.Context(), callerOf(c).TenantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.fieldSecurityView(c, perms)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// putFieldSecurity replaces every field security grant of the tenant with the body's.
func (s *Server) putFieldSecurity(c *gin.Context) {
	var body fieldSecurityBody
	if err := decodeBody(c, &body); err != nil {
		s.fail(c, crm.PointerFields(err))
		return
	}
	if body.Items == nil {
		s.fail(c, crm.Invalid("the field security profiles are not valid", crm.FieldError{Field: "/items", Message: "is required: every grant (an empty array removes them all)"}))
		return
	}
	perms, err := s.deps.Records.ReplaceFieldPermissions(c.Request.Context(), callerOf(c).Actor, body.Items)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.fieldSecurityView(c, perms)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// accessBody is GET and PUT /admin/access: the stored levels, which override the defaults. defaults is
// read-only and ignored when sent back.
type accessBody struct {
	Items    []crm.AccessLevel `json:"items"`
	Defaults json.RawMessage   `json:"defaults,omitempty"`
}

type accessView struct {
	Items    []crm.AccessLevel `json:"items"`
	Defaults []crm.AccessLevel `json:"defaults"`
}

// getAccessLevels lists the tenant's access levels per role, record type and operation, beside the
// built-in defaults they override.
func (s *Server) getAccessLevels(c *gin.Context) {
	levels, err := s.deps.Store.AccessLevels(c.Request.Context(), callerOf(c).TenantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, accessView{Items: levels, Defaults: crm.DefaultAccessLevels()})
}

// putAccessLevels replaces every stored access level of the tenant with the body's.
func (s *Server) putAccessLevels(c *gin.Context) {
	var body accessBody
	if err := decodeBody(c, &body); err != nil {
		s.fail(c, crm.PointerFields(err))
		return
	}
	if body.Items == nil {
		s.fail(c, crm.Invalid("the access levels are not valid", crm.FieldError{Field: "/items", Message: "is required: every level (an empty array restores the defaults)"}))
		return
	}
	levels, err := s.deps.Records.ReplaceAccessLevels(c.Request.Context(), callerOf(c).Actor, body.Items)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, accessView{Items: levels, Defaults: crm.DefaultAccessLevels()})
}
