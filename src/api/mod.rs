//! HTTP API v1. The route table below is the one list of routes: it registers them, wraps each
//! in its access check, and the tests compare it with `openapi.yaml` and walk it with every role.

mod audit;
mod components;
mod credit_moves;
mod credit_runs;
mod credits;
mod customers;
pub mod error;
pub mod explanations;
pub mod exposure;
pub mod extract;
mod health;
mod imports;
mod incidents;
pub mod ingest;
pub mod observe;
mod pagination;
mod plans;
mod reports;
mod sign_in;
mod simulations;
mod statements;
mod status;
mod subscriptions;
mod windows;
mod write;
pub use write::Changed;

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, guard, web};

use std::sync::Arc;

use crate::auth::Access;
use crate::clock::Clock;
use crate::db::Db;
pub use error::ApiError;

/// What every handler shares.
pub struct AppState {
    pub db: Db,
    pub body_limit: usize,
    /// Status-page documents can be far larger than other bodies.
    pub import_limit: usize,
    /// Read once per request (`write::request_time`).
    pub clock: Arc<dyn Clock>,
    /// Kept only when they are served (`SLA_METRICS_BIND`).
    pub metrics: Option<Arc<crate::metrics::Metrics>>,
    /// Prepared months shared by customers' statements.
    pub statements: Arc<crate::ledger::cache::StatementCache>,
    /// The credit runs this instance works, and how far they have come.
    pub runs: Arc<crate::ledger::jobs::Board>,
    /// Subscriptions a credit run takes at a time.
    pub run_page: i64,
    /// What PagerDuty signs its webhooks with (`SLA_PAGERDUTY_SECRETS`).
    pub pagerduty_secrets: Vec<String>,
    /// The secrets Statuspage's webhook URLs carry (`SLA_STATUSPAGE_SECRETS`).
    pub statuspage_secrets: Vec<String>,
    /// Ingest requests worked at once (`SLA_INGEST_CONCURRENCY`); past them, 429.
    pub ingest_slots: Arc<tokio::sync::Semaphore>,
}

/// Ingest deliveries one instance works at once unless `SLA_INGEST_CONCURRENCY` says otherwise.
pub const INGEST_CONCURRENCY: usize = 8;

pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

macro_rules! routes {
    ($($method:ident $path:literal $access:ident => $handler:path,)*) => {
        pub const ROUTES: &[Route] = &[
            $(Route { method: stringify!($method), path: $path, access: Access::$access },)*
        ];

        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(
                cfg.service(
                    web::resource($path)
                        .guard(guard::Method(actix_web::http::Method::$method))
                        .wrap(from_fn(|req, next| extract::authorize(Access::$access, req, next)))
                        .to($handler),
                );
            )*
            cfg.default_service(web::to(unrouted));
        }
    };
}

routes! {
    GET    "/healthz"                                   Public => health::alive,
    POST   "/v1/sign-in/{code}"                         Public => sign_in::exchange,
    GET    "/readyz"                                    Public => health::ready,
    GET    "/v1/components"                             Read   => components::list,
    POST   "/v1/components"                             Admin  => components::create,
    GET    "/v1/components/{key}"                       Read   => components::get,
    PATCH  "/v1/components/{key}"                       Admin  => components::update,
    DELETE "/v1/components/{key}"                       Admin  => components::delete,
    GET    "/v1/components/{key}/status"                Read   => status::component_status,
    GET    "/v1/components/{key}/uptime"                Read   => statements::component_uptime_view,
    GET    "/v1/plans"                                  Read   => plans::list,
    POST   "/v1/plans"                                  Admin  => plans::create,
    GET    "/v1/plans/{key}"                            Read   => plans::get,
    POST   "/v1/plans/{key}/versions"                   Admin  => plans::add_version,
    GET    "/v1/customers"                              Read   => customers::list,
    POST   "/v1/customers"                              Admin  => customers::create,
    GET    "/v1/customers/{external_id}"                Read   => customers::get,
    PATCH  "/v1/customers/{external_id}"                Admin  => customers::update,
    GET    "/v1/customers/{external_id}/statement"      Read   => statements::customer_statement,
    GET    "/v1/exposure"                               Read   => exposure::list,
    POST   "/v1/simulations"                            Read   => simulations::create,
    GET    "/v1/customers/{external_id}/subscriptions"  Read   => subscriptions::list_for_customer,
    POST   "/v1/customers/{external_id}/subscriptions"  Admin  => subscriptions::create,
    GET    "/v1/subscriptions/{id}"                     Read   => subscriptions::get,
    PATCH  "/v1/subscriptions/{id}"                     Admin  => subscriptions::update,
    GET    "/v1/incidents"                              Read      => incidents::list,
    POST   "/v1/incidents"                              Incidents => incidents::create,
    GET    "/v1/incidents/{id}"                         Read      => incidents::get,
    GET    "/v1/incidents/{id}/exposure"                Read      => exposure::incident,
    PATCH  "/v1/incidents/{id}"                         Incidents => incidents::update,
    DELETE "/v1/incidents/{id}"                         Incidents => incidents::delete,
    POST   "/v1/incidents/{id}/windows"                 Incidents => windows::add_window,
    PATCH  "/v1/incidents/{id}/windows/{window_id}"     Incidents => windows::update_window,
    DELETE "/v1/incidents/{id}/windows/{window_id}"     Incidents => windows::delete_window,
    POST   "/v1/imports/statuspage"                     Incidents => imports::statuspage,
    POST   "/v1/ingest/alertmanager"                    Incidents => ingest::alertmanager,
    POST   "/v1/ingest/pagerduty"                       Public    => ingest::pagerduty,
    POST   "/v1/ingest/statuspage/{secret}"             Public    => ingest::statuspage,
    GET    "/v1/ingest/rules"                           Read      => ingest::list_rules,
    POST   "/v1/ingest/rules"                           Admin     => ingest::create_rule,
    DELETE "/v1/ingest/rules/{id}"                      Admin     => ingest::delete_rule,
    GET    "/v1/ingest/unmatched"                       Read      => ingest::unmatched,
    POST   "/v1/ingest/unmatched/{id}/replay"           Incidents => ingest::replay,
    POST   "/v1/credit-runs"                            Billing   => credit_runs::create,
    GET    "/v1/credit-runs"                            Read      => credit_runs::list,
    GET    "/v1/credit-runs/{id}"                       Read      => credit_runs::get,
    GET    "/v1/credits"                                Read      => credits::list,
    POST   "/v1/credits"                                Support   => credits::create_manual,
    GET    "/v1/credits/summary"                        Read      => credits::summary,
    POST   "/v1/credits/approve"                        Support   => credit_moves::approve_many,
    POST   "/v1/credits/void"                           Support   => credit_moves::void_many,
    GET    "/v1/credits/{id}"                           Read      => credits::get,
    GET    "/v1/credits/{id}/explanation"               Read      => explanations::credit,
    POST   "/v1/credits/{id}/approve"                   Support   => credit_moves::approve,
    POST   "/v1/credits/{id}/void"                      Support   => credit_moves::void,
    POST   "/v1/credits/{id}/apply"                     Apply     => credit_moves::apply,
    GET    "/v1/reports/credits.csv"                    Billing   => reports::credits,
    GET    "/v1/reports/statements.csv"                 Billing   => reports::statements,
    GET    "/v1/reports/uptime.csv"                     Read      => reports::uptime,
    GET    "/v1/audit"                                  Admin  => audit::list,
}

/// 405 when the path exists under another method, 404 otherwise; both as problem+json.
async fn unrouted(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let allowed: Vec<&str> = ROUTES
        .iter()
        .filter(|r| actix_web::dev::ResourceDef::new(r.path).is_match(req.path()))
        .map(|r| r.method)
        .collect();
    if allowed.is_empty() {
        Err(ApiError::NotFound(format!("no route {}", req.path())))
    } else {
        Err(ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allow: allowed.join(", "),
        })
    }
}
