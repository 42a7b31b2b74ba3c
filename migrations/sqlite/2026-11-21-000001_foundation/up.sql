-- Instants are unix seconds (UTC) in BIGINT; money is integer minor units beside its currency.
CREATE TABLE components (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    group_key   TEXT REFERENCES components (key),
    external_id TEXT UNIQUE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX components_group_key ON components (group_key);

CREATE TABLE plans (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

CREATE TABLE plan_versions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_key       TEXT NOT NULL REFERENCES plans (key),
    version        INTEGER NOT NULL,
    effective_from TEXT NOT NULL,
    price_minor    BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    terms          TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    UNIQUE (plan_key, version),
    UNIQUE (plan_key, effective_from)
);

CREATE TABLE plan_version_components (
    plan_version_id BIGINT NOT NULL REFERENCES plan_versions (id),
    component_key   TEXT NOT NULL REFERENCES components (key),
    PRIMARY KEY (plan_version_id, component_key)
);
CREATE INDEX plan_version_components_component ON plan_version_components (component_key);

CREATE TABLE customers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    region      TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE subscriptions (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id           BIGINT NOT NULL REFERENCES customers (id),
    plan_key              TEXT NOT NULL REFERENCES plans (key),
    start_at              BIGINT NOT NULL,
    end_at                BIGINT,
    fee_override_minor    BIGINT,
    fee_override_currency TEXT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX subscriptions_customer ON subscriptions (customer_id);
CREATE INDEX subscriptions_plan ON subscriptions (plan_key);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    role      TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before    TEXT,
    after     TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

CREATE TABLE idempotency_keys (
    subject      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (subject, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
