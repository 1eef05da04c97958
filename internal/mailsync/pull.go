package mailsync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
)

// pull follows each of the kind's Outlook deltas to its end, reconciling every changed linked item,
// then handles what they removed, and saves their delta links only then. Removals wait for every folder:
// an item moved between two of them (a To Do task moved to another list, which gives it a new id) shows
// as new in one and removed from the other, and is relinked before its old id is taken for deleted. A
// pass that fails before the end saves nothing, so the next one reads the same changes again.
func (p *pass) pull(ctx context.Context, k kindSync) error {
	folders, err := k.folders(ctx, p)
	if err != nil {
		return err
	}
	type done struct{ folder, old, link string }
	var rounds []done
	var removed []string
	for _, folder := range folders {
		old, link, gone, err := p.pullFolder(ctx, k, folder)
		if err != nil {
			return err
		}
		rounds = append(rounds, done{folder, old, link})
		removed = append(removed, gone...)
	}
	for _, id := range removed {
		if err := p.removedInOutlook(ctx, k, id); err != nil {
			return err
		}
	}
	for _, r := range rounds {
		if r.link == r.old {
			continue // nothing changed: a quiet pass writes nothing
		}
		if err := p.store.SaveDeltaLink(ctx, p.m.TenantID, p.m.UserID, r.folder, r.link); err != nil {
			return err
		}
	}
	return nil
}

// pullFolder follows one folder's round from its stored link (from scratch once if Graph dropped the
// state) and returns the link it started from, the new one, and the ids of the items the round removed.
// A round from scratch reports no removals, so after one every linked item of the folder it did not list
// counts as removed, to be looked for: one deleted while the folder had no delta state (before its first
// round, or while Graph had dropped it) is unlinked all the same.
func (p *pass) pullFolder(ctx context.Context, k kindSync, folder string) (old, link string, removed []string, err error) {
	old, _, err = p.store.DeltaLink(ctx, p.m.TenantID, p.m.UserID, folder)
	if err != nil && !crm.IsNotFound(err) {
		return "", "", nil, err
	}
	start := old
	for reset := false; ; {
		var seen map[string]bool
		link, removed, seen, err = p.pullRound(ctx, k, folder, start)
		if errors.Is(err, outlook.ErrSyncReset) && !reset {
			p.logger.Info("delta state expired; resynchronizing", "user", p.m.UserID, "folder", folder)
			start, reset = "", true
			continue
		}
		if err == nil && start == "" {
			// Also when the round had nothing to follow (contacts, before the folder holds one).
			removed = append(removed, p.unseen(folder, seen)...)
		}
		return old, link, removed, err
	}
}

// unseen lists the linked items of folder that a round from scratch did not list.
func (p *pass) unseen(folder string, seen map[string]bool) []string {
	list, isTasks := strings.CutPrefix(folder, FolderTasks+":")
	var out []string
	for _, l := range p.links {
		if !hasItem(l) || seen[l.ItemID] || (isTasks && !strings.HasPrefix(l.ItemID, list+":")) {
			continue
		}
		out = append(out, l.ItemID)
	}
	slices.Sort(out)
	return out
}

func (p *pass) pullRound(ctx context.Context, k kindSync, folder, link string) (string, []string, map[string]bool, error) {
	var removed []string
	seen := map[string]bool{}
	for {
		page, err := k.delta(ctx, p, folder, link)
		if err != nil {
			return "", nil, nil, err
		}
		for _, it := range page.items {
			seen[it.ID] = true
			if err := p.pulled(ctx, k, it); err != nil {
				return "", nil, nil, err
			}
		}
		removed = append(removed, page.removed...)
		if page.nextLink == "" {
			return page.deltaLink, removed, seen, nil
		}
		link = page.nextLink
	}
}

// pulled handles one new or changed Outlook item: a linked one is reconciled (unless the change is our
// own write, known by its change key); an unlinked one carrying our category may be the item a crashed
// pass created and could not record, or a linked item that came back under another id, and is adopted;
// any other item is the user's own business.
func (p *pass) pulled(ctx context.Context, k kindSync, it outlookItem) error {
	crmID, linked := p.byItem[it.ID]
	if !linked {
		return p.adopt(ctx, k, it)
	}
	l := p.links[crmID]
	if it.Series {
		return p.becameSeries(ctx, k, l)
	}
	if l.ChangeKey != "" && l.ChangeKey == it.ChangeKey {
		return nil // our own write coming back
	}
	if it.Ambiguous {
		// The entry cannot say whether a field it lacks was cleared: read the item whole.
		whole, err := k.read(ctx, p, it.ID)
		if errors.Is(err, outlook.ErrNotFound) {
			return p.removedInOutlook(ctx, k, it.ID)
		}
		if err != nil {
			return err
		}
		it = whole
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

// adopt links an unlinked item that carries crmsync's category, found by its stamp: an item a pass
// created and crashed before recording (its link is pending), or a linked item that came back under a
// new id, such as a To Do task the user moved to another list, whose old id is gone. A copy of a linked
// item that still exists is the user's own.
func (p *pass) adopt(ctx context.Context, k kindSync, it outlookItem) error {
	if !slices.Contains(it.Categories, outlook.TrackedCategory) {
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
	if !ok || isRemoved(l) {
		return nil
	}
	reason := "adopted an item created before a crash"
	if !isPending(l) {
		if exists, err := p.items.Exists(ctx, k.kind(), l.ItemID); err != nil || exists {
			return err
		}
		reason = "a linked item came back under a new id; relinked"
	}
	old := l.ItemID
	l.ItemID, l.ChangeKey, l.Stamped = full.ID, full.ChangeKey, true
	if err := p.store.ReplaceItemLink(ctx, old, l); err != nil {
		return err
	}
	p.forget(full.Stamp, old)
	p.remember(l)
	p.logger.Info(reason, "user", p.m.UserID, "kind", k.kind(), "item", full.ID, "was", old, "crmId", full.Stamp)
	return nil
}

// removedInOutlook unlinks an item the user deleted in Outlook: the CRM keeps its data. Delta also
// reports an item that left its view (an event moved out of the calendar window, a contact moved to
// another folder), so the item is looked for first, and only one that is gone is unlinked. An item in
// Deleted Items is gone: an ordinary delete moves it there, where Graph still finds it by id.
func (p *pass) removedInOutlook(ctx context.Context, k kindSync, itemID string) error {
	p.mu.Lock()
	crmID, linked := p.byItem[itemID]
	l := p.links[crmID]
	p.mu.Unlock()
	if !linked {
		return nil
	}
	if exists, err := p.items.Exists(ctx, k.kind(), itemID); err != nil || exists {
		return err
	}
	return p.unlink(ctx, k, l, "item deleted in Outlook; unlinked, CRM data kept")
}

// becameSeries lets go of a linked event that turned out to be a recurring series' master (the user
// made the meeting recurring): a CRM appointment is one meeting, not a series. The link ends as if the
// user had deleted the copy, the CRM appointment keeps its values, and the series loses the stamp.
func (p *pass) becameSeries(ctx context.Context, k kindSync, l crm.ItemLink) error {
	if err := p.items.Unstamp(ctx, k.kind(), l.ItemID); err != nil && !errors.Is(err, outlook.ErrNotFound) {
		return fmt.Errorf("unstamp series %s: %w", l.ItemID, err)
	}
	return p.unlink(ctx, k, l, "a linked meeting became a recurring series; let go, CRM data kept")
}

// unlink ends a link whose Outlook item the user took away. A record a filter pushed is remembered as
// removed, so it is not pushed again while it stays in the filter: the user's choice is respected.
func (p *pass) unlink(ctx context.Context, k kindSync, l crm.ItemLink, why string) error {
	crmID, itemID := l.CRMID(), l.ItemID
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
	p.logger.Info(why, "user", p.m.UserID, "kind", k.kind(), "item", itemID, "crmId", crmID)
	return nil
}

func (p *pass) forget(crmID, itemID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.links, crmID)
	delete(p.byItem, itemID)
}
