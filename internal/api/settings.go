package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
)

// getAdminSettings shows the tenant's synchronization settings.
func (s *Server) getAdminSettings(c *gin.Context) {
	tenant, err := s.deps.Store.Tenant(c.Request.Context(), callerOf(c).TenantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, crm.AdminSettingsOf(tenant))
}

// putAdminSettings replaces the tenant's synchronization settings; every member is required.
func (s *Server) putAdminSettings(c *gin.Context) {
	who := callerOf(c)
	var in crm.AdminSettingsInput
	if err := decodeBody(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	mode, settings, err := in.Settings()
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Store.UpdateTenantSettings(c.Request.Context(), who.TenantID, mode, settings); err != nil {
		s.fail(c, err)
		return
	}
	s.sights.forgetTenant(who.TenantID)
	tenant, err := s.deps.Store.Tenant(c.Request.Context(), who.TenantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, crm.AdminSettingsOf(tenant))
}
