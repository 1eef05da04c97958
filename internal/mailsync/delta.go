package mailsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/tracking"
)

// The mail folders a pass reads, by Graph's well-known names.
const (
	FolderInbox     = "inbox"
	FolderSentItems = "sentitems"
)

// DeltaPage is one page of a folder's message delta round (graph.DeltaPage, without the Graph import).
type DeltaPage struct {
	Messages  []outlook.Message
	Removed   []string
	NextLink  string
	DeltaLink string
}

// MailReader is what the delta engine reads of a mailbox. MessagesDelta answers outlook.ErrSyncReset when
// a link expired; Message reads one message in full, thread headers included; Exists says whether a
// message is still in the mailbox and not in Deleted Items.
type MailReader interface {
	MessagesDelta(ctx context.Context, folder, link string) (DeltaPage, error)
	Message(ctx context.Context, id string) (outlook.Message, error)
	Exists(ctx context.Context, kind outlook.Kind, id string) (bool, error)
}

// OpenMailReader opens the mailbox a pass synchronizes.
type OpenMailReader func(ctx context.Context, m Mailbox) (MailReader, error)

// AutoTracker queues automatic tracking through the same requests and worker as a Track click.
type AutoTracker interface {
	SubmitAuto(ctx context.Context, queue jobs.Inserter, it tracking.AutoItem) (crm.TrackRequest, bool, error)
}

// resyncMargin is how far before the last complete round a resync looks for new messages: receive times
// come from the mail servers, whose clocks are not ours.
const resyncMargin = time.Hour

// DeltaEngine is the Synchronizer of mail: it follows each folder's Graph delta and offers new messages
// to the user's automatic tracking option.
//
// A folder's first round only records where the mailbox stands: mail that arrived before synchronization
// began is not tracked retroactively. Later rounds offer every new or changed message received since the
// previous complete round (less resyncMargin). When Graph drops the sync state (410), the state is
// forgotten and a full round runs with the same cutoff; what it offers again is deduplicated by
// item_links and by the idempotent tracking request, so nothing is tracked twice.
//
// A message that already has a link is never offered: that also keeps our own stamp (a PATCH that adds
// the stamp and the category, after which the message shows in delta again) from looping back as a user
// change. A tracked message deleted in Outlook is untracked; its CRM activity stays.
type DeltaEngine struct {
	store  *store.Store
	open   OpenMailReader
	track  AutoTracker
	never  *tracking.NeverTrack
	logger *slog.Logger
	now    func() time.Time
}

// NewDeltaEngine builds the delta engine.
func NewDeltaEngine(s *store.Store, open OpenMailReader, track AutoTracker, logger *slog.Logger) *DeltaEngine {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &DeltaEngine{store: s, open: open, track: track, never: tracking.NewNeverTrack(s), logger: logger, now: time.Now}
}

var _ Synchronizer = (*DeltaEngine)(nil)

// Sync runs one pass: Inbox, and Sent Items when the tenant tracks sent mail. ItemsIn counts the
// messages queued for tracking.
func (e *DeltaEngine) Sync(ctx context.Context, m Mailbox) (Result, error) {
	if !inScope(m.Scope, ScopeInbox) && !inScope(m.Scope, ScopeSentItems) {
		return Result{}, nil
	}
	tenant, err := e.store.Tenant(ctx, m.TenantID)
	if err != nil {
		return Result{}, err
	}
	user, err := e.store.User(ctx, m.TenantID, m.UserID)
	if err != nil {
		return Result{}, err
	}
	mb, err := e.open(ctx, m)
	if err != nil {
		return Result{}, fmt.Errorf("open mailbox of %s: %w", m.UserID, err)
	}
	p := &policy{store: e.store, mb: mb, user: user, option: user.Options.Effective(tenant.Settings).AutoTrack, never: e.never}
	var folders []string
	if inScope(m.Scope, ScopeInbox) {
		folders = append(folders, FolderInbox)
	}
	if tenant.Settings.TrackSentItems && inScope(m.Scope, ScopeSentItems) {
		folders = append(folders, FolderSentItems)
	}
	var res Result
	for _, folder := range folders {
		n, err := e.syncFolder(ctx, m, mb, p, folder)
		res.ItemsIn += n
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// syncFolder runs one delta round of a folder to its end and saves the new deltaLink only then, so a
// round that fails halfway is read again from the same point next time.
func (e *DeltaEngine) syncFolder(ctx context.Context, m Mailbox, mb MailReader, p *policy, folder string) (int, error) {
	link, last, err := e.store.DeltaLink(ctx, m.TenantID, m.UserID, folder)
	baseline := crm.IsNotFound(err)
	if err != nil && !baseline {
		return 0, err
	}
	since := last.Add(-resyncMargin)
	queued := 0
	for reset := false; ; {
		n, deltaLink, err := e.round(ctx, m, mb, p, folder, link, since, baseline)
		queued += n
		if errors.Is(err, outlook.ErrSyncReset) && !reset {
			e.logger.Info("delta state expired; resynchronizing the folder", "user", m.UserID, "folder", folder)
			if err := e.store.DeleteDeltaLink(ctx, m.TenantID, m.UserID, folder); err != nil {
				return queued, err
			}
			link, reset = "", true
			continue
		}
		if err != nil {
			return queued, fmt.Errorf("synchronize folder %s: %w", folder, err)
		}
		if deltaLink == link {
			return queued, nil // nothing changed: a quiet pass writes nothing
		}
		return queued, e.store.SaveDeltaLink(ctx, m.TenantID, m.UserID, folder, deltaLink)
	}
}

// round follows one delta round from link ("" for a full round) to its deltaLink, offering each new or
// changed message received after since, unless the round is the folder's baseline.
func (e *DeltaEngine) round(ctx context.Context, m Mailbox, mb MailReader, p *policy, folder, link string, since time.Time, baseline bool) (int, string, error) {
	queued := 0
	for {
		page, err := mb.MessagesDelta(ctx, folder, link)
		if err != nil {
			return queued, "", err
		}
		if !baseline {
			for _, msg := range page.Messages {
				// An updated message's entry may carry only what changed (delta-query-overview.md): without
				// its receivedDateTime it reads as received long ago, and is not offered again; it was
				// offered when it arrived.
				if msg.ReceivedAt.Before(since) {
					continue
				}
				ok, err := e.offer(ctx, m, p, folder, msg)
				if err != nil {
					return queued, "", err
				}
				if ok {
					queued++
				}
			}
		}
		for _, id := range page.Removed {
			if err := e.removed(ctx, m, mb, id); err != nil {
				return queued, "", err
			}
		}
		if page.NextLink == "" {
			return queued, page.DeltaLink, nil
		}
		link = page.NextLink
	}
}

// offer queues the tracking of a message if the user's option picks it and it is not tracked already.
func (e *DeltaEngine) offer(ctx context.Context, m Mailbox, p *policy, folder string, msg outlook.Message) (bool, error) {
	if msg.IsDraft || msg.ID == "" || p.option == crm.AutoTrackNone {
		return false, nil
	}
	_, err := e.store.ItemLink(ctx, m.TenantID, m.UserID, msg.ID)
	if err == nil {
		return false, nil // tracked already; its change may be our own stamp
	}
	if !crm.IsNotFound(err) {
		return false, err
	}
	pick, err := p.picks(ctx, folder, msg)
	if err != nil || !pick {
		return false, err
	}
	_, queued, err := e.track.SubmitAuto(ctx, m.Queue, tracking.AutoItem{TenantID: m.TenantID, UserID: m.UserID, ImmutableID: msg.ID,
		Kind: outlook.KindMessage, InternetMessageID: msg.InternetMessageID, ConversationID: msg.ConversationID, Assertion: m.Assertion})
	if err != nil {
		return false, err
	}
	return queued, nil
}

// removed untracks a tracked message the user deleted: its CRM activity stays. Delta also reports a
// message moved to another folder as removed, and an immutable id survives the move, so the message is
// looked up first and only one that is gone is untracked. Deleting a message moves it to Deleted Items,
// where Graph still finds it: a message there is gone too.
func (e *DeltaEngine) removed(ctx context.Context, m Mailbox, mb MailReader, id string) error {
	if _, err := e.store.ItemLink(ctx, m.TenantID, m.UserID, id); crm.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if exists, err := mb.Exists(ctx, outlook.KindMessage, id); err != nil || exists {
		return err
	}
	e.logger.Info("tracked message deleted in Outlook; untracked, CRM activity kept", "user", m.UserID, "item", id)
	return e.store.DeleteItemLink(ctx, m.TenantID, m.UserID, id)
}
