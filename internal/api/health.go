package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// healthz says the process is up; it touches nothing else, so an orchestrator restarts only a hung process.
func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// readyz says whether the service can do its work: the database must answer.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.deps.Store.Ping(ctx); err != nil {
		s.deps.Logger.Warn("not ready", "error", err.Error())
		s.problem(c, http.StatusServiceUnavailable, "not-ready", "Not ready", "the database does not answer")
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "database": string(s.deps.Store.Dialect())})
}
