-- A credit's customer is its subscription's (the foreign keys check each exists, not that they
-- belong together). PostgreSQL checks the same per statement (its migration of this name).
CREATE TRIGGER credits_customer_of_subscription BEFORE INSERT ON credits
    WHEN NOT EXISTS (
        SELECT 1 FROM subscriptions
        WHERE id = NEW.subscription_id AND customer_id = NEW.customer_id
    )
    BEGIN
        SELECT RAISE(ABORT, 'a credit names a subscription that does not exist or is not its customer''s');
    END;
