-- +goose Up
-- The synchronization state of each user's mailbox: whether it is enabled, when it last ran and runs
-- next, what the last pass moved, and the failures that back it off and raise an alert for admins.
-- A row is created by the scheduler: for every user of a server-mode tenant, and for a client-mode user
-- on their first synchronization request.
CREATE TABLE mailboxes (
    tenant_id            TEXT NOT NULL REFERENCES tenants (id),
    user_id              TEXT NOT NULL REFERENCES users (id),
    object_id            TEXT NOT NULL,
    enabled              BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason      TEXT NOT NULL DEFAULT '',
    next_sync_at         TIMESTAMP NOT NULL,
    last_sync_at         TIMESTAMP,
    last_success_at      TIMESTAMP,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    backoff_until        TIMESTAMP,
    alert                TEXT NOT NULL DEFAULT '',
    items_in             INTEGER NOT NULL DEFAULT 0,
    items_out            INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT NOT NULL DEFAULT '',
    updated_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX mailboxes_due ON mailboxes (next_sync_at) WHERE enabled;

-- +goose Down
DROP TABLE mailboxes;
