package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// TaskpaneConfig is what the taskpane needs to sign in and reach the API, served at
// /taskpane/config.json: the app registration's client id, the authority MSAL signs in with, the scope
// of crmsync's API (api://<host>/<client id>/access_as_user, as nested app authentication requires),
// the API's base path, and whether this is local mode (where the sandbox's Office.js stand-in hands out
// development tokens instead).
type TaskpaneConfig struct {
	ClientID  string `json:"clientId"`
	Authority string `json:"authority"`
	APIScope  string `json:"apiScope"`
	APIBase   string `json:"apiBase"`
	Local     bool   `json:"local"`
}

// taskpaneConfig serves the taskpane's runtime configuration. It is public, like the pages: it holds no
// secret, only what the add-in's manifest already names.
func (s *Server) taskpaneConfig(c *gin.Context) {
	cfg := s.deps.TaskpaneConfig
	if cfg.APIBase == "" {
		cfg.APIBase = "/api/v1"
	}
	c.Header("Cache-Control", "no-cache")
	c.JSON(http.StatusOK, cfg)
}

// taskpaneFile serves the taskpane's built files (taskpane.html, commands.html, assets/, icons/).
// Pages are revalidated on every load so that a deployment reaches Outlook at once; assets/ holds
// content-hashed names, which never change, so they are cached for a year.
func (s *Server) taskpaneFile(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("path"), "/")
	if name == "config.json" {
		s.taskpaneConfig(c)
		return
	}
	if name == "" {
		c.Redirect(http.StatusFound, "/taskpane/taskpane.html")
		return
	}
	data, ok := s.readTaskpaneFile(name)
	if !ok || strings.HasPrefix(name, "app/") { // the web app's page has its own route and policy (app.go)
		s.problem(c, http.StatusNotFound, "not-found", "Not found", "there is nothing at "+c.Request.URL.Path)
		return
	}
	switch {
	case strings.HasPrefix(name, "assets/"):
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	case strings.HasSuffix(name, ".html"):
		c.Header("Cache-Control", "no-cache")
	default:
		// icons and the like keep their names across versions: cached for a day.
		c.Header("Cache-Control", "public, max-age=86400")
	}
	serveEmbedded(c, name, data)
}

// serveEmbedded answers with an embedded file. Embedded files have no modification time; a hash of the
// content lets a revalidation answer 304.
func serveEmbedded(c *gin.Context, name string, data []byte) {
	sum := sha256.Sum256(data)
	c.Header("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	http.ServeContent(c.Writer, c.Request, name, time.Time{}, bytes.NewReader(data))
}

// readTaskpaneFile reads a regular file of the taskpane; directories are not listed.
func (s *Server) readTaskpaneFile(name string) ([]byte, bool) {
	if !fs.ValidPath(name) {
		return nil, false
	}
	info, err := fs.Stat(s.deps.Taskpane, name)
	if err != nil || info.IsDir() {
		return nil, false
	}
	data, err := fs.ReadFile(s.deps.Taskpane, name)
	return data, err == nil
}
