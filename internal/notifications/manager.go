package notifications

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph/notification"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/store"
)

// Queue is the River queue subscription work runs on: apart from synchronization, so that a backlog of
// passes never delays a renewal.
const Queue = "subscriptions"

// Subscriber is what managing subscriptions does in Graph (graph.Mailbox).
type Subscriber interface {
	Subscribe(ctx context.Context, req notification.Request) (notification.Subscription, error)
	Renew(ctx context.Context, id string, expiration time.Time) (notification.Subscription, error)
	Reauthorize(ctx context.Context, id string) error
	Unsubscribe(ctx context.Context, id string) error
	FindSubscription(ctx context.Context, resource, changeType string) (notification.Subscription, error)
	DefaultTaskList(ctx context.Context) (string, error)
}

// OpenSubscriber opens a user's mailbox for subscribing: on behalf of the user when assertion is set
// (client mode), with the app's own permissions otherwise.
type OpenSubscriber func(ctx context.Context, tenantID, objectID, assertion string) (Subscriber, error)

// assertionPurpose is what the user's kept token is sealed for: the synchronization's, taken with
// store.TakeSyncAssertion and keep set, so that subscriptions act on the user's behalf too.
const assertionPurpose = store.PurposeSyncAssertion

// retryFailing is how long a subscription that could not be made or kept waits before the next try;
// the mailbox polls at its user's interval meanwhile.
func retryFailing(failures int) time.Duration {
	return min(time.Minute<<min(failures, 10), time.Hour)
}

// renewBefore is how long before its end a subscription is renewed: when a third of its life is left,
// which leaves a day of renewals to go wrong before notifications stop.
func renewBefore(k notification.Kind) time.Duration { return notification.MaxLifetime(k) / 3 }

// RenewEvery is how often a subscription of kind k is renewed: from the expiration crmsync asks for to
// renewBefore it.
func RenewEvery(k notification.Kind) time.Duration {
	return notification.MaxLifetime(k) - notification.ExpirationMargin - renewBefore(k)
}

// Manager keeps mailboxes' subscriptions as they should be: it creates, renews, reauthorizes and deletes
// them in Graph, one mailbox at a time (SubscribeArgs is unique per mailbox across replicas).
type Manager struct {
	store  *store.Store
	open   OpenSubscriber
	box    *secretbox.Box
	cfg    Config
	now    func() time.Time
	logger *slog.Logger
}

// NewManager builds the manager; box opens the users' kept tokens (client mode).
func NewManager(s *store.Store, open OpenSubscriber, box *secretbox.Box, cfg Config, now func() time.Time, logger *slog.Logger) *Manager {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Manager{store: s, open: open, box: box, cfg: cfg, now: now, logger: logger}
}

// want is a subscription a mailbox should have.
type want struct {
	kind     string
	resource string
	nk       notification.Kind
}

// maxRounds bounds how often Reconcile starts over because lifecycle notifications came meanwhile.
const maxRounds = 3

// Generations are the generations of a mailbox's subscriptions (store.Subscription.Generation) by
// resource kind, as a reconciliation last read them.
type Generations map[string]int64

// Reconcile brings one mailbox's subscriptions to what they should be, and returns the generations it
// last read. A lifecycle notification that marks one of them while it runs (whose own job this one's
// uniqueness absorbed) makes it start over; the job compares the generations once more in the
// transaction that completes it, and enqueues another round if one moved on since.
func (m *Manager) Reconcile(ctx context.Context, tenantID, userID string) (Generations, error) {
	var seen Generations
	for range maxRounds {
		again, held, err := m.reconcile(ctx, tenantID, userID)
		if err != nil {
			return nil, err
		}
		seen = Generations{}
		for _, h := range held {
			seen[h.Kind] = h.Generation
		}
		if !again {
			break
		}
	}
	return seen, nil
}

// reconcile is one round of Reconcile; again reports that a lifecycle notification came meanwhile. It
// returns the subscriptions it read.
func (m *Manager) reconcile(ctx context.Context, tenantID, userID string) (again bool, held []store.Subscription, err error) {
	now := m.now().UTC()
	mb, err := m.store.Mailbox(ctx, tenantID, userID)
	if err != nil {
		return false, held, err
	}
	held, err = m.store.Subscriptions(ctx, tenantID, userID)
	if err != nil {
		return false, nil, err
	}
	tenant, err := m.store.Tenant(ctx, tenantID)
	if err != nil {
		return false, held, err
	}
	assertion := ""
	if tenant.SyncMode == crm.SyncModeClient {
		if assertion, err = m.assertion(ctx, tenantID, userID, now); err != nil {
			return false, held, err
		}
		if assertion == "" {
			return false, held, m.waitForToken(ctx, mb, held, now)
		}
	}
	sub, err := m.open(ctx, tenantID, mb.ObjectID, assertion)
	if err != nil {
		return false, held, fmt.Errorf("open mailbox of %s: %w", userID, err)
	}
	wanted, err := m.wanted(ctx, tenant, mb, sub, assertion != "")
	if err != nil {
		return false, held, err
	}
	r := &reconcile{Manager: m, sub: sub, mb: mb, now: now}
	for _, h := range held {
		if !slices.ContainsFunc(wanted, func(w want) bool { return w.kind == h.Kind }) {
			if err := r.remove(ctx, h); err != nil {
				return false, held, err
			}
		}
	}
	var failed bool
	for _, w := range wanted {
		i := slices.IndexFunc(held, func(h store.Subscription) bool { return h.Kind == w.kind })
		var h *store.Subscription
		if i >= 0 {
			h = &held[i]
		}
		ok, err := r.keep(ctx, w, h)
		if err != nil {
			return false, held, err
		}
		failed = failed || !ok
	}
	if failed {
		// Polling takes over: the mailbox is due now, and at its user's interval until notifications work.
		if err := m.store.MakeDue(ctx, tenantID, userID, now); err != nil {
			return false, held, err
		}
	}
	if r.marked {
		return true, held, nil
	}
	marked, err := m.markedSince(ctx, tenantID, userID, held)
	return marked, held, err
}

// markedSince reports whether a lifecycle notification marked one of the mailbox's subscriptions
// since held was read.
func (m *Manager) markedSince(ctx context.Context, tenantID, userID string, held []store.Subscription) (bool, error) {
	now, err := m.store.Subscriptions(ctx, tenantID, userID)
	if err != nil {
		return false, err
	}
	for _, n := range now {
		i := slices.IndexFunc(held, func(h store.Subscription) bool { return h.Kind == n.Kind })
		if i >= 0 && n.Generation != held[i].Generation {
			return true, nil
		}
	}
	return false, nil
}

// wanted lists the subscriptions a mailbox should have: none when notifications are off or the mailbox
// is disabled.
func (m *Manager) wanted(ctx context.Context, tenant crm.Tenant, mb store.Mailbox, sub Subscriber, delegated bool) ([]want, error) {
	if !m.cfg.On || !mb.Enabled {
		return nil, nil
	}
	user := mb.ObjectID
	out := []want{
		{KindInbox, notification.MessagesResource(user, "inbox"), notification.KindMessages},
		{KindEvents, notification.EventsResource(user), notification.KindEvents},
		{KindContacts, notification.ContactsResource(user), notification.KindContacts},
	}
	if tenant.Settings.TrackSentItems {
		out = append(out, want{KindSentItems, notification.MessagesResource(user, "sentitems"), notification.KindMessages})
	}
	if delegated {
		// To Do: delegated permissions only; the list is the one filters push to.
		list, err := sub.DefaultTaskList(ctx)
		if err != nil {
			return nil, fmt.Errorf("find the default To Do list of %s: %w", mb.UserID, err)
		}
		out = append(out, want{KindTasks, notification.TasksResource(list), notification.KindTasks})
	}
	return out, nil
}

// waitForToken records, in client mode with no user token, that the subscriptions wait for one: they
// are made while the user has the add-in open. Those Graph still holds stay until they expire.
func (m *Manager) waitForToken(ctx context.Context, mb store.Mailbox, held []store.Subscription, now time.Time) error {
	if !m.cfg.On || !mb.Enabled {
		// Nothing can be deleted without the user's token: forget them, Graph lets them expire.
		for _, h := range held {
			if err := m.store.DeleteSubscription(ctx, h.TenantID, h.UserID, h.Kind); err != nil {
				return err
			}
		}
		return nil
	}
	retry := now.Add(15 * time.Minute)
	const reason = "waiting for the user: in client mode subscriptions are made while the add-in is open"
	for _, kind := range []string{KindInbox, KindEvents, KindContacts} {
		i := slices.IndexFunc(held, func(h store.Subscription) bool { return h.Kind == kind })
		if i >= 0 && held[i].State == store.SubscriptionActive && held[i].ExpiresAt != nil && held[i].ExpiresAt.After(now) {
			continue
		}
		s := store.Subscription{TenantID: mb.TenantID, UserID: mb.UserID, Kind: kind, State: store.SubscriptionFailing,
			Reason: reason, RetryAt: &retry}
		if i >= 0 {
			s.Generation = held[i].Generation
		}
		if _, err := m.store.SaveSubscription(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// assertion opens the user's kept token ("" when none is kept or it expired).
func (m *Manager) assertion(ctx context.Context, tenantID, userID string, now time.Time) (string, error) {
	if m.box == nil {
		return "", nil
	}
	sealed, err := m.store.TakeSyncAssertion(ctx, tenantID, userID, now, true)
	if err != nil || sealed == nil {
		return "", err
	}
	plain, err := m.box.Open(sealed, assertionPurpose)
	if err != nil {
		return "", nil
	}
	return string(plain), nil
}

// SubscribeArgs asks for one mailbox's subscriptions to be brought to what they should be.
type SubscribeArgs struct {
	TenantID string `json:"tenantId"`
	UserID   string `json:"userId"`
}

// Kind names the job.
func (SubscribeArgs) Kind() string { return "sync_subscriptions" }

// whileQueued are the states in which a mailbox's job keeps another from being inserted.
var whileQueued = []rivertype.JobState{rivertype.JobStatePending, rivertype.JobStateScheduled,
	rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable}

// InsertOpts makes the job unique per mailbox while it waits or runs, whichever replica enqueues it,
// so that two replicas never subscribe a mailbox at once.
func (SubscribeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: whileQueued}}
}

// Worker runs the manager's jobs.
type Worker struct {
	river.WorkerDefaults[SubscribeArgs]
	manager *Manager
}

// NewWorker makes the River worker of the manager's job.
func NewWorker(m *Manager) *Worker { return &Worker{manager: m} }

// Work reconciles the mailbox and completes the job in a transaction that, if a lifecycle notification
// marked a subscription since the reconciliation read it, enqueues the next round. Throttling snoozes;
// a mailbox that is gone cancels.
func (w *Worker) Work(ctx context.Context, job *river.Job[SubscribeArgs]) error {
	a := job.Args
	seen, err := w.manager.Reconcile(ctx, a.TenantID, a.UserID)
	var throttled *outlook.ThrottledError
	switch {
	case err == nil:
		return w.manager.store.InTx(ctx, func(tx *store.Tx) error {
			// Completing first holds the job's row: a notification inserting its twin waits for this
			// transaction (PostgreSQL), so the generations read below include its mark.
			if err := jobs.CompleteTx(ctx, tx, job); err != nil {
				return err
			}
			now, err := tx.SubscriptionGenerations(ctx, a.TenantID, a.UserID)
			if err != nil {
				return err
			}
			for kind, g := range now {
				if seen[kind] != g {
					q, err := jobs.InJob(ctx)
					if err != nil {
						return err
					}
					return q.InsertTx(ctx, tx, SubscribeArgs{TenantID: a.TenantID, UserID: a.UserID}, nil)
				}
			}
			return nil
		})
	case crm.IsNotFound(err):
		return river.JobCancel(err)
	case errors.As(err, &throttled):
		return river.JobSnooze(max(throttled.RetryAfter, time.Second))
	}
	return err
}
