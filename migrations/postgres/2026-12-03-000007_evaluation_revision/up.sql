-- A count of changes to what statements are computed from: windows and their scopes,
-- components (their groups) and plan versions. Bumped in the transaction that makes the change,
-- so a reader that sees a count also sees every change counted. Statements cache prepared
-- timelines under it (`ledger::cache`); any instance notices any instance's change.
CREATE TABLE evaluation_revision (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO evaluation_revision (id, value) VALUES (1, 0);

-- Once per transaction, at commit (deferred): the row lock is then the last lock a writer takes,
-- so it cannot close a cycle with the locks taken before it.
CREATE FUNCTION bump_evaluation_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('sla.evaluation_bumped', true) IS DISTINCT FROM txid_current()::text THEN
        UPDATE evaluation_revision SET value = value + 1 WHERE id = 1;
        PERFORM set_config('sla.evaluation_bumped', txid_current()::text, true);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER impact_windows_revision AFTER INSERT OR UPDATE OR DELETE ON impact_windows
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_evaluation_revision();
CREATE CONSTRAINT TRIGGER window_regions_revision AFTER INSERT OR UPDATE OR DELETE ON window_regions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_evaluation_revision();
CREATE CONSTRAINT TRIGGER window_customers_revision AFTER INSERT OR UPDATE OR DELETE ON window_customers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_evaluation_revision();
CREATE CONSTRAINT TRIGGER components_revision AFTER INSERT OR UPDATE OR DELETE ON components
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_evaluation_revision();
CREATE CONSTRAINT TRIGGER plan_versions_revision AFTER INSERT OR UPDATE OR DELETE ON plan_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_evaluation_revision();
