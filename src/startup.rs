//! Builds the HTTP server on a listener, so tests can bind port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::api::{self, AppState};
use crate::auth::Keys;
use crate::clock::Clock;
use crate::config::ServeSettings;
use crate::db::Db;
use crate::ledger::cache::StatementCache;
use crate::metrics::Metrics;

/// How many prepared months (a plan in a period) statements share; each holds its plan's windows
/// and timelines. Twice the plans of a large catalogue.
const STATEMENT_CACHE_PLANS: std::num::NonZeroUsize = std::num::NonZeroUsize::new(128).unwrap();

pub struct Application {
    port: u16,
    server: Server,
    /// `/metrics` on its own address, when `SLA_METRICS_BIND` is set.
    metrics: Option<(u16, Server)>,
}

impl Application {
    pub fn build(
        listener: TcpListener,
        db: Db,
        keys: Keys,
        settings: &ServeSettings,
    ) -> std::io::Result<Application> {
        Application::build_with_clock(listener, db, keys, settings, crate::clock::system())
    }

    /// As `build`, with the clock the service reads "now" from (tests set their own).
    pub fn build_with_clock(
        listener: TcpListener,
        db: Db,
        keys: Keys,
        settings: &ServeSettings,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Application> {
        let port = listener.local_addr()?.port();
        let metrics = settings
            .metrics_bind
            .as_ref()
            .map(|_| Arc::new(Metrics::new(&db)));
        let state = web::Data::new(AppState {
            db,
            body_limit: settings.body_limit,
            import_limit: settings.import_limit,
            clock,
            metrics,
            statements: Arc::new(StatementCache::new(STATEMENT_CACHE_PLANS)),
            runs: Arc::default(),
            run_page: settings
                .credit_run_page
                .map_or(crate::ledger::run::PAGE, |p| i64::from(p.get())),
            pagerduty_secrets: settings.pagerduty_secrets.clone(),
            statuspage_secrets: settings.statuspage_secrets.clone(),
            ingest_slots: Arc::new(tokio::sync::Semaphore::new(
                settings
                    .ingest_concurrency
                    .unwrap_or(crate::api::INGEST_CONCURRENCY),
            )),
        });
        let metrics = match &settings.metrics_bind {
            None => None,
            Some(address) => Some(metrics_server(address, state.clone())?),
        };
        let keys = web::Data::new(keys);
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(api::extract::limit_head))
                .wrap(from_fn(api::observe::observe))
                .app_data(state.clone())
                .app_data(keys.clone())
                .app_data(web::PathConfig::default().error_handler(api::extract::path_error))
                .configure(crate::console::configure)
                .configure(api::configure)
        })
        // SIGTERM: stop accepting, let requests in flight finish within the grace period, exit.
        .shutdown_timeout(settings.shutdown_grace.as_secs())
        .listen(listener)?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        Ok(Application {
            port,
            server: server.run(),
            metrics,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// Serves until the API server stops (SIGTERM, or its handle), then stops the metrics.
    pub async fn run(self) -> std::io::Result<()> {
        let Some((_, metrics)) = self.metrics else {
            return self.server.await;
        };
        let metrics_handle = metrics.handle();
        let metrics_task = actix_web::rt::spawn(metrics);
        let served = self.server.await;
        metrics_handle.stop(true).await;
        let _ = metrics_task.await;
        served
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

/// `GET /metrics`, unauthenticated, on its own address and one worker.
fn metrics_server(address: &str, state: web::Data<AppState>) -> std::io::Result<(u16, Server)> {
    let listener = TcpListener::bind(address).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot listen on {address} for metrics: {e}"),
        )
    })?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/metrics", web::get().to(crate::metrics::serve))
    })
    .workers(1)
    .listen(listener)?
    .run();
    Ok((port, server))
}
