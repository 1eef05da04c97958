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
}

// getMe returns the caller with their effective options: the tenant's defaults where they chose none.
func (s *Server) getMe(c *gin.Context) {
	who := callerOf(c)
	c.JSON(http.StatusOK, meResponse{UserID: who.User.ID, TenantID: who.TenantID, UPN: who.User.UPN, Name: who.User.DisplayName,
		Roles: append([]string{crm.RoleUser}, who.User.Roles...), SyncMode: who.Tenant.SyncMode, Options: who.User.Options.Effective(who.Tenant.Settings)})
}
