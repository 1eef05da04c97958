package mailsync_test

import (
	"context"
	"errors"
	"testing"

	"github.com/crmsync/crmsync/internal/mailsync"
)

// syncFunc is a Synchronizer made of a function.
type syncFunc func(ctx context.Context, m mailsync.Mailbox) (mailsync.Result, error)

func (f syncFunc) Sync(ctx context.Context, m mailsync.Mailbox) (mailsync.Result, error) {
	return f(ctx, m)
}

// TestPassesRunSideBySide: the synchronizers of a pass run at once (the first waits for the second to
// have begun, which one after the other would never happen), the first failure cancels the others and is
// the pass's error, and what each moved is added up.
func TestPassesRunSideBySide(t *testing.T) {
	secondBegan := make(chan struct{})
	boom := errors.New("consent revoked")
	passes := mailsync.Passes{
		syncFunc(func(ctx context.Context, _ mailsync.Mailbox) (mailsync.Result, error) {
			<-secondBegan
			<-ctx.Done() // cancelled by the second's failure
			return mailsync.Result{ItemsIn: 1}, ctx.Err()
		}),
		syncFunc(func(ctx context.Context, _ mailsync.Mailbox) (mailsync.Result, error) {
			close(secondBegan)
			return mailsync.Result{ItemsOut: 2}, boom
		}),
	}
	res, err := passes.Sync(context.Background(), mailsync.Mailbox{TenantID: "t", UserID: "u"})
	if !errors.Is(err, boom) {
		t.Fatalf("error = %v, want the failing synchronizer's", err)
	}
	if res != (mailsync.Result{ItemsIn: 1, ItemsOut: 2}) {
		t.Fatalf("result = %+v, want both synchronizers' counts added", res)
	}
}
