DROP INDEX credit_runs_one_running;
ALTER TABLE credit_runs DROP COLUMN lease_until;
ALTER TABLE credit_runs DROP COLUMN progress_total;
ALTER TABLE credit_runs DROP COLUMN progress_done;
ALTER TABLE credit_runs DROP COLUMN finished_at;
ALTER TABLE credit_runs DROP COLUMN problem;
ALTER TABLE credit_runs DROP COLUMN state;
