//! Probes for load balancers and orchestrators; no token needed.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::{ApiError, AppState};

pub async fn alive() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// 200 when the database answers and every migration is applied, 503 otherwise.
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = state.db.clone();
    let migrated = web::block(move || db.is_migrated()).await??;
    if migrated {
        Ok(HttpResponse::Ok().json(json!({ "status": "ready" })))
    } else {
        Err(ApiError::NotReady(
            "migrations are pending: run `sla-ledger migrate`".into(),
        ))
    }
}
