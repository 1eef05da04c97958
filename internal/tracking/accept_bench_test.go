package tracking_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
	"github.com/crmsync/crmsync/internal/tracking"
	"github.com/crmsync/crmsync/internal/tracking/trackingtest"
)

// BenchmarkAccept measures the accept path without HTTP: Submit of new clicks from 200 goroutines at
// once, as `crmsync bench track` sends them, each stored with its job before it returns (the jobs are
// worked meanwhile, and fail: the items are not in the fake's mailbox). -cpuprofile shows where a click's
// accept goes.
func BenchmarkAccept(b *testing.B) {
	for name, open := range map[string]func(testing.TB, ...store.Option) *store.Store{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		b.Run(name, func(b *testing.B) {
			s := open(b)
			p := trackingtest.Start(b, s)
			f := storetest.NewTenant(b, s, "alice@contoso.test")
			p.Fake.AddMailbox(f.User.ObjectID, f.User.UPN)
			caller := tracking.Caller{Actor: f.Actor(), ObjectID: f.User.ObjectID, Tenant: f.Tenant}
			var n atomic.Int64
			b.SetParallelism(100) // 200 goroutines on 2 CPUs
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := fmt.Sprintf("AAMkAGbench%010d=", n.Add(1))
					if _, err := p.Tracking.Submit(context.Background(), caller, tracking.Click{Action: "track", ItemID: id, ItemType: "message"}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
