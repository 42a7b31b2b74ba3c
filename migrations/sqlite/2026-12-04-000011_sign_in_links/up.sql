-- One-time sign-in links for the console (`sla-ledger token --link`): the link carries a random
-- code; only its SHA-256 is kept. Used once, within a few minutes, it is exchanged for a token
-- of `role` for `subject` that lives `token_seconds`.
CREATE TABLE sign_in_links (
    code_hash TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    role TEXT NOT NULL,
    token_seconds BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
