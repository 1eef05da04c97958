package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/deployment"
)

// getDeployment shows an admin what their app registration and the add-in's rollout need, for the
// tenant's synchronization mode.
func (s *Server) getDeployment(c *gin.Context) {
	c.JSON(http.StatusOK, s.deps.Deployment.Describe(callerOf(c).Tenant.SyncMode))
}

// deploymentChecks is the answer of POST /admin/deployment/check.
type deploymentChecks struct {
	Checks []deployment.Check `json:"checks"`
}

// checkDeployment checks that the public URL answers and that Graph opens the admin's mailbox.
func (s *Server) checkDeployment(c *gin.Context) {
	who := callerOf(c)
	checks := s.deps.Deployment.Check(c.Request.Context(), deployment.Admin{TenantID: who.TenantID, ObjectID: who.User.ObjectID,
		Token: who.Principal.Token, SyncMode: who.Tenant.SyncMode})
	c.JSON(http.StatusOK, deploymentChecks{Checks: checks})
}
