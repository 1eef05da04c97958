package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string           `json:"type"`
	Title     string           `json:"title"`
	Status    int              `json:"status"`
	Detail    string           `json:"detail,omitempty"`
	Instance  string           `json:"instance,omitempty"`
	Check     string           `json:"check,omitempty"` // for 401: which token check failed
	RequestID string           `json:"requestId,omitempty"`
	Errors    []crm.FieldError `json:"errors,omitempty"`
}

// problemType makes the type URI of a problem slug.
func problemType(slug string) string { return "urn:crmsync:problem:" + slug }

func (s *Server) writeProblem(c *gin.Context, p Problem) {
	p.RequestID = c.GetString("requestID")
	if p.Instance == "" {
		p.Instance = c.Request.URL.Path
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}

func (s *Server) problem(c *gin.Context, status int, slug, title, detail string) {
	s.writeProblem(c, Problem{Type: problemType(slug), Title: title, Status: status, Detail: detail})
}

// fail maps any error to its problem: domain errors by their code, token errors to 401, and everything
// else to a 500 whose cause is logged but never shown.
func (s *Server) fail(c *gin.Context, err error) {
	var de *crm.Error
	var te *identity.Error
	var tooBig *http.MaxBytesError
	var notJSON *invalidJSONError
	switch {
	case errors.As(err, &notJSON):
		s.problem(c, http.StatusBadRequest, "invalid-json", "The body is not JSON", notJSON.detail)
	case errors.Is(err, errUnsupportedMediaType):
		s.problem(c, http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type", err.Error())
	case errors.As(err, &tooBig):
		s.problem(c, http.StatusRequestEntityTooLarge, "body-too-large", "Request body too large",
			"the request body is larger than the limit of "+byteSize(tooBig.Limit))
	case errors.As(err, &te):
		s.deps.Metrics.TokenRejections.WithLabelValues(te.Check).Inc()
		c.Header("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+te.Check+`"`)
		s.writeProblem(c, Problem{Type: problemType("invalid-token"), Title: "The access token was refused",
			Status: http.StatusUnauthorized, Detail: te.Detail, Check: te.Check})
	case errors.As(err, &de):
		status, slug, title := http.StatusInternalServerError, "internal", "Internal error"
		switch de.Code {
		case crm.CodeNotFound:
			status, slug, title = http.StatusNotFound, "not-found", "Not found"
		case crm.CodeInvalid:
			status, slug, title = http.StatusUnprocessableEntity, "validation", "The request is not valid"
		case crm.CodeConflict:
			status, slug, title = http.StatusConflict, "conflict", "Conflict"
		case crm.CodeForbidden:
			status, slug, title = http.StatusForbidden, "forbidden", "Forbidden"
		}
		s.writeProblem(c, Problem{Type: problemType(slug), Title: title, Status: status, Detail: de.Message, Errors: de.Fields})
	default:
		s.deps.Logger.LogAttrs(c.Request.Context(), slog.LevelError, "request failed", slog.String("requestId", c.GetString("requestID")),
			slog.String("route", c.FullPath()), slog.String("error", err.Error()))
		s.problem(c, http.StatusInternalServerError, "internal", "Internal error",
			"something went wrong on our side; quote the request id when reporting it")
	}
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
