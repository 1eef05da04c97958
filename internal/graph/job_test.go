package graph_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/telemetry"
)

// Requests sent for a job attempt name it, so that Graph's side (here the fake) can tell the work of
// one synchronization pass from another's, and see two at once on one mailbox.
func TestRequestsNameTheirJob(t *testing.T) {
	mb, b := setup(t, graphfake.RecordJobs())
	m := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "Hello", From: outlook.Address{Email: "grace@fabrikam.test"}})
	read := func(ctx context.Context) {
		if _, err := mb.Message(ctx, m.ID); err != nil {
			t.Error(err)
		}
	}

	// One pass after the other: two spans, no overlap. A request outside any job names none.
	read(context.Background())
	first := telemetry.WithJob(context.Background(), telemetry.Job{Kind: "sync_mailbox", ID: 7, Attempt: 1})
	read(first)
	read(first)
	read(telemetry.WithJob(context.Background(), telemetry.Job{Kind: "sync_mailbox", ID: 8, Attempt: 1}))
	spans := b.fake.JobSpans("sync_mailbox/")
	if len(spans) != 2 || spans[0].Job != "sync_mailbox/7/1" || spans[0].Requests != 2 || spans[1].Job != "sync_mailbox/8/1" {
		t.Fatalf("spans = %+v", spans)
	}
	if o := b.fake.OverlappingJobs("sync_mailbox/"); len(o) != 0 {
		t.Fatalf("sequential passes overlap: %+v", o)
	}

	// Two attempts at once on one mailbox are an overlap; a Track job at the same time is not a pass.
	slow := graphfake.Fault{Latency: 300 * time.Millisecond, Times: 3}
	b.fake.InjectFault("*", slow) // long enough for the three to be in flight together
	var wg sync.WaitGroup
	for _, j := range []telemetry.Job{{Kind: "sync_mailbox", ID: 9, Attempt: 1}, {Kind: "sync_mailbox", ID: 9, Attempt: 2}, {Kind: "track", ID: 10, Attempt: 1}} {
		wg.Go(func() { read(telemetry.WithJob(context.Background(), j)) })
	}
	wg.Wait()
	overlaps := b.fake.OverlappingJobs("sync_mailbox/")
	if len(overlaps) != 1 || overlaps[0][0].Job[:15] != "sync_mailbox/9/" || overlaps[0][1].Job[:15] != "sync_mailbox/9/" {
		t.Fatalf("overlaps = %+v, want the two attempts of job 9", overlaps)
	}
}
