// Package graph reads and stamps Outlook items through Microsoft Graph. It is the only package that
// imports msgraph-sdk-go, kiota and azidentity; everything it exports speaks in the plain values of
// package outlook, so the rest of crmsync builds fast and tests against small interfaces.
package graph

import (
	"cmp"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
)

// Options configures access to Microsoft Graph.
type Options struct {
	// BaseURL is Graph's root, such as "https://graph.microsoft.com/v1.0" or a graphfake URL ending in /v1.0.
	BaseURL string
	// Authority is the Entra sign-in host, such as "https://login.microsoftonline.com".
	Authority string
	// ClientID is the application (client) id of crmsync's Entra app.
	ClientID string
	// Credential is how the app authenticates: CredentialSecret, CredentialCertificate,
	// CredentialManagedIdentity or CredentialWorkloadIdentity; "" means a secret or a certificate, by
	// which of ClientSecret and ClientCertPath is set.
	Credential string
	// ClientSecret authenticates the app (CredentialSecret).
	ClientSecret string
	// ClientCertPath names a PEM file holding the app's certificate and private key (CredentialCertificate).
	ClientCertPath string
	// ManagedIdentityClientID is the user-assigned managed identity whose token is the app's client
	// assertion (CredentialManagedIdentity).
	ManagedIdentityClientID string
	// FederatedTokenFile, WorkloadClientID and WorkloadTenantID are the workload identity: the service
	// account token file, the Entra identity it is federated with and that identity's tenant
	// (CredentialWorkloadIdentity). When WorkloadClientID is ClientID, the service account token itself
	// is the app's client assertion.
	FederatedTokenFile string
	WorkloadClientID   string
	WorkloadTenantID   string
	// DisableInstanceDiscovery skips Entra's instance metadata request, for an authority that Entra does
	// not know (a private cloud, or a test's stand-in).
	DisableInstanceDiscovery bool
	// IdentityRetryMin and IdentityRetryMax bound the backoff of WatchIdentity while the identity
	// fails. Defaults: 1s and 5m.
	IdentityRetryMin, IdentityRetryMax time.Duration
	// DevToken, when set, replaces Entra credentials with a static bearer token (local mode against graphfake).
	DevToken string
	// MaxConcurrentPerMailbox bounds the Graph calls in flight for one mailbox, across every caller of the
	// Client. Default 4, Graph's limit per app per mailbox.
	MaxConcurrentPerMailbox int
	// RequestsPerTenMinutes bounds the Graph calls made to one mailbox in any ten minutes. Default
	// 10,000, Graph's limit per app per mailbox; with DevToken (a fake Graph, which has no such limit)
	// the default is no bound.
	RequestsPerTenMinutes int
	// ExtensionRequests bounds the requests to open extensions (To Do stamps) made in one tenant in any
	// ExtensionWindow. Default 455 per 10 seconds, Graph's limit per app and tenant
	// (throttling-limits.md); negative for no bound.
	ExtensionRequests int
	ExtensionWindow   time.Duration
	// HTTPClient is the base transport; Graph and Entra requests go through it. Default: 30s timeout.
	HTTPClient *http.Client
	// Logger receives diagnostics. Default: slog.Default().
	Logger *slog.Logger
}

const (
	// graphScope asks Entra for whatever Graph permissions the app was granted.
	graphScope = "https://graph.microsoft.com/.default"

	defaultBaseURL       = "https://graph.microsoft.com/v1.0"
	defaultAuthority     = "https://login.microsoftonline.com"
	defaultMaxConcurrent = 4
	// defaultRequestsPerTenMinutes is Graph's limit of requests per ten minutes per app and mailbox.
	defaultRequestsPerTenMinutes = 10000
	// defaultExtensionRequests per defaultExtensionWindow is Graph's limit of requests to open and schema
	// extensions per app and tenant.
	defaultExtensionRequests = 455
	defaultExtensionWindow   = 10 * time.Second
	defaultTimeout           = 30 * time.Second

	// oboSessionTTL bounds how long an on-behalf-of session stays cached: the user's assertion has expired
	// by then, so the session could not mint another token anyway.
	oboSessionTTL = 2 * time.Hour
	// maxSessions bounds the session cache; the oldest entries go first.
	maxSessions = 10000
)

// Client opens mailboxes through Microsoft Graph. It caches credentials and limits concurrency per
// mailbox; share one Client across the process.
type Client struct {
	baseURL     string
	authority   string
	clientID    string
	secret      string
	certs       []*x509.Certificate
	key         crypto.PrivateKey
	identity    *identity // a managed or workload identity, whose token is the app's assertion; or nil
	noDiscovery bool
	devToken    string
	graphHTTP   *http.Client // with the Graph middleware, no retry
	entraHTTP   *http.Client // plain, for token requests
	log         *slog.Logger
	now         func() time.Time
	limits      *limiter
	retryMin    time.Duration // WatchIdentity's backoff
	retryMax    time.Duration

	mu       sync.Mutex
	sessions map[string]*session // by credential key
	dev      *session            // the one session of DevToken mode
}

// session is a Graph client bound to one credential.
type session struct {
	graph   *msgraphsdk.GraphServiceClient
	cred    azcore.TokenCredential // nil in DevToken mode
	created time.Time
}

// NewClient checks the options, loads the certificate if there is one, and builds the HTTP pipeline.
func NewClient(opts Options) (*Client, error) {
	c := &Client{
		baseURL:     strings.TrimRight(opts.BaseURL, "/"),
		authority:   strings.TrimRight(opts.Authority, "/"),
		clientID:    opts.ClientID,
		secret:      opts.ClientSecret,
		devToken:    opts.DevToken,
		log:         opts.Logger,
		now:         time.Now,
		sessions:    map[string]*session{},
		retryMin:    cmp.Or(opts.IdentityRetryMin, time.Second),
		retryMax:    cmp.Or(opts.IdentityRetryMax, 5*time.Minute),
		noDiscovery: opts.DisableInstanceDiscovery,
	}
	if c.baseURL == "" {
		c.baseURL = defaultBaseURL
	}
	if c.authority == "" {
		c.authority = defaultAuthority
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	size := opts.MaxConcurrentPerMailbox
	if size <= 0 {
		size = defaultMaxConcurrent
	}
	budget := opts.RequestsPerTenMinutes
	if budget <= 0 && opts.DevToken == "" {
		budget = defaultRequestsPerTenMinutes
	}
	c.limits = newLimiter(size, budget)
	c.limits.extRequests, c.limits.extWindow = opts.ExtensionRequests, opts.ExtensionWindow
	if c.limits.extRequests == 0 {
		c.limits.extRequests = defaultExtensionRequests
	}
	if c.limits.extWindow <= 0 {
		c.limits.extWindow = defaultExtensionWindow
	}

	base, err := url.Parse(c.baseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("graph base URL %q is not an absolute URL", opts.BaseURL)
	}
	if c.devToken == "" {
		if err := c.loadAppCredential(opts); err != nil {
			return nil, err
		}
		if base.Scheme != "https" && !isLoopback(base.Hostname()) {
			return nil, fmt.Errorf("graph base URL %q must use https to carry Entra tokens", opts.BaseURL)
		}
	}

	c.entraHTTP = opts.HTTPClient
	if c.entraHTTP == nil {
		c.entraHTTP = &http.Client{Timeout: defaultTimeout, Transport: pooledTransport()}
	}
	if c.devToken == "" {
		opts.Authority = c.authority
		if c.identity, err = newIdentity(opts, entraOptions(c.authority, c.entraHTTP), newIdentityHealth(opts.Credential, c.now)); err != nil {
			return nil, err
		}
	}
	c.graphHTTP = newGraphHTTPClient(c.entraHTTP)
	if c.devToken != "" {
		g, err := c.newGraphClient(staticToken(c.devToken))
		if err != nil {
			return nil, err
		}
		c.dev = &session{graph: g, created: c.now()}
	}
	return c, nil
}

// loadAppCredential checks that the app has exactly one way to authenticate and reads its certificate.
func (c *Client) loadAppCredential(opts Options) error {
	if c.clientID == "" {
		return errors.New("graph: ClientID is required unless DevToken is set")
	}
	switch opts.Credential {
	case CredentialManagedIdentity, CredentialWorkloadIdentity:
		if opts.ClientSecret != "" || opts.ClientCertPath != "" {
			return fmt.Errorf("graph: a %s needs no ClientSecret or ClientCertPath", opts.Credential)
		}
		return nil
	case CredentialSecret:
		if opts.ClientSecret == "" {
			return errors.New("graph: CredentialSecret needs ClientSecret")
		}
	case CredentialCertificate:
		if opts.ClientCertPath == "" {
			return errors.New("graph: CredentialCertificate needs ClientCertPath")
		}
	case "":
	default:
		return fmt.Errorf("graph: unknown credential %q", opts.Credential)
	}
	switch {
	case opts.ClientSecret != "" && opts.ClientCertPath != "":
		return errors.New("graph: set ClientSecret or ClientCertPath, not both")
	case opts.ClientSecret != "":
		return nil
	case opts.ClientCertPath != "":
		pem, err := os.ReadFile(opts.ClientCertPath)
		if err != nil {
			return fmt.Errorf("read client certificate: %w", err)
		}
		c.certs, c.key, err = azidentity.ParseCertificates(pem, nil)
		if err != nil {
			return fmt.Errorf("parse client certificate %s: %w", opts.ClientCertPath, err)
		}
		return nil
	default:
		return errors.New("graph: ClientSecret, ClientCertPath, a managed or workload identity, or DevToken is required")
	}
}

// User identifies whose mailbox to open and how to authenticate.
type User struct {
	TenantID string
	// ObjectID is the user's Entra object id; the mailbox is addressed as /users/{ObjectID}.
	ObjectID string
	// Assertion is the user's access token to crmsync's API. When set, Graph is called on behalf of the
	// user (client mode); when empty, with the app's own permissions (server mode).
	Assertion string
}

// Mailbox opens u's mailbox. It is cheap: credentials are cached per tenant (app-only) or per assertion
// (on-behalf-of), and no request is sent until a method is called.
func (c *Client) Mailbox(u User) (*Mailbox, error) {
	if u.ObjectID == "" {
		return nil, errors.New("open mailbox: user object id is empty")
	}
	s, err := c.session(u)
	if err != nil {
		return nil, fmt.Errorf("open mailbox of %s: %w", u.ObjectID, err)
	}
	return &Mailbox{
		graph:     s.graph,
		user:      u.ObjectID,
		delegated: u.Assertion != "",
		sem:       c.limits.gate(u.TenantID + "/" + u.ObjectID),
		ext:       c.limits.extensionGate(u.TenantID),
		log:       c.log.With("user", u.ObjectID),
		now:       c.now,
	}, nil
}

// session returns the cached Graph client for u's credential, creating it if needed.
func (c *Client) session(u User) (*session, error) {
	if c.dev != nil {
		return c.dev, nil
	}
	if u.TenantID == "" {
		return nil, errors.New("tenant id is empty")
	}
	key := "app:" + u.TenantID
	if u.Assertion != "" {
		sum := sha256.Sum256([]byte(u.Assertion))
		key = "obo:" + u.TenantID + ":" + hex.EncodeToString(sum[:])
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if s, ok := c.sessions[key]; ok && (u.Assertion == "" || now.Sub(s.created) < oboSessionTTL) {
		return s, nil
	}
	cred, err := c.credential(u)
	if err != nil {
		return nil, err
	}
	g, err := c.newGraphClient(credentialToken{cred: cred})
	if err != nil {
		return nil, err
	}
	c.prune(now)
	s := &session{graph: g, cred: cred, created: now}
	c.sessions[key] = s
	return s, nil
}

// prune drops expired on-behalf-of sessions and, past maxSessions, the oldest ones. Callers hold c.mu.
func (c *Client) prune(now time.Time) {
	for k, s := range c.sessions {
		if strings.HasPrefix(k, "obo:") && now.Sub(s.created) >= oboSessionTTL {
			delete(c.sessions, k)
		}
	}
	for len(c.sessions) >= maxSessions {
		var oldest string
		for k, s := range c.sessions {
			if oldest == "" || s.created.Before(c.sessions[oldest].created) {
				oldest = k
			}
		}
		delete(c.sessions, oldest)
	}
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// pooledTransport is the default transport with room to keep connections: every mailbox's calls go to
// the one Graph host, and http.DefaultTransport keeps only 2 idle connections per host, so busy workers
// would open (and, against Graph, handshake) a new connection for most calls.
func pooledTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 256
	return t
}
