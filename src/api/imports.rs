//! `POST /v1/imports/statuspage`: incidents from a public status page's `incidents.json`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::ApiError;
use super::extract::{Query, RawBody};
use super::write::{Changed, Write, commit};
use crate::import::apply::{self, Options};
use crate::import::statuspage;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    create_components: Option<bool>,
    /// Comma-separated regions that scope every imported window.
    regions: Option<String>,
    dry_run: Option<bool>,
}

pub async fn statuspage(
    write: Write,
    q: Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let options = Options::parse(
        q.create_components.unwrap_or(false),
        q.regions.as_deref(),
        q.dry_run.unwrap_or(false),
    )?;
    let mut payload = payload.into_inner();
    let RawBody { bytes, fingerprint } =
        RawBody::read(write.request(), &mut payload, write.state().import_limit).await?;
    super::extract::refuse_nul(&bytes)?;
    let doc = statuspage::parse(&bytes).map_err(|e| ApiError::invalid("body", e.to_string()))?;
    // The document owns what it keeps: the body goes before the import writes.
    drop(bytes);
    if options.dry_run {
        let db = write.state().db.clone();
        let caller = write.caller().clone();
        let at = write.now();
        let summary =
            super::observe::blocking(move || apply::run(&db, &doc, &options, &caller, at))
                .await??;
        return Ok(HttpResponse::Ok().json(summary));
    }
    let metrics = write.state().metrics.clone();
    let answer = commit(write, fingerprint, move |conn, ctx| {
        // The import audits its own changes, a batch at a time.
        let summary = apply::apply(conn, &doc, &options, &ctx.caller, ctx.now)?;
        let body = serde_json::to_value(summary).map_err(ApiError::internal)?;
        Ok(Changed::new(StatusCode::OK, body, Vec::new()))
    })
    .await;
    if let Some(metrics) = metrics {
        metrics.import(answer.is_ok());
    }
    answer
}
