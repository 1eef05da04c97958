package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"golang.org/x/time/rate"
)

// maxMetadataBytes bounds the discovery document; Entra's is about 2 KiB.
const maxMetadataBytes = 1 << 20

type keySourceConfig struct {
	metadataURL     string
	allowHTTP       bool
	client          *http.Client
	refreshInterval time.Duration
	unknownKIDEvery time.Duration
	logger          *slog.Logger
}

// keySource discovers the issuer's JWKS once and then serves keys from
// keyfunc's cache. A failed discovery is forgotten so a later call retries:
// in local mode the first request may arrive before our own issuer listens.
type keySource struct {
	cfg    keySourceConfig
	ctx    context.Context // ends the refresh goroutine and any discovery
	cancel context.CancelFunc
	loaded atomic.Pointer[keyfunc.Keyfunc]
	wg     sync.WaitGroup

	mu          sync.Mutex
	flight      *discovery
	stopRefresh context.CancelFunc // set once keys load; s.cancel also ends it
}

// discovery is one in-flight attempt; every caller waiting on it shares its result.
type discovery struct {
	done chan struct{}
	kf   keyfunc.Keyfunc
	err  error
}

func newKeySource(cfg keySourceConfig) *keySource {
	ctx, cancel := context.WithCancel(context.Background())
	return &keySource{cfg: cfg, ctx: ctx, cancel: cancel}
}

func (s *keySource) close() {
	// Cancelling under the lock orders it against get starting a discovery,
	// so Wait below sees every goroutine.
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopRefresh != nil {
		s.stopRefresh()
	}
}

// get returns the keys, discovering them if needed. The discovery runs on its
// own goroutine under the validator's lifetime, not the caller's, so one
// impatient request cannot fail it for everyone waiting.
func (s *keySource) get(ctx context.Context) (keyfunc.Keyfunc, error) {
	if kf := s.loaded.Load(); kf != nil {
		return *kf, nil
	}
	s.mu.Lock()
	if kf := s.loaded.Load(); kf != nil {
		s.mu.Unlock()
		return *kf, nil
	}
	if err := s.ctx.Err(); err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("discover keys: validator closed: %w", err)
	}
	f := s.flight
	if f == nil {
		f = &discovery{done: make(chan struct{})}
		s.flight = f
		s.wg.Add(1)
		go s.discover(f)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.kf, f.err
	case <-ctx.Done():
		return nil, fmt.Errorf("discover keys: %w", ctx.Err())
	}
}

func (s *keySource) discover(f *discovery) {
	defer s.wg.Done()
	kf, stop, err := s.load()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.stopRefresh = stop
		s.loaded.Store(&kf)
	} else {
		s.cfg.logger.Warn("identity: signing key discovery failed", "metadata", s.cfg.metadataURL, "error", err)
	}
	s.flight = nil
	f.kf, f.err = kf, err
	close(f.done)
}

// load returns the keys and the function that ends their refresh goroutine.
func (s *keySource) load() (keyfunc.Keyfunc, context.CancelFunc, error) {
	jwksURI, err := s.fetchJWKSURI()
	if err != nil {
		return nil, nil, err
	}
	// Each attempt gets its own context: jwkset starts its refresh goroutine
	// before the first fetch, and a failed attempt must not leave it running.
	ctx, cancel := context.WithCancel(s.ctx)
	noErrorOnFirst := false
	timeout := s.httpTimeout()
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{jwksURI}, keyfunc.Override{
		Client:                    s.cfg.client,
		HTTPTimeout:               timeout,
		NoErrorReturnFirstHTTPReq: &noErrorOnFirst,
		// Nothing is given locally: reading the fetched keys first spares every lookup a miss (and the
		// error it formats) in an empty local store.
		PrioritizeHTTP:    true,
		RefreshInterval:   s.cfg.refreshInterval,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(s.cfg.unknownKIDEvery), 1),
		// jwkset runs the unknown-kid refresh under this same deadline, so it
		// must leave room for the fetch. A limiter whose next slot is further
		// away than this fails at once rather than holding the request.
		RateLimitWaitMax: timeout,
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				s.cfg.logger.WarnContext(ctx, "identity: JWKS refresh failed", "url", u, "error", err)
			}
		},
	})
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("fetch jwks %s: %w", jwksURI, err)
	}
	return kf, cancel, nil
}

func (s *keySource) httpTimeout() time.Duration {
	if t := s.cfg.client.Timeout; t > 0 {
		return t
	}
	return defaultHTTPTimeout
}

func (s *keySource) fetchJWKSURI() (string, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.httpTimeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.metadataURL, nil)
	if err != nil {
		return "", fmt.Errorf("fetch openid metadata: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.cfg.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch openid metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetch openid metadata %s: status %s", s.cfg.metadataURL, resp.Status)
	}
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxMetadataBytes)).Decode(&meta); err != nil {
		return "", fmt.Errorf("decode openid metadata: %w", err)
	}
	u, err := url.Parse(meta.JWKSURI)
	if err != nil {
		return "", fmt.Errorf("parse jwks_uri: %w", err)
	}
	// Keys over clear text would let anyone on the path mint tokens, so http is
	// only followed when the authority itself is a loopback http issuer.
	secure := u.Scheme == "https" || u.Scheme == "http" && s.cfg.allowHTTP && isLoopback(u.Hostname())
	if u.Host == "" || !secure {
		return "", errors.New("openid metadata: jwks_uri " + meta.JWKSURI + " is not an https URL")
	}
	return meta.JWKSURI, nil
}

// publishes reports whether the issuer still publishes key under kid, as of the last JWKS fetch. A kid
// it does not know may trigger a rate-limited refresh, as in a full validation.
func (s *keySource) publishes(ctx context.Context, kid string, key publicKey) bool {
	kf := s.loaded.Load()
	if kf == nil {
		return false
	}
	jwk, err := (*kf).Storage().KeyRead(ctx, kid)
	if err != nil {
		return false
	}
	// The stored key is the same value until a refresh parses the set again; only then is it compared
	// (rsa's Equal allocates).
	published := jwk.Key()
	return published == any(key) || key.Equal(published)
}
