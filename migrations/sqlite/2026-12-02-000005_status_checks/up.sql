-- Statuses and kinds are closed sets (src/domain/credit.rs, src/domain/incident.rs).
-- SQLite cannot add a constraint to a table: each table is rebuilt (sqlite.org/lang_altertable.html,
-- "making other kinds of table schema changes"), with foreign keys off while it is, hence
-- run_in_transaction = false and a transaction of its own.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE credits_rebuilt (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    kind               TEXT NOT NULL
        CONSTRAINT credits_kind_check CHECK (kind IN ('sla', 'adjustment', 'manual')),
    status             TEXT NOT NULL
        CONSTRAINT credits_status_check
        CHECK (status IN ('pending', 'approved', 'applied', 'void', 'superseded')),
    subscription_id    BIGINT NOT NULL REFERENCES subscriptions (id),
    customer_id        BIGINT NOT NULL REFERENCES customers (id),
    period             TEXT NOT NULL,
    run_id             BIGINT REFERENCES credit_runs (id),
    amount_minor       BIGINT NOT NULL,
    currency           TEXT NOT NULL,
    plan_key           TEXT NOT NULL,
    plan_version       INTEGER NOT NULL,
    sla_target_percent TEXT NOT NULL,
    uptime_percent     TEXT,
    eligible_seconds   BIGINT,
    downtime_seconds   TEXT,
    credit_percent     TEXT,
    reason             TEXT,
    supersedes         BIGINT REFERENCES credits (id),
    adjusts            BIGINT REFERENCES credits (id),
    billing_reference  TEXT,
    created_at         BIGINT NOT NULL,
    created_by         TEXT NOT NULL,
    approved_at        BIGINT,
    approved_by        TEXT,
    applied_at         BIGINT,
    applied_by         TEXT,
    voided_at          BIGINT,
    voided_by          TEXT,
    void_reason        TEXT
);
INSERT INTO credits_rebuilt SELECT * FROM credits;
DROP TABLE credits;
ALTER TABLE credits_rebuilt RENAME TO credits;
CREATE INDEX credits_period ON credits (period, id);
CREATE INDEX credits_subscription ON credits (subscription_id, period);
-- At most one current SLA credit per subscription and period, whatever races.
CREATE UNIQUE INDEX credits_one_current_sla ON credits (subscription_id, period)
    WHERE kind = 'sla' AND status IN ('pending', 'approved', 'applied');

CREATE TABLE incidents_rebuilt (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL
        CONSTRAINT incidents_status_check
        CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved', 'postmortem')),
    external_id TEXT UNIQUE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
INSERT INTO incidents_rebuilt SELECT * FROM incidents;
DROP TABLE incidents;
ALTER TABLE incidents_rebuilt RENAME TO incidents;

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
