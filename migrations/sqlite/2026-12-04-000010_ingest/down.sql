DROP INDEX impact_windows_source_ref;
ALTER TABLE impact_windows DROP COLUMN notification_id;
ALTER TABLE impact_windows DROP COLUMN source_ref;
ALTER TABLE impact_windows DROP COLUMN source;
DROP TABLE ingest_notifications;
DROP TABLE ingest_rules;
