-- A credit run is a job: started by a request, worked by one instance, watched by anyone.
-- The instance working a run holds the period's run lock (PostgreSQL: an advisory lock; SQLite:
-- the write lock) for as long as it works. A run still `running` after `lease_until` while
-- nobody holds that lock has lost its instance: it is marked `failed` (ledger::jobs::reap).
ALTER TABLE credit_runs ADD COLUMN state TEXT NOT NULL DEFAULT 'succeeded'
    CHECK (state IN ('running', 'succeeded', 'failed'));
-- The problem+json object that ended a failed run.
ALTER TABLE credit_runs ADD COLUMN problem TEXT;
ALTER TABLE credit_runs ADD COLUMN finished_at BIGINT;
-- Subscriptions looked at so far, of those in the period when the run started.
ALTER TABLE credit_runs ADD COLUMN progress_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credit_runs ADD COLUMN progress_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credit_runs ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
UPDATE credit_runs SET finished_at = started_at, progress_done = subscriptions_evaluated,
    progress_total = subscriptions_evaluated;
-- One running run per period: a second is refused (409) rather than queued behind the first.
CREATE UNIQUE INDEX credit_runs_one_running ON credit_runs (period) WHERE state = 'running';
