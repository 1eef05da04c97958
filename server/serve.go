package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	addinmanifest "github.com/crmsync/crmsync/addin-manifest"
	"github.com/crmsync/crmsync/internal/api"
	"github.com/crmsync/crmsync/internal/config"
	"github.com/crmsync/crmsync/internal/demo"
	"github.com/crmsync/crmsync/internal/deployment"
	"github.com/crmsync/crmsync/internal/devcert"
	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/sandbox"
	"github.com/crmsync/crmsync/internal/service"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/telemetry"
	"github.com/crmsync/crmsync/taskpane"
)

// defaultGraphURL is Microsoft Graph itself; in local mode it means "use the demo mailbox".
const defaultGraphURL = "https://graph.microsoft.com/v1.0"

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load("serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	logger, err := telemetry.NewLogger(stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	metrics := telemetry.NewMetrics()

	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}

	// Listen before building the validator: in local mode the issuer's URL is this server's own address,
	// which is only known once the port is bound (tests ask for port 0).
	listener, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer listener.Close()
	baseURL := "http://" + listener.Addr().String()

	deps := api.Deps{Logger: logger, Metrics: metrics, TenantAllowList: cfg.Tenants,
		RateLimit: cfg.RateLimit, RateBurst: cfg.RateBurst, SightTTL: 10 * time.Second,
		LoginOrigin: originOf(cfg.Authority)}
	if deps.Manifest, deps.ManifestJSON, err = servedManifests(cfg); err != nil {
		return err
	}
	validatorOpts := identity.Options{Authority: cfg.Authority, ClientID: cfg.ClientID, Tenants: cfg.Tenants, Logger: logger,
		AppIDURIs: appIDURIs(cfg)}
	opts := service.Options{Store: db, EncryptionKeys: cfg.EncryptionKeys, GraphURL: cfg.GraphURL, Logger: logger, PublicURL: cfg.PublicURL}
	if cfg.Local() {
		if err := localMode(ctx, cfg, baseURL, &deps, &validatorOpts, &opts); err != nil {
			return err
		}
	}
	svc, err := service.New(ctx, cfg, opts)
	if err != nil {
		return err
	}
	// A managed or workload identity is asked for a token at once, and again with backoff while it fails.
	go svc.Graph.WatchIdentity(ctx)
	deps = svc.API(deps)
	validator, err := identity.NewValidator(validatorOpts)
	if err != nil {
		return err
	}
	defer validator.Close()
	deps.Validator = validator
	deps.Taskpane, deps.TaskpaneConfig = taskpane.FS(), taskpaneConfig(cfg, validatorOpts.Authority)
	deps.Deployment = deployment.New(deploymentConfig(cfg, baseURL), nil, svc.OpenMailbox)

	srv := &http.Server{
		Handler:           api.NewServer(deps),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 2)
	go func() { served <- srv.Serve(listener) }()
	var httpsSrv *http.Server
	var httpsURL, caPath string
	if cfg.DevHTTPSAddr != "" {
		if httpsSrv, httpsURL, caPath, err = serveDevHTTPS(cfg, srv, served); err != nil {
			return err
		}
	}
	// River stops when Stop is called below, not when ctx ends, so that running jobs can finish.
	if err := svc.Start(ctx); err != nil {
		return err
	}

	logger.Info("serving", "addr", listener.Addr().String(), "database", string(db.Dialect()), "local", cfg.Local())
	printBanner(stdout, cfg, baseURL, httpsURL, caPath)
	select {
	case err := <-served:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", cfg.ShutdownGrace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	for _, hs := range []*http.Server{srv, httpsSrv} {
		if hs == nil {
			continue
		}
		if err := hs.Shutdown(shutdownCtx); err != nil {
			return fmt.Errorf("shut down http: %w", err)
		}
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve http: %w", err)
		}
	}
	if err := svc.Stop(shutdownCtx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "crmsync stopped")
	return nil
}

// localMode sets up what local mode adds to the service: the development issuer (its keys in the data
// dir, served under /dev/oidc of this server), the generated encryption key, the demo records, and a fake
// Graph with a static token: the demo mailbox served here (with the Outlook sandbox beside it), unless
// CRMSYNC_GRAPH_URL names another fake (the crash test runs its own, to outlive this process).
func localMode(ctx context.Context, cfg config.Config, baseURL string, deps *api.Deps, v *identity.Options, o *service.Options) error {
	issuer, err := identity.LoadOrCreateDevIssuer(cfg.DataDir)
	if err != nil {
		return err
	}
	key, err := config.LocalEncryptionKey(cfg.DataDir)
	if err != nil {
		return err
	}
	o.EncryptionKeys = [][]byte{key}
	if err := demo.Seed(ctx, o.Store); err != nil {
		return err
	}
	authority := baseURL + "/dev/oidc"
	deps.DevIssuer = issuer.Handler(authority)
	// Graph (the demo mailbox, or another fake) posts change notifications to this very process.
	o.PublicURL = baseURL
	v.Authority, v.ClientID, v.AppIDURIs = authority, identity.DevClientID, nil
	o.DevToken = "local-development"
	if cfg.Demo && o.GraphURL == defaultGraphURL {
		mailbox := graphfake.Demo()
		deps.DevGraph = mailbox.Handler()
		o.GraphURL = baseURL + "/dev/graph/v1.0"
		// The Outlook sandbox at /dev/outlook: the demo mailbox beside the real taskpane.
		deps.Sandbox = sandbox.Handler(sandbox.Deps{Pages: taskpane.FS(), Issuer: issuer, Authority: authority, Mailbox: mailbox})
	}
	return nil
}

// serveDevHTTPS serves srv's handler over HTTPS too, with a development certificate, so Outlook can load
// the add-in from this machine (it loads add-ins only over https). It returns the server, its URL and the
// path of the CA to trust; served receives how it ended.
func serveDevHTTPS(cfg config.Config, srv *http.Server, served chan<- error) (*http.Server, string, string, error) {
	cert, err := devcert.LoadOrCreate(cfg.DataDir, time.Now)
	if err != nil {
		return nil, "", "", err
	}
	tlsListener, err := net.Listen("tcp", cfg.DevHTTPSAddr)
	if err != nil {
		return nil, "", "", fmt.Errorf("listen on %s for HTTPS (set CRMSYNC_DEV_HTTPS_ADDR to another port, or off): %w", cfg.DevHTTPSAddr, err)
	}
	httpsSrv := &http.Server{Handler: srv.Handler, ReadHeaderTimeout: srv.ReadHeaderTimeout, ReadTimeout: srv.ReadTimeout,
		IdleTimeout: srv.IdleTimeout, ErrorLog: srv.ErrorLog, BaseContext: srv.BaseContext,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12}}
	_, port, _ := net.SplitHostPort(tlsListener.Addr().String())
	go func() { served <- httpsSrv.ServeTLS(tlsListener, "", "") }()
	return httpsSrv, "https://localhost:" + port, cert.CAPath, nil
}

// printBanner tells the person who started the service where it listens and, in local mode, how to try it.
func printBanner(stdout io.Writer, cfg config.Config, baseURL, httpsURL, caPath string) {
	fmt.Fprintf(stdout, "crmsync is listening on %s\n", baseURL)
	if httpsURL != "" {
		fmt.Fprintf(stdout, "and on %s (development certificate; trust the CA in %s to sideload manifest.xml)\n", httpsURL, caPath)
	}
	if cfg.Local() {
		fmt.Fprintf(stdout, "local mode: SQLite in %s, development identity, demo tenant %q\n", cfg.DataDir, demo.TenantName)
		fmt.Fprintf(stdout, "get a token:  TOKEN=$(./bin/crmsync dev-token --user %s)\n", demo.Alice)
		fmt.Fprintf(stdout, "try it:       curl -H \"Authorization: Bearer $TOKEN\" %s/api/v1/me\n", baseURL)
	}
}

// appIDURIs are the audiences v1 tokens may carry: the plain App ID URI and the host-qualified one that
// nested app authentication requires (api://<host>/<client id>).
func appIDURIs(cfg config.Config) []string {
	if cfg.ClientID == "" {
		return nil
	}
	uris := []string{"api://" + cfg.ClientID}
	if host := hostOf(cfg.PublicURL); host != "" {
		uris = append(uris, "api://"+host+"/"+cfg.ClientID)
	}
	return uris
}

// deploymentConfig is the deployment the admin console describes: the public URL and client id the
// manifests name (in local mode the development ones), and where this process answers itself.
func deploymentConfig(cfg config.Config, baseURL string) deployment.Config {
	if cfg.Local() {
		return deployment.Config{PublicURL: addinmanifest.LocalURL, ClientID: identity.DevClientID, Local: true, SelfURL: baseURL}
	}
	return deployment.Config{PublicURL: cfg.PublicURL, ClientID: cfg.ClientID, SelfURL: baseURL}
}

// taskpaneConfig is what the taskpane signs in with (GET /taskpane/config.json): in production the app
// registration, the Entra authority (the tenant's own when CRMSYNC_TENANTS names one tenant, otherwise
// /common) and the scope nested app authentication asks for,
// api://<public host>/<client id>/access_as_user; in local mode the development client id and issuer, and
// the host Outlook loads the local add-in from. authority is the one tokens are validated against.
func taskpaneConfig(cfg config.Config, authority string) api.TaskpaneConfig {
	if authority == "" {
		authority = "https://login.microsoftonline.com"
	}
	clientID, host := cfg.ClientID, hostOf(cfg.PublicURL)
	if cfg.Local() {
		clientID, host = identity.DevClientID, hostOf(addinmanifest.LocalURL)
	}
	// A single-tenant deployment (one allowed tenant) signs in at its own tenant's authority, as a
	// single-tenant app registration requires; a multitenant one at /common.
	audience := "common"
	if len(cfg.Tenants) == 1 && !cfg.Local() {
		audience = cfg.Tenants[0]
	}
	return api.TaskpaneConfig{ClientID: clientID, Authority: strings.TrimRight(authority, "/") + "/" + audience,
		APIScope: "api://" + host + "/" + clientID + "/" + identity.ScopeAccessAsUser, APIBase: "/api/v1", Local: cfg.Local()}
}

// openStore opens the database; with CRMSYNC_DATABASE_AUTH=entra every new connection signs in with a
// token of the service's managed or workload identity.
func openStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	var opts []store.Option
	if cfg.DatabaseEntra {
		token, err := graph.DatabaseToken(service.GraphOptions(cfg))
		if err != nil {
			return nil, err
		}
		opts = append(opts, store.WithPassword(token))
	}
	return store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, opts...)
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load("migrate", args, getenv, stderr)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	if err := jobs.Migrate(ctx, db); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s database is up to date\n", db.Dialect())
	return nil
}

// originOf is the scheme and host of a URL, "" when it has none.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
