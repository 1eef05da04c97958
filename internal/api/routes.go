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
	e.GET("/manifest.json", s.manifestJSON)
	if s.deps.Taskpane != nil {
		// The taskpane's files, and GET /taskpane/config.json (its sign-in settings), which taskpaneFile
		// hands to taskpaneConfig: gin cannot route a fixed path beside a catch-all.
		e.GET("/taskpane/*path", s.taskpaneFile)
		// The web app: one page whose screens are hash routes (/app/#/records/account/…).
		e.GET("/app", s.appRedirect)
		e.GET("/app/*path", s.appFile)
	}
	if s.deps.DevIssuer != nil {
		e.Any("/dev/oidc/*path", gin.WrapH(http.StripPrefix("/dev/oidc", s.deps.DevIssuer)))
	}
	if s.deps.DevGraph != nil {
		e.Any("/dev/graph/v1.0/*path", gin.WrapH(http.StripPrefix("/dev/graph/v1.0", s.deps.DevGraph)))
	}
	if s.deps.Sandbox != nil {
		e.Any("/dev/outlook", gin.WrapH(s.deps.Sandbox))
		e.Any("/dev/outlook/*path", gin.WrapH(s.deps.Sandbox))
	}

	// Microsoft Graph's change and lifecycle notifications: no Entra token, the receiver's own checks.
	if s.deps.Notifications != nil {
		e.POST("/graph/notifications", s.postGraphNotifications)
		e.POST("/graph/lifecycle", s.postGraphNotifications)
	}

	e.GET("/api/v1/openapi.json", s.openAPI())
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
	v1.POST("/activities", s.createActivity)
	v1.PUT("/activities/:id", s.replaceActivity)
	v1.DELETE("/activities/:id", s.deleteActivity)

	// Synchronization settings: personal options and the manual Synchronize, filters, field mappings,
	// and the admin settings and security the synchronization obeys.
	v1.PUT("/me/options", s.putMyOptions)
	v1.GET("/me/mailbox", s.getMyMailbox)
	v1.POST("/sync", s.postSync)
	v1.GET("/sync-filters", s.listSyncFilters)
	v1.POST("/sync-filters", s.createSyncFilter)
	v1.POST("/sync-filters/preview", s.previewSyncFilter)
	v1.GET("/sync-filters/:id", s.getSyncFilter)
	v1.PUT("/sync-filters/:id", s.replaceSyncFilter)
	v1.DELETE("/sync-filters/:id", s.deleteSyncFilter)
	v1.GET("/offline", s.getOffline)
	v1.GET("/field-mappings", s.listFieldMappings)
	v1.PUT("/field-mappings", s.requireAdmin, s.putFieldMappings)
	v1.GET("/admin/settings", s.requireAdmin, s.getAdminSettings)
	v1.PUT("/admin/settings", s.requireAdmin, s.putAdminSettings)
	v1.PATCH("/admin/settings", s.requireAdmin, s.patchAdminSettings)
	v1.GET("/admin/field-security", s.requireAdmin, s.getFieldSecurity)
	v1.PUT("/admin/field-security", s.requireAdmin, s.putFieldSecurity)
	v1.GET("/admin/access", s.requireAdmin, s.getAccessLevels)
	v1.PUT("/admin/access", s.requireAdmin, s.putAccessLevels)
	v1.GET("/never-track", s.listNeverTrack(false))
	v1.POST("/never-track", s.addNeverTrack(false))
	v1.GET("/never-track/check", s.checkNeverTrack)
	v1.DELETE("/never-track/:id", s.deleteNeverTrack(false))
	v1.GET("/admin/never-track", s.requireAdmin, s.listNeverTrack(true))
	v1.POST("/admin/never-track", s.requireAdmin, s.addNeverTrack(true))
	v1.DELETE("/admin/never-track/:id", s.requireAdmin, s.deleteNeverTrack(true))
	v1.GET("/admin/deployment", s.requireAdmin, s.getDeployment)
	v1.POST("/admin/deployment/check", s.requireAdmin, s.checkDeployment)
	v1.GET("/admin/mailboxes", s.requireAdmin, s.listMailboxes)
	v1.POST("/admin/mailboxes/:userId/test-enable", s.requireAdmin, s.testEnableMailbox)
	v1.POST("/admin/mailboxes/:userId/disable", s.requireAdmin, s.disableMailbox)

	if s.deps.Tracker != nil {
		v1.GET("/track", s.listTrack)
		v1.POST("/track", s.postTrack)
		v1.GET("/track/:id", s.getTrack)
		v1.GET("/track/:id/events", s.trackEvents)
		v1.GET("/items/:itemId/tracking", s.getItemTracking)
		v1.PUT("/items/:itemId/tracking", s.putItemTracking)
		v1.DELETE("/items/:itemId/tracking", s.deleteItemTracking)
	}
}
