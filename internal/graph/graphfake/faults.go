package graphfake

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Fault is a failure the server answers with instead of serving a request.
type Fault struct {
	// Status is the HTTP status to answer, such as 429, 503, 500, 404 or 410. With Status 0 the fault only
	// delays the request by Latency, which is then served normally.
	Status int
	// RetryAfter is sent as a Retry-After header in seconds, with a fraction to the millisecond when it
	// has one, as Graph does ("Retry-After: 2.128", throttling.md): always on 429 (Graph always sends it
	// there), on other statuses when positive.
	RetryAfter time.Duration
	// Latency delays the answer.
	Latency time.Duration
	// Times is how many requests the fault answers before it disappears; 0 means until ClearFaults.
	Times int
	// Code overrides the error code, which otherwise follows Status the way Graph's does.
	Code string
	// Message overrides the error message, which otherwise follows Status.
	Message string
}

// InjectFault makes requests matching route (a pattern from routes.go, or "*" for every route) fail
// with f. Faults for one route queue up: the first applies until its Times run out. Faults for the exact
// route come before those for "*".
func (s *Server) InjectFault(route string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[route] = append(s.faults[route], &f)
}

// Routes returns the pattern of every endpoint the server serves, such as
// "GET /users/{user}/messages/{id}", in the form InjectFault and Requests take them.
func (s *Server) Routes() []string {
	patterns := make([]string, len(s.routes))
	for i, r := range s.routes {
		patterns[i] = r.pattern
	}
	return patterns
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string][]*Fault{}
}

// takeFault returns the fault that applies to a request on pattern and counts it down.
func (s *Server) takeFault(pattern string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{pattern, "*"} {
		queue := s.faults[key]
		if len(queue) == 0 {
			continue
		}
		f := queue[0]
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults[key] = queue[1:]
			}
		}
		return *f, true
	}
	return Fault{}, false
}

// response renders the fault as Graph would answer it.
func (f Fault) response() response {
	code, message := f.Code, ""
	switch f.Status {
	case http.StatusTooManyRequests:
		code, message = or(code, "TooManyRequests"), "Application is over its MailboxConcurrency limit."
	case http.StatusServiceUnavailable:
		code, message = or(code, "ServiceUnavailable"), "The service is temporarily unavailable. Please retry later."
	case http.StatusInternalServerError:
		code, message = or(code, "InternalServerError"), "An internal server error occurred. The operation failed."
	case http.StatusGatewayTimeout:
		code, message = or(code, "GatewayTimeout"), "The gateway did not receive a timely response."
	case http.StatusNotFound:
		code, message = or(code, "ErrorItemNotFound"), "The specified object was not found in the store."
	case http.StatusGone:
		code, message = or(code, "SyncStateNotFound"), "The sync state is not found or has expired; a resync is required (resyncRequired)."
	case http.StatusUnauthorized:
		code, message = or(code, "InvalidAuthenticationToken"), "Lifetime validation failed, the token is expired."
	case http.StatusForbidden:
		code, message = or(code, "ErrorAccessDenied"), "Access is denied. Check credentials and try again."
	case http.StatusBadRequest:
		code, message = or(code, "ErrorInvalidRequest"), "The request is invalid."
	default:
		code, message = or(code, "UnknownError"), http.StatusText(f.Status)
	}
	resp := graphError(f.Status, code, or(f.Message, message))
	if f.Status == http.StatusTooManyRequests || f.RetryAfter > 0 {
		resp = withHeader(resp, "Retry-After", retryAfterValue(f.RetryAfter))
	}
	return resp
}

// retryAfterValue renders a wait as Retry-After seconds: whole, or with up to three decimals.
func retryAfterValue(d time.Duration) string {
	ms := math.Ceil(float64(max(d, 0)) / float64(time.Millisecond))
	return strconv.FormatFloat(ms/1000, 'f', -1, 64)
}

func or(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}
