package records

import (
	"context"

	"github.com/crmsync/crmsync/internal/crm"
)

// The tenant-wide settings that decide what every mailbox shows: changing one pushes every mailbox of
// the tenant again, in the change's transaction. Only admins reach them (the API checks the role).

// SetFieldMappings changes the directions of field mappings and returns all of the tenant's.
func (s *Service) SetFieldMappings(ctx context.Context, actor crm.Actor, changes []crm.FieldMapping) ([]crm.FieldMapping, error) {
	return s.store.SetFieldMappings(ctx, actor.TenantID, changes, s.then(ctx, Change{TenantID: actor.TenantID, Everyone: true}))
}

// ReplaceAccessLevels replaces the tenant's access levels and returns them as stored.
func (s *Service) ReplaceAccessLevels(ctx context.Context, actor crm.Actor, levels []crm.AccessLevel) ([]crm.AccessLevel, error) {
	return s.store.ReplaceAccessLevels(ctx, actor.TenantID, levels, s.then(ctx, Change{TenantID: actor.TenantID, Everyone: true}))
}

// ReplaceFieldPermissions replaces the tenant's field security grants and returns them as stored.
func (s *Service) ReplaceFieldPermissions(ctx context.Context, actor crm.Actor, perms []crm.FieldPermission) ([]crm.FieldPermission, error) {
	return s.store.ReplaceFieldPermissions(ctx, actor.TenantID, perms, s.then(ctx, Change{TenantID: actor.TenantID, Everyone: true}))
}
