-- +goose Up
-- In client mode a pass runs with the user's own delegated token (on-behalf-of): POST /sync keeps it here,
-- sealed with the service's encryption key, and the pass it causes takes it and clears it.
ALTER TABLE users ADD COLUMN sync_assertion BYTEA;

-- Why a track request was made: a click, or automatic tracking; its link records the same reason.
ALTER TABLE track_requests ADD COLUMN auto BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE track_requests DROP COLUMN auto;
ALTER TABLE users DROP COLUMN sync_assertion;
