package tracking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/records"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/store"
)

// Worker works track requests.
type Worker struct {
	river.WorkerDefaults[TrackArgs]
	store   *store.Store
	records *records.Service
	open    OpenMailbox
	box     *secretbox.Box
	logger  *slog.Logger
}

// NewWorker makes the River worker of track requests: it opens users' mailboxes with open, and their
// sealed tokens with box.
func NewWorker(s *store.Store, recs *records.Service, open OpenMailbox, box *secretbox.Box, logger *slog.Logger) *Worker {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{store: s, records: recs, open: open, box: box, logger: logger}
}

// NextRetry backs off exponentially from one second, capped at five minutes, with jitter, so a Graph
// outage is ridden out without hammering it.
func (w *Worker) NextRetry(job *river.Job[TrackArgs]) time.Time {
	d := time.Second << min(job.Attempt, 9)
	d = min(d, 5*time.Minute)
	return time.Now().Add(d/2 + rand.N(d/2+1))
}

// outcome is what working a request produced. stampedItem names the item the work stamped: its link
// is marked stamped in the transaction that completes the job (a crash before that only means the
// retry reads the stamp back from the item and does not write it again).
type outcome struct {
	activityID, recordID, immutableID, stampedItem string
}

// Work works one request. Its database effects and the job's completion commit in one transaction;
// anything that fails before that is retried from the start, and every step is idempotent.
func (w *Worker) Work(ctx context.Context, job *river.Job[TrackArgs]) error {
	req, err := w.store.TrackRequestByID(ctx, job.Args.TenantID, job.Args.RequestID)
	if crm.IsNotFound(err) {
		return river.JobCancel(fmt.Errorf("track request %s is gone", job.Args.RequestID))
	}
	if err != nil {
		return err
	}
	if req.Generation != job.Args.Generation || !req.Open() {
		// A newer click took this request over, or it is finished: nothing left for this job.
		return w.store.InTx(ctx, func(tx *store.Tx) error { return jobs.CompleteTx(ctx, tx, job) })
	}
	// The request stays queued while its first attempt runs (in the common case it ends done or failed at
	// once); it shows processing while it waits for another attempt. Marking it processing up front would
	// cost each click one more write transaction, what SQLite's single writer has least of.
	res, err := w.work(ctx, req)
	var throttled *outlook.ThrottledError
	switch {
	case err == nil:
		req.State, req.ActivityID, req.RecordID = crm.StateDone, res.activityID, res.recordID
	case errors.As(err, &throttled):
		// Graph asked us to wait: come back then, without spending an attempt.
		w.markProcessing(ctx, req, res)
		return river.JobSnooze(max(throttled.RetryAfter, time.Second))
	case isPermanent(err):
		req.State, req.Error = crm.StateFailed, readable(err)
		w.logger.Warn("track request failed", "request", req.ID, "error", err.Error())
	case job.Attempt >= job.MaxAttempts:
		req.State, req.Error = crm.StateFailed, "gave up after "+fmt.Sprint(job.Attempt)+" attempts: "+readable(err)
		w.logger.Error("track request gave up", "request", req.ID, "error", err.Error())
	default:
		w.markProcessing(ctx, req, res)
		return err // transient: River retries with backoff
	}
	req.ImmutableID = res.immutableID
	return w.store.InTx(ctx, func(tx *store.Tx) error {
		if res.stampedItem != "" {
			if err := tx.MarkItemStamped(ctx, req.TenantID, req.UserID, res.stampedItem); err != nil {
				return err
			}
		}
		if err := tx.FinishTrackRequest(ctx, req); err != nil {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// markProcessing records that the request is being worked and will be tried again, with the immutable
// id the attempt learnt. It is only a display: a failure to record it is logged, not retried.
func (w *Worker) markProcessing(ctx context.Context, req crm.TrackRequest, res outcome) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := w.store.MarkTrackProcessing(ctx, req.TenantID, req.ID, res.immutableID); err != nil {
		w.logger.Warn("mark track request processing", "request", req.ID, "error", err.Error())
	}
}

// isPermanent reports whether retrying cannot help: the item is gone, access is denied, the request
// is malformed, or the CRM refuses it.
func isPermanent(err error) bool {
	return errors.Is(err, outlook.ErrNotFound) || errors.Is(err, outlook.ErrPermission) || errors.Is(err, outlook.ErrInvalid) ||
		errors.Is(err, errDraft) || crm.ErrorCode(err) != ""
}

var errDraft = errors.New("Outlook could not give us this message: it is still a draft — save or send it first") //nolint:staticcheck // ST1005: it starts with a name

// readable turns an error into the sentence the taskpane shows.
func readable(err error) string {
	var de *crm.Error
	switch {
	case errors.Is(err, outlook.ErrNotFound):
		return "the item is not in your mailbox: it was deleted, or it is another mailbox's"
	case errors.Is(err, outlook.ErrPermission):
		return "crmsync may not read your mailbox: ask your administrator to grant consent, or sign in again (" + err.Error() + ")"
	case errors.Is(err, errDraft):
		return errDraft.Error()
	case errors.As(err, &de):
		return de.Error()
	}
	return err.Error()
}

// work does the request's action.
func (w *Worker) work(ctx context.Context, req crm.TrackRequest) (outcome, error) {
	user, err := w.store.User(ctx, req.TenantID, req.UserID)
	if err != nil {
		return outcome{}, err
	}
	var assertion string
	if len(req.Assertion) > 0 {
		plain, err := w.box.Open(req.Assertion, assertionPurpose)
		if err != nil {
			return outcome{}, fmt.Errorf("open the stored user token: %w", outlook.ErrPermission)
		}
		assertion = string(plain)
	}
	mb, err := w.open(ctx, MailboxUser{TenantID: req.TenantID, ObjectID: user.ObjectID, Assertion: assertion})
	if err != nil {
		return outcome{}, fmt.Errorf("open mailbox: %w", err)
	}
	// The immutable id is known from an earlier attempt (or is a To Do task's id); otherwise the first read
	// of the item, by the id the add-in sent, learns it.
	t := &task{w: w, req: req, user: user, mb: mb, kind: outlook.Kind(req.ItemType), itemID: req.ImmutableID}
	var res outcome
	if req.Action == crm.ActionUntrack {
		res, err = t.untrack(ctx)
	} else {
		res, err = t.track(ctx)
	}
	res.immutableID = t.itemID
	return res, err
}
