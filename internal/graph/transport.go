package graph

import (
	"context"
	"net/http"

	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/crmsync/crmsync/internal/telemetry"
)

// newGraphHTTPClient wraps base's transport in the SDK's default middleware minus its RetryHandler and
// CompressionHandler. The retry handler sleeps on 429 and 503 for up to three minutes per request;
// crmsync's job queue decides instead (it snoozes the job for Retry-After), so Graph's answer must reach
// the caller at once. (RetryHandlerOptions{MaxRetries: 0} would not do: kiota reads 0 as "use the
// default of 3".) The compression handler gzips every request body with a fresh 1 MB compressor; our
// bodies are a few hundred bytes, and the benchmark showed it costing 12–17 % of the service's CPU.
func newGraphHTTPClient(base *http.Client) *http.Client {
	parent := base.Transport
	if parent == nil {
		parent = http.DefaultTransport
	}
	options := msgraphsdk.GetDefaultClientOptions()
	var middleware []khttp.Middleware
	for _, m := range msgraphcore.GetDefaultMiddlewaresWithOptions(&options) {
		switch m.(type) {
		case *khttp.RetryHandler, khttp.RetryHandler, *khttp.CompressionHandler:
			continue
		}
		middleware = append(middleware, m)
	}
	timeout := base.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	return &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(probeTransport{parent}, middleware...),
		// kiota's RedirectHandler follows redirects (and drops Authorization across hosts).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       timeout,
		Jar:           base.Jar,
	}
}

// probe records the status and headers of the last response a Graph call received. kiota hides them
// when an error body is not JSON (a gateway's HTML page, say); classify falls back on the probe.
type probe struct {
	status int
	header http.Header
}

type probeKey struct{}

// withProbe returns a context whose Graph requests record their response in p.
func withProbe(ctx context.Context, p *probe) context.Context {
	return context.WithValue(ctx, probeKey{}, p)
}

// probeTransport sits under the middleware, next to the network: it names the job attempt a request is
// sent for (telemetry.JobHeader), and fills the request's probe.
type probeTransport struct {
	next http.RoundTripper
}

func (t probeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if job, ok := telemetry.JobFrom(req.Context()); ok {
		// A RoundTripper must not change the request it is given.
		req = req.Clone(req.Context())
		req.Header.Set(telemetry.JobHeader, job.String())
	}
	resp, err := t.next.RoundTrip(req)
	if p, ok := req.Context().Value(probeKey{}).(*probe); ok && resp != nil {
		p.status, p.header = resp.StatusCode, nil
		if resp.StatusCode >= 400 {
			p.header = resp.Header.Clone()
		}
	}
	return resp, err
}
