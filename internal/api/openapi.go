package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/goccy/go-yaml"
)

// openAPIYAML is the API's OpenAPI 3.1 description. It is written in YAML, which reads and diffs better
// than JSON, and served as JSON, which every client reads.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// OpenAPI returns the API's OpenAPI 3.1 description as compact JSON, member order kept. The tests hold it
// against routes.go and against every answer the API gives them.
func OpenAPI() ([]byte, error) {
	// goccy/go-yaml is gin's YAML library, in the binary already.
	raw, err := yaml.YAMLToJSON(openAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("convert openapi.yaml to JSON: %w", err)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, raw); err != nil {
		return nil, fmt.Errorf("compact the OpenAPI document: %w", err)
	}
	return out.Bytes(), nil
}

// openAPI serves GET /api/v1/openapi.json, without a token: the description of an API is no secret,
// and tools fetch it before they can sign in. The document is converted once, when the routes are built.
func (s *Server) openAPI() gin.HandlerFunc {
	doc, err := OpenAPI()
	if err != nil {
		// The file is embedded and converted by the tests, so this is a build that never ran them.
		panic("api: " + err.Error())
	}
	return func(c *gin.Context) {
		// Revalidate on every fetch: an upgrade changes it.
		c.Header("Cache-Control", "no-cache")
		c.Data(http.StatusOK, "application/json", doc)
	}
}

// Route is one endpoint the server answers: a method and a path as routes.go wrote it, in gin's syntax
// ("/api/v1/records/:type").
type Route struct {
	Method, Path string
}

// Routes lists every endpoint the server answers, so that the tests can hold them against the OpenAPI
// document.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.engine.Routes() {
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	return out
}
