// Package trackingtest runs the tracking pipeline for tests of the packages built on it: the tracking
// service with River working its jobs on the test's database, and the real Graph SDK talking to a fake
// Graph over HTTP.
package trackingtest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/tracking"
)

// Pipeline is a running tracking pipeline.
type Pipeline struct {
	Service *tracking.Service
	Fake    *graphfake.Server
	Graph   *graph.Client
}

// Start runs the pipeline on s until the test ends, with a Graph client that sends a development token.
func Start(t testing.TB, s *store.Store) Pipeline {
	t.Helper()
	fake, url := graphfake.Start(t)
	client, err := graph.NewClient(graph.Options{BaseURL: url, DevToken: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return StartWith(t, s, fake, client)
}

// StartWith runs the pipeline on s until the test ends, with a Graph client of the test's making that
// talks to fake (one that authenticates through a stand-in for Entra, say).
func StartWith(t testing.TB, s *store.Store, fake *graphfake.Server, client *graph.Client) Pipeline {
	t.Helper()
	ctx := context.Background()
	open := func(ctx context.Context, u tracking.MailboxUser) (tracking.Mailbox, error) {
		return client.Mailbox(graph.User{TenantID: u.TenantID, ObjectID: u.ObjectID, Assertion: u.Assertion})
	}
	box, err := secretbox.New(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	svc := tracking.New(s, open, box, nil)
	workers := river.NewWorkers()
	river.AddWorker(workers, tracking.NewWorker(svc))
	if err := jobs.Migrate(ctx, s); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(s, jobs.Options{Workers: workers, Queues: map[string]int{tracking.Queue: 8}, PollInterval: 20 * time.Millisecond,
		JobTimeout: time.Minute, RescueAfter: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetQueue(q)
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(stopCtx)
	})
	return Pipeline{Service: svc, Fake: fake, Graph: client}
}
