package mailsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
)

// reconcile synchronizes one linked item field by field. out is its Outlook copy as delta read it, or
// nil when the pass already read every Outlook change (the push).
func (p *pass) reconcile(ctx context.Context, k kindSync, l crm.ItemLink, ci crmItem, out *outlookItem) error {
	maps := p.mapsOf(k)
	if l.AttendeesInBody {
		// A copy that lists its attendees (see invites.go): the list is part of its body, and its attendees
		// are not compared.
		ci.Values = withAttendeesInBody(ci.Values)
		if out != nil {
			o := *out
			o.Values = withoutAttendees(out.Values)
			out = &o
		}
	}
	s := sides{crm: ci.Values, crmAt: ci.UpdatedAt, agreed: l.Synced}
	if out != nil {
		s.outlook, s.outlookAt = out.Values, out.Modified
		if out.ChangeKey != "" { // an occurrence's delta entry has none
			l.ChangeKey = out.ChangeKey
		}
	}
	rules := p.fieldRules(k, ci)
	rules.outlookReadOnly = out != nil && out.ReadOnly
	d := decide(maps, s, rules)
	if out != nil && out.ReadOnlyUnknown && len(d.toOutlook) > 0 {
		// The entry did not say whether the user organizes the meeting, and the CRM has something to
		// write: only the organizer's copy may be written, so read the item whole to know.
		whole, err := k.read(ctx, p, l.ItemID)
		if errors.Is(err, outlook.ErrNotFound) {
			return p.removedInOutlook(ctx, k, l.ItemID)
		}
		if err != nil {
			return fmt.Errorf("read %s %s: %w", k.kind(), l.ItemID, err)
		}
		return p.reconcile(ctx, k, l, ci, &whole)
	}
	for _, c := range d.conflicts {
		p.logger.Warn("synchronization conflict: the later change wins", "user", p.m.UserID, "kind", k.kind(), "item", l.ItemID,
			"crmId", ci.ID, "field", c.Field, "crmValue", c.CRMValue, "outlookValue", c.OutlookValue, "winner", c.Winner)
	}
	for _, f := range d.refused {
		p.logger.Warn("an Outlook change was not applied: the user may not update the field", "user", p.m.UserID, "kind", k.kind(),
			"item", l.ItemID, "crmId", ci.ID, "field", f)
	}
	if len(d.toCRM) > 0 {
		err := k.writeCRM(ctx, p, ci, d.toCRM)
		if crm.ErrorCode(err) == crm.CodeConflict {
			return nil // the CRM changed meanwhile: the next pass compares again
		}
		if err != nil {
			return fmt.Errorf("write %s %s: %w", k.recordType(), ci.ID, err)
		}
		ci.Version++
		p.in.Add(1)
	}
	if len(d.toOutlook) > 0 {
		got, err := k.update(ctx, p, l.ItemID, d.agreed, outlookProperties(maps, d.toOutlook))
		if errors.Is(err, outlook.ErrNotFound) {
			return p.removedInOutlook(ctx, k, l.ItemID)
		}
		if err != nil {
			return fmt.Errorf("update %s %s: %w", k.kind(), l.ItemID, err)
		}
		l.ChangeKey = got.ChangeKey
		p.out.Add(1)
	}
	if d.empty() && out == nil && ci.Version == l.CRMVersion {
		return nil
	}
	l.Synced, l.CRMVersion = d.agreed, ci.Version
	if err := p.store.SaveItemLink(ctx, l); err != nil {
		return err
	}
	p.remember(l)
	return nil
}

func (p *pass) remember(l crm.ItemLink) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.links[l.CRMID()], p.byItem[l.ItemID] = l, l.CRMID()
}

// crmGone handles a linked item deleted in the CRM, or that the user may no longer read: the Outlook copy
// is removed only if crmsync created it and the CRM item was deleted; otherwise the link goes and the
// Outlook item stays, without its stamp.
func (p *pass) crmGone(ctx context.Context, k kindSync, l crm.ItemLink, ci crmItem) error {
	if hasItem(l) {
		var err error
		s, shapes := k.(attendeeShaper)
		if ci.Deleted && l.CreatedByUs && !(shapes && s.keepWhenDeleted(p, l, ci)) {
			err = k.remove(ctx, p, l.ItemID)
		} else {
			err = p.items.Unstamp(ctx, k.kind(), l.ItemID)
		}
		if err != nil && !errors.Is(err, outlook.ErrNotFound) {
			return fmt.Errorf("let go of %s %s: %w", k.kind(), l.ItemID, err)
		}
	}
	if err := p.store.DeleteItemLink(ctx, p.m.TenantID, p.m.UserID, l.ItemID); err != nil {
		return err
	}
	p.forget(l.CRMID(), l.ItemID)
	return nil
}
