// Package telemetry sets up what the service tells its operators: structured JSON logs through log/slog
// and Prometheus metrics on a registry of its own.
package telemetry

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewLogger returns a JSON logger writing to w at the named level (debug, info, warn, error).
func NewLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// Metrics holds the service's collectors. It has a registry of its own rather than Prometheus' global
// one, so that tests and several servers in one process do not collide.
type Metrics struct {
	registry        *prometheus.Registry
	HTTPRequests    *prometheus.CounterVec
	HTTPDuration    *prometheus.HistogramVec
	TokenRejections *prometheus.CounterVec
	// GraphNotifications counts the change and lifecycle notifications Microsoft Graph posted, by what
	// became of them: accepted, lifecycle, or the reason they were dropped (unknown_subscription,
	// wrong_client_state, wrong_tenant, mailbox_disabled, off).
	GraphNotifications *prometheus.CounterVec
}

// NewMetrics registers the service's metrics and the Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmsync_http_requests_total", Help: "HTTP requests by method, route and status code.",
		}, []string{"method", "route", "status"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "crmsync_http_request_duration_seconds", Help: "HTTP request latency by method, route and status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route", "status"}),
		TokenRejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmsync_token_rejections_total", Help: "Access tokens refused, by the check that failed.",
		}, []string{"check"}),
		GraphNotifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmsync_graph_notifications_total", Help: "Microsoft Graph change and lifecycle notifications received, by outcome.",
		}, []string{"outcome"}),
	}
	m.registry.MustRegister(m.HTTPRequests, m.HTTPDuration, m.TokenRejections, m.GraphNotifications,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Register adds more collectors, such as those of the job queue.
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.registry.Register(c); err != nil {
			return fmt.Errorf("register metric: %w", err)
		}
	}
	return nil
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}
