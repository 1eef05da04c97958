-- +goose Up
-- Track / Set Regarding / Untrack clicks, and the links between Outlook items and CRM activities or records.
CREATE TABLE track_requests (
    id                  UUID PRIMARY KEY,
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    user_id             UUID NOT NULL REFERENCES users (id),
    item_key            TEXT NOT NULL,
    item_id             TEXT NOT NULL,
    immutable_id        TEXT NOT NULL DEFAULT '',
    item_type           TEXT NOT NULL CHECK (item_type IN ('message', 'appointment', 'contact', 'task')),
    generation          INTEGER NOT NULL DEFAULT 1,
    action              TEXT NOT NULL CHECK (action IN ('track', 'set_regarding', 'untrack')),
    internet_message_id TEXT NOT NULL DEFAULT '',
    conversation_id     TEXT NOT NULL DEFAULT '',
    regarding_type      TEXT,
    regarding_id        UUID,
    state               TEXT NOT NULL CHECK (state IN ('queued', 'processing', 'done', 'failed')),
    error               TEXT NOT NULL DEFAULT '',
    activity_id         UUID,
    record_id           UUID,
    assertion           BYTEA,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    finished_at         TIMESTAMPTZ,
    UNIQUE (tenant_id, user_id, item_key, action)
);
CREATE INDEX track_requests_by_state ON track_requests (state, updated_at);

CREATE TABLE item_links (
    tenant_id     UUID NOT NULL REFERENCES tenants (id),
    user_id       UUID NOT NULL REFERENCES users (id),
    item_id       TEXT NOT NULL,
    rest_item_id  TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL CHECK (kind IN ('message', 'appointment', 'contact', 'task')),
    activity_id   UUID REFERENCES activities (id),
    record_id     UUID REFERENCES records (id),
    reason        TEXT NOT NULL CHECK (reason IN ('tracked', 'filter', 'auto')),
    created_by_us BOOLEAN NOT NULL DEFAULT FALSE,
    stamped       BOOLEAN NOT NULL DEFAULT FALSE,
    change_key    TEXT NOT NULL DEFAULT '',
    crm_version   INTEGER NOT NULL DEFAULT 0,
    field_hash    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, user_id, item_id)
);
CREATE INDEX item_links_by_activity ON item_links (tenant_id, activity_id);
CREATE INDEX item_links_by_record ON item_links (tenant_id, record_id);
CREATE INDEX item_links_by_rest_id ON item_links (tenant_id, user_id, rest_item_id);
CREATE INDEX activities_by_ical_uid ON activities (tenant_id, ical_uid);

-- +goose Down
DROP INDEX activities_by_ical_uid;
DROP TABLE item_links;
DROP TABLE track_requests;
