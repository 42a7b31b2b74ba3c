//! `/v1/credit-runs`: evaluate a period and bring the ledger in line (billing and admin). A run is
//! a job (`ledger::jobs`): `POST` answers `202 Accepted` with the run `running`; `GET` shows its
//! progress and how it ended. A dry run is answered at once.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::extract::{JsonBody, idempotency_key, optional};
use super::observe::blocking;
use super::pagination::Listing;
use super::write::{Changed, Write, commit, committed, read};
use super::{ApiError, AppState};
use crate::auth::Caller;
use crate::db::DbConnection;
use crate::db::credit_runs;
use crate::domain::credit::RunState;
use crate::domain::parse_period;
use crate::ledger::jobs::{self, RunView};
use crate::ledger::run::preview;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    period: String,
    #[serde(default)]
    dry_run: bool,
}

/// A dry run is answered with what a run would do; without an `Idempotency-Key` it is only a read.
/// A run is started and worked in the background by this instance.
pub async fn create(write: Write, body: JsonBody<NewRun>) -> Result<HttpResponse, ApiError> {
    let period = parse_period("period", &body.value.period)?;
    if body.value.dry_run {
        let db = write.state().db.clone();
        if idempotency_key(write.request())?.is_none() {
            let now = write.now();
            let caller = write.caller().clone();
            let summary = read(write.state(), move |conn| {
                Ok(preview(conn, period, now, &caller, Some(&db))?)
            })
            .await?;
            return Ok(HttpResponse::Ok().json(summary));
        }
        return commit(write, body.fingerprint, move |conn, ctx| {
            let summary = preview(conn, period, ctx.now, &ctx.caller, Some(&db))?;
            let body = serde_json::to_value(summary).map_err(ApiError::internal)?;
            Ok(Changed::new(StatusCode::OK, body, Vec::new()))
        })
        .await;
    }
    let state = write.state().clone();
    let caller = write.caller().clone();
    reap(&state, write.now()).await;
    let board = state.runs.clone();
    let mut answer = committed(write, body.fingerprint, move |conn, ctx| {
        let run = jobs::start(conn, period, ctx.now, &ctx.caller)?;
        let body = serde_json::to_value(RunView::new(run, &board)).map_err(ApiError::internal)?;
        Ok(Changed::new(StatusCode::ACCEPTED, body, Vec::new()))
    })
    .await?;
    let id = answer.body["id"].as_i64();
    match id {
        Some(id) if !answer.replayed => work_in_background(state, id, caller),
        // A replay shows the run as it stands now, not as it was when it started.
        Some(id) => {
            let run = find(&state, id).await?;
            answer.body =
                serde_json::to_value(RunView::new(run, &state.runs)).map_err(ApiError::internal)?;
        }
        None => {}
    }
    let mut response = answer.response();
    if let Some(value) =
        id.and_then(|id| header::HeaderValue::from_str(&format!("/v1/credit-runs/{id}")).ok())
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

fn work_in_background(state: web::Data<AppState>, id: i64, caller: Caller) {
    actix_web::rt::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let worked = jobs::work(
            &state.db,
            state.clock.as_ref(),
            &state.runs,
            state.run_page,
            id,
            &caller,
        );
        if let Err(e) = &worked {
            tracing::warn!(run = id, error = %e, "credit run failed");
        }
        if let Some(metrics) = &state.metrics {
            metrics.credit_run(worked.is_ok(), started.elapsed());
        }
    });
}

/// Fails runs that lost their instance, so nobody sees them `running` forever. Best effort: a
/// look at the runs is answered even when the database cannot tell now.
async fn reap(state: &web::Data<AppState>, now: i64) {
    let state = state.clone();
    let reaped = blocking(move || jobs::reap(&state.db, &state.runs, now)).await;
    match reaped {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "could not look for lost credit runs"),
        Err(e) => tracing::warn!(error = %e, "could not look for lost credit runs"),
    }
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
    let state = list.state().clone();
    reap(&state, state.clock.now()).await;
    let load = move |conn: &mut DbConnection, limit| {
        let rows = credit_runs::list(conn, period, after, limit)?;
        Ok(rows
            .into_iter()
            .map(|r| RunView::new(r, &state.runs))
            .collect())
    };
    list.answer(load, |r: &RunView| r.id.to_string()).await
}

pub async fn get(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut run = find(&state, id).await?;
    let now = state.clock.now();
    if run.state == RunState::Running && run.lease_until < now {
        reap(&state, now).await;
        run = find(&state, id).await?;
    }
    Ok(HttpResponse::Ok().json(RunView::new(run, &state.runs)))
}

async fn find(state: &web::Data<AppState>, id: i64) -> Result<credit_runs::Run, ApiError> {
    read(state, move |conn| {
        credit_runs::find(conn, id)?
            .ok_or_else(|| ApiError::NotFound(format!("no credit run {id}")))
    })
    .await
}
