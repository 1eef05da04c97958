package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// appPage is the web app's one page in the taskpane build; its scripts and styles load from
// /taskpane/assets/ (the build's base), and it routes with the URL's hash (/app/#/records/account/…).
const appPage = "app/index.html"

// appPolicy is the web app's content security policy: our own scripts only (no Office.js), the Entra
// authority for MSAL (tokens by fetch, silent renewal in a hidden frame that comes back to /app/), and
// framing by ourselves only — MSAL's renewal frame is the one frame the app is ever in.
func appPolicy(loginOrigin string) string {
	return policy(loginOrigin, "", "'self'")
}

// isApp reports whether a path is the web app's.
func isApp(path string) bool {
	return path == "/app" || strings.HasPrefix(path, "/app/")
}

// appFile serves the web app's page at /app/ (and /app/index.html); everything else under /app/ is not
// found: the app's screens are hash routes of the one page, and its assets are the taskpane build's.
func (s *Server) appFile(c *gin.Context) {
	switch c.Param("path") {
	case "/", "/index.html":
	default:
		s.problem(c, http.StatusNotFound, "not-found", "Not found", "there is nothing at "+c.Request.URL.Path)
		return
	}
	data, ok := s.readTaskpaneFile(appPage)
	if !ok {
		s.problem(c, http.StatusNotFound, "not-found", "Not found", "the web app is not in this build (make taskpane builds it)")
		return
	}
	c.Header("Cache-Control", "no-cache")
	serveEmbedded(c, "index.html", data)
}

// appRedirect sends /app to /app/, where the page's relative links resolve.
func (s *Server) appRedirect(c *gin.Context) {
	c.Redirect(http.StatusMovedPermanently, "/app/")
}
