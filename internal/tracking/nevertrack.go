package tracking

import (
	"context"
	"slices"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
)

// NeverTrack is the never-track lists: the addresses and domains whose email automatic tracking never
// picks, the tenant's (kept by admins) and each user's own. With the "all" option the organisation's own
// domains are on the list too: "all" means every customer's email, not every colleague's. A click on
// such an email still tracks it; the taskpane asks Check first and says so.
type NeverTrack struct {
	store *store.Store
}

// NewNeverTrack builds the lists' use cases on the store.
func NewNeverTrack(s *store.Store) *NeverTrack { return &NeverTrack{store: s} }

// owner is whose list an actor's call is about: the tenant's ("") or the actor's own.
func owner(actor crm.Actor, tenantList bool) (string, error) {
	if !tenantList {
		return actor.UserID, nil
	}
	if !actor.IsAdmin() {
		return "", crm.Forbidden("the organisation's never-track list is kept by admins (CRM.Admin)")
	}
	return "", nil
}

// List returns the actor's own list, or the tenant's.
func (n *NeverTrack) List(ctx context.Context, actor crm.Actor, tenantList bool) ([]crm.NeverTrack, error) {
	who, err := owner(actor, tenantList)
	if err != nil {
		return nil, err
	}
	return n.store.NeverTrackList(ctx, actor.TenantID, who)
}

// Add puts an address or domain on the actor's own list, or the tenant's.
func (n *NeverTrack) Add(ctx context.Context, actor crm.Actor, tenantList bool, in crm.NeverTrackInput) (crm.NeverTrack, error) {
	who, err := owner(actor, tenantList)
	if err != nil {
		return crm.NeverTrack{}, err
	}
	value, _, err := in.Entry()
	if err != nil {
		return crm.NeverTrack{}, err
	}
	return n.store.AddNeverTrack(ctx, actor.TenantID, who, value)
}

// Delete takes an entry off the actor's own list, or the tenant's.
func (n *NeverTrack) Delete(ctx context.Context, actor crm.Actor, tenantList bool, id string) error {
	who, err := owner(actor, tenantList)
	if err != nil {
		return err
	}
	return n.store.DeleteNeverTrack(ctx, actor.TenantID, who, id)
}

// OwnDomains are the organisation's own domains, on the list for the "all" option.
func (n *NeverTrack) OwnDomains(ctx context.Context, actor crm.Actor) ([]string, error) {
	return n.store.TenantDomains(ctx, actor.TenantID)
}

// Check reports whether automatic tracking of the user, with their option, never picks email from
// address: what the taskpane says before a click tracks it anyway.
func (n *NeverTrack) Check(ctx context.Context, actor crm.Actor, option, address string) (bool, error) {
	values, err := n.Values(ctx, actor.TenantID, actor.UserID, option)
	if err != nil {
		return false, err
	}
	return crm.NeverTracked(values, address), nil
}

// Values are every entry that applies to a user's automatic tracking with option: the tenant's list,
// theirs, and with "all" the organisation's own domains.
func (n *NeverTrack) Values(ctx context.Context, tenantID, userID, option string) ([]string, error) {
	values, err := n.store.NeverTrackValues(ctx, tenantID, userID)
	if err != nil {
		return nil, err
	}
	if option == crm.AutoTrackAll {
		own, err := n.store.TenantDomains(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		values = append(values, own...)
	}
	return slices.Compact(values), nil
}
