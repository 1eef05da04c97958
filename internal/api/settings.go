package api

import (
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

// putAdminSettings replaces the tenant's synchronization settings; every member is required.
func (s *Server) putAdminSettings(c *gin.Context) {
	who := callerOf(c)
	var in crm.AdminSettingsInput
	if err := decodeBody(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	settings, err := s.deps.Tenants.ReplaceSettings(c.Request.Context(), who.TenantID, in)
	// The cached sign-ins hold the old settings; other replicas' caches catch up within their TTL.
	s.sights.forgetTenant(who.TenantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, settings)
}
