//! Prometheus metrics (OpenMetrics text), served on their own address (`SLA_METRICS_BIND`) and
//! never on the API's: requests by route template, method and status, their latency and how
//! many are in flight; the database pool; credit runs and imports by outcome; credits by status
//! and currency, read from the database at each scrape; what subscriptions are owed so far in
//! their current month (exposure, SPEC §9.1) by currency, computed at most once a minute.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::db::Db;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CurrencyLabels {
    currency: String,
}

/// How old the exposure a scrape shows may be: computing it evaluates every subscription of the
/// current month (about 0.6 s at 100,000 subscriptions, BENCHMARKS.md).
const EXPOSURE_MAX_AGE_SECONDS: i64 = 60;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CreditLabels {
    status: String,
    currency: String,
}

/// Seconds, from 1 ms to about 16 s.
fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// Seconds, from 10 ms to about 20 min.
fn run_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.0, 17))
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    in_flight: Gauge,
    pool_size: Gauge,
    pool_connections: Gauge,
    pool_in_use: Gauge,
    credit_runs: Family<OutcomeLabels, Counter>,
    credit_run_seconds: Histogram,
    imports: Family<OutcomeLabels, Counter>,
    credits: Family<CreditLabels, Gauge>,
    credit_amounts: Family<CreditLabels, Gauge>,
    exposure: Family<CurrencyLabels, Gauge>,
    /// When the exposure was last computed.
    exposure_at: parking_lot::Mutex<Option<i64>>,
}

impl Metrics {
    pub fn new(db: &Db) -> Metrics {
        let mut registry = Registry::with_prefix("sla");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(latency_buckets);
        let in_flight = Gauge::default();
        let (pool_size, pool_connections, pool_in_use) =
            (Gauge::default(), Gauge::default(), Gauge::default());
        let credit_runs = Family::<OutcomeLabels, Counter>::default();
        let credit_run_seconds = run_buckets();
        let imports = Family::<OutcomeLabels, Counter>::default();
        let credits = Family::<CreditLabels, Gauge>::default();
        let credit_amounts = Family::<CreditLabels, Gauge>::default();
        let exposure = Family::<CurrencyLabels, Gauge>::default();
        let pool = db.pool_stats();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer (to the first byte of a streamed report)",
            latency.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "Requests being answered now",
            in_flight.clone(),
        );
        registry.register(
            "db_pool_size",
            "Connections the pool may hold (SLA_POOL_SIZE)",
            pool_size.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Connections the pool holds (in use and idle)",
            pool_connections.clone(),
        );
        registry.register(
            "db_pool_in_use",
            "Connections lent to requests now",
            pool_in_use.clone(),
        );
        registry.register(
            "db_pool_wait_seconds",
            "Time a request waited for a connection",
            pool.wait,
        );
        registry.register(
            "db_pool_timeouts",
            "Requests that got no connection in time (answered 503)",
            pool.timeouts,
        );
        registry.register(
            "credit_runs",
            "Credit runs (not dry runs) by outcome: succeeded or failed",
            credit_runs.clone(),
        );
        registry.register(
            "credit_run_duration_seconds",
            "Time a credit run took",
            credit_run_seconds.clone(),
        );
        registry.register(
            "imports",
            "Status-page imports (not dry runs) by outcome",
            imports.clone(),
        );
        registry.register(
            "credits",
            "Credits in the ledger by status and currency",
            credits.clone(),
        );
        registry.register(
            "credit_amount_minor",
            "What the credits add up to, in minor units, by status and currency",
            credit_amounts.clone(),
        );
        registry.register(
            "exposure_owed_minor",
            "What subscriptions are owed so far in their plan's current month if nothing more \
             happens (exposure, SPEC 9.1), in minor units, by currency; at most a minute old",
            exposure.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            in_flight,
            pool_size,
            pool_connections,
            pool_in_use,
            credit_runs,
            credit_run_seconds,
            imports,
            credits,
            credit_amounts,
            exposure,
            exposure_at: parking_lot::Mutex::new(None),
        }
    }

    /// A request has started; the guard it answers counts it until it is dropped.
    pub fn started(&self) -> InFlight {
        self.in_flight.inc();
        InFlight(self.in_flight.clone())
    }

    /// A request was answered. `route` is its template (`/v1/credits/{id}`), `None` unrouted.
    pub fn answered(&self, method: &str, route: Option<&str>, status: u16, took: Duration) {
        let route = route.unwrap_or("unmatched").to_owned();
        let method = method.to_owned();
        self.requests
            .get_or_create(&RequestLabels {
                method: method.clone(),
                route: route.clone(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels { method, route })
            .observe(took.as_secs_f64());
    }

    pub fn credit_run(&self, succeeded: bool, took: Duration) {
        let outcome = if succeeded { "succeeded" } else { "failed" };
        self.credit_runs
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
        self.credit_run_seconds.observe(took.as_secs_f64());
    }

    pub fn import(&self, succeeded: bool) {
        let outcome = if succeeded { "succeeded" } else { "failed" };
        self.imports.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// Recomputes the exposure when the last is older than a minute at `now` (one scrape at a
    /// time: the others show the last figures meanwhile).
    fn refresh_exposure(&self, db: &Db, now: i64) -> Result<(), crate::api::ApiError> {
        let Some(mut at) = self.exposure_at.try_lock() else {
            return Ok(());
        };
        if at.is_some_and(|at| now - at < EXPOSURE_MAX_AGE_SECONDS) {
            return Ok(());
        }
        // A failure keeps the last figures until the next minute rather than failing every
        // scrape (the credits and the pool are still worth reading).
        *at = Some(now);
        let owed = match crate::ledger::exposure::owed_now(&mut *db.conn()?, now) {
            Ok(owed) => owed,
            Err(e) => {
                tracing::error!(error = %e, "the exposure gauge could not be computed");
                return Ok(());
            }
        };
        self.exposure.clear();
        for (currency, minor) in owed {
            self.exposure
                .get_or_create(&CurrencyLabels {
                    currency: currency.to_owned(),
                })
                .set(minor);
        }
        Ok(())
    }

    /// The text a scrape gets: the pool as it is now, the ledger's credits read fresh and the
    /// exposure at most a minute old.
    fn render(&self, db: &Db, now: i64) -> Result<String, crate::api::ApiError> {
        self.refresh_exposure(db, now)?;
        let state = db.pool_state();
        self.pool_size.set(i64::from(db.pool_size()));
        self.pool_connections.set(i64::from(state.connections));
        self.pool_in_use
            .set(i64::from(state.connections) - i64::from(state.idle_connections));
        let totals = crate::db::credits::totals_by_status(&mut *db.conn()?, None)?;
        self.credits.clear();
        self.credit_amounts.clear();
        for total in totals {
            let labels = CreditLabels {
                status: total.status,
                currency: total.currency,
            };
            self.credits.get_or_create(&labels).set(total.count);
            self.credit_amounts
                .get_or_create(&labels)
                .set(total.amount_minor);
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        Ok(text)
    }
}

/// Counts a request in flight while it lives.
pub struct InFlight(Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// `GET /metrics` on the metrics address.
pub async fn serve(
    state: web::Data<crate::api::AppState>,
) -> Result<HttpResponse, crate::api::ApiError> {
    let state = state.into_inner();
    let text = web::block(move || {
        let metrics = state.metrics.as_ref().ok_or_else(|| {
            crate::api::ApiError::NotFound("metrics are off (SLA_METRICS_BIND)".into())
        })?;
        metrics.render(&state.db, state.clock.now())
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(text))
}
