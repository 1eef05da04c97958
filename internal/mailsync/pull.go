package mailsync

import (
	"context"
	"errors"
	"slices"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
)

// pull follows each of the kind's Outlook deltas to its end, reconciling every changed linked item, and
// saves a delta link only then.
func (p *pass) pull(ctx context.Context, k kindSync) error {
	folders, err := k.folders(ctx, p)
	if err != nil {
		return err
	}
	for _, folder := range folders {
		if err := p.pullFolder(ctx, k, folder); err != nil {
			return err
		}
	}
	return nil
}

func (p *pass) pullFolder(ctx context.Context, k kindSync, folder string) error {
	link, _, err := p.store.DeltaLink(ctx, p.m.TenantID, p.m.UserID, folder)
	if err != nil && !crm.IsNotFound(err) {
		return err
	}
	for reset := false; ; {
		deltaLink, err := p.pullRound(ctx, k, folder, link)
		if errors.Is(err, outlook.ErrSyncReset) && !reset {
			p.logger.Info("delta state expired; resynchronizing", "user", p.m.UserID, "folder", folder)
			link, reset = "", true
			continue
		}
		if err != nil {
			return err
		}
		if deltaLink == link {
			return nil // nothing changed: a quiet pass writes nothing
		}
		return p.store.SaveDeltaLink(ctx, p.m.TenantID, p.m.UserID, folder, deltaLink)
	}
}

func (p *pass) pullRound(ctx context.Context, k kindSync, folder, link string) (string, error) {
	for {
		page, err := k.delta(ctx, p, folder, link)
		if err != nil {
			return "", err
		}
		for _, it := range page.items {
			if err := p.pulled(ctx, k, it); err != nil {
				return "", err
			}
		}
		for _, id := range page.removed {
			if err := p.removedInOutlook(ctx, k, id); err != nil {
				return "", err
			}
		}
		if page.nextLink == "" {
			return page.deltaLink, nil
		}
		link = page.nextLink
	}
}

// pulled handles one new or changed Outlook item: a linked one is reconciled (unless the change is our
// own write, known by its change key); an unlinked one carrying our category may be the item a crashed
// pass created and could not record, which is adopted; any other item is the user's own business.
func (p *pass) pulled(ctx context.Context, k kindSync, it outlookItem) error {
	crmID, linked := p.byItem[it.ID]
	if !linked {
		return p.adopt(ctx, k, it)
	}
	l := p.links[crmID]
	if l.ChangeKey != "" && l.ChangeKey == it.ChangeKey {
		return nil // our own write coming back
	}
	ci, err := k.load(ctx, p, crmID)
	if crm.IsNotFound(err) {
		ci, err = crmItem{ID: crmID, Deleted: true}, nil
	}
	if err != nil {
		return err
	}
	if ci.Deleted || !p.canRead(k, ci) {
		return p.crmGone(ctx, k, l, ci)
	}
	return p.reconcile(ctx, k, l, ci, &it)
}

// adopt links an item created by a pass that crashed before recording it, found by its stamp.
func (p *pass) adopt(ctx context.Context, k kindSync, it outlookItem) error {
	if !slices.Contains(it.Categories, outlook.TrackedCategory) || !p.hasPending() {
		return nil
	}
	full, err := k.read(ctx, p, it.ID)
	if errors.Is(err, outlook.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	l, ok := p.links[full.Stamp]
	if !ok || !isPending(l) {
		return nil
	}
	pending := l.ItemID
	l.ItemID, l.ChangeKey, l.Stamped = full.ID, full.ChangeKey, true
	if err := p.store.ReplaceItemLink(ctx, pending, l); err != nil {
		return err
	}
	p.links[full.Stamp], p.byItem[full.ID] = l, full.Stamp
	p.logger.Info("adopted an item created before a crash", "user", p.m.UserID, "kind", k.kind(), "item", full.ID, "crmId", full.Stamp)
	return nil
}

func (p *pass) hasPending() bool {
	for _, l := range p.links {
		if isPending(l) {
			return true
		}
	}
	return false
}

// removedInOutlook unlinks an item the user deleted in Outlook: the CRM keeps its data.
// A record a filter pushed is remembered as removed, so it is not pushed again while it stays in the
// filter: the user's delete is respected.
func (p *pass) removedInOutlook(ctx context.Context, k kindSync, itemID string) error {
	p.mu.Lock()
	crmID, linked := p.byItem[itemID]
	l := p.links[crmID]
	p.mu.Unlock()
	if !linked {
		return nil
	}
	// Delta also reports an item that left its view (an event moved out of the calendar window, a
	// contact moved to another folder): only an item that is really gone is unlinked.
	if _, err := k.read(ctx, p, itemID); err == nil {
		return nil
	} else if !errors.Is(err, outlook.ErrNotFound) {
		return err
	}
	var err error
	if l.Reason == crm.ReasonFilter {
		removed := l
		removed.ItemID, removed.Synced, removed.ChangeKey, removed.Stamped = store.RemovedItemID(crmID), nil, "", false
		err = p.store.ReplaceItemLink(ctx, itemID, removed)
		p.forget(crmID, itemID)
		p.remember(removed)
	} else {
		err = p.store.DeleteItemLink(ctx, p.m.TenantID, p.m.UserID, itemID)
		p.forget(crmID, itemID)
	}
	if err != nil {
		return err
	}
	p.logger.Info("item deleted in Outlook; unlinked, CRM data kept", "user", p.m.UserID, "kind", k.kind(), "item", itemID, "crmId", crmID)
	return nil
}

func (p *pass) forget(crmID, itemID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.links, crmID)
	delete(p.byItem, itemID)
}
