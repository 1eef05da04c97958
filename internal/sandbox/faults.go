package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
)

// faultRequest is POST /dev/outlook/faults's body: which Graph route of the demo mailbox fails, and how.
type faultRequest struct {
	// Route is a pattern of the fake Graph, such as "GET /users/{user}/messages/{id}", or "*" for all.
	Route string `json:"route"`
	// Status is the HTTP status Graph answers, 400–599; 0 only delays the request by LatencyMs.
	Status int `json:"status"`
	// Times is how many requests fail before the fault goes; 0 means until DELETE /dev/outlook/faults.
	Times             int `json:"times"`
	RetryAfterSeconds int `json:"retryAfterSeconds"`
	LatencyMs         int `json:"latencyMs"`
}

// maxFaultBody bounds the fault request; it is a few dozen bytes.
const maxFaultBody = 16 << 10

// injectFault makes the demo mailbox fail the next requests on a route, so that a developer (and the
// end-to-end tests) can see what the taskpane shows when Microsoft Graph fails.
func (h *handler) injectFault(w http.ResponseWriter, r *http.Request) {
	// JSON only: a cross-site form cannot send it without a CORS preflight, which crmsync never grants.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeProblem(w, r, http.StatusUnsupportedMediaType, "unsupported-media-type", "send the fault as application/json")
		return
	}
	var req faultRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFaultBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeProblem(w, r, http.StatusBadRequest, "validation", "the fault is not valid JSON: "+err.Error())
		return
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		writeProblem(w, r, http.StatusBadRequest, "validation", "the fault must be one JSON object")
		return
	}
	if err := h.validFault(req); err != nil {
		writeProblem(w, r, http.StatusBadRequest, "validation", err.Error())
		return
	}
	h.deps.Mailbox.InjectFault(req.Route, graphfake.Fault{Status: req.Status, Times: req.Times,
		RetryAfter: time.Duration(req.RetryAfterSeconds) * time.Second, Latency: time.Duration(req.LatencyMs) * time.Millisecond})
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) validFault(req faultRequest) error {
	routes := h.deps.Mailbox.Routes()
	switch {
	case req.Route != "*" && !slices.Contains(routes, req.Route):
		return fmt.Errorf("route %q is not a route of the demo mailbox: use \"*\" or one of %q", req.Route, routes)
	case req.Status != 0 && (req.Status < 400 || req.Status > 599):
		return fmt.Errorf("status %d is not an error status (400–599), nor 0 for latency only", req.Status)
	case req.Status == 0 && req.LatencyMs == 0:
		return errors.New("a fault needs a status, a latencyMs, or both")
	case req.Times < 0 || req.Times > 1000:
		return fmt.Errorf("times %d must be 0 (until cleared) to 1000", req.Times)
	case req.RetryAfterSeconds < 0 || req.RetryAfterSeconds > 3600:
		return fmt.Errorf("retryAfterSeconds %d must be 0 to 3600", req.RetryAfterSeconds)
	case req.LatencyMs < 0 || req.LatencyMs > 60_000:
		return fmt.Errorf("latencyMs %d must be 0 to 60000", req.LatencyMs)
	}
	return nil
}

// clearFaults removes every fault, injected here or by anyone else.
func (h *handler) clearFaults(w http.ResponseWriter, _ *http.Request) {
	h.deps.Mailbox.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}
