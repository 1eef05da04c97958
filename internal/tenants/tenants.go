// Package tenants decides who may use crmsync and in which organisation: the sign-in that onboards a
// tenant (its first CRM.Admin, or any user of an allow-listed tenant) and knows its users, and the
// tenant's synchronization settings that its admins set.
package tenants

import (
	"cmp"
	"context"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/store"
)

// Service is the tenant use cases over the store.
type Service struct {
	store *store.Store
	// allowList names the tenants that may sign in without being onboarded first; when empty, a tenant
	// must have been onboarded, which the first sign-in of one of its admins does.
	allowList []string
}

// New builds the use cases. allowList is the static tenant allow-list (CRMSYNC_TENANTS), which the token
// validator enforces; here it only decides whether a listed tenant's first user onboards it.
func New(s *store.Store, allowList []string) *Service {
	return &Service{store: s, allowList: allowList}
}

// SignIn returns the tenant and the user a validated token names. A tenant seen for the first time is
// onboarded when the allow-list lists it (the validator checked that) or when the user is one of its
// admins (CRM.Admin); otherwise the sign-in is refused and nothing is written. The user is created on
// first sight and their name, email and roles follow the token.
func (s *Service) SignIn(ctx context.Context, p identity.Principal) (crm.Tenant, crm.User, error) {
	tenant, err := s.store.Tenant(ctx, p.TenantID)
	if crm.IsNotFound(err) {
		if len(s.allowList) == 0 && !p.HasRole(identity.RoleAdmin) {
			return crm.Tenant{}, crm.User{}, &identity.Error{Check: "tenant-not-onboarded", Detail: "the organisation " + p.TenantID +
				" has not been onboarded: an administrator with the CRM.Admin role signs in first"}
		}
		tenant, err = s.store.EnsureTenant(ctx, p.TenantID, p.TenantID)
	}
	if err != nil {
		return crm.Tenant{}, crm.User{}, err
	}
	user, err := s.store.UserOnSight(ctx, crm.User{TenantID: p.TenantID, ObjectID: p.ObjectID, UPN: p.UPN,
		Email: cmp.Or(p.Email, p.UPN), DisplayName: p.Name, Roles: crmRoles(p.Roles)})
	if err != nil {
		return crm.Tenant{}, crm.User{}, err
	}
	return tenant, user, nil
}

// crmRoles keeps the app roles crmsync knows; other roles in the token mean nothing here.
func crmRoles(roles []string) []string {
	out := []string{}
	for _, r := range roles {
		if r == crm.RoleAdmin || r == crm.RoleManager {
			out = append(out, r)
		}
	}
	return out
}

// Settings returns the tenant's synchronization settings, as admins read them.
func (s *Service) Settings(ctx context.Context, tenantID string) (crm.AdminSettings, error) {
	tenant, err := s.store.Tenant(ctx, tenantID)
	if err != nil {
		return crm.AdminSettings{}, err
	}
	return crm.AdminSettingsOf(tenant), nil
}

// ReplaceSettings replaces the tenant's synchronization settings (every member is required) and returns
// them as stored.
func (s *Service) ReplaceSettings(ctx context.Context, tenantID string, in crm.AdminSettingsInput) (crm.AdminSettings, error) {
	mode, settings, err := in.Settings()
	if err != nil {
		return crm.AdminSettings{}, err
	}
	if err := s.store.UpdateTenantSettings(ctx, tenantID, mode, settings); err != nil {
		return crm.AdminSettings{}, err
	}
	return s.Settings(ctx, tenantID)
}

// PatchSettings changes the members of the tenant's synchronization settings that the input gives (a
// member left out or null stays), checks the result as ReplaceSettings does, and returns the settings as
// stored. The read and the write are one transaction, so two admins' patches of different members both
// hold.
func (s *Service) PatchSettings(ctx context.Context, tenantID string, in crm.AdminSettingsInput) (crm.AdminSettings, error) {
	var out crm.AdminSettings
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		tenant, err := tx.Tenant(ctx, tenantID)
		if err != nil {
			return err
		}
		mode, settings, err := in.Over(crm.AdminSettingsOf(tenant)).Settings()
		if err != nil {
			return err
		}
		if err := tx.UpdateTenantSettings(ctx, tenantID, mode, settings); err != nil {
			return err
		}
		tenant.SyncMode, tenant.Settings = mode, settings
		out = crm.AdminSettingsOf(tenant)
		return nil
	})
	return out, err
}

// Mailbox returns the synchronization health of the actor's own mailbox.
func (s *Service) Mailbox(ctx context.Context, actor crm.Actor) (store.Mailbox, error) {
	return s.store.Mailbox(ctx, actor.TenantID, actor.UserID)
}
