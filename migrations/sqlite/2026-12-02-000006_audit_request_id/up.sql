-- The id of the HTTP request that wrote the entry (none from the command line).
ALTER TABLE audit_log ADD COLUMN request_id TEXT;
CREATE INDEX audit_log_request_id ON audit_log (request_id);
