package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
)

// getAdminSettings shows the tenant's synchronization settings.
func (s *Server) getAdminSettings(c *gin.Context) {
	settings, err := s.deps.Tenants.Settings(c.Request.Context(), callerOf(c).TenantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, settings)
}

// patchAdminSettings changes the members of the tenant's synchronization settings the body gives.
func (s *Server) patchAdminSettings(c *gin.Context) {
	s.changeAdminSettings(c, s.deps.Tenants.PatchSettings)
}

// putAdminSettings replaces the tenant's synchronization settings; every member is required.
func (s *Server) putAdminSettings(c *gin.Context) {
	s.changeAdminSettings(c, s.deps.Tenants.ReplaceSettings)
}

// changeAdminSettings decodes the settings body, applies it with change, and answers the settings.
func (s *Server) changeAdminSettings(c *gin.Context, change func(context.Context, string, crm.AdminSettingsInput) (crm.AdminSettings, error)) {
	who := callerOf(c)
	var in crm.AdminSettingsInput
	if err := decodeBody(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	settings, err := change(c.Request.Context(), who.TenantID, in)
	// The cached sign-ins hold the old settings; other replicas' caches catch up within their TTL.
	s.sights.forgetTenant(who.TenantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, settings)
}
