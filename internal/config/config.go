// Package config reads crmsync's configuration from flags and CRMSYNC_* environment variables (a flag
// wins over its variable) and checks it before anything starts.
package config

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Config is the whole configuration of a crmsync process.
type Config struct {
	Addr         string
	DataDir      string
	DatabaseURL  string
	PublicURL    string
	ClientID     string
	ClientSecret string
	ClientCert   string
	// Credential is how crmsync proves to Entra that it is the app registration: a secret, a
	// certificate, or a federated credential from a managed or workload identity (see credential.go).
	Credential Credential
	Tenants    []string
	Authority  string
	GraphURL   string
	Demo       bool
	// DatabaseEntra signs in to PostgreSQL with an Entra token of the managed or workload identity as
	// the password (CRMSYNC_DATABASE_AUTH=entra), instead of a password in the URL.
	DatabaseEntra bool
	// EncryptionKeys seal stored user assertions: the first seals, every one opens, so a key can be
	// retired without losing what it sealed (see keys.go).
	EncryptionKeys [][]byte
	RateLimit      float64 // requests per second per user; 0 turns the limit off
	RateBurst      int
	LogLevel       string
	ShutdownGrace  time.Duration
	JobTimeout     time.Duration
	// ScheduleInterval is how often River's leader looks for mailboxes due to synchronize.
	ScheduleInterval time.Duration
	// DevHTTPSAddr is where local mode also serves HTTPS with a development certificate ("" when off).
	DevHTTPSAddr string
	// Notifications: mailboxes subscribe to Microsoft Graph change notifications, which Graph posts to
	// PublicURL (local mode: the service's own loopback address). Off: polling only.
	Notifications bool
	// BackstopInterval is how often a mailbox whose notifications work still runs a full pass.
	BackstopInterval time.Duration
}

// MaxBackstopInterval is the longest backstop: the shortest change-notification subscription's life
// (Graph's 4,230 minutes for To Do tasks, 10,080 for mail, events and contacts, less the half hour
// crmsync asks less), so that a mailbox passes before a subscription that could not be renewed has ended.
const MaxBackstopInterval = 4200 * time.Minute

// Local reports whether this is local mode: no production identity is configured, so the service runs
// with the development issuer on loopback.
func (c Config) Local() bool { return c.ClientID == "" }

// setting is one configuration item: a flag named like its variable, lower-cased without the prefix.
type setting struct {
	env, flag, def, usage string
	secret                bool
}

var settings = []setting{
	{env: "CRMSYNC_ADDR", flag: "addr", def: "127.0.0.1:8080", usage: "address to listen on (host:port); local mode only on loopback"},
	{env: "CRMSYNC_DATA_DIR", flag: "data-dir", def: "./data", usage: "directory for the SQLite database and local-mode keys"},
	{env: "CRMSYNC_DATABASE_URL", flag: "database-url", usage: "empty for SQLite in the data dir, or postgres://user:pass@host/db for PostgreSQL", secret: true},
	{env: "CRMSYNC_DATABASE_AUTH", flag: "database-auth", def: "password", usage: "password (in the database URL, or none) or entra: sign in to Azure Database for PostgreSQL with a token of the managed or workload identity"},
	{env: "CRMSYNC_PUBLIC_URL", flag: "public-url", usage: "the https URL Outlook reaches the service at (production); defaults to http://ADDR"},
	{env: "CRMSYNC_CLIENT_ID", flag: "client-id", usage: "the Entra app registration's application (client) id; setting it leaves local mode"},
	{env: "CRMSYNC_CLIENT_CREDENTIAL", flag: "client-credential", usage: "how crmsync authenticates as the app registration: secret, certificate, managed-identity or workload-identity (default: secret or certificate, by which is set)"},
	{env: "CRMSYNC_CLIENT_SECRET", flag: "client-secret", usage: "the app registration's client secret (CRMSYNC_CLIENT_CREDENTIAL=secret)", secret: true},
	{env: "CRMSYNC_CLIENT_CERT", flag: "client-cert", usage: "path to a PEM file with the app's certificate and private key (CRMSYNC_CLIENT_CREDENTIAL=certificate)"},
	{env: "CRMSYNC_MANAGED_IDENTITY_CLIENT_ID", flag: "managed-identity-client-id", usage: "the client id of the user-assigned managed identity that the app registration's federated credential trusts (CRMSYNC_CLIENT_CREDENTIAL=managed-identity)"},
	{env: "CRMSYNC_TENANTS", flag: "tenants", usage: "comma-separated Entra tenant ids allowed to sign in; empty = any tenant an admin has onboarded"},
	{env: "CRMSYNC_AUTHORITY", flag: "authority", def: "https://login.microsoftonline.com", usage: "the Entra authority host"},
	{env: "CRMSYNC_GRAPH_URL", flag: "graph-url", def: "https://graph.microsoft.com/v1.0", usage: "the Microsoft Graph base URL"},
	{env: "CRMSYNC_DEMO", flag: "demo", usage: "local mode: serve the demo mailbox (a fake Graph at /dev/graph/v1.0) unless CRMSYNC_GRAPH_URL names another; default true in local mode"},
	{env: "CRMSYNC_ENCRYPTION_KEY", flag: "encryption-key", usage: "comma-separated keys of 32 bytes in base64: the first seals stored user assertions, every one opens them (rotation); the same on every replica (generated into the data dir in local mode)", secret: true},
	{env: "CRMSYNC_RATE_LIMIT", flag: "rate-limit", def: "50", usage: "API requests per second allowed per user (0 = no limit)"},
	{env: "CRMSYNC_RATE_BURST", flag: "rate-burst", def: "100", usage: "API requests a user may send at once above the rate"},
	{env: "CRMSYNC_LOG_LEVEL", flag: "log-level", def: "info", usage: "debug, info, warn or error"},
	{env: "CRMSYNC_SHUTDOWN_GRACE", flag: "shutdown-grace", def: "20s", usage: "how long a shutdown waits for requests and jobs to finish"},
	{env: "CRMSYNC_DEV_HTTPS_ADDR", flag: "dev-https-addr", usage: "also serve HTTPS on this loopback address with a development certificate, so the add-in can be sideloaded (local mode default localhost:8443; \"off\" to turn it off)"},
	{env: "CRMSYNC_JOB_TIMEOUT", flag: "job-timeout", def: "2m", usage: "how long one attempt of a background job may run; a job of a replica that died is retried after 1.5 times this"},
	{env: "CRMSYNC_NOTIFICATIONS", flag: "notifications", usage: "on or off: Microsoft Graph change notifications, posted to CRMSYNC_PUBLIC_URL/graph/notifications (default on when CRMSYNC_PUBLIC_URL is https and not loopback, and in local mode; off behind a firewall Graph cannot reach: polling only)"},
	{env: "CRMSYNC_BACKSTOP_INTERVAL", flag: "backstop-interval", def: "6h", usage: "how often a mailbox whose change notifications work still runs a full pass (at most 70h, a subscription's life)"},
	{env: "CRMSYNC_SCHEDULE_INTERVAL", flag: "schedule-interval", def: "30s", usage: "how often the elected replica looks for mailboxes due to synchronize (server mode, and client-mode requests)"},
}

// Load reads the configuration from args (after the subcommand) and getenv, and validates it. Usage
// and errors go to stderr; -h returns flag.ErrHelp.
func Load(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	values := make(map[string]*string, len(settings))
	for _, s := range settings {
		v := getenv(s.env)
		if v == "" {
			v = s.def
		}
		values[s.env] = fs.String(s.flag, v, s.usage+" ["+s.env+"]")
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: crmsync %s [flags]\n\nEvery flag can also be set by the environment variable in brackets; a flag wins.\n\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	get := func(env string) string { return strings.TrimSpace(*values[env]) }
	c := Config{
		Addr: get("CRMSYNC_ADDR"), DataDir: get("CRMSYNC_DATA_DIR"), DatabaseURL: get("CRMSYNC_DATABASE_URL"),
		PublicURL: strings.TrimRight(get("CRMSYNC_PUBLIC_URL"), "/"), ClientID: get("CRMSYNC_CLIENT_ID"),
		ClientSecret: get("CRMSYNC_CLIENT_SECRET"), ClientCert: get("CRMSYNC_CLIENT_CERT"),
		Authority: strings.TrimRight(get("CRMSYNC_AUTHORITY"), "/"), GraphURL: strings.TrimRight(get("CRMSYNC_GRAPH_URL"), "/"),
		LogLevel: get("CRMSYNC_LOG_LEVEL"),
	}
	var errs []error
	for _, t := range strings.Split(get("CRMSYNC_TENANTS"), ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		id, err := uuid.Parse(t)
		if err != nil {
			errs = append(errs, fmt.Errorf("CRMSYNC_TENANTS: %q is not a tenant id (a GUID)", t))
			continue
		}
		c.Tenants = append(c.Tenants, id.String())
	}
	var err error
	c.Demo = c.Local() // the demo mailbox is on in local mode unless turned off
	// On by default in local mode; a developer with a Microsoft 365 test tenant may also set it with
	// production identity, to sideload the real add-in against their machine. Always loopback: a real
	// deployment terminates TLS at its proxy.
	switch https := get("CRMSYNC_DEV_HTTPS_ADDR"); {
	case https == "off":
	case https == "" && c.Local():
		c.DevHTTPSAddr = "localhost:8443"
	case https != "":
		if host, _, err := net.SplitHostPort(https); err != nil || !isLoopback(host) {
			errs = append(errs, fmt.Errorf("CRMSYNC_DEV_HTTPS_ADDR: %q must be a loopback host:port, or off: a deployment terminates TLS at its proxy", https))
		}
		c.DevHTTPSAddr = https
	}
	if demo := get("CRMSYNC_DEMO"); demo != "" {
		if c.Demo, err = strconv.ParseBool(demo); err != nil {
			errs = append(errs, fmt.Errorf("CRMSYNC_DEMO: %q is not true or false", demo))
		}
	}
	if c.RateLimit, err = strconv.ParseFloat(get("CRMSYNC_RATE_LIMIT"), 64); err != nil || c.RateLimit < 0 {
		errs = append(errs, fmt.Errorf("CRMSYNC_RATE_LIMIT: %q is not a number of requests per second", get("CRMSYNC_RATE_LIMIT")))
	}
	if c.RateBurst, err = strconv.Atoi(get("CRMSYNC_RATE_BURST")); err != nil || c.RateBurst < 1 {
		errs = append(errs, fmt.Errorf("CRMSYNC_RATE_BURST: %q is not a positive whole number", get("CRMSYNC_RATE_BURST")))
	}
	if c.ShutdownGrace, err = time.ParseDuration(get("CRMSYNC_SHUTDOWN_GRACE")); err != nil || c.ShutdownGrace <= 0 {
		errs = append(errs, fmt.Errorf("CRMSYNC_SHUTDOWN_GRACE: %q is not a duration such as 20s", get("CRMSYNC_SHUTDOWN_GRACE")))
	}
	if c.JobTimeout, err = time.ParseDuration(get("CRMSYNC_JOB_TIMEOUT")); err != nil || c.JobTimeout < time.Second {
		errs = append(errs, fmt.Errorf("CRMSYNC_JOB_TIMEOUT: %q is not a duration of at least 1s", get("CRMSYNC_JOB_TIMEOUT")))
	}
	if c.ScheduleInterval, err = time.ParseDuration(get("CRMSYNC_SCHEDULE_INTERVAL")); err != nil || c.ScheduleInterval < time.Second {
		errs = append(errs, fmt.Errorf("CRMSYNC_SCHEDULE_INTERVAL: %q is not a duration of at least 1s", get("CRMSYNC_SCHEDULE_INTERVAL")))
	}
	if c.BackstopInterval, err = time.ParseDuration(get("CRMSYNC_BACKSTOP_INTERVAL")); err != nil || c.BackstopInterval < time.Minute || c.BackstopInterval > MaxBackstopInterval {
		errs = append(errs, fmt.Errorf("CRMSYNC_BACKSTOP_INTERVAL: %q is not a duration from 1m to %s (a subscription's life)", get("CRMSYNC_BACKSTOP_INTERVAL"), MaxBackstopInterval))
	}
	switch n := strings.ToLower(get("CRMSYNC_NOTIFICATIONS")); n {
	case "":
		c.Notifications = c.Local() || reachable(c.PublicURL)
	case "on", "true":
		c.Notifications = true
		if !c.Local() && !reachable(c.PublicURL) {
			errs = append(errs, errors.New("CRMSYNC_NOTIFICATIONS=on needs CRMSYNC_PUBLIC_URL to be an https address Microsoft Graph can reach (not loopback)"))
		}
	case "off", "false":
	default:
		errs = append(errs, fmt.Errorf("CRMSYNC_NOTIFICATIONS: %q is not on or off", n))
	}
	if keys := get("CRMSYNC_ENCRYPTION_KEY"); keys != "" {
		var keyErrs []error
		c.EncryptionKeys, keyErrs = parseKeys(keys)
		errs = append(errs, keyErrs...)
	}
	var credErrs []error
	c.Credential, credErrs = loadCredential(get, getenv)
	errs = append(errs, credErrs...)
	switch auth := get("CRMSYNC_DATABASE_AUTH"); auth {
	case "password":
	case "entra":
		c.DatabaseEntra = true
	default:
		errs = append(errs, fmt.Errorf("CRMSYNC_DATABASE_AUTH: %q is not password or entra", auth))
	}
	errs = append(errs, c.validate()...)
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

func (c *Config) validate() []error {
	var errs []error
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		errs = append(errs, fmt.Errorf("CRMSYNC_ADDR: %q is not host:port", c.Addr))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") && !strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		errs = append(errs, errors.New("CRMSYNC_DATABASE_URL must be empty (SQLite in the data dir), sqlite:PATH or postgres://…"))
	}
	for _, u := range []struct{ env, value string }{{"CRMSYNC_AUTHORITY", c.Authority}, {"CRMSYNC_GRAPH_URL", c.GraphURL}, {"CRMSYNC_PUBLIC_URL", c.PublicURL}} {
		if u.value == "" {
			continue
		}
		if p, err := url.Parse(u.value); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not an http(s) URL", u.env, u.value))
		}
	}
	if c.Local() {
		if c.ClientSecret != "" || c.ClientCert != "" || c.Credential.Kind != "" || c.Credential.ManagedIdentityClientID != "" {
			errs = append(errs, errors.New("CRMSYNC_CLIENT_CREDENTIAL, CRMSYNC_CLIENT_SECRET, CRMSYNC_CLIENT_CERT and CRMSYNC_MANAGED_IDENTITY_CLIENT_ID need CRMSYNC_CLIENT_ID"))
		}
		if c.DatabaseEntra {
			errs = append(errs, errors.New("CRMSYNC_DATABASE_AUTH=entra needs CRMSYNC_CLIENT_ID and a managed or workload identity"))
		}
		if err == nil && !isLoopback(host) {
			errs = append(errs, fmt.Errorf("local mode (no CRMSYNC_CLIENT_ID) only listens on loopback, not %q: set CRMSYNC_CLIENT_ID for production", c.Addr))
		}
		if len(c.Tenants) > 0 {
			errs = append(errs, errors.New("CRMSYNC_TENANTS needs CRMSYNC_CLIENT_ID: local mode has its own demo tenant"))
		}
		return errs
	}
	if c.Demo {
		errs = append(errs, errors.New("CRMSYNC_DEMO is for local mode only: production talks to Microsoft Graph"))
	}
	if _, err := uuid.Parse(c.ClientID); err != nil {
		errs = append(errs, fmt.Errorf("CRMSYNC_CLIENT_ID: %q is not an application (client) id (a GUID)", c.ClientID))
	}
	errs = append(errs, c.validateCredential()...)
	if c.PublicURL == "" {
		errs = append(errs, errors.New("production needs CRMSYNC_PUBLIC_URL, the https address Outlook reaches the service at"))
	} else if !strings.HasPrefix(c.PublicURL, "https://") {
		errs = append(errs, errors.New("CRMSYNC_PUBLIC_URL must be https in production: Outlook loads add-ins only over https"))
	}
	if c.EncryptionKeys == nil {
		errs = append(errs, errors.New("production needs CRMSYNC_ENCRYPTION_KEY (openssl rand -base64 32), the same on every replica"))
	}
	return errs
}

// reachable reports whether Microsoft Graph can post to a public URL: https on a host that is not this
// machine.
func reachable(publicURL string) bool {
	u, err := url.Parse(publicURL)
	return err == nil && u.Scheme == "https" && u.Host != "" && !isLoopback(u.Hostname())
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LocalEncryptionKey returns the local-mode encryption key kept in the data dir, creating it on first use.
func LocalEncryptionKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, "encryption.key")
	if b, err := os.ReadFile(path); err == nil {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("%s does not hold a 32-byte base64 key", path)
		}
		return key, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read encryption key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate encryption key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write encryption key: %w", err)
	}
	return key, nil
}

// Secret reports whether the named variable holds a secret that must never be logged.
func Secret(env string) bool {
	for _, s := range settings {
		if s.env == env {
			return s.secret
		}
	}
	return false
}

// Variables lists every CRMSYNC_* variable with its default and meaning, for documentation.
func Variables() [][3]string {
	out := make([][3]string, 0, len(settings))
	for _, s := range settings {
		out = append(out, [3]string{s.env, s.def, s.usage})
	}
	return out
}
