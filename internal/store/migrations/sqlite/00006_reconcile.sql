-- +goose Up
-- What two-way synchronization needs. Appointments and tasks get a version (optimistic concurrency, as
-- records have) and a location. A link keeps the values both sides agreed on at its last synchronization,
-- per CRM field: comparing each side with them tells who changed what, which decides conflicts field by
-- field and keeps our own writes from coming back as user changes.
ALTER TABLE activities ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE activities ADD COLUMN location TEXT NOT NULL DEFAULT '';
ALTER TABLE item_links ADD COLUMN synced_fields TEXT NOT NULL DEFAULT '{}';
CREATE INDEX activities_by_type_updated ON activities (tenant_id, type, updated_at);
CREATE INDEX records_by_type_updated ON records (tenant_id, type, updated_at);
CREATE INDEX item_links_by_user_kind ON item_links (tenant_id, user_id, kind);

-- Where the CRM → Outlook push of each mailbox and item kind stands: the time of the last complete
-- pass's read (records changed since are looked at again) and a fingerprint of what decides membership
-- (filters, roles, access levels, field security, field mappings): when it changes, every record is.
CREATE TABLE push_state (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    watermark   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, user_id, kind)
);

-- +goose Down
DROP TABLE push_state;
DROP INDEX item_links_by_user_kind;
DROP INDEX records_by_type_updated;
DROP INDEX activities_by_type_updated;
ALTER TABLE item_links DROP COLUMN synced_fields;
ALTER TABLE activities DROP COLUMN location;
ALTER TABLE activities DROP COLUMN version;
