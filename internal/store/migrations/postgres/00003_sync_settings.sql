-- +goose Up
-- Synchronization settings: a user's request for a manual synchronization, synchronization filters,
-- the tenant's field mapping directions and field security profiles.
ALTER TABLE users ADD COLUMN sync_requested_at TIMESTAMPTZ;

-- A filter belongs to a user (scope user) or to everyone in the tenant (scope system, user_id NULL).
-- conditions holds the filter language as JSON: {"and"|"or": [{"field","op","value"} | group, …]}.
CREATE TABLE sync_filters (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    user_id     UUID REFERENCES users (id),
    scope       TEXT NOT NULL CHECK (scope IN ('user', 'system')),
    kind        TEXT NOT NULL CHECK (kind IN ('online', 'offline')),
    record_type TEXT NOT NULL,
    name        TEXT NOT NULL,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    conditions  JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    CHECK ((scope = 'user') = (user_id IS NOT NULL))
);
CREATE INDEX sync_filters_by_user ON sync_filters (tenant_id, user_id);
CREATE INDEX sync_filters_by_scope ON sync_filters (tenant_id, scope);

-- Only the directions an admin changed are stored; the Outlook property, whether a field is fixed and
-- the default direction are defined in code (crm.DefaultFieldMappings).
CREATE TABLE field_mappings (
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    item_kind  TEXT NOT NULL CHECK (item_kind IN ('appointment', 'contact', 'task', 'email')),
    crm_field  TEXT NOT NULL,
    direction  TEXT NOT NULL CHECK (direction IN ('none', 'to_outlook', 'to_crm', 'two_way')),
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, item_kind, crm_field)
);

-- A role's grants on one secured field of a record type.
CREATE TABLE field_security_profiles (
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    role        TEXT NOT NULL,
    record_type TEXT NOT NULL,
    field       TEXT NOT NULL,
    can_read    BOOLEAN NOT NULL DEFAULT FALSE,
    can_create  BOOLEAN NOT NULL DEFAULT FALSE,
    can_update  BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (tenant_id, role, record_type, field)
);

-- Users who existed before filters get the default ones new users get (crm.DefaultFilters).
INSERT INTO sync_filters (id, tenant_id, user_id, scope, kind, record_type, name, enabled, is_default, conditions, created_at, updated_at)
SELECT gen_random_uuid(),
       u.tenant_id, u.id, 'user', 'online', d.record_type, d.name, TRUE, TRUE,
       '{"and":[{"field":"ownerId","op":"eq","value":"@me"}]}', u.created_at, u.created_at
FROM users u
CROSS JOIN (SELECT 'appointment' AS record_type, 'My appointments' AS name
            UNION ALL SELECT 'contact', 'My contacts'
            UNION ALL SELECT 'task', 'My tasks') d;

-- +goose Down
DROP TABLE field_security_profiles;
DROP TABLE field_mappings;
DROP TABLE sync_filters;
ALTER TABLE users DROP COLUMN sync_requested_at;
