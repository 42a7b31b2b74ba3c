//! `/v1/credit-runs`: evaluate a period and bring the ledger in line (billing and admin).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::extract::{JsonBody, idempotency_key, optional};
use super::pagination::Listing;
use super::write::{Changed, Write, commit, read};
use super::{ApiError, AppState};
use crate::db::DbConnection;
use crate::db::credits::{self, Run};
use crate::domain::format_instant;
use crate::domain::parse_period;
use crate::ledger::run::run;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    period: String,
    #[serde(default)]
    dry_run: bool,
}

#[derive(Serialize)]
struct RunView {
    id: i64,
    period: String,
    as_of: String,
    started_by: String,
    started_at: String,
    subscriptions_evaluated: i32,
    created: i32,
    unchanged: i32,
    superseded: i32,
    adjusted: i32,
    totals: serde_json::Value,
}

impl From<Run> for RunView {
    fn from(r: Run) -> RunView {
        RunView {
            id: r.id,
            period: r.period,
            as_of: format_instant(r.as_of),
            started_by: r.started_by,
            started_at: format_instant(r.started_at),
            subscriptions_evaluated: r.subscriptions_evaluated,
            created: r.created,
            unchanged: r.unchanged,
            superseded: r.superseded,
            adjusted: r.adjusted,
            totals: serde_json::from_str(&r.totals).unwrap_or_default(),
        }
    }
}

/// A run; a dry run writes nothing. With an `Idempotency-Key` a dry run is checked and replayed
/// like any other write; without one it is only a read.
pub async fn create(write: Write, body: JsonBody<NewRun>) -> Result<HttpResponse, ApiError> {
    let period = parse_period("period", &body.value.period)?;
    let dry_run = body.value.dry_run;
    if dry_run && idempotency_key(write.request())?.is_none() {
        let now = write.now();
        let caller = write.caller().clone();
        let summary = read(write.state(), move |conn| {
            Ok(run(conn, period, now, true, &caller)?)
        })
        .await?;
        return Ok(HttpResponse::Ok().json(summary));
    }
    let metrics = write.state().metrics.clone();
    let started = std::time::Instant::now();
    let answer = commit(write, body.fingerprint, move |conn, ctx| {
        // The run audits its own credits, a chunk at a time.
        let summary = run(conn, period, ctx.now, dry_run, &ctx.caller)?;
        let body = serde_json::to_value(summary).map_err(ApiError::internal)?;
        let status = if dry_run {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        Ok(Changed::new(status, body, Vec::new()))
    })
    .await;
    if let Some(metrics) = metrics.filter(|_| !dry_run) {
        metrics.credit_run(answer.is_ok(), started.elapsed());
    }
    answer
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    period: Option<String>,
}

pub async fn list(list: Listing<ListQuery>) -> Result<HttpResponse, ApiError> {
    let after = list.after_id()?;
    let period = optional(list.filters.period.as_deref(), |p| {
        parse_period("period", p)
    })?;
    let load = move |conn: &mut DbConnection, limit| {
        let rows = credits::list_runs(conn, period, after, limit)?;
        Ok(rows.into_iter().map(RunView::from).collect())
    };
    list.answer(load, |r: &RunView| r.id.to_string()).await
}

pub async fn get(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let run = read(&state, move |conn| {
        credits::find_run(conn, id)?
            .ok_or_else(|| ApiError::NotFound(format!("no credit run {id}")))
    })
    .await?;
    Ok(HttpResponse::Ok().json(RunView::from(run)))
}
