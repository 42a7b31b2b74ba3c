DROP TRIGGER credit_runs_kept ON credit_runs;
DROP TRIGGER subscriptions_kept ON subscriptions;
DROP FUNCTION refuse_delete();
DROP TRIGGER credits_references ON credits;
DROP FUNCTION credits_check_references();
ALTER TABLE credits
    ADD CONSTRAINT credits_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES subscriptions (id),
    ADD CONSTRAINT credits_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id),
    ADD CONSTRAINT credits_run_id_fkey FOREIGN KEY (run_id) REFERENCES credit_runs (id);
