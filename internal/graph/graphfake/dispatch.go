package graphfake

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/telemetry"
)

// maxBody bounds a request body; crmsync's PATCHes are a few hundred bytes.
const maxBody = 1 << 20

// jsonContentType is what Graph declares on JSON responses; the SDK only looks at the part before ';'.
const jsonContentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

// call is one request on its way through a handler. Handlers run with s.mu held.
type call struct {
	s         *Server
	r         *http.Request
	params    map[string]string
	query     url.Values
	body      []byte
	mb        *mailbox
	now       time.Time
	immutable bool   // Prefer: IdType="ImmutableId"
	pageSize  int    // Prefer: odata.maxpagesize=N, 0 when absent
	bodyType  string // Prefer: outlook.body-content-type, "text", "html" or ""
	root      string // absolute URL of the v1.0 root, for links
	path      string // escaped request path below the root
}

// response is what a handler answers; serve encodes it once the handler is done.
type response struct {
	status int
	body   any // nil for no body
	header http.Header
}

func ok(body any) response { return response{status: http.StatusOK, body: body} }

// serve runs a request through Graph's order of business: route, count, latency, authentication,
// body (recorded for Bodies), injected fault, mailbox, handler.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	segs, err := splitPath(r.URL.EscapedPath())
	if err != nil {
		s.write(w, r, graphError(http.StatusBadRequest, "BadRequest", "The request URL is malformed."))
		return
	}
	rt, params, found := s.match(r.Method, segs)
	if rt == nil {
		if found {
			s.write(w, r, graphError(http.StatusMethodNotAllowed, "ErrorInvalidRequest",
				fmt.Sprintf("The OData request is not supported: %s is not allowed here.", r.Method)))
			return
		}
		s.write(w, r, graphError(http.StatusBadRequest, "BadRequest",
			fmt.Sprintf("Resource not found for the segment '%s'.", segs[len(segs)-1])))
		return
	}

	job := r.Header.Get(telemetry.JobHeader)
	key := s.begin(rt.pattern, params["user"], job)
	defer s.end(key, job)
	ctx := r.Context()
	if !sleep(ctx, s.latency) {
		return
	}
	if !hasBearer(r) {
		s.write(w, r, graphError(http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty."))
		return
	}
	body, err := readBody(r)
	if err != nil {
		s.write(w, r, graphError(http.StatusBadRequest, "RequestBodyRead", err.Error()))
		return
	}
	s.recordBody(r.Method, params["user"], body)
	if f, ok := s.takeFault(rt.pattern); ok {
		if !sleep(ctx, f.Latency) {
			return
		}
		if f.Status != 0 {
			s.write(w, r, f.response())
			return
		}
	}
	if resp, ok := s.admitExtension(rt.pattern); !ok {
		s.write(w, r, resp)
		return
	}

	c := &call{s: s, r: r, params: params, query: r.URL.Query(), body: body, root: rootURL(r), path: r.URL.EscapedPath()}
	c.immutable, c.pageSize, c.bodyType = parsePrefer(r.Header.Values("Prefer"))
	if rt.direct != nil { // it takes the lock itself, to call out without holding it
		s.write(w, r, rt.direct(c))
		return
	}
	s.mu.Lock()
	c.now = s.now().UTC()
	var resp response
	if _, perUser := params["user"]; !perUser { // /subscriptions: the app's, not a mailbox's
		resp = rt.handle(c)
	} else if c.mb = s.mailbox(params["user"]); c.mb == nil {
		resp = graphError(http.StatusNotFound, "MailboxNotEnabledForRESTAPI",
			"The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
	} else {
		resp = rt.handle(c)
	}
	data, err := encode(resp.body) // under the lock: bodies may share slices with stored items
	s.mu.Unlock()
	if err != nil {
		resp, data = graphError(http.StatusInternalServerError, "InternalServerError", err.Error()), nil
	}
	if c.immutable {
		resp = withHeader(resp, "Preference-Applied", `IdType="ImmutableId"`)
	}
	s.writeEncoded(w, r, resp, data)
}

// begin counts a request and marks it in flight for its mailbox, and for the job that sent it; end
// unmarks it.
func (s *Server) begin(pattern, user, job string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[pattern]++
	key := s.flightKey(user)
	s.inFlight[key]++
	if s.inFlight[key] > s.maxFlight[key] {
		s.maxFlight[key] = s.inFlight[key]
	}
	s.beginJob(key, job)
	return key
}

func (s *Server) end(key, job string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight[key]--
	s.endJob(key, job)
}

func (s *Server) write(w http.ResponseWriter, r *http.Request, resp response) {
	data, err := encode(resp.body)
	if err != nil {
		resp, data = graphError(http.StatusInternalServerError, "InternalServerError", err.Error()), nil
	}
	s.writeEncoded(w, r, resp, data)
}

func (s *Server) writeEncoded(w http.ResponseWriter, r *http.Request, resp response, data []byte) {
	s.mu.Lock()
	s.requestN++
	n := s.requestN
	s.mu.Unlock()
	h := w.Header()
	for k, vs := range resp.header {
		h[k] = vs
	}
	// Graph echoes the client's request id and names its own; kiota and support tickets rely on both.
	h.Set("request-id", fmt.Sprintf("00000000-0000-4000-8000-%012d", n))
	if id := r.Header.Get("client-request-id"); id != "" {
		h.Set("client-request-id", id)
	}
	if data == nil {
		w.WriteHeader(resp.status)
		return
	}
	h.Set("Content-Type", jsonContentType)
	w.WriteHeader(resp.status)
	_, _ = w.Write(data)
}

func encode(body any) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // Graph sends HTML bodies as they are, not as \u003c escapes
	if err := enc.Encode(body); err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func withHeader(resp response, key, value string) response {
	if resp.header == nil {
		resp.header = http.Header{}
	}
	resp.header.Add(key, value)
	return resp
}

// graphError is Graph's error body: {"error":{"code":…,"message":…,"innerError":{…}}}.
func graphError(status int, code, message string) response {
	return response{status: status, body: map[string]any{"error": map[string]any{
		"code":    code,
		"message": message,
		"innerError": map[string]any{
			"date": time.Now().UTC().Format("2006-01-02T15:04:05"),
		},
	}}}
}

func notFound() response {
	return graphError(http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
}

func malformedID() response {
	return graphError(http.StatusBadRequest, "ErrorInvalidIdMalformed", "Id is malformed.")
}

func badRequest(message string) response {
	return graphError(http.StatusBadRequest, "ErrorInvalidRequest", message)
}

// splitPath splits an escaped path into unescaped segments, so an id carrying an escaped '/' stays one
// segment (and is then refused as malformed) instead of changing the route.
func splitPath(escaped string) ([]string, error) {
	parts := strings.Split(strings.Trim(escaped, "/"), "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, err
		}
		parts[i] = u
	}
	return parts, nil
}

// rootURL rebuilds the absolute URL of the v1.0 root from the original request line: the handler may
// be mounted below a prefix that http.StripPrefix removed from r.URL but not from r.RequestURI.
func rootURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	prefix := ""
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		full := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
		rel := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
		if n := len(full) - len(rel); n > 0 {
			prefix = "/" + strings.Join(full[:n], "/")
		}
	}
	return scheme + "://" + r.Host + prefix
}

func hasBearer(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != ""
}

// readBody reads the request body, inflating it when the SDK's compression middleware gzipped it.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	in := io.LimitReader(r.Body, maxBody)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(in)
		if err != nil {
			return nil, fmt.Errorf("read gzip body: %w", err)
		}
		defer zr.Close()
		in = io.LimitReader(zr, maxBody)
	}
	b, err := io.ReadAll(in)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return b, nil
}

// parsePrefer reads the Prefer preferences crmsync uses; a client may send them in one header, comma
// separated, or in several.
func parsePrefer(values []string) (immutable bool, pageSize int, bodyType string) {
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
			val = strings.Trim(strings.TrimSpace(val), `"`)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "idtype":
				immutable = strings.EqualFold(val, "ImmutableId")
			case "odata.maxpagesize":
				if n, err := strconv.Atoi(val); err == nil && n > 0 {
					pageSize = n
				}
			case "outlook.body-content-type":
				bodyType = strings.ToLower(val)
			}
		}
	}
	return immutable, pageSize, bodyType
}

// sleep waits d unless ctx ends first; it reports whether the request should go on.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
