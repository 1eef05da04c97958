package jobs_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
	"github.com/crmsync/crmsync/internal/telemetry"
)

type probeArgs struct{}

func (probeArgs) Kind() string { return "probe" }

// probeWorker hands the job its context names to the test.
type probeWorker struct {
	river.WorkerDefaults[probeArgs]
	seen chan telemetry.Job
}

func (w *probeWorker) Work(ctx context.Context, job *river.Job[probeArgs]) error {
	named, _ := telemetry.JobFrom(ctx)
	w.seen <- named
	return nil
}

// Every job's work knows which attempt of which job it is, on both databases.
func TestWorkKnowsItsJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := &probeWorker{seen: make(chan telemetry.Job, 1)}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		if err := jobs.Migrate(ctx, s); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.New(s, jobs.Options{Workers: workers, Queues: map[string]int{river.QueueDefault: 1},
			PollInterval: 20 * time.Millisecond, JobTimeout: time.Minute, RescueAfter: 2 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = q.Stop(context.Background()) })
		res, err := q.Client().Insert(ctx, probeArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-w.seen:
			if want := (telemetry.Job{Kind: "probe", ID: res.Job.ID, Attempt: 1}); got != want {
				t.Fatalf("the work saw %+v, want %+v", got, want)
			}
			if got.String() != "probe/"+strconv.FormatInt(res.Job.ID, 10)+"/1" {
				t.Fatalf("header value %q", got.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the job never ran")
		}
	})
}
