// Package graphfake is an in-memory Microsoft Graph v1.0 server for tests and local mode. It serves the
// few routes crmsync calls (messages, events, contacts, To Do tasks, their stamps, translateExchangeIds —
// for delegated tokens only, as Graph (tokens.go) — and delta queries) in Graph's own wire format, closely enough that the real msgraph-sdk-go client works
// against it, and it injects the failures Graph is known for: throttling, outages, expired delta tokens.
//
// It is no kinder than Graph's documentation: a delta entry of an updated item carries only what changed
// (partial.go); a calendar view holds series masters, occurrences and exceptions (series.go); a delete
// moves an item to Deleted Items (trash.go); a moved To Do task gets a new id (MoveTask); Retry-After has
// fractions; dropped delta tokens answer any documented reset (DeltaReset); contacts are tracked through
// their folder only; open extensions have one id form and a per-tenant limit (extensions.go, limits.go);
// a sent message's subject and body are read-only; extended property names are case-sensitive;
// timestamps have fractions; and a text event body is kept as HTML (body.go). Each is tested against the
// page that documents it.
//
// It uses plain net/http and encoding/json on purpose: a fake built on the SDK's models would agree with
// the SDK by construction and so could not catch a mismatch with what Graph really sends.
package graphfake

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a fake Microsoft Graph holding any number of mailboxes. All its methods are safe for
// concurrent use, also while it serves requests.
type Server struct {
	now     func() time.Time
	latency time.Duration
	routes  []route

	mu        sync.Mutex
	mailboxes map[string]*mailbox // by lower-cased object id and by lower-cased UPN
	requests  map[string]int      // by route pattern
	faults    map[string][]*Fault // by route pattern or "*"
	inFlight  map[string]int      // by mailbox key
	maxFlight map[string]int      // by mailbox key
	requestN  int                 // numbers the request-id header
	jobs      map[jobKey]*JobSpan // by mailbox key and job attempt; nil unless RecordJobs

	tenantID string                              // sent in change notifications
	subs     map[string]*subscription            // change-notification subscriptions by id
	subsOf   map[string]map[string]*subscription // the same by watched mailbox's object id, then id
	subN     int                                 // numbers subscriptions in the order they are made
	notes    *notifier                           // delivers change and lifecycle notifications
	meetings []MeetingMessage                    // every meeting request, update and cancellation sent
	sent     []SentMail                          // every message sent through sendMail or reply
	mailN    int                                 // numbers made-up internetMessageIds

	extLimit     int           // open-extension requests per extWindow, for the tenant (see limits.go)
	extWindow    time.Duration // the window of extLimit
	extLog       []time.Time   // when the admitted ones of the last window arrived
	extThrottled int           // how many were refused
}

// Option configures a Server.
type Option func(*Server)

// WithLatency makes every request wait d before it is answered, as a slow network would; a request
// whose context ends first is abandoned.
func WithLatency(d time.Duration) Option {
	return func(s *Server) { s.latency = d }
}

// WithClock sets the clock that dates new and changed items (and the demo content). Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// WithTenant sets the tenant id change notifications carry. Default: DefaultTenantID.
func WithTenant(id string) Option {
	return func(s *Server) { s.tenantID = id }
}

// DefaultTenantID is the tenantId of the notifications of a server built without WithTenant.
const DefaultTenantID = "6d4f1c2b-8a3e-4b5f-9c7d-0e1f2a3b4c5d"

// New returns an empty server: add mailboxes with AddMailbox. A server that delivers notifications runs
// goroutines until Close.
func New(opts ...Option) *Server {
	s := &Server{
		now:       time.Now,
		mailboxes: map[string]*mailbox{},
		requests:  map[string]int{},
		faults:    map[string][]*Fault{},
		inFlight:  map[string]int{},
		maxFlight: map[string]int{},
		tenantID:  DefaultTenantID,
		subs:      map[string]*subscription{},
		subsOf:    map[string]map[string]*subscription{},
		extLimit:  DefaultExtensionLimit,
		extWindow: DefaultExtensionWindow,
	}
	s.notes = newNotifier(NotificationOptions{})
	for _, o := range opts {
		o(s)
	}
	s.routes = s.buildRoutes()
	return s
}

// Close stops delivering notifications: queued ones are dropped. The server still answers requests.
func (s *Server) Close() {
	s.notes.close()
}

// Handler serves Graph's routes relative to the v1.0 root ("/users/{user}/messages/{id}"); mount it
// with http.StripPrefix("/v1.0", h). Links it returns (@odata.nextLink, @odata.deltaLink) are absolute
// and keep the mount prefix.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

// Start serves a new Server on a local httptest server closed when the test ends, and returns it with
// its base URL, which ends in "/v1.0" like "https://graph.microsoft.com/v1.0".
func Start(t testing.TB, opts ...Option) (*Server, string) {
	t.Helper()
	s := New(opts...)
	mux := http.NewServeMux()
	mux.Handle("/v1.0/", http.StripPrefix("/v1.0", s.Handler()))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	t.Cleanup(s.Close) // before ts.Close: cleanups run last first
	return s, ts.URL + "/v1.0"
}

// AddMailbox creates an empty mailbox (with the well-known mail folders and the default To Do list,
// "Tasks") reachable as /users/{objectID} and /users/{upn}, both case-insensitive. Adding an existing
// mailbox again changes nothing.
func (s *Server) AddMailbox(objectID, upn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mailboxes[strings.ToLower(objectID)] != nil {
		return
	}
	mb := newMailbox(objectID, upn, s.now().UTC())
	mb.onChange = func(change string, it *item) { s.changed(mb, change, it) }
	s.mailboxes[strings.ToLower(objectID)] = mb
	if upn != "" {
		s.mailboxes[strings.ToLower(upn)] = mb
	}
}

// SetDisplayName gives user's mailbox the name its mail is sent under (the UPN until then).
func (s *Server) SetDisplayName(user, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustMailbox(user).name = name
}

// ExpireDeltaTokens makes every delta and skip token issued so far for user's mailbox answer 410 Gone
// (SyncStateNotFound) with a Location to start over at, as Graph does when it drops a sync state.
func (s *Server) ExpireDeltaTokens(user string) {
	s.ExpireDeltaTokensWith(user, DeltaReset{})
}

// DeltaReset is how the server answers a delta or skip token it dropped. The zero value is 410 Gone,
// code SyncStateNotFound.
type DeltaReset struct {
	// Status is 410 by default; Graph answers an expired Outlook token with "a 40X-series error with error
	// codes such as syncStateNotFound" (delta-query-overview.md, Token duration).
	Status int
	// Code is the error's code: syncStateNotFound, resyncRequired, … (errors.md). Default SyncStateNotFound.
	Code string
	// InnerCode, when set, is the code of the innerError, where errors.md lists the more detailed
	// resyncRequired, resyncApplyDifferences and resyncUploadDifferences.
	InnerCode string
}

// ExpireDeltaTokensWith is ExpireDeltaTokens answered as r says.
func (s *Server) ExpireDeltaTokensWith(user string, r DeltaReset) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	mb.epoch++
	mb.reset = r
}

// response renders the answer to a dropped token.
func (r DeltaReset) response() response {
	status, code := r.Status, or(r.Code, "SyncStateNotFound")
	if status == 0 {
		status = http.StatusGone
	}
	resp := graphError(status, code, "The sync state is not found or has expired; a resync is required.")
	if r.InnerCode != "" {
		e := resp.body.(map[string]any)["error"].(map[string]any)
		e["innerError"].(map[string]any)["code"] = r.InnerCode
	}
	return resp
}

// Requests returns how many requests matched route, a pattern as listed in routes.go such as
// "GET /users/{user}/messages/{id}", counting faulted and unauthorized ones; "*" sums every route.
func (s *Server) Requests(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if route == "*" {
		n := 0
		for _, v := range s.requests {
			n += v
		}
		return n
	}
	return s.requests[route]
}

// MaxConcurrent returns the highest number of requests seen in flight at once for user's mailbox
// (object id or UPN). Graph allows an app 4 per mailbox; crmsync must never exceed that.
func (s *Server) MaxConcurrent(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxFlight[s.flightKey(user)]
}

// Bodies returns the raw body of every POST and PATCH request received for user's mailbox (object id
// or UPN), in order, those answered with an injected fault included: a test can check that a value
// never reached Graph.
func (s *Server) Bodies(user string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.mustMailbox(user).bodies)
}

// recordBody keeps the body of a POST or PATCH for Bodies.
func (s *Server) recordBody(method, user string, body []byte) {
	if method != http.MethodPost && method != http.MethodPatch {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if mb := s.mailbox(user); mb != nil {
		mb.bodies = append(mb.bodies, string(body))
	}
}

// mailbox returns the mailbox user names by object id or UPN, or nil. Callers hold s.mu.
func (s *Server) mailbox(user string) *mailbox {
	return s.mailboxes[strings.ToLower(user)]
}

// mustMailbox is mailbox for the seeding methods, where an unknown user is a bug in the test.
func (s *Server) mustMailbox(user string) *mailbox {
	mb := s.mailbox(user)
	if mb == nil {
		panic("graphfake: no mailbox " + user + "; call AddMailbox first")
	}
	return mb
}

// flightKey names the mailbox a request is for, so that a UPN and an object id count as one mailbox.
// Callers hold s.mu.
func (s *Server) flightKey(user string) string {
	if mb := s.mailbox(user); mb != nil {
		return strings.ToLower(mb.objectID)
	}
	return strings.ToLower(user)
}
