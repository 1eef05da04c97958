-- +goose Up
-- Where each mailbox folder's delta synchronization stands: the whole deltaLink URL Graph gave at the end
-- of the last complete round, kept as is (its token is opaque and its host may change).
CREATE TABLE sync_state (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    folder     TEXT NOT NULL,
    delta_link TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, user_id, folder)
);

-- +goose Down
DROP TABLE sync_state;
