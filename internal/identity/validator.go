package identity

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// maxLeeway bounds clock skew tolerance: beyond it a stolen, expired token
	// stays usable for longer than any real clock drift explains.
	maxLeeway              = 5 * time.Minute
	defaultRefreshInterval = 24 * time.Hour
	defaultUnknownKIDEvery = 5 * time.Minute
	defaultHTTPTimeout     = 10 * time.Second
	// maxTokenBytes stops oversized headers from costing base64 and JSON work;
	// real Entra access tokens stay well under 8 KiB even with many roles.
	maxTokenBytes = 16 << 10
)

// Options configures a Validator.
type Options struct {
	// Authority is "https://login.microsoftonline.com" (default) or a dev issuer
	// base such as "http://127.0.0.1:8080/dev/oidc". Plain http is accepted only
	// for loopback hosts.
	Authority string
	// ClientID is our API's application ID; v2 tokens must have aud == ClientID.
	ClientID string
	// AppIDURIs are the audiences accepted in v1 tokens; default "api://"+ClientID.
	AppIDURIs []string
	// Tenants is a static allow-list of tenant GUIDs; empty means any tenant, in
	// which case the caller checks onboarding.
	Tenants []string
	// Leeway is the clock skew allowed on exp and nbf; default and maximum 5m.
	Leeway time.Duration
	// HTTPClient fetches metadata and keys; default a client with a 10s timeout.
	HTTPClient *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
	// RefreshInterval is how often the JWKS is refetched; default 24h.
	RefreshInterval time.Duration
	// UnknownKIDRefreshEvery rate-limits refetches triggered by an unknown kid,
	// so forged kids cannot make us hammer the issuer; default 5m.
	UnknownKIDRefreshEvery time.Duration
	// Logger receives key refresh failures; default slog.Default().
	Logger *slog.Logger
	// CacheSize is how many validated tokens are remembered (DefaultCacheSize when 0; none when
	// negative). A remembered token skips the signature check while its key is still published, but
	// its nbf and exp are checked on every use.
	CacheSize int
}

// Validator checks Entra ID access tokens for our API. It is safe for
// concurrent use.
type Validator struct {
	authority string
	clientID  string
	appIDURIs []string
	tenants   map[string]bool
	now       func() time.Time
	parser    *jwt.Parser
	keys      *keySource
	cache     *tokenCache
}

// NewValidator checks the options and returns a Validator. It does no network
// I/O: keys are discovered on the first Validate, because in local mode the
// issuer is our own server, which may not be listening yet.
func NewValidator(opts Options) (*Validator, error) {
	authority, err := normalizeAuthority(opts.Authority)
	if err != nil {
		return nil, err
	}
	if !isGUID(opts.ClientID) {
		return nil, fmt.Errorf("new validator: client id %q is not a GUID", opts.ClientID)
	}
	clientID := strings.ToLower(opts.ClientID)
	appIDURIs := opts.AppIDURIs
	if len(appIDURIs) == 0 {
		appIDURIs = []string{"api://" + clientID}
	}
	tenants := make(map[string]bool, len(opts.Tenants))
	for _, t := range opts.Tenants {
		if !isGUID(t) {
			return nil, fmt.Errorf("new validator: allowed tenant %q is not a GUID", t)
		}
		tenants[strings.ToLower(t)] = true
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	leeway := opts.Leeway
	switch {
	case leeway < 0:
		return nil, fmt.Errorf("new validator: negative leeway %s", leeway)
	case leeway == 0:
		leeway = maxLeeway
	case leeway > maxLeeway:
		logger.Warn("identity: token leeway capped", "requested", leeway, "used", maxLeeway)
		leeway = maxLeeway
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: defaultHTTPTimeout}
	}
	refresh := opts.RefreshInterval
	if refresh <= 0 {
		refresh = defaultRefreshInterval
	}
	unknownEvery := opts.UnknownKIDRefreshEvery
	if unknownEvery <= 0 {
		unknownEvery = defaultUnknownKIDEvery
	}
	return &Validator{
		authority: authority,
		clientID:  clientID,
		appIDURIs: appIDURIs,
		tenants:   tenants,
		now:       now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(now),
			jwt.WithExpirationRequired(),
			jwt.WithStrictDecoding(),
		),
		keys: newKeySource(keySourceConfig{
			metadataURL:     authority + "/common/v2.0/.well-known/openid-configuration",
			allowHTTP:       strings.HasPrefix(authority, "http://"),
			client:          client,
			refreshInterval: refresh,
			unknownKIDEvery: unknownEvery,
			logger:          logger,
		}),
		cache: newTokenCache(opts.CacheSize, leeway),
	}, nil
}

// normalizeAuthority refuses plain http beyond loopback so a misconfiguration
// cannot make us trust keys fetched over the network in clear text.
func normalizeAuthority(raw string) (string, error) {
	if raw == "" {
		return defaultAuthority, nil
	}
	authority := strings.TrimRight(raw, "/")
	u, err := url.Parse(authority)
	if err != nil {
		return "", fmt.Errorf("new validator: parse authority: %w", err)
	}
	if u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("new validator: authority %q must be an absolute URL without query", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("new validator: authority %q uses http on a non-loopback host", raw)
		}
	default:
		return "", fmt.Errorf("new validator: authority %q must use https", raw)
	}
	return authority, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Close stops the background key refresh. Validate keeps working with the keys
// already fetched.
func (v *Validator) Close() {
	v.keys.close()
}

// Validate checks an access token and returns the caller it proves. Errors are
// always *Error.
func (v *Validator) Validate(ctx context.Context, raw string) (Principal, error) {
	p, err := v.validate(ctx, raw)
	if err != nil {
		return Principal{}, err
	}
	return p, nil
}

// validate returns the concrete type so a nil *Error never becomes a non-nil error.
func (v *Validator) validate(ctx context.Context, raw string) (Principal, *Error) {
	if raw == "" {
		return Principal{}, fail(checkMissing, "no bearer token was sent")
	}
	if len(raw) > maxTokenBytes {
		return Principal{}, fail(checkMalformed, "the token is longer than %d bytes", maxTokenBytes)
	}
	key := tokenKey(raw)
	if p, e, ok := v.remembered(ctx, key); ok {
		return p, e
	}
	if e := checkShape(raw); e != nil {
		return Principal{}, e
	}
	var (
		c          accessClaims
		kid        string
		verifiedBy any
		keyErr     *Error
	)
	// jwt decodes the header and claims, then calls this only for an RS256 token (WithValidMethods), so
	// a forged algorithm never causes network traffic.
	token, err := v.parser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		if kid, _ = t.Header["kid"].(string); kid == "" {
			keyErr = fail(checkUnknownKey, "the token header names no signing key (kid)")
			return nil, keyErr
		}
		kf, err := v.keys.get(ctx)
		if err != nil {
			keyErr = fail(checkKeysUnavailable, "the identity provider's signing keys could not be fetched; try again shortly")
			return nil, keyErr
		}
		verifiedBy, err = kf.KeyfuncCtx(ctx)(t)
		return verifiedBy, err
	})
	if keyErr != nil {
		return Principal{}, keyErr
	}
	if err != nil {
		return Principal{}, classifyParseError(err, token, kid)
	}
	p, e := v.checkClaims(raw, &c)
	if e != nil {
		return Principal{}, e
	}
	var nbf time.Time
	if d := numericDate(c.NotBefore); d != nil {
		nbf = d.Time
	}
	v.cache.add(key, p, nbf, kid, verifiedBy)
	return p, nil
}

// CachedTokens is how many validated tokens the validator remembers (for tests and metrics).
func (v *Validator) CachedTokens() int { return v.cache.size() }

// remembered answers for a token validated before, as long as the key that verified it is still
// published: a key dropped by a JWKS refresh sends its tokens through the full validation, which then
// fails them.
func (v *Validator) remembered(ctx context.Context, key [sha256.Size]byte) (Principal, *Error, bool) {
	entry, e, ok := v.cache.lookup(key, v.now())
	if !ok || e != nil {
		return Principal{}, e, ok
	}
	if !v.keys.publishes(ctx, entry.kid, entry.key) {
		v.cache.forget(key)
		return Principal{}, nil, false
	}
	return entry.principal, nil, true
}

func classifyParseError(err error, token *jwt.Token, kid string) *Error {
	if token != nil && !errors.Is(err, jwt.ErrTokenMalformed) {
		if alg, _ := token.Header["alg"].(string); alg != jwt.SigningMethodRS256.Alg() {
			return fail(checkAlgorithm, "the token is signed with %q; only RS256 is accepted", alg)
		}
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fail(checkMalformed, "the token is not a well-formed JWT")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return fail(checkUnknownKey, "the token was signed with key %q, which the issuer does not publish", kid)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return fail(checkSignature, "the token signature does not match its content")
	case errors.Is(err, jwt.ErrTokenExpired):
		return fail(checkExpired, "the token has expired; get a new one")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return fail(checkNotYetValid, "the token is not valid yet; check the clock")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return fail(checkMalformed, "the token has no expiry (exp)")
	default:
		return fail(checkMalformed, "the token claims could not be read")
	}
}
