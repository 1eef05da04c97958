// Package api is crmsync's HTTP surface: the gin router with every endpoint listed in routes.go, the
// middleware that authenticates, limits and measures each request, and problem+json errors. gin types
// stay inside this package; the rest of the program sees an http.Handler.
//
// Handlers translate HTTP only: they decode the request, call one use case (records, tenants, tracking,
// or the store for plain settings) and map its answer or its crm error. No business rule lives here.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/deployment"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/records"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/telemetry"
	"github.com/crmsync/crmsync/internal/tenants"
	"github.com/crmsync/crmsync/internal/tracking"
)

// TokenValidator proves who sends a request.
type TokenValidator interface {
	Validate(ctx context.Context, raw string) (identity.Principal, error)
}

// Deps is what the API needs from the rest of the program.
type Deps struct {
	Store *store.Store
	// Records and Tenants are the use cases the handlers call; when nil, NewServer builds them on Store.
	Records   *records.Service
	Tenants   *tenants.Service
	Validator TokenValidator
	Tracker   Tracker
	// NeverTrack is the never-track lists' use cases; when nil, NewServer builds them on Store.
	NeverTrack *tracking.NeverTrack
	Logger     *slog.Logger
	Metrics    *telemetry.Metrics
	// SyncRequests starts a client-mode synchronization pass acting as the user (POST /sync); when nil,
	// the request is only recorded and the scheduler's next tick enqueues the pass.
	SyncRequests SyncRequester
	// Notifications accepts what Microsoft Graph posts to /graph/notifications and /graph/lifecycle; nil
	// serves neither.
	Notifications NotificationReceiver
	// Credential reports the health of the service's managed or workload identity for /readyz; nil when
	// Graph is reached with a secret or a certificate.
	Credential func() CredentialHealth
	// CheckMailbox proves that crmsync may open a user's mailbox (app-only), before an admin enables it.
	CheckMailbox func(ctx context.Context, tenantID, objectID string) error
	// TenantAllowList is the static allow-list; when empty, a tenant must have been onboarded, which the
	// first sign-in of one of its admins (CRM.Admin) does.
	TenantAllowList []string
	RateLimit       float64 // per user per second; 0 = unlimited
	// LoginOrigin is the origin of the Entra authority the taskpane signs in with, for its
	// content security policy (login.microsoftonline.com is always allowed).
	LoginOrigin string
	// SightTTL is how long the tenant and user a token resolved to are remembered (0: not at all).
	SightTTL     time.Duration
	RateBurst    int
	MaxBodyBytes int64
	// DevIssuer serves the local development issuer's OpenID metadata and keys under /dev/oidc; nil in
	// production.
	DevIssuer http.Handler
	// DevGraph serves the demo mailbox (a fake Microsoft Graph) under /dev/graph/v1.0; nil in production.
	DevGraph http.Handler
	// Sandbox serves the local Outlook sandbox at /dev/outlook and below (package sandbox, with full
	// paths); nil in production.
	Sandbox http.Handler
	// Manifest is the Outlook add-in's XML manifest for this deployment, served at /manifest.xml;
	// ManifestJSON the same add-in's unified manifest, served at /manifest.json.
	Manifest     []byte
	ManifestJSON []byte
	// Deployment describes this deployment to its admins and checks it; when nil, NewServer builds one
	// that knows nothing of it.
	Deployment *deployment.Service
	Now        func() time.Time

	// Taskpane holds the taskpane's built files (taskpane.html, commands.html, assets/, icons/), served
	// under /taskpane/, and the web app's page (app/index.html), served at /app/; nil serves none.
	Taskpane fs.FS
	// TaskpaneConfig is what the taskpane signs in with, served at /taskpane/config.json.
	TaskpaneConfig TaskpaneConfig
}

// Server is the API's HTTP handler.
type Server struct {
	deps    Deps
	engine  *gin.Engine
	limiter *userLimiter
	sights  *sightCache
	pageCSP string
	appCSP  string
}

// NewServer builds the handler with every route of the API.
func NewServer(deps Deps) *Server {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.MaxBodyBytes == 0 {
		deps.MaxBodyBytes = 1 << 20
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Metrics == nil {
		deps.Metrics = telemetry.NewMetrics()
	}
	if deps.Records == nil {
		deps.Records = records.New(deps.Store, deps.Now, nil)
	}
	if deps.NeverTrack == nil {
		deps.NeverTrack = tracking.NewNeverTrack(deps.Store)
	}
	if deps.Deployment == nil {
		deps.Deployment = deployment.New(deployment.Config{}, nil, nil)
	}
	if deps.Tenants == nil {
		deps.Tenants = tenants.New(deps.Store, deps.TenantAllowList)
	}
	// gin keeps its mode in a package variable; release mode only silences its debug printing.
	gin.SetMode(gin.ReleaseMode)
	s := &Server{deps: deps, engine: gin.New(), limiter: newUserLimiter(deps.RateLimit, deps.RateBurst, deps.Now),
		sights: newSightCache(deps.SightTTL, deps.Now), pageCSP: pagePolicy(deps.LoginOrigin), appCSP: appPolicy(deps.LoginOrigin)}
	s.engine.HandleMethodNotAllowed = true
	s.routes()
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// caller is the authenticated user of a request.
type caller struct {
	crm.Actor
	User      crm.User
	Tenant    crm.Tenant
	Principal identity.Principal
}

func callerOf(c *gin.Context) caller {
	v, _ := c.Get("caller")
	return v.(caller)
}
