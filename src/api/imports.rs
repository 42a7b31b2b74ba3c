//! `POST /v1/imports/statuspage`: incidents from a public status page's `incidents.json`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::extract::RawBody;
use super::write::change;
use super::{ApiError, AppState};
use crate::auth::Caller;
use crate::import::apply::{self, ApplyError, Options};
use crate::import::statuspage;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    create_components: Option<bool>,
    /// Comma-separated regions that scope every imported window.
    regions: Option<String>,
    dry_run: Option<bool>,
}

impl From<ApplyError> for ApiError {
    fn from(e: ApplyError) -> ApiError {
        match e {
            ApplyError::UnknownComponents(_) => ApiError::invalid("components", e.to_string()),
            ApplyError::Invalid(invalid) => ApiError::Invalid(invalid),
            ApplyError::Conflict(why) => ApiError::Conflict(why),
            ApplyError::Db(db) => db.into(),
            ApplyError::Store(db) => db.into(),
            ApplyError::DryRun(_) => ApiError::internal(e),
        }
    }
}

pub async fn statuspage(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    q: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let options = Options::parse(
        q.create_components.unwrap_or(false),
        q.regions.as_deref(),
        q.dry_run.unwrap_or(false),
    )?;
    let mut payload = payload.into_inner();
    let body = RawBody::read(&req, &mut payload, state.import_limit).await?;
    super::extract::refuse_nul(&body.bytes)?;
    let doc =
        statuspage::parse(&body.bytes).map_err(|e| ApiError::invalid("body", e.to_string()))?;
    if options.dry_run {
        let db = state.db.clone();
        let summary = web::block(move || apply::run(&db, &doc, &options, &caller)).await??;
        return Ok(HttpResponse::Ok().json(summary));
    }
    change(
        &state,
        &req,
        &caller,
        body.fingerprint,
        move |conn, caller| {
            let summary = apply::apply(conn, &doc, &options, caller)?;
            Ok((
                StatusCode::OK,
                serde_json::to_value(summary).map_err(ApiError::internal)?,
            ))
        },
    )
    .await
}
