-- +goose Up
-- Change notifications (issue 11). A mailbox's Microsoft Graph subscriptions, one per resource kind
-- (inbox, sentitems, events, contacts, tasks): Graph's id, the hash of the random clientState Graph sends
-- back with each notification (the state itself is never stored), when it expires, and whether it is
-- active, being renewed, or failing (with the reason admins read and when it is tried again). A lifecycle
-- notification bumps the generation, so that a reconciliation that read the row before does not
-- overwrite what the notification asked for.
CREATE TABLE graph_subscriptions (
    tenant_id         TEXT NOT NULL REFERENCES tenants (id),
    user_id           TEXT NOT NULL REFERENCES users (id),
    resource_kind     TEXT NOT NULL,
    subscription_id   TEXT NOT NULL DEFAULT '',
    resource          TEXT NOT NULL DEFAULT '',
    client_state_hash TEXT NOT NULL DEFAULT '',
    expires_at        TIMESTAMP,
    state             TEXT NOT NULL CHECK (state IN ('active', 'renewing', 'failing')),
    reason            TEXT NOT NULL DEFAULT '',
    failures          INTEGER NOT NULL DEFAULT 0,
    generation        BIGINT NOT NULL DEFAULT 0,
    retry_at          TIMESTAMP,
    updated_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, user_id, resource_kind)
);
CREATE UNIQUE INDEX graph_subscriptions_by_id ON graph_subscriptions (subscription_id) WHERE subscription_id <> '';
CREATE INDEX graph_subscriptions_by_expiry ON graph_subscriptions (expires_at);

-- What a mailbox's next pass must look at besides its schedule: a folder or item kind a change
-- notification or a CRM write named. A notification bumps the generation; a pass removes the rows it
-- served at the generation it read, so a wake-up that arrives while a pass runs is never lost.
CREATE TABLE sync_wakeups (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    scope        TEXT NOT NULL,
    generation   BIGINT NOT NULL DEFAULT 1,
    requested_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, user_id, scope)
);

-- Addresses and domains whose email is never tracked automatically: the tenant's list (user_id '') and
-- each user's own. Values are lower-cased; a domain is stored as "@domain".
CREATE TABLE never_track (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    user_id    TEXT NOT NULL DEFAULT '',
    value      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX never_track_by_owner ON never_track (tenant_id, user_id, value);

-- When a mailbox's synchronization began: appointments created or rescheduled before it are pushed
-- without inviting their attendees.
ALTER TABLE mailboxes ADD COLUMN began_at TIMESTAMP;
UPDATE mailboxes SET began_at = updated_at;

-- When an appointment's time was last set in the CRM (created or rescheduled).
ALTER TABLE activities ADD COLUMN scheduled_at TIMESTAMP;
UPDATE activities SET scheduled_at = created_at;

-- An Outlook copy that lists the appointment's attendees in its body instead of inviting them.
ALTER TABLE item_links ADD COLUMN attendees_in_body BOOLEAN NOT NULL DEFAULT FALSE;

-- A client-mode token is kept (sealed) until it expires, so that the passes change notifications cause
-- while the add-in is in use act as the user too.
ALTER TABLE users ADD COLUMN sync_assertion_expires_at TIMESTAMP;

-- +goose Down
ALTER TABLE users DROP COLUMN sync_assertion_expires_at;
ALTER TABLE item_links DROP COLUMN attendees_in_body;
ALTER TABLE activities DROP COLUMN scheduled_at;
ALTER TABLE mailboxes DROP COLUMN began_at;
DROP TABLE never_track;
DROP TABLE sync_wakeups;
DROP TABLE graph_subscriptions;
