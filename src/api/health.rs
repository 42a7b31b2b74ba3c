//! Probes for load balancers and orchestrators; no token needed.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::{ApiError, AppState};

/// `/readyz` answers within this, database or not, so a probe never piles up behind a hung pool.
const READY_WITHIN: Duration = Duration::from_millis(800);

pub async fn alive() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// 200 when the database answers and every migration is applied, 503 otherwise.
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = state.db.clone();
    let check = super::observe::blocking(move || db.is_migrated());
    let migrated = match actix_web::rt::time::timeout(READY_WITHIN, check).await {
        Ok(answer) => answer??,
        Err(_) => {
            return Err(ApiError::NotReady(format!(
                "the database did not answer within {} ms",
                READY_WITHIN.as_millis()
            )));
        }
    };
    if migrated {
        Ok(HttpResponse::Ok().json(json!({ "status": "ready" })))
    } else {
        Err(ApiError::NotReady(
            "migrations are pending: run `sla-ledger migrate`".into(),
        ))
    }
}
