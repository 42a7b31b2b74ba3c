-- Incidents that arrive by themselves (docs/ingest.md). A rule says, per source, which label
-- names the component (or a fixed component), how label values map to severities, and which
-- labels give the region and the customer.
CREATE TABLE ingest_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL CHECK (source IN ('alertmanager', 'pagerduty')),
    component_label TEXT,
    component TEXT,
    severity_label TEXT NOT NULL,
    -- JSON object: label value -> severity.
    severities TEXT NOT NULL,
    region_label TEXT,
    customer_label TEXT,
    created_at BIGINT NOT NULL,
    CHECK ((component_label IS NULL) <> (component IS NULL))
);
-- Every notification (for Alertmanager: every alert of a delivery) once: a redelivery finds
-- its key and changes nothing. One no rule matched is kept `unmatched` until it is replayed.
CREATE TABLE ingest_notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    -- What its windows are called, and when what it says happened: a source whose
    -- notifications each carry the whole state (PagerDuty, Statuspage) ignores news older
    -- than the last applied.
    identity TEXT NOT NULL,
    at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('applied', 'unmatched')),
    problem TEXT,
    incident_id BIGINT REFERENCES incidents (id),
    UNIQUE (source, key)
);
CREATE INDEX ingest_notifications_unmatched ON ingest_notifications (id) WHERE state = 'unmatched';
CREATE INDEX ingest_notifications_identity ON ingest_notifications (source, identity, at);
-- A window a notification opened names its source, what the source calls it (an alert's
-- fingerprint and start) and the notification.
ALTER TABLE impact_windows ADD COLUMN source TEXT;
ALTER TABLE impact_windows ADD COLUMN source_ref TEXT;
-- No foreign key: SQLite cannot drop a column that has one (down.sql).
ALTER TABLE impact_windows ADD COLUMN notification_id BIGINT;
CREATE INDEX impact_windows_source_ref ON impact_windows (source, source_ref)
    WHERE source_ref IS NOT NULL;
