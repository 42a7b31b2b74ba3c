-- A credit run writes up to a million credits in one transaction. Checked row by row, the
-- foreign keys from `credits` to its subscription, customer and run cost more than writing the
-- credits (each check locks the row it finds: 27 of 45 s at a million, BENCHMARKS.md). They are
-- checked once per statement instead, as one join of the statement's new rows; and since
-- subscriptions and runs are never deleted (the service has no way to), deleting them is refused.
-- A credit's customer is also checked to be its subscription's, which the keys did not check.
ALTER TABLE credits
    DROP CONSTRAINT credits_subscription_id_fkey,
    DROP CONSTRAINT credits_customer_id_fkey,
    DROP CONSTRAINT credits_run_id_fkey;

CREATE FUNCTION credits_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM new_credits n
        WHERE NOT EXISTS (
            SELECT 1 FROM subscriptions s
            WHERE s.id = n.subscription_id AND s.customer_id = n.customer_id
        )
    ) THEN
        RAISE EXCEPTION 'a credit names a subscription that does not exist or is not its customer''s'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (
        SELECT 1 FROM new_credits n
        WHERE n.run_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM credit_runs r WHERE r.id = n.run_id)
    ) THEN
        RAISE EXCEPTION 'a credit names a credit run that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER credits_references AFTER INSERT ON credits
    REFERENCING NEW TABLE AS new_credits
    FOR EACH STATEMENT EXECUTE FUNCTION credits_check_references();

CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% are never deleted: credits name them', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER subscriptions_kept BEFORE DELETE ON subscriptions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER credit_runs_kept BEFORE DELETE ON credit_runs
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
