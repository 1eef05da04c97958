package mailsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
)

// pushMargin is how far before the last pass's read the push looks again: a CRM write that committed
// just after that read, with an earlier timestamp, is still seen.
const pushMargin = 5 * time.Second

// pushConcurrency bounds the Outlook writes of one mailbox in flight: Graph allows 4 concurrent
// requests per mailbox.
const pushConcurrency = 4

// push brings the CRM side of one kind to Outlook: every candidate changed since the last push (all of
// them when what decides membership changed), and, on a full pass, every link whose item is no longer a
// candidate.
func (p *pass) push(ctx context.Context, k kindSync, filters []crm.Filter) error {
	fp := p.kindFingerprint(k, filters)
	stored, watermark, found, err := p.store.PushState(ctx, p.m.TenantID, p.m.UserID, string(k.kind()))
	if err != nil {
		return err
	}
	readAt := p.now().UTC()
	full := !found || stored != fp
	var since time.Time
	var owners store.Owners
	switch {
	case !full && (p.rules.ReadsOwnOnly(k.recordType()) || crm.PicksOnlyOwn(filters, p.m.UserID)):
		// The filters pick only the user's own items (the default "My …" ones do), or the user reads no
		// other: another owner's change concerns this push only when the user's Outlook holds the item.
		// Reading every change of the tenant made each pass weigh all of them, so that a little activity
		// cost every mailbox (the 1 %-changed cycle of 10,000 mailboxes took three times the quiet one).
		since, owners = watermark.Add(-pushMargin), store.Owners{Owner: p.m.UserID, LinkedTo: p.m.UserID}
	case !full:
		since = watermark.Add(-pushMargin)
	case p.rules.ReadsOwnOnly(k.recordType()):
		owners.Owner = p.m.UserID
	}
	var candidates []crmItem
	if len(filters) > 0 || !full {
		if candidates, err = k.changed(ctx, p, owners, since); err != nil {
			return err
		}
	}
	seen := make(map[string]bool, len(candidates))
	for _, c := range candidates {
		seen[c.ID] = true
	}
	if full {
		for crmID := range p.links {
			if seen[crmID] {
				continue
			}
			ci, err := k.load(ctx, p, crmID)
			if crm.IsNotFound(err) {
				ci, err = crmItem{ID: crmID, Deleted: true}, nil
			}
			if err != nil {
				return err
			}
			candidates = append(candidates, ci)
		}
	}
	if err := p.each(ctx, candidates, func(ctx context.Context, c crmItem) error { return p.pushOne(ctx, k, filters, c) }); err != nil {
		return err
	}
	if !full && len(candidates) == 0 && readAt.Sub(watermark) < pushStateRefresh {
		// Nothing changed: the next pass may as well look from the same point, and a quiet pass writes
		// nothing.
		return nil
	}
	return p.store.SavePushState(ctx, p.m.TenantID, p.m.UserID, string(k.kind()), fp, readAt)
}

// pushStateRefresh is how old a quiet mailbox's push watermark may grow before it is moved on anyway, so
// the query of changes since it stays small.
const pushStateRefresh = time.Hour

// each runs fn over the items, pushConcurrency at a time, and returns the first error.
func (p *pass) each(ctx context.Context, list []crmItem, fn func(context.Context, crmItem) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		slots = make(chan struct{}, pushConcurrency)
	)
	for _, it := range list {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			if err := fn(ctx, it); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

func (p *pass) linkOf(crmID string) (crm.ItemLink, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.links[crmID]
	return l, ok
}

// pushOne brings one CRM item to Outlook.
func (p *pass) pushOne(ctx context.Context, k kindSync, filters []crm.Filter, c crmItem) error {
	l, linked := p.linkOf(c.ID)
	readable := p.canRead(k, c)
	matches := readable && p.rules.Picks(filters, k.recordType(), c.OwnerID, c.Filter)
	switch {
	case linked && (!readable || (l.Reason == crm.ReasonFilter && !matches)):
		return p.crmGone(ctx, k, l, c)
	case linked && isRemoved(l):
		return nil // the user deleted the Outlook copy: not pushed again while it stays in the filter
	case linked && !isPending(l) && !l.CreatedByUs && k.othersItems():
		// A tracked item may be someone else's, which crmsync may not change: read it first.
		out, err := k.read(ctx, p, l.ItemID)
		if errors.Is(err, outlook.ErrNotFound) {
			return p.removedInOutlook(ctx, k, l.ItemID)
		}
		if err != nil {
			return err
		}
		if out.Series {
			return p.becameSeries(ctx, k, l)
		}
		return p.reconcile(ctx, k, l, c, &out)
	case linked && !isPending(l):
		return p.reconcile(ctx, k, l, c, nil)
	case matches:
		return p.create(ctx, k, c, l, linked)
	}
	return nil
}

// create makes the Outlook copy of a CRM item that entered the user's filters. A pending link is written
// first, so a crash after Graph created the item leaves a trace the next pass adopts (see adopt).
func (p *pass) create(ctx context.Context, k kindSync, c crmItem, pending crm.ItemLink, hasPending bool) error {
	maps, rules := p.mapsOf(k), p.fieldRules(k, c)
	inBody := pending.AttendeesInBody
	if s, ok := k.(attendeeShaper); ok && !hasPending {
		inBody = !s.invites(p, c)
	}
	crmValues := c.Values
	if inBody {
		crmValues = withAttendeesInBody(c.Values)
	}
	out, agreed := values{}, values{}
	for _, m := range maps {
		f := m.CRMField
		if (m.Direction == crm.DirectionToOutlook || m.Direction == crm.DirectionTwoWay) && rules.readable(f) {
			out[f], agreed[f] = crmValues[f], crmValues[f]
		} else if m.Direction != crm.DirectionNone {
			agreed[f] = "" // the Outlook copy starts without it
		}
	}
	if !hasPending {
		pending = crm.ItemLink{TenantID: p.m.TenantID, UserID: p.m.UserID, ItemID: store.PendingItemID(c.ID), Kind: string(k.kind()),
			Reason: crm.ReasonFilter, CreatedByUs: true, AttendeesInBody: inBody}
		k.link(&pending, c.ID)
		if err := p.store.SaveItemLink(ctx, pending); err != nil {
			return err
		}
	}
	got, err := k.create(ctx, p, out, c)
	if err != nil && got.ID == "" {
		return fmt.Errorf("create %s for %s: %w", k.kind(), c.ID, err)
	}
	// An item created whose stamp could not be written (a To Do task's extension is a second request)
	// is linked all the same, so it is not created twice.
	l := pending
	l.ItemID, l.ChangeKey, l.Stamped, l.Synced, l.CRMVersion = got.ID, got.ChangeKey, err == nil, agreed, c.Version
	if err := p.store.ReplaceItemLink(ctx, pending.ItemID, l); err != nil {
		return err
	}
	p.remember(l)
	p.out.Add(1)
	if err != nil {
		return fmt.Errorf("stamp %s %s: %w", k.kind(), got.ID, err)
	}
	return nil
}

// kindFingerprint is what decides which CRM items of a kind reach the user's Outlook and how: when it
// changes, the push looks at every item again instead of the changed ones.
func (p *pass) kindFingerprint(k kindSync, filters []crm.Filter) string {
	type filterState struct {
		ID         string
		UpdatedAt  time.Time
		Conditions crm.Condition
	}
	var fs []filterState
	for _, f := range filters {
		fs = append(fs, filterState{f.ID, f.UpdatedAt, f.Conditions})
	}
	b, _ := json.Marshal([]any{fs, p.mapsOf(k)}) // plain values: cannot fail
	h := sha256.New()
	h.Write(p.fingerprint)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
