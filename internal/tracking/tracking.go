// Package tracking turns Track, Set Regarding and Untrack clicks into durable requests, and works them:
// it reads the Outlook item through the user's mailbox, correlates it with what the CRM already holds,
// resolves its parties, creates or updates the activity (or contact), stamps the item, and records the
// link, exactly once whatever fails on the way.
package tracking

import (
	"context"
	"log/slog"
	"time"

	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/records"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/store"
)

// Mailbox is what tracking does in one user's Outlook.
type Mailbox interface {
	Message(ctx context.Context, id string) (outlook.Message, error)
	Event(ctx context.Context, id string) (outlook.Event, error)
	Contact(ctx context.Context, id string) (outlook.Contact, error)
	Task(ctx context.Context, taskItemID string) (outlook.Task, error)
	// ImmutableID reads the immutable id of an item named by the add-in's REST id (untrack of an item the
	// worker has not read).
	ImmutableID(ctx context.Context, kind outlook.Kind, restID string) (string, error)
	// StampKnown stamps an item just read, whose categories the caller passes (kept, plus ours).
	StampKnown(ctx context.Context, kind outlook.Kind, id, crmID string, categories []string) error
	Unstamp(ctx context.Context, kind outlook.Kind, id string) error
}

// MailboxUser says whose mailbox to open and with which credentials: the user's own token for
// on-behalf-of access (client mode), or none for app-only access (server mode).
type MailboxUser struct {
	TenantID  string
	ObjectID  string
	Assertion string
}

// OpenMailbox opens a user's mailbox.
type OpenMailbox func(ctx context.Context, user MailboxUser) (Mailbox, error)

// Service accepts clicks and tells how they went; the Worker works them, and Auto accepts what automatic
// tracking picks.
type Service struct {
	store    *store.Store
	records  *records.Service
	box      *secretbox.Box
	logger   *slog.Logger
	now      func() time.Time
	acceptor *acceptor
}

// New builds the service on the queue that its requests' jobs go to. Accepting a click asks nothing of
// the user's mailbox: the worker does (NewWorker).
func New(s *store.Store, recs *records.Service, q *jobs.Queue, box *secretbox.Box, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	svc := &Service{store: s, records: recs, box: box, logger: logger, now: time.Now}
	var in jobs.Inserter
	if q != nil {
		in = q.Inserter
	}
	svc.acceptor = &acceptor{db: s, queue: in, settle: svc.settle}
	return svc
}

// assertionPurpose binds sealed assertions to their use.
const assertionPurpose = store.PurposeTrackAssertion
