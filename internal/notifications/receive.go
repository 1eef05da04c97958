package notifications

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph/notification"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/mailsync"
	"github.com/crmsync/crmsync/internal/store"
)

// ErrUnavailable: a notification could not be made durable (the database did not answer); the endpoint
// answers 503 and Graph sends it again.
var ErrUnavailable = errors.New("the notification could not be persisted")

// Outcome is what became of one notification, for the endpoint's metric and log.
type Outcome string

// The outcomes of a notification.
const (
	// Accepted: a genuine change notification; its mailbox's pass is enqueued.
	Accepted Outcome = "accepted"
	// Lifecycle: a genuine lifecycle notification; its work is enqueued.
	Lifecycle Outcome = "lifecycle"
	// UnknownSubscription: crmsync holds no subscription with the id: dropped.
	UnknownSubscription Outcome = "unknown_subscription"
	// WrongClientState: the clientState is not the subscription's (missing, forged): dropped.
	WrongClientState Outcome = "wrong_client_state"
	// WrongTenant: the tenantId is not the subscription's tenant: dropped.
	WrongTenant Outcome = "wrong_tenant"
	// MailboxDisabled: the mailbox is no longer synchronized: dropped.
	MailboxDisabled Outcome = "mailbox_disabled"
	// Off: notifications are turned off: dropped.
	Off Outcome = "off"
)

// Dropped reports whether the outcome drops the notification.
func (o Outcome) Dropped() bool { return o != Accepted && o != Lifecycle }

// Receipt is what became of a POST's notifications.
type Receipt struct {
	Outcomes map[Outcome]int
}

// Receiver accepts what Graph posts to the notification and lifecycle URLs: it checks every
// notification against the subscription crmsync holds (by id, then tenant and clientState, in constant
// time), and makes the genuine ones durable as wake-ups of their mailboxes, with their jobs, in one
// transaction (shared with the POSTs that arrive at the same time), before the answer. Forgeries and
// strays are dropped and reported in the Receipt.
type Receiver struct {
	store  *store.Store
	queue  jobs.Inserter
	cfg    Config
	now    func() time.Time
	logger *slog.Logger
	group  *groupCommit
}

// NewReceiver builds the receiver, which enqueues through queue.
func NewReceiver(s *store.Store, queue jobs.Inserter, cfg Config, now func() time.Time, logger *slog.Logger) *Receiver {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r := &Receiver{store: s, queue: queue, cfg: cfg, now: now, logger: logger}
	r.group = &groupCommit{commit: r.persist}
	return r
}

// Receive reads one POST of notifications (change and lifecycle ones alike: Graph sends lifecycle
// notifications to the notification URL of a subscription that has no lifecycle URL) and persists
// what it must. It fails with notification.ErrMalformed or notification.ErrTooLarge for a body it
// refuses, and with ErrUnavailable when it could not persist.
func (r *Receiver) Receive(ctx context.Context, body io.Reader) (Receipt, error) {
	c, err := notification.Decode(body)
	if err != nil {
		return Receipt{}, err
	}
	rc := Receipt{Outcomes: map[Outcome]int{}}
	var work []accepted
	// Graph batches a subscription's notifications: each subscription is read once per POST.
	targets := map[string]lookup{}
	for _, n := range c.Value {
		a, outcome, err := r.check(ctx, n, targets)
		if err != nil {
			return Receipt{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		rc.Outcomes[outcome]++
		if outcome.Dropped() {
			r.logger.Warn("change notification dropped", "outcome", string(outcome), "subscription", n.SubscriptionID, "tenant", n.TenantID)
			continue
		}
		work = append(work, a)
	}
	if len(work) == 0 {
		return rc, nil
	}
	if err := r.group.persist(ctx, work); err != nil {
		return Receipt{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return rc, nil
}

// accepted is a genuine notification and the subscription it came through.
type accepted struct {
	n   notification.Notification
	sub store.Subscription
}

// lookup is a subscription as the store answered for its id.
type lookup struct {
	t   store.SubscriptionTarget
	err error
}

// check looks a notification up, through targets (the subscriptions this POST already read); an error is
// the database's.
func (r *Receiver) check(ctx context.Context, n notification.Notification, targets map[string]lookup) (accepted, Outcome, error) {
	if !r.cfg.On {
		return accepted{}, Off, nil
	}
	l, ok := targets[n.SubscriptionID]
	if !ok {
		l.t, l.err = r.store.SubscriptionByID(ctx, n.SubscriptionID)
		targets[n.SubscriptionID] = l
	}
	t, err := l.t, l.err
	if crm.IsNotFound(err) {
		return accepted{}, UnknownSubscription, nil
	}
	if err != nil {
		return accepted{}, "", err
	}
	// The clientState first, in constant time, whatever else is wrong.
	if !clientStateMatches(n.ClientState, t.ClientStateHash) {
		return accepted{}, WrongClientState, nil
	}
	if !strings.EqualFold(n.TenantID, t.TenantID) {
		return accepted{}, WrongTenant, nil
	}
	if !t.MailboxEnabled {
		return accepted{}, MailboxDisabled, nil
	}
	if n.IsLifecycle() {
		return accepted{n: n, sub: t.Subscription}, Lifecycle, nil
	}
	return accepted{n: n, sub: t.Subscription}, Accepted, nil
}

// persist makes the notifications durable in one transaction: the wake-ups of their mailboxes (one per
// mailbox and scope, however many notifications name it) with their jobs, and for lifecycle events the
// subscription's new state and its manager's job.
func (r *Receiver) persist(ctx context.Context, work []accepted) error {
	now := r.now().UTC()
	wakes := map[string][]store.MailboxKey{} // by scope
	seen := map[string]bool{}
	manage := map[store.MailboxKey]bool{}
	wake := func(sub store.Subscription) {
		scope := scopeOf(sub.Kind)
		key := store.MailboxKey{TenantID: sub.TenantID, UserID: sub.UserID}
		if scope == "" || seen[scope+"|"+key.TenantID+"|"+key.UserID] {
			return
		}
		seen[scope+"|"+key.TenantID+"|"+key.UserID] = true
		wakes[scope] = append(wakes[scope], key)
	}
	type mark struct {
		id, reason string
		removed    bool
	}
	var marks []mark
	for _, a := range work {
		key := store.MailboxKey{TenantID: a.sub.TenantID, UserID: a.sub.UserID}
		switch a.n.LifecycleEvent {
		case "":
			wake(a.sub)
		case notification.ReauthorizationRequired:
			marks = append(marks, mark{a.sub.ID, "Microsoft Graph asked for reauthorization", false})
			manage[key] = true
		case notification.SubscriptionRemoved:
			marks = append(marks, mark{a.sub.ID, "removed by Microsoft Graph; subscribing again", true})
			manage[key] = true
			wake(a.sub) // what happened while it was gone
		case notification.Missed:
			wake(a.sub)
		}
	}
	persist := func(tx *store.Tx) error {
		if _, err := mailsync.WakeScopes(ctx, tx, r.queue, wakes, now); err != nil {
			return err
		}
		for _, m := range marks {
			if _, err := tx.MarkSubscription(ctx, m.id, store.SubscriptionRenewing, m.reason, m.removed); err != nil {
				return err
			}
		}
		for key := range manage {
			if err := r.queue.InsertTx(ctx, tx, SubscribeArgs{TenantID: key.TenantID, UserID: key.UserID}, nil); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	// A deadlock PostgreSQL broke undid the transaction: run it again rather than make Graph wait.
	for attempt := 0; ; attempt++ {
		if err = r.store.InTx(ctx, persist); !store.IsDeadlock(err) || attempt == 2 {
			break
		}
	}
	return err
}
