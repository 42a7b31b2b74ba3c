CREATE TABLE incidents (
    id          BIGSERIAL PRIMARY KEY,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL,
    external_id TEXT UNIQUE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- A window is at most 366 days long, so "overlapping [from, to)" is a bounded range scan on
-- start_at; open windows (end_at IS NULL) are few and found through their own index.
CREATE TABLE impact_windows (
    id            BIGSERIAL PRIMARY KEY,
    incident_id   BIGINT NOT NULL REFERENCES incidents (id),
    component_key TEXT NOT NULL REFERENCES components (key),
    severity      TEXT NOT NULL,
    start_at      BIGINT NOT NULL,
    end_at        BIGINT
);
CREATE INDEX impact_windows_start ON impact_windows (start_at);
CREATE INDEX impact_windows_component_start ON impact_windows (component_key, start_at);
CREATE INDEX impact_windows_incident ON impact_windows (incident_id);
CREATE INDEX impact_windows_open ON impact_windows (start_at) WHERE end_at IS NULL;

CREATE TABLE window_regions (
    window_id BIGINT NOT NULL REFERENCES impact_windows (id),
    region    TEXT NOT NULL,
    PRIMARY KEY (window_id, region)
);

CREATE TABLE window_customers (
    window_id   BIGINT NOT NULL REFERENCES impact_windows (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    PRIMARY KEY (window_id, customer_id)
);
CREATE INDEX window_customers_customer ON window_customers (customer_id);
