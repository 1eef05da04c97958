package telemetry

import (
	"context"
	"strconv"
)

// JobHeader is the header every request crmsync sends to Microsoft Graph from a background job carries:
// the job attempt that sent it (see Job.String). A proxy's log, or a fake Graph, can then tell the
// requests of one synchronization pass or one Track click from those of another.
const JobHeader = "X-Crmsync-Job"

// Job names one attempt of a background job. A job that is retried, or rescued from a replica that
// died, runs again as another attempt.
type Job struct {
	Kind    string
	ID      int64
	Attempt int
}

// String is the job as JobHeader carries it: kind/id/attempt, such as "sync_mailbox/42/1".
func (j Job) String() string {
	return j.Kind + "/" + strconv.FormatInt(j.ID, 10) + "/" + strconv.Itoa(j.Attempt)
}

type jobKey struct{}

// WithJob returns a context of work done for the job attempt j.
func WithJob(ctx context.Context, j Job) context.Context { return context.WithValue(ctx, jobKey{}, j) }

// JobFrom returns the job attempt ctx works for, if any.
func JobFrom(ctx context.Context) (Job, bool) {
	j, ok := ctx.Value(jobKey{}).(Job)
	return j, ok
}
