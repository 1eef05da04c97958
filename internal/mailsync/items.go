package mailsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/records"
	"github.com/crmsync/crmsync/internal/store"
)

// Delta folders of the item kinds, as sync_state names them.
const (
	FolderCalendar = "calendar"
	FolderContacts = "contacts"
	FolderTasks    = "todo" // one per To Do list: "todo:<list id>"
	// folderCalendarWindow keeps the start of the calendar view window the calendar's delta link covers.
	folderCalendarWindow = "calendar-window"
)

// The calendar view a pass follows: from calendarPast before the window's start, calendarSpan long. The
// window moves on weekly, which costs one full round of the calendar a week.
const (
	calendarPast = 30 * 24 * time.Hour
	calendarSpan = 400 * 24 * time.Hour
)

// pushMargin is how far before the last pass's read the push looks again: a CRM write that committed
// just after that read, with an earlier timestamp, is still seen.
const pushMargin = 5 * time.Second

// pushConcurrency bounds the Outlook writes of one mailbox in flight: Graph allows 4 concurrent
// requests per mailbox.
const pushConcurrency = 4

// ItemsEngine is the Synchronizer of calendar, contacts and To Do, in both directions. For each kind it
// first follows the Outlook delta (changes to linked items flow to the CRM fields whose direction allows
// it; deleting a linked item in Outlook unlinks it, never deleting CRM data), then pushes the CRM side:
// the records the user's online filters choose and may read are created in Outlook, changed ones are
// updated field by field, and those that left the filter or the user's access are unlinked. Deleting in
// the CRM removes the Outlook copy only where crmsync created it (in the user's own calendar, so the user
// is its organizer). A field changed on both sides since the last pass is a conflict the later change
// wins, logged.
type ItemsEngine struct {
	store   *store.Store
	records *records.Service
	open    OpenItems
	logger  *slog.Logger
	now     func() time.Time
}

// NewItemsEngine builds the engine.
func NewItemsEngine(s *store.Store, recs *records.Service, open OpenItems, logger *slog.Logger) *ItemsEngine {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &ItemsEngine{store: s, records: recs, open: open, logger: logger, now: time.Now}
}

var _ Synchronizer = (*ItemsEngine)(nil)

var allKinds = []kindSync{appointments{activityKind{crm.ActivityAppointment}}, contacts{}, tasks{activityKind{crm.ActivityTask}}}

// Sync runs one pass over the three kinds. ItemsIn counts CRM writes from Outlook, ItemsOut Outlook
// writes from the CRM.
func (e *ItemsEngine) Sync(ctx context.Context, m Mailbox) (Result, error) {
	p, err := e.newPass(ctx, m)
	if err != nil {
		return Result{}, err
	}
	for _, k := range allKinds {
		if err := p.syncKind(ctx, k); err != nil {
			return p.result(), fmt.Errorf("synchronize %s: %w", k.kind(), err)
		}
	}
	return p.result(), nil
}

// pass is one synchronization of one mailbox: what it read once, and what it moved.
type pass struct {
	*ItemsEngine
	m           Mailbox
	items       Items
	user        crm.User
	filters     []crm.Filter
	mappings    []crm.FieldMapping
	rules       records.Rules // what the user may see and do with the CRM side
	fingerprint []byte        // what every kind's membership depends on, besides its own filters and mappings

	mu       sync.Mutex
	accounts map[string]string
	list     string                  // the default To Do list
	links    map[string]crm.ItemLink // of the kind being synchronized, by CRM id
	byItem   map[string]string       // Outlook id → CRM id

	in, out atomic.Int64
}

func (e *ItemsEngine) newPass(ctx context.Context, m Mailbox) (*pass, error) {
	p := &pass{ItemsEngine: e, m: m, accounts: map[string]string{}}
	var err error
	if p.user, err = e.store.User(ctx, m.TenantID, m.UserID); err != nil {
		return nil, err
	}
	if p.filters, err = e.store.SyncFilters(ctx, m.TenantID, m.UserID); err != nil {
		return nil, err
	}
	if p.mappings, err = e.store.FieldMappings(ctx, m.TenantID); err != nil {
		return nil, err
	}
	if p.rules, err = e.records.Rules(ctx, crm.Actor{TenantID: m.TenantID, UserID: m.UserID, Roles: p.user.Roles}); err != nil {
		return nil, err
	}
	contactType, err := p.rules.EntityType(crm.TypeContact)
	if err != nil {
		return nil, err
	}
	p.fingerprint, err = json.Marshal([]any{p.user.Roles, p.rules.Levels(), p.rules.FieldPermissions(), contactType.Fields})
	if err != nil {
		return nil, fmt.Errorf("fingerprint: %w", err)
	}
	if p.items, err = e.open(ctx, m); err != nil {
		return nil, fmt.Errorf("open mailbox of %s: %w", m.UserID, err)
	}
	return p, nil
}

func (p *pass) result() Result { return Result{ItemsIn: int(p.in.Load()), ItemsOut: int(p.out.Load())} }

// syncKind pulls then pushes one kind. Nothing is read for a kind with no enabled filter and no link.
func (p *pass) syncKind(ctx context.Context, k kindSync) error {
	links, err := p.store.ItemLinksOfKind(ctx, p.m.TenantID, p.m.UserID, string(k.kind()))
	if err != nil {
		return err
	}
	p.links, p.byItem = links, make(map[string]string, len(links))
	for crmID, l := range links {
		p.byItem[l.ItemID] = crmID
	}
	filters := crm.FiltersFor(p.filters, k.recordType(), crm.FilterOnline)
	if len(filters) == 0 && len(links) == 0 {
		return nil
	}
	if err := p.pull(ctx, k); err != nil {
		return err
	}
	return p.push(ctx, k, filters)
}

func (p *pass) mapsOf(k kindSync) []crm.FieldMapping {
	var out []crm.FieldMapping
	for _, m := range p.mappings {
		if m.ItemKind == k.itemKind() {
			out = append(out, m)
		}
	}
	return out
}

// fieldRules are what the user may do with a CRM item's fields: read them (record access, then field
// security) and update them.
func (p *pass) fieldRules(k kindSync, it crmItem) fieldRules {
	typ := k.recordType()
	return fieldRules{
		readable: func(f string) bool { return p.rules.FieldReadable(typ, f) },
		writable: func(f string) bool { return p.rules.FieldWritable(typ, it.OwnerID, f) },
	}
}

func (p *pass) canRead(k kindSync, it crmItem) bool {
	return !it.Deleted && p.rules.CanRead(k.recordType(), it.OwnerID)
}

// pull follows each of the kind's Outlook deltas to its end, reconciling every changed linked item, and
// saves a delta link only then.
func (p *pass) pull(ctx context.Context, k kindSync) error {
	if k.kind() == outlook.KindAppointment {
		if err := p.moveCalendarWindow(ctx); err != nil {
			return err
		}
	}
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

// reconcile synchronizes one linked item field by field. out is its Outlook copy as delta read it, or
// nil when the pass already read every Outlook change (the push).
func (p *pass) reconcile(ctx context.Context, k kindSync, l crm.ItemLink, ci crmItem, out *outlookItem) error {
	maps := p.mapsOf(k)
	s := sides{crm: ci.Values, crmAt: ci.UpdatedAt, agreed: l.Synced}
	if out != nil {
		s.outlook, s.outlookAt = out.Values, out.Modified
		l.ChangeKey = out.ChangeKey
	}
	rules := p.fieldRules(k, ci)
	rules.outlookReadOnly = out != nil && out.ReadOnly
	d := decide(maps, s, rules)
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
		if ci.Deleted && l.CreatedByUs {
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
	owner := ""
	if !full {
		since = watermark.Add(-pushMargin)
	} else if p.rules.ReadsOwnOnly(k.recordType()) {
		owner = p.m.UserID
	}
	var candidates []crmItem
	if len(filters) > 0 || !full {
		if candidates, err = k.changed(ctx, p, owner, since); err != nil {
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
	case linked && !isPending(l) && !l.CreatedByUs && k.kind() == outlook.KindAppointment:
		// A tracked meeting may be someone else's, which crmsync may not change: read it first.
		out, err := k.read(ctx, p, l.ItemID)
		if errors.Is(err, outlook.ErrNotFound) {
			return p.removedInOutlook(ctx, k, l.ItemID)
		}
		if err != nil {
			return err
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
	out, agreed := values{}, values{}
	for _, m := range maps {
		f := m.CRMField
		if (m.Direction == crm.DirectionToOutlook || m.Direction == crm.DirectionTwoWay) && rules.readable(f) {
			out[f], agreed[f] = c.Values[f], c.Values[f]
		} else if m.Direction != crm.DirectionNone {
			agreed[f] = "" // the Outlook copy starts without it
		}
	}
	if !hasPending {
		pending = crm.ItemLink{TenantID: p.m.TenantID, UserID: p.m.UserID, ItemID: store.PendingItemID(c.ID), Kind: string(k.kind()),
			Reason: crm.ReasonFilter, CreatedByUs: true}
		k.link(&pending, c.ID)
		if err := p.store.SaveItemLink(ctx, pending); err != nil {
			return err
		}
	}
	got, err := k.create(ctx, p, out, c.ID)
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

// calendarWindow is the calendar view the pass follows.
func (p *pass) calendarWindow() (time.Time, time.Time) {
	start := windowStart(p.now())
	return start, start.Add(calendarSpan)
}

// windowStart is calendarPast before now, moved back to the week's Monday so it changes weekly.
func windowStart(now time.Time) time.Time {
	d := now.UTC().Add(-calendarPast).Truncate(24 * time.Hour)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// moveCalendarWindow starts the calendar's delta over when its window moved on: a delta link keeps the
// window it began with. The full round that follows only reconciles linked items, so nothing doubles.
func (p *pass) moveCalendarWindow(ctx context.Context) error {
	want := windowStart(p.now()).Format(time.DateOnly)
	got, _, err := p.store.DeltaLink(ctx, p.m.TenantID, p.m.UserID, folderCalendarWindow)
	if err != nil && !crm.IsNotFound(err) {
		return err
	}
	if got == want {
		return nil
	}
	if err := p.store.DeleteDeltaLink(ctx, p.m.TenantID, p.m.UserID, FolderCalendar); err != nil {
		return err
	}
	return p.store.SaveDeltaLink(ctx, p.m.TenantID, p.m.UserID, folderCalendarWindow, want)
}

func (p *pass) taskList(ctx context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.list != "" {
		return p.list, nil
	}
	id, err := p.items.DefaultTaskList(ctx)
	if err != nil {
		return "", fmt.Errorf("find the default To Do list: %w", err)
	}
	p.list = id
	return id, nil
}

// accountName is the name of a contact's account, as Outlook's company name shows it.
func (p *pass) accountName(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	p.mu.Lock()
	name, ok := p.accounts[id]
	p.mu.Unlock()
	if ok {
		return name, nil
	}
	r, err := p.store.Record(ctx, p.m.TenantID, crm.TypeAccount, id)
	if crm.IsNotFound(err) {
		err = nil
	}
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	p.accounts[id] = r.Name
	p.mu.Unlock()
	return r.Name, nil
}

// attendees are the CRM parties of an appointment's attendees once the change v is applied to current,
// each resolved to its record when one has the address.
func (p *pass) attendees(ctx context.Context, current, v values) ([]crm.Party, error) {
	merged := func(f string) []string {
		if s, ok := v[f]; ok {
			return splitAddresses(s)
		}
		return splitAddresses(current[f])
	}
	var out []crm.Party
	for _, a := range merged("requiredAttendees") {
		out = append(out, crm.Party{Role: crm.PartyRequired, Address: a})
	}
	for _, a := range merged("optionalAttendees") {
		out = append(out, crm.Party{Role: crm.PartyOptional, Address: a})
	}
	return out, p.store.ResolveParties(ctx, p.m.TenantID, out)
}
