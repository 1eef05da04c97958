package graph_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
)

// recordingGraph is graphfake behind a recorder of the bearer tokens that reach it.
type recordingGraph struct {
	*graphfake.Server
	url    string
	mu     sync.Mutex
	tokens []string
}

func startRecordingGraph(t *testing.T) *recordingGraph {
	t.Helper()
	g := &recordingGraph{Server: graphfake.New()}
	inner := http.StripPrefix("/v1.0", g.Handler())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.tokens = append(g.tokens, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		g.mu.Unlock()
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	g.url = srv.URL + "/v1.0"
	return g
}

// bearers returns the tokens Graph received, in order.
func (g *recordingGraph) bearers() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.tokens...)
}

// eventually waits until cond holds, failing the test after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not so after 10s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
