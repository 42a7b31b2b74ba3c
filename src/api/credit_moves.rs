//! Moving credits through their life (SPEC §6): approve, void, apply, one or many at once.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::ApiError;
use super::credits::{load, required_text};
use super::extract::JsonBody;
use super::write::{Changed, Write, commit};
use crate::db::DbConnection;
use crate::db::audit::AuditEntry;
use crate::db::credits;
use crate::domain::credit::CreditStatus;
use crate::domain::parse_period;
use crate::ledger::credits as ledger;
use crate::ledger::lifecycle::Move;

/// Answers with the credit after a change.
fn answer(conn: &mut DbConnection, id: i64, audit: Vec<AuditEntry>) -> Result<Changed, ApiError> {
    let (_, after) = load(conn, id)?;
    let after = serde_json::to_value(after).map_err(ApiError::internal)?;
    Ok(Changed::new(StatusCode::OK, after, audit))
}

/// Moves one credit and answers with it.
async fn move_one(
    write: Write,
    id: i64,
    fingerprint: String,
    step: Move,
    detail: Option<String>,
) -> Result<HttpResponse, ApiError> {
    commit(write, fingerprint, move |conn, ctx| {
        let (by, at) = (&ctx.caller.subject, ctx.now);
        let audit = ledger::move_credits(conn, &[id], step, detail.clone(), by, at)?;
        answer(conn, id, audit)
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

pub async fn approve(
    write: Write,
    id: web::Path<i64>,
    body: JsonBody<Empty>,
) -> Result<HttpResponse, ApiError> {
    let (id, fingerprint) = (id.into_inner(), body.fingerprint);
    move_one(write, id, fingerprint, Move::Approve, None).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoidBody {
    reason: String,
}

pub async fn void(
    write: Write,
    id: web::Path<i64>,
    body: JsonBody<VoidBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = required_text("reason", &body.value.reason)?;
    let (id, fingerprint) = (id.into_inner(), body.fingerprint);
    move_one(write, id, fingerprint, Move::Void, Some(reason)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    billing_reference: String,
}

/// Applying again with the same reference answers the same; another reference is a 409.
pub async fn apply(
    write: Write,
    id: web::Path<i64>,
    body: JsonBody<ApplyBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let reference = required_text("billing_reference", &body.value.billing_reference)?;
    commit(write, body.fingerprint, move |conn, ctx| {
        let audit = ledger::apply(conn, id, &reference, &ctx.caller.subject, ctx.now)?;
        answer(conn, id, audit)
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkApprove {
    period: Option<String>,
    ids: Option<Vec<i64>>,
}

/// Approves every pending credit of a period, or the listed ones: all or nothing.
pub async fn approve_many(
    write: Write,
    body: JsonBody<BulkApprove>,
) -> Result<HttpResponse, ApiError> {
    let (period, ids) = match (&body.value.period, &body.value.ids) {
        (Some(p), None) => (Some(parse_period("period", p)?), None),
        (None, Some(ids)) => (None, Some(listed_once(ids)?)),
        _ => return Err(ApiError::invalid("period", "give either period or ids")),
    };
    commit(write, body.fingerprint, move |conn, ctx| {
        let ids = match (&period, &ids) {
            (Some(p), _) => credits::ids_in(conn, *p, CreditStatus::Pending)?,
            (None, Some(ids)) => ids.clone(),
            (None, None) => Vec::new(),
        };
        let audit = ledger::move_credits(
            conn,
            &ids,
            Move::Approve,
            None,
            &ctx.caller.subject,
            ctx.now,
        )?;
        let body = json!({ "approved": ids.len(), "ids": ids });
        Ok(Changed::new(StatusCode::OK, body, audit))
    })
    .await
}

/// `ids` when it lists at least one credit and none twice.
fn listed_once(ids: &[i64]) -> Result<Vec<i64>, ApiError> {
    if ids.is_empty() {
        return Err(ApiError::invalid("ids", "lists no credit"));
    }
    let mut seen = std::collections::HashSet::new();
    match ids.iter().position(|id| !seen.insert(*id)) {
        Some(i) => Err(ApiError::invalid(
            format!("ids[{i}]"),
            format!("credit {} is listed twice", ids[i]),
        )),
        None => Ok(ids.to_vec()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkVoid {
    ids: Vec<i64>,
    reason: String,
}

/// Voids the listed credits with one reason: all or nothing.
pub async fn void_many(write: Write, body: JsonBody<BulkVoid>) -> Result<HttpResponse, ApiError> {
    let ids = listed_once(&body.value.ids)?;
    let reason = required_text("reason", &body.value.reason)?;
    commit(write, body.fingerprint, move |conn, ctx| {
        let (by, at) = (&ctx.caller.subject, ctx.now);
        let audit = ledger::move_credits(conn, &ids, Move::Void, Some(reason.clone()), by, at)?;
        let body = json!({ "voided": ids.len(), "ids": ids });
        Ok(Changed::new(StatusCode::OK, body, audit))
    })
    .await
}
