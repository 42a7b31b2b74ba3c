//! `POST /v1/sign-in/{code}`: a console sign-in link (`sla-ledger token --link`) exchanged for
//! its token, once, within the minutes it lives. The code is the only credential: a link used,
//! expired or unknown is a 401.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::write::request_time;
use super::{ApiError, AppState};
use crate::auth::{Keys, Role};
use crate::db::sign_in;

pub async fn exchange(
    state: web::Data<AppState>,
    keys: web::Data<Keys>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let now = request_time(&req);
    let code = code.into_inner();
    let db = state.db.clone();
    let taken = super::observe::blocking(move || {
        db.transaction(|conn| -> Result<_, ApiError> { Ok(sign_in::take(conn, &code, now)?) })
    })
    .await??;
    let Some((subject, role, seconds)) = taken else {
        return Err(ApiError::Unauthorized(
            "this sign-in link was used, has expired or never existed; ask for a new one".into(),
        ));
    };
    let role: Role = role
        .parse()
        .map_err(|_| ApiError::Internal(format!("stored role `{role}`").into()))?;
    let token = keys
        .mint(&subject, role, seconds)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok().json(json!({ "token": token, "expires_in": seconds })))
}
