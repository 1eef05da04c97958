package mailsync

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/records"
	"github.com/crmsync/crmsync/internal/store"
)

// ItemsEngine is the Synchronizer of calendar, contacts and To Do (the kinds), in both directions. For
// each kind it first follows the Outlook delta (changes to linked items flow to the CRM fields whose direction allows
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

// Sync runs one pass over every kind. ItemsIn counts CRM writes from Outlook, ItemsOut Outlook
// writes from the CRM.
func (e *ItemsEngine) Sync(ctx context.Context, m Mailbox) (Result, error) {
	var todo []kindSync
	for _, k := range kinds {
		if inScope(m.Scope, string(k.kind())) {
			todo = append(todo, k)
		}
	}
	if len(todo) == 0 {
		return Result{}, nil
	}
	p, err := e.newPass(ctx, m)
	if err != nil {
		return Result{}, err
	}
	for _, k := range todo {
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
	began       time.Time     // when the mailbox's synchronization began (see invites.go)

	mu     sync.Mutex
	links  map[string]crm.ItemLink // of the kind being synchronized, by CRM id
	byItem map[string]string       // Outlook id → CRM id

	memoMu sync.Mutex
	memo   map[string]string // what kinds read once per pass (see remembered)

	in, out atomic.Int64
}

func (e *ItemsEngine) newPass(ctx context.Context, m Mailbox) (*pass, error) {
	p := &pass{ItemsEngine: e, m: m, memo: map[string]string{}}
	var err error
	if p.user, err = e.store.User(ctx, m.TenantID, m.UserID); err != nil {
		return nil, err
	}
	mb, err := e.store.Mailbox(ctx, m.TenantID, m.UserID)
	if err != nil {
		return nil, err
	}
	p.began = began(mb.BeganAt)
	if p.filters, err = e.store.SyncFilters(ctx, m.TenantID, m.UserID); err != nil {
		return nil, err
	}
	if p.mappings, err = e.store.FieldMappings(ctx, m.TenantID); err != nil {
		return nil, err
	}
	if p.rules, err = e.records.Rules(ctx, crm.Actor{TenantID: m.TenantID, UserID: m.UserID, Roles: p.user.Roles}); err != nil {
		return nil, err
	}
	// What every kind's membership depends on: the user's roles, access and field security, and the
	// fields of the kinds whose CRM side is a record type (contacts).
	parts := []any{p.user.Roles, p.rules.Levels(), p.rules.FieldPermissions()}
	for _, k := range kinds {
		if t, err := p.rules.EntityType(k.recordType()); err == nil {
			parts = append(parts, t.Fields)
		}
	}
	if p.fingerprint, err = json.Marshal(parts); err != nil {
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

// changed is the hook that reports, inside its transaction, a CRM write this pass makes from Outlook:
// the other mailboxes that show the item push it, this one needs no other pass for it.
func (p *pass) changed(ctx context.Context, typ, id string) store.Then {
	return func(tx *store.Tx) error {
		return p.records.Changed(ctx, tx, records.Change{TenantID: p.m.TenantID, Type: typ, ID: id, Source: p.m.UserID})
	}
}

func (p *pass) canRead(k kindSync, it crmItem) bool {
	return !it.Deleted && p.rules.CanRead(k.recordType(), it.OwnerID)
}

// remembered returns what load gives for key, loading it once per pass (a failed load is tried again by
// the next call): what a kind needs repeatedly, such as the default To Do list or an account's name.
func (p *pass) remembered(key string, load func() (string, error)) (string, error) {
	p.memoMu.Lock()
	defer p.memoMu.Unlock()
	if v, ok := p.memo[key]; ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return "", err
	}
	p.memo[key] = v
	return v, nil
}
