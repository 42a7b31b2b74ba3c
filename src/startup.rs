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

pub struct Application {
    port: u16,
    server: Server,
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
        let state = web::Data::new(AppState {
            db,
            body_limit: settings.body_limit,
            import_limit: settings.import_limit,
            clock,
        });
        let keys = web::Data::new(keys);
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(api::extract::limit_head))
                .wrap(from_fn(api::request_id::observe))
                .app_data(state.clone())
                .app_data(keys.clone())
                .app_data(web::PathConfig::default().error_handler(api::extract::path_error))
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
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}
