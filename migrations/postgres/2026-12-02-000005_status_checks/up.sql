-- Statuses and kinds are closed sets (src/domain/credit.rs, src/domain/incident.rs).
ALTER TABLE credits ADD CONSTRAINT credits_status_check
    CHECK (status IN ('pending', 'approved', 'applied', 'void', 'superseded'));
ALTER TABLE credits ADD CONSTRAINT credits_kind_check
    CHECK (kind IN ('sla', 'adjustment', 'manual'));
ALTER TABLE incidents ADD CONSTRAINT incidents_status_check
    CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved', 'postmortem'));
