package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// routes lists every endpoint the service serves.
func (s *Server) routes() {
	e := s.engine
	e.Use(s.requestID, s.observe, s.recover, s.limitBody, s.securityHeaders)
	e.NoRoute(func(c *gin.Context) {
		s.problem(c, http.StatusNotFound, "not-found", "Not found", "there is nothing at "+c.Request.URL.Path)
	})
	e.NoMethod(func(c *gin.Context) {
		s.problem(c, http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", c.Request.Method+" is not allowed here")
	})

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(s.deps.Metrics.Handler()))
	e.GET("/manifest.xml", s.manifest)
	if s.deps.Taskpane != nil {
		// The taskpane's files, and GET /taskpane/config.json (its sign-in settings), which taskpaneFile
		// hands to taskpaneConfig: gin cannot route a fixed path beside a catch-all.
		e.GET("/taskpane/*path", s.taskpaneFile)
	}
	if s.deps.DevIssuer != nil {
		e.Any("/dev/oidc/*path", gin.WrapH(http.StripPrefix("/dev/oidc", s.deps.DevIssuer)))
	}
	if s.deps.DevGraph != nil {
		e.Any("/dev/graph/v1.0/*path", gin.WrapH(http.StripPrefix("/dev/graph/v1.0", s.deps.DevGraph)))
	}

	v1 := e.Group("/api/v1", s.authenticate, s.rateLimit)
	v1.GET("/me", s.getMe)

	v1.GET("/records", s.searchRecords)
	v1.GET("/records/:type", s.listRecords)
	v1.POST("/records/:type", s.createRecord)
	v1.GET("/records/:type/:id", s.getRecord)
	v1.PUT("/records/:type/:id", s.replaceRecord)
	v1.PATCH("/records/:type/:id", s.patchRecord)
	v1.DELETE("/records/:type/:id", s.deleteRecord)

	v1.GET("/entity-types", s.listEntityTypes)
	v1.GET("/entity-types/:name", s.getEntityType)
	v1.POST("/entity-types", s.requireAdmin, s.createEntityType)
	v1.PUT("/entity-types/:name", s.requireAdmin, s.updateEntityType)
	v1.DELETE("/entity-types/:name", s.requireAdmin, s.deleteEntityType)

	v1.GET("/activities", s.listActivities)
	v1.GET("/activities/:id", s.getActivity)

	if s.deps.Tracker != nil {
		v1.POST("/track", s.postTrack)
		v1.GET("/track/:id", s.getTrack)
		v1.GET("/track/:id/events", s.trackEvents)
		v1.GET("/items/:itemId/tracking", s.getItemTracking)
		v1.PUT("/items/:itemId/tracking", s.putItemTracking)
		v1.DELETE("/items/:itemId/tracking", s.deleteItemTracking)
	}
}
