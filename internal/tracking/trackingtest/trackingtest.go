// Package trackingtest runs the service for tests of the packages built on it: the whole service as
// serve builds it (service.New) on the test's database, with River working its jobs, and the real Graph
// SDK talking to a fake Graph over HTTP. The scheduler runs only when a test calls it.
package trackingtest

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/config"
	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/service"
	"github.com/crmsync/crmsync/internal/store"
)

// Pipeline is a running service and the fake Graph it talks to.
type Pipeline struct {
	*service.Service
	Fake *graphfake.Server
}

// Start runs the service on s until the test ends, with a Graph client that sends a development token.
func Start(t testing.TB, s *store.Store) Pipeline {
	t.Helper()
	fake, url := graphfake.Start(t)
	return start(t, s, fake, service.Options{GraphURL: url, DevToken: "test"})
}

// StartWith runs the service on s until the test ends, with a Graph client of the test's making that
// talks to fake (one that authenticates through a stand-in for Entra, say).
func StartWith(t testing.TB, s *store.Store, fake *graphfake.Server, client *graph.Client) Pipeline {
	t.Helper()
	return start(t, s, fake, service.Options{Graph: client})
}

func start(t testing.TB, s *store.Store, fake *graphfake.Server, o service.Options) Pipeline {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load("test", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o.Store, o.EncryptionKeys, o.ManualSchedule = s, [][]byte{bytes.Repeat([]byte{1}, 32)}, true
	svc, err := service.New(ctx, cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = svc.Stop(stopCtx)
	})
	return Pipeline{Service: svc, Fake: fake}
}
