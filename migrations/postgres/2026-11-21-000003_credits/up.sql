CREATE TABLE credit_runs (
    id                      BIGSERIAL PRIMARY KEY,
    period                  TEXT NOT NULL,
    as_of                   BIGINT NOT NULL,
    started_by              TEXT NOT NULL,
    started_at              BIGINT NOT NULL,
    subscriptions_evaluated INTEGER NOT NULL,
    created                 INTEGER NOT NULL,
    unchanged               INTEGER NOT NULL,
    superseded              INTEGER NOT NULL,
    adjusted                INTEGER NOT NULL,
    totals                  TEXT NOT NULL
);
CREATE INDEX credit_runs_period ON credit_runs (period);

-- Ledger lines are never deleted; a status only moves forward (pending → approved → applied,
-- pending/approved → void or superseded), each move audited.
CREATE TABLE credits (
    id                 BIGSERIAL PRIMARY KEY,
    kind               TEXT NOT NULL,
    status             TEXT NOT NULL,
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
CREATE INDEX credits_period ON credits (period, id);
CREATE INDEX credits_subscription ON credits (subscription_id, period);
-- At most one current SLA credit per subscription and period, whatever races.
CREATE UNIQUE INDEX credits_one_current_sla ON credits (subscription_id, period)
    WHERE kind = 'sla' AND status IN ('pending', 'approved', 'applied');
