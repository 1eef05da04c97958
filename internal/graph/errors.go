package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/crmsync/crmsync/internal/outlook"
)

// defaultRetryAfter is how long to wait on a 429 that names no Retry-After.
const defaultRetryAfter = 30 * time.Second

// apiFailure is Graph's error answer, kept as plain values. It stands in for the SDK's ODataError, whose
// Error method panics when the body lacks an error message.
type apiFailure struct {
	status  int
	code    string
	inner   []string // the codes of the nested innerError objects, outermost first
	message string
}

func (e *apiFailure) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Graph answered %d %s", e.status, http.StatusText(e.status))
	if e.code != "" {
		b.WriteString(": " + e.code)
	}
	if e.message != "" {
		b.WriteString(": " + e.message)
	}
	return b.String()
}

// classify turns what the SDK returned into the errors of package outlook. p holds the status and
// headers of the last response, if one arrived.
func classify(ctx context.Context, err error, p *probe) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	var cred *credentialError
	if errors.As(err, &cred) {
		return classifyCredential(cred)
	}
	if f := failureOf(err); f != nil {
		return classifyStatus(f, p.header)
	}
	var urlErr *url.Error
	var netErr net.Error
	if errors.As(err, &urlErr) || errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &outlook.TransientError{Err: err}
	}
	if p.status >= 400 {
		// A failure kiota could not parse, such as a gateway's HTML page.
		return classifyStatus(&apiFailure{status: p.status, message: err.Error()}, p.header)
	}
	return err
}

// failureOf extracts the status, code and message of a Graph error answer, or nil if err is not one.
func failureOf(err error) *apiFailure {
	var odata *odataerrors.ODataError
	if errors.As(err, &odata) {
		f := &apiFailure{status: odata.GetStatusCode()}
		if main := odata.GetErrorEscaped(); main != nil {
			f.code, f.message = deref(main.GetCode()), deref(main.GetMessage())
			if inner := main.GetInnerError(); inner != nil {
				f.inner = innerCodes(inner.GetAdditionalData())
			}
		}
		return f
	}
	var api *abs.ApiError
	if errors.As(err, &api) && api.GetStatusCode() >= 400 {
		return &apiFailure{status: api.GetStatusCode(), message: api.Message}
	}
	return nil
}

// innerCodes reads the codes of an innerError and of the innerErrors nested in it: "apps should loop
// through all the error codes available and use the most detailed one that they understand"
// (errors.md). The SDK models no code on innerError, so they arrive as additional data.
func innerCodes(data map[string]any) []string {
	var out []string
	for depth := 0; data != nil && depth < 8; depth++ {
		if code := stringValue(data["code"]); code != "" {
			out = append(out, code)
		}
		next, _ := data["innerError"].(map[string]any)
		if next == nil {
			next, _ = data["innererror"].(map[string]any)
		}
		data = next
	}
	return out
}

// has reports whether the failure carries code, at the top or in an innerError, in any case.
func (e *apiFailure) has(codes ...string) bool {
	for _, c := range append([]string{e.code}, e.inner...) {
		for _, want := range codes {
			if strings.EqualFold(c, want) {
				return true
			}
		}
	}
	return false
}

// classifyStatus maps an HTTP failure to the outlook error a caller acts on.
func classifyStatus(f *apiFailure, header http.Header) error {
	switch {
	case f.status == http.StatusNotFound || f.status == http.StatusGone:
		return fmt.Errorf("%w (%w)", outlook.ErrNotFound, f)
	case f.status == http.StatusUnauthorized || f.status == http.StatusForbidden:
		return fmt.Errorf("%w (%w)", outlook.ErrPermission, f)
	case f.status == http.StatusBadRequest:
		return fmt.Errorf("%w (%w)", outlook.ErrInvalid, f)
	case f.status == http.StatusTooManyRequests:
		wait, ok := retryAfter(header)
		if !ok {
			wait = defaultRetryAfter
		}
		return &outlook.ThrottledError{RetryAfter: wait}
	case f.status == http.StatusServiceUnavailable:
		if wait, ok := retryAfter(header); ok {
			return &outlook.ThrottledError{RetryAfter: wait}
		}
		return &outlook.TransientError{Status: f.status, Err: f}
	case f.status >= 500:
		return &outlook.TransientError{Status: f.status, Err: f}
	default:
		return f
	}
}

// classifyCredential maps a failure to get a token. Entra refuses with 400 or 401 for a missing consent
// (AADSTS65001), an expired or revoked assertion (invalid_grant) or a wrong secret: all mean crmsync may
// not access the mailbox until someone acts.
func classifyCredential(cred *credentialError) error {
	// The service's own identity failing is the service's problem, not the mailbox's: wait for it, as
	// for throttling, without counting a failure against the mailbox or the click.
	var ident *IdentityError
	if errors.As(cred, &ident) {
		return &outlook.ThrottledError{RetryAfter: ident.RetryAfter}
	}
	var auth *azidentity.AuthenticationFailedError
	if errors.As(cred, &auth) && auth.RawResponse != nil {
		status := auth.RawResponse.StatusCode
		switch {
		case status == http.StatusTooManyRequests:
			wait, ok := retryAfter(auth.RawResponse.Header)
			if !ok {
				wait = defaultRetryAfter
			}
			return &outlook.ThrottledError{RetryAfter: wait}
		case status >= 500:
			return &outlook.TransientError{Status: status, Err: cred}
		case status >= 400:
			return fmt.Errorf("%w (%w)", outlook.ErrPermission, cred)
		}
	}
	msg := cred.Error()
	if strings.Contains(msg, "AADSTS") || strings.Contains(msg, "invalid_grant") ||
		strings.Contains(msg, "invalid_client") || strings.Contains(msg, "unauthorized_client") {
		return fmt.Errorf("%w (%w)", outlook.ErrPermission, cred)
	}
	return &outlook.TransientError{Err: cred}
}

// maxRetryAfter bounds a Retry-After crmsync honours: a value beyond it is a broken header.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads a Retry-After header: delay seconds, which Graph may send with a fraction
// ("Retry-After: 2.128", throttling.md), or an HTTP date. A fraction is rounded up to the millisecond,
// so a wait is never cut short.
func retryAfter(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(secs) || secs < 0 || secs > maxRetryAfter.Seconds() {
			return 0, false
		}
		return time.Duration(math.Ceil(secs*1000)) * time.Millisecond, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(time.Until(at), 0), true
	}
	return 0, false
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
