ALTER TABLE incidents DROP CONSTRAINT incidents_status_check;
ALTER TABLE credits DROP CONSTRAINT credits_kind_check;
ALTER TABLE credits DROP CONSTRAINT credits_status_check;
