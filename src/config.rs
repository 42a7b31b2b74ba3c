//! Settings from the environment (each also a flag of `serve`). Secrets are never printed.

use std::time::Duration;

use clap::Args;

use crate::db::PoolSettings;

#[derive(Args, Debug, Clone)]
pub struct DatabaseSettings {
    /// `postgres://user@host/db` for PostgreSQL, or a SQLite file path (`sqlite://` optional).
    #[arg(
        long,
        env = "SLA_DATABASE_URL",
        default_value = "sla-ledger.db",
        hide_env_values = true
    )]
    pub database_url: String,

    /// Connections in the pool.
    #[arg(long, env = "SLA_POOL_SIZE", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub pool_size: u32,

    /// How long a request waits for a database connection before its 503 (e.g. `1s`, `500ms`).
    #[arg(long, env = "SLA_DB_WAIT", default_value = "1s", value_parser = humantime::parse_duration)]
    pub db_wait: Duration,

    /// SQLite: how long a write waits for the write lock another process holds before its 503.
    #[arg(long, env = "SLA_SQLITE_BUSY_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub sqlite_busy_timeout: Duration,

    /// PostgreSQL: how long a connection may go without an answer from the server before it is
    /// dropped (libpq's TCP user timeout and keepalives; a URL's own settings win).
    #[arg(long, env = "SLA_DB_NETWORK_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub db_network_timeout: Duration,

    /// PostgreSQL: the server's `statement_timeout`; a query without an answer after this plus
    /// the network timeout is cut off by the service (a 503).
    #[arg(long, env = "SLA_DB_STATEMENT_TIMEOUT", default_value = "60s", value_parser = humantime::parse_duration)]
    pub db_statement_timeout: Duration,
}

impl DatabaseSettings {
    pub fn pool(&self) -> PoolSettings {
        PoolSettings {
            size: self.pool_size,
            wait: self.db_wait,
            sqlite_busy: self.sqlite_busy_timeout,
            network: self.db_network_timeout,
            statement: self.db_statement_timeout,
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct JwtSettings {
    /// Shared secret for HS256 tokens.
    #[arg(long, env = "SLA_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// PEM file with an RSA (RS256) or EC P-256 (ES256) public key.
    #[arg(long, env = "SLA_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<std::path::PathBuf>,

    /// Required `iss` claim, checked when set.
    #[arg(long, env = "SLA_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,

    /// Required `aud` claim, checked when set.
    #[arg(long, env = "SLA_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
}

impl JwtSettings {
    pub fn keys(&self) -> Result<crate::auth::Keys, String> {
        let pem = match &self.jwt_public_key_file {
            None => None,
            Some(path) => Some(
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            ),
        };
        crate::auth::Keys::new(
            self.jwt_secret.as_deref(),
            pem.as_deref(),
            self.jwt_issuer.clone(),
            self.jwt_audience.clone(),
        )
    }
}

#[derive(Args, Debug, Clone, Default)]
pub struct ServeSettings {
    /// Address to listen on.
    #[arg(long, env = "SLA_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Largest request body in bytes; larger is a 413.
    #[arg(long, env = "SLA_BODY_LIMIT", default_value_t = 16 * 1024 * 1024)]
    pub body_limit: usize,

    /// Largest status-page document accepted by the import, in bytes.
    #[arg(long, env = "SLA_IMPORT_LIMIT", default_value_t = 256 * 1024 * 1024)]
    pub import_limit: usize,

    /// Where to serve Prometheus metrics (`GET /metrics`, no token), e.g. `127.0.0.1:9464`;
    /// off when unset. Keep it off the public network: it is not the API's address.
    #[arg(long, env = "SLA_METRICS_BIND")]
    pub metrics_bind: Option<String>,

    /// Worker threads (default: one per core).
    #[arg(long, env = "SLA_WORKERS")]
    pub workers: Option<usize>,

    /// Do not apply pending migrations at start.
    #[arg(long)]
    pub no_migrate: bool,

    /// Subscriptions a credit run evaluates and writes at a time [default: 10000]. A run's
    /// memory grows with it; fewer makes a run slower.
    #[arg(long, env = "SLA_CREDIT_RUN_PAGE")]
    pub credit_run_page: Option<std::num::NonZeroU32>,

    /// Secrets PagerDuty signs its v3 webhooks with, comma-separated (two while one is
    /// rotated). `POST /v1/ingest/pagerduty` refuses every delivery (401) without one.
    #[arg(
        long,
        env = "SLA_PAGERDUTY_SECRETS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub pagerduty_secrets: Vec<String>,

    /// Secrets for Statuspage's webhook URL, comma-separated (two while one is rotated):
    /// `POST /v1/ingest/statuspage/{secret}` refuses (401) any other, and all without one.
    #[arg(
        long,
        env = "SLA_STATUSPAGE_SECRETS",
        value_delimiter = ',',
        hide_env_values = true,
        value_parser = url_secret
    )]
    pub statuspage_secrets: Vec<String>,

    /// Ingest deliveries (`/v1/ingest/…`) one instance works at once [default: 8]; one more is
    /// answered 429 with `Retry-After: 1`, which senders retry. 0 refuses them all.
    #[arg(long, env = "SLA_INGEST_CONCURRENCY")]
    pub ingest_concurrency: Option<usize>,

    /// On SIGTERM: how long requests in flight may take to finish before the service exits.
    #[arg(long, env = "SLA_SHUTDOWN_GRACE", default_value = "30s", value_parser = humantime::parse_duration)]
    pub shutdown_grace: Duration,
}

/// A secret sent in a URL must be long enough not to be guessed: 16 characters or more, of
/// those a URL path carries as they are.
fn url_secret(text: &str) -> Result<String, String> {
    let plain = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'));
    if text.len() < 16 || !plain {
        return Err("give at least 16 characters of A-Z, a-z, 0-9, -, _, . or ~".into());
    }
    Ok(text.to_owned())
}
