package graphfake

import (
	"net/http"
	"strings"
	"time"
)

// Per-tenant limits. Requests to open and schema extensions are limited per app and tenant: 455 per 10
// seconds, whichever mailboxes they are in ("Open and schema extensions service limits",
// throttling-limits.md). A server is one tenant, so it counts every request addressed to an open
// extension (…/extensions, …/extensions/{name}) in every mailbox, and answers the one over the limit
// with 429 and the Retry-After until a request leaves the window. Windows are measured in real time,
// whatever clock dates the items.

// Graph's open-extension limit per app and tenant.
const (
	DefaultExtensionLimit  = 455
	DefaultExtensionWindow = 10 * time.Second
)

// WithExtensionLimit sets the open-extension limit to n requests per window; n 0 means no limit.
func WithExtensionLimit(n int, window time.Duration) Option {
	return func(s *Server) { s.extLimit, s.extWindow = n, window }
}

// ExtensionRequestsThrottled returns how many requests to open extensions the server refused with 429
// for the tenant's limit.
func (s *Server) ExtensionRequestsThrottled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.extThrottled
}

// admitExtension counts a request to an open extension, or answers why it is refused.
func (s *Server) admitExtension(pattern string) (response, bool) {
	if !strings.Contains(pattern, "/extensions") {
		return response{}, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.extLimit <= 0 {
		return response{}, true
	}
	now := time.Now()
	keep := s.extLog[:0]
	for _, t := range s.extLog {
		if now.Sub(t) < s.extWindow {
			keep = append(keep, t)
		}
	}
	s.extLog = keep
	if len(s.extLog) < s.extLimit {
		s.extLog = append(s.extLog, now)
		return response{}, true
	}
	s.extThrottled++
	wait := s.extWindow - now.Sub(s.extLog[0])
	resp := graphError(http.StatusTooManyRequests, "TooManyRequests", "Please retry again later.")
	return withHeader(resp, "Retry-After", retryAfterValue(wait)), false
}
