package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
)

type meResponse struct {
	UserID   string          `json:"userId"`
	TenantID string          `json:"tenantId"`
	UPN      string          `json:"upn"`
	Name     string          `json:"displayName"`
	Roles    []string        `json:"roles"`
	SyncMode string          `json:"syncMode"`
	Options  crm.UserOptions `json:"options"`
	// MinSyncIntervalMinutes is the shortest interval the tenant lets its users choose.
	MinSyncIntervalMinutes int    `json:"minSyncIntervalMinutes"`
	TenantName             string `json:"tenantName"`
}

// getMe returns the caller with their effective options: the tenant's defaults where they chose none.
func (s *Server) getMe(c *gin.Context) {
	who := callerOf(c)
	c.JSON(http.StatusOK, meResponse{UserID: who.User.ID, TenantID: who.TenantID, UPN: who.User.UPN, Name: who.User.DisplayName,
		Roles: append([]string{crm.RoleUser}, who.User.Roles...), SyncMode: who.Tenant.SyncMode, Options: who.User.Options.Effective(who.Tenant.Settings),
		MinSyncIntervalMinutes: who.Tenant.Settings.LowestSyncInterval(), TenantName: who.Tenant.Name})
}

// getMyMailbox shows the caller their own mailbox's synchronization health, as admins see it.
func (s *Server) getMyMailbox(c *gin.Context) {
	m, err := s.deps.Tenants.Mailbox(c.Request.Context(), callerOf(c).Actor)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}
