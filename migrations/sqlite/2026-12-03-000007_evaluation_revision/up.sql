-- A count of changes to what statements are computed from: windows and their scopes,
-- components (their groups) and plan versions. Bumped in the transaction that makes the change,
-- so a reader that sees a count also sees every change counted. Statements cache prepared
-- timelines under it (`ledger::cache`); any process on the file notices any other's change.
CREATE TABLE evaluation_revision (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO evaluation_revision (id, value) VALUES (1, 0);
CREATE TRIGGER impact_windows_insert_revision AFTER INSERT ON impact_windows
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER impact_windows_update_revision AFTER UPDATE ON impact_windows
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER impact_windows_delete_revision AFTER DELETE ON impact_windows
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER window_regions_insert_revision AFTER INSERT ON window_regions
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER window_regions_update_revision AFTER UPDATE ON window_regions
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER window_regions_delete_revision AFTER DELETE ON window_regions
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER window_customers_insert_revision AFTER INSERT ON window_customers
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER window_customers_update_revision AFTER UPDATE ON window_customers
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER window_customers_delete_revision AFTER DELETE ON window_customers
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER components_insert_revision AFTER INSERT ON components
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER components_update_revision AFTER UPDATE ON components
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER components_delete_revision AFTER DELETE ON components
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER plan_versions_insert_revision AFTER INSERT ON plan_versions
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER plan_versions_update_revision AFTER UPDATE ON plan_versions
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER plan_versions_delete_revision AFTER DELETE ON plan_versions
    BEGIN UPDATE evaluation_revision SET value = value + 1 WHERE id = 1; END;
