package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// healthz says the process is up; it touches nothing else, so an orchestrator restarts only a hung process.
func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// CredentialHealth is the state of the service's own identity (a managed or workload identity), shown by
// /readyz. A failing identity does not make the service unready: the API works, and jobs that need
// Microsoft Graph wait until it recovers.
type CredentialHealth struct {
	Kind  string     `json:"kind"`
	State string     `json:"state"` // starting, ok or failing
	Error string     `json:"error,omitempty"`
	Since *time.Time `json:"since,omitempty"`
}

// readyz says whether the service can do its work: the database must answer. It also reports the
// service's identity, when it has one.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.deps.Store.Ping(ctx); err != nil {
		s.deps.Logger.Warn("not ready", "error", err.Error())
		s.problem(c, http.StatusServiceUnavailable, "not-ready", "Not ready", "the database does not answer")
		return
	}
	body := gin.H{"status": "ready", "database": string(s.deps.Store.Dialect())}
	if s.deps.Credential != nil {
		body["credential"] = s.deps.Credential()
	}
	c.JSON(http.StatusOK, body)
}
