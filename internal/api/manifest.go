package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// manifest serves the Outlook add-in's XML manifest for this deployment, which admins upload in the
// Microsoft 365 admin center and developers sideload. It is public, like the add-in's pages.
func (s *Server) manifest(c *gin.Context) { s.serveManifest(c, s.deps.Manifest, "application/xml") }

// manifestJSON serves the same add-in's unified manifest for Microsoft 365 (JSON).
func (s *Server) manifestJSON(c *gin.Context) {
	s.serveManifest(c, s.deps.ManifestJSON, "application/json")
}

func (s *Server) serveManifest(c *gin.Context, doc []byte, contentType string) {
	if doc == nil {
		s.problem(c, http.StatusNotFound, "not-found", "Not found", "this server has no add-in manifest")
		return
	}
	// Revalidate on every fetch: a new version must reach the admin who downloads it next.
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, contentType, doc)
}
