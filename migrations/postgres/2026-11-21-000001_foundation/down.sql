DROP TABLE idempotency_keys;
DROP TABLE audit_log;
DROP TABLE subscriptions;
DROP TABLE customers;
DROP TABLE plan_version_components;
DROP TABLE plan_versions;
DROP TABLE plans;
DROP TABLE components;
