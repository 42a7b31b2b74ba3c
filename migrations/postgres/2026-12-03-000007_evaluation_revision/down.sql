DROP TRIGGER impact_windows_revision ON impact_windows;
DROP TRIGGER window_regions_revision ON window_regions;
DROP TRIGGER window_customers_revision ON window_customers;
DROP TRIGGER components_revision ON components;
DROP TRIGGER plan_versions_revision ON plan_versions;
DROP FUNCTION bump_evaluation_revision();
DROP TABLE evaluation_revision;
