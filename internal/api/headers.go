package api

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// officeJSOrigin serves Office.js, which the taskpane and the function file load.
const officeJSOrigin = "https://appsforoffice.microsoft.com"

// outlookOrigins may frame the taskpane: Outlook on the web (work and consumer accounts, old and new
// domains), the new Outlook, and Office hosts. Desktop clients host it in a WebView without a parent
// origin. 'self' lets the local sandbox frame it.
var outlookOrigins = []string{"'self'", "https://outlook.office.com", "https://outlook.office365.com",
	"https://outlook.cloud.microsoft", "https://outlook.live.com", "https://*.outlook.com", "https://*.office.com",
	"https://*.office365.com", "https://*.officeapps.live.com"}

// apiPolicy is for everything that is not a page: JSON, metrics, the manifest. Nothing may run or frame it.
const apiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// pagePolicy allows only our origin, Office.js and the Entra sign-in endpoints (loginOrigin: the
// configured authority's origin), and lets only Outlook frame the pages.
func pagePolicy(loginOrigin string) string {
	return policy(loginOrigin, " "+officeJSOrigin, strings.Join(outlookOrigins, " "))
}

// policy is a page's content security policy: our own origin, plus others (with a leading space) for
// scripts and images, the Entra sign-in endpoints for tokens and sign-in frames, and who may frame it.
func policy(loginOrigin, others, frameAncestors string) string {
	login := "https://login.microsoftonline.com"
	if loginOrigin != "" && loginOrigin != login {
		login += " " + loginOrigin
	}
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'" + others,
		// Fluent UI web components add style elements at run time.
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:" + others,
		"font-src 'self' data:",
		"connect-src 'self' " + login,
		"frame-src 'self' " + login,
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors " + frameAncestors,
	}, "; ")
}

// isPage reports whether a path serves pages that run in Outlook or in the sandbox.
func isPage(path string) bool {
	return strings.HasPrefix(path, "/taskpane/") || path == "/dev/outlook" || strings.HasPrefix(path, "/dev/outlook/")
}

// securityHeaders sets the content security policy and friends on every answer. CORS stays closed:
// no Access-Control-* header is ever sent, so browsers refuse cross-origin calls; the add-in calls the
// API from its own origin.
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	switch path := c.Request.URL.Path; {
	case isApp(path):
		h.Set("Content-Security-Policy", s.appCSP)
		h.Set("X-Frame-Options", "SAMEORIGIN")
	case isPage(path):
		h.Set("Content-Security-Policy", s.pageCSP)
	default:
		h.Set("Content-Security-Policy", apiPolicy)
		h.Set("X-Frame-Options", "DENY")
	}
	c.Next()
}
