package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID takes a sane X-Request-Id from the client (so a proxy's id carries through) or makes one.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if !requestIDPattern.MatchString(id) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set("requestID", id)
	c.Header("X-Request-Id", id)
	c.Next()
}

// observe logs each request and counts it by route and status.
func (s *Server) observe(c *gin.Context) {
	start := s.deps.Now()
	c.Next()
	elapsed := s.deps.Now().Sub(start)
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := strconv.Itoa(c.Writer.Status())
	s.deps.Metrics.HTTPRequests.WithLabelValues(c.Request.Method, route, status).Inc()
	s.deps.Metrics.HTTPDuration.WithLabelValues(c.Request.Method, route, status).Observe(elapsed.Seconds())
	if route == "/healthz" || route == "/readyz" || route == "/metrics" {
		return
	}
	attrs := []slog.Attr{slog.String("requestId", c.GetString("requestID")), slog.String("method", c.Request.Method),
		slog.String("route", route), slog.Int("status", c.Writer.Status()), slog.Float64("durationMs", float64(elapsed.Microseconds())/1000)}
	if v, ok := c.Get("caller"); ok {
		who := v.(caller)
		attrs = append(attrs, slog.String("tenantId", who.TenantID), slog.String("userId", who.UserID))
	}
	s.deps.Logger.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs...)
}

// recover turns a panic into a 500 problem and logs the stack.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.deps.Logger.Error("panic", "requestId", c.GetString("requestID"), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			s.problem(c, http.StatusInternalServerError, "internal", "Internal error", "something went wrong on our side")
		}
	}()
	c.Next()
}

// limitBody caps every request body; reading past the cap fails with *http.MaxBytesError, which fail
// turns into 413.
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.deps.MaxBodyBytes {
		s.problem(c, http.StatusRequestEntityTooLarge, "body-too-large", "Request body too large",
			"the request body is larger than the limit of "+byteSize(s.deps.MaxBodyBytes))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.deps.MaxBodyBytes)
	c.Next()
}

// authenticate validates the bearer token and signs the user in (tenants.SignIn onboards the tenant when
// policy allows, and finds or creates the user). Nothing is written for a token that fails any check.
func (s *Server) authenticate(c *gin.Context) {
	raw, ok := bearer(c.GetHeader("Authorization"))
	if !ok {
		s.fail(c, &identity.Error{Check: "missing", Detail: "send an Entra ID access token as Authorization: Bearer <token>"})
		return
	}
	p, err := s.deps.Validator.Validate(c.Request.Context(), raw)
	if err != nil {
		s.fail(c, err)
		return
	}
	if tenant, user, ok := s.sights.get(p); ok {
		c.Set("caller", caller{Actor: crm.Actor{TenantID: tenant.ID, UserID: user.ID, Roles: user.Roles}, User: user, Tenant: tenant, Principal: p})
		c.Next()
		return
	}
	tenant, user, err := s.deps.Tenants.SignIn(c.Request.Context(), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.sights.put(p, tenant, user)
	c.Set("caller", caller{Actor: crm.Actor{TenantID: tenant.ID, UserID: user.ID, Roles: user.Roles}, User: user, Tenant: tenant, Principal: p})
	c.Next()
}

func bearer(header string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// rateLimit keeps one user from starving the others.
func (s *Server) rateLimit(c *gin.Context) {
	who := callerOf(c)
	if ok, wait := s.limiter.allow(who.TenantID + "/" + who.UserID); !ok {
		c.Header("Retry-After", strconv.Itoa(int(max(1, wait.Round(time.Second)/time.Second))))
		s.problem(c, http.StatusTooManyRequests, "rate-limited", "Too many requests",
			fmt.Sprintf("slow down: at most %g requests a second", s.deps.RateLimit))
		return
	}
	c.Next()
}

func (s *Server) requireAdmin(c *gin.Context) {
	if !callerOf(c).IsAdmin() {
		s.problem(c, http.StatusForbidden, "forbidden", "Forbidden", "this needs the CRM.Admin role")
		return
	}
	c.Next()
}
