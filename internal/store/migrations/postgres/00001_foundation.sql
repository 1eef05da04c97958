-- +goose Up
-- The foundation: tenants and their users, record types and fields, records with their email index,
-- activities with parties, and security role overrides. Every table carries tenant_id.
CREATE TABLE tenants (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    sync_mode  TEXT NOT NULL DEFAULT 'client' CHECK (sync_mode IN ('client', 'server')),
    settings   TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id                    UUID PRIMARY KEY,
    tenant_id             UUID NOT NULL REFERENCES tenants (id),
    object_id             TEXT NOT NULL,
    upn                   TEXT NOT NULL,
    email                 TEXT NOT NULL DEFAULT '',
    display_name          TEXT NOT NULL DEFAULT '',
    roles                 TEXT NOT NULL DEFAULT '[]',
    sync_interval_minutes INTEGER NOT NULL DEFAULT 0,
    auto_track            TEXT NOT NULL DEFAULT '',
    created_at            TIMESTAMPTZ NOT NULL,
    last_seen_at          TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, object_id)
);
CREATE INDEX users_by_upn ON users (tenant_id, upn);

CREATE TABLE entity_types (
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    name         TEXT NOT NULL,
    display_name TEXT NOT NULL,
    plural_name  TEXT NOT NULL,
    built_in     BOOLEAN NOT NULL DEFAULT FALSE,
    name_from    TEXT NOT NULL DEFAULT '[]',
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE entity_fields (
    tenant_id    UUID NOT NULL,
    type_name    TEXT NOT NULL,
    name         TEXT NOT NULL,
    position     INTEGER NOT NULL,
    display_name TEXT NOT NULL,
    kind         TEXT NOT NULL,
    required     BOOLEAN NOT NULL DEFAULT FALSE,
    max_length   INTEGER NOT NULL DEFAULT 0,
    secured      BOOLEAN NOT NULL DEFAULT FALSE,
    built_in     BOOLEAN NOT NULL DEFAULT FALSE,
    targets      TEXT NOT NULL DEFAULT '[]',
    choices      TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (tenant_id, type_name, name),
    FOREIGN KEY (tenant_id, type_name) REFERENCES entity_types (tenant_id, name) ON DELETE CASCADE
);

CREATE TABLE records (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL,
    type       TEXT NOT NULL,
    name       TEXT NOT NULL,
    sort_name  TEXT NOT NULL,
    owner_id   UUID NOT NULL REFERENCES users (id),
    fields     JSONB NOT NULL DEFAULT '{}',
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    FOREIGN KEY (tenant_id, type) REFERENCES entity_types (tenant_id, name)
);
CREATE INDEX records_by_name ON records (tenant_id, sort_name, id) WHERE deleted_at IS NULL;
CREATE INDEX records_by_type ON records (tenant_id, type, sort_name, id) WHERE deleted_at IS NULL;
CREATE INDEX records_by_owner ON records (tenant_id, owner_id) WHERE deleted_at IS NULL;

CREATE TABLE record_emails (
    tenant_id   UUID NOT NULL,
    record_id   UUID NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    record_type TEXT NOT NULL,
    field       TEXT NOT NULL,
    address     TEXT NOT NULL,
    PRIMARY KEY (record_id, field)
);
CREATE INDEX record_emails_by_address ON record_emails (tenant_id, address);

CREATE TABLE activities (
    id                  UUID PRIMARY KEY,
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    type                TEXT NOT NULL CHECK (type IN ('email', 'appointment', 'task')),
    subject             TEXT NOT NULL DEFAULT '',
    body                TEXT NOT NULL DEFAULT '',
    start_at            TIMESTAMPTZ,
    end_at              TIMESTAMPTZ,
    due_at              TIMESTAMPTZ,
    status              TEXT NOT NULL DEFAULT '',
    direction           TEXT NOT NULL DEFAULT '',
    owner_id            UUID NOT NULL REFERENCES users (id),
    regarding_type      TEXT,
    regarding_id        UUID REFERENCES records (id),
    internet_message_id TEXT,
    conversation_id     TEXT NOT NULL DEFAULT '',
    ical_uid            TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    deleted_at          TIMESTAMPTZ
);
CREATE UNIQUE INDEX activities_by_message_id ON activities (tenant_id, internet_message_id)
    WHERE type = 'email' AND internet_message_id IS NOT NULL;
CREATE INDEX activities_by_regarding ON activities (tenant_id, regarding_type, regarding_id, created_at);
CREATE INDEX activities_by_conversation ON activities (tenant_id, conversation_id);
CREATE INDEX activities_by_owner ON activities (tenant_id, owner_id, created_at);

CREATE TABLE activity_parties (
    tenant_id   UUID NOT NULL,
    activity_id UUID NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    role        TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT '',
    record_type TEXT,
    record_id   UUID REFERENCES records (id),
    PRIMARY KEY (activity_id, position)
);
CREATE INDEX activity_parties_by_record ON activity_parties (tenant_id, record_type, record_id);

CREATE TABLE security_roles (
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    role        TEXT NOT NULL,
    record_type TEXT NOT NULL,
    operation   TEXT NOT NULL CHECK (operation IN ('read', 'create', 'update', 'delete')),
    level       TEXT NOT NULL CHECK (level IN ('none', 'own', 'all')),
    PRIMARY KEY (tenant_id, role, record_type, operation)
);

-- +goose Down
DROP TABLE security_roles;
DROP TABLE activity_parties;
DROP TABLE activities;
DROP TABLE record_emails;
DROP TABLE records;
DROP TABLE entity_fields;
DROP TABLE entity_types;
DROP TABLE users;
DROP TABLE tenants;
