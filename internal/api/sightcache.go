package api

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
)

// sightCache remembers for a few seconds which tenant and user a token's claims resolved to, so that a
// user's burst of requests reads them once instead of on every request. The key holds every claim the
// user row copies (name, email, roles), so a changed claim misses the cache and is written through; a
// tenant's changed settings show within the TTL.
type sightCache struct {
	ttl     time.Duration
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]sightEntry
}

type sightEntry struct {
	tenant  crm.Tenant
	user    crm.User
	expires time.Time
}

// maxSightEntries bounds the cache; past it the cache starts over rather than tracking ages.
const maxSightEntries = 50_000

func newSightCache(ttl time.Duration, now func() time.Time) *sightCache {
	return &sightCache{ttl: ttl, now: now, entries: map[string]sightEntry{}}
}

func sightKey(p identity.Principal) string {
	roles := slices.Clone(p.Roles)
	slices.Sort(roles)
	return strings.Join([]string{p.TenantID, p.ObjectID, p.UPN, p.Email, p.Name, strings.Join(roles, ",")}, "\x00")
}

func (c *sightCache) get(p identity.Principal) (crm.Tenant, crm.User, bool) {
	if c.ttl <= 0 {
		return crm.Tenant{}, crm.User{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[sightKey(p)]
	if !ok || c.now().After(e.expires) {
		return crm.Tenant{}, crm.User{}, false
	}
	return e.tenant, e.user, true
}

func (c *sightCache) put(p identity.Principal, tenant crm.Tenant, user crm.User) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxSightEntries {
		c.entries = map[string]sightEntry{}
	}
	c.entries[sightKey(p)] = sightEntry{tenant: tenant, user: user, expires: c.now().Add(c.ttl)}
}

// forgetUser drops the entries of one user, whose stored row has just changed, so that this replica's
// next request of theirs reads it again. A scan is fine: it follows a rare write.
func (c *sightCache) forgetUser(tenantID, userID string) {
	c.forget(func(e sightEntry) bool { return e.tenant.ID == tenantID && e.user.ID == userID })
}

// forgetTenant drops the entries of a tenant whose settings have just changed.
func (c *sightCache) forgetTenant(tenantID string) {
	c.forget(func(e sightEntry) bool { return e.tenant.ID == tenantID })
}

func (c *sightCache) forget(match func(sightEntry) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if match(e) {
			delete(c.entries, k)
		}
	}
}
