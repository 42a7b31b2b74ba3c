//! Moving credits through their life (SPEC §6): approve, void, apply, one or many at once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::credits::{load, required_text};
use super::extract::JsonBody;
use super::statements::parse_period;
use super::write::{Answer, change};
use super::{ApiError, AppState};
use crate::auth::Caller;
use crate::db::audit;
use crate::db::credits::{self, Transition};
use crate::db::{DbConnection, now};
use crate::ledger::lifecycle::{Illegal, Move};

impl From<Illegal> for ApiError {
    fn from(e: Illegal) -> ApiError {
        ApiError::Conflict(e.to_string())
    }
}

/// Moves credits, all or none, and audits each move.
fn move_credits(
    conn: &mut DbConnection,
    caller: &Caller,
    ids: &[i64],
    step: Move,
    detail: Option<String>,
) -> Result<(), ApiError> {
    let change = transition(step, &caller.subject, now(), detail);
    let found = credits::by_ids(conn, ids)?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|c| c.id == **id)) {
        return Err(ApiError::NotFound(format!("no credit {missing}")));
    }
    for c in &found {
        step.check(&c.status)
            .map_err(|e| ApiError::Conflict(format!("credit {}: {e}", c.id)))?;
    }
    if credits::transition(conn, ids, step.from(), &change)? != ids.len() {
        return Err(ApiError::Conflict(
            "a credit changed meanwhile; try again".into(),
        ));
    }
    let entries: Vec<_> = found
        .iter()
        .map(|c| {
            let before = json!({ "status": c.status });
            let after = json!({ "status": step.target(), "billing_reference": change.billing_reference, "void_reason": change.void_reason });
            (action_name(step), c.id.to_string(), Some(before), Some(after))
        })
        .collect();
    audit::record_all(conn, caller, &entries)?;
    Ok(())
}

/// The columns a move sets: who and when, and its detail (a billing reference or a void reason).
fn transition(step: Move, by: &str, at: i64, detail: Option<String>) -> Transition {
    let by = Some(by.to_owned());
    let moved = Transition {
        status: Some(step.target().to_owned()),
        ..Transition::default()
    };
    match step {
        Move::Approve => Transition {
            approved_at: Some(at),
            approved_by: by,
            ..moved
        },
        Move::Apply => Transition {
            applied_at: Some(at),
            applied_by: by,
            billing_reference: detail,
            ..moved
        },
        Move::Void => Transition {
            voided_at: Some(at),
            voided_by: by,
            void_reason: detail,
            ..moved
        },
        Move::Supersede => moved,
    }
}

fn action_name(step: Move) -> &'static str {
    match step {
        Move::Approve => "credit.approve",
        Move::Apply => "credit.apply",
        Move::Void => "credit.void",
        Move::Supersede => "credit.supersede",
    }
}

fn single(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i64,
    step: Move,
    detail: Option<String>,
) -> Result<Answer, ApiError> {
    move_credits(conn, caller, &[id], step, detail)?;
    let (_, after) = load(conn, id)?;
    Ok((
        StatusCode::OK,
        serde_json::to_value(after).map_err(ApiError::internal)?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

pub async fn approve(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<Empty>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    change(
        &state,
        &req,
        &caller,
        body.fingerprint,
        move |conn, caller| single(conn, caller, id, Move::Approve, None),
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoidBody {
    reason: String,
}

pub async fn void(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<VoidBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let reason = required_text("reason", &body.value.reason)?;
    change(
        &state,
        &req,
        &caller,
        body.fingerprint,
        move |conn, caller| single(conn, caller, id, Move::Void, Some(reason.clone())),
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    billing_reference: String,
}

/// Applying again with the same reference answers the same; another reference is a 409.
pub async fn apply(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<i64>,
    body: JsonBody<ApplyBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let reference = required_text("billing_reference", &body.value.billing_reference)?;
    change(
        &state,
        &req,
        &caller,
        body.fingerprint,
        move |conn, caller| {
            let (credit, current) = load(conn, id)?;
            if credit.status == "applied" {
                return if credit.billing_reference.as_deref() == Some(reference.as_str()) {
                    Ok((
                        StatusCode::OK,
                        serde_json::to_value(current).map_err(ApiError::internal)?,
                    ))
                } else {
                    Err(ApiError::Conflict(format!(
                        "credit {id} was applied with billing reference `{}`",
                        credit.billing_reference.unwrap_or_default()
                    )))
                };
            }
            single(conn, caller, id, Move::Apply, Some(reference.clone()))
        },
    )
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
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: JsonBody<BulkApprove>,
) -> Result<HttpResponse, ApiError> {
    let (period, ids) = match (&body.value.period, &body.value.ids) {
        (Some(p), None) => (Some(parse_period("period", p)?.to_string()), None),
        (None, Some(ids)) if !ids.is_empty() => {
            let mut seen = std::collections::HashSet::new();
            if let Some(i) = ids.iter().position(|id| !seen.insert(*id)) {
                return Err(ApiError::invalid(
                    format!("ids[{i}]"),
                    format!("credit {} is listed twice", ids[i]),
                ));
            }
            (None, Some(ids.clone()))
        }
        (None, Some(_)) => return Err(ApiError::invalid("ids", "lists no credit")),
        _ => return Err(ApiError::invalid("period", "give either period or ids")),
    };
    change(
        &state,
        &req,
        &caller,
        body.fingerprint,
        move |conn, caller| {
            let ids = match (&period, &ids) {
                (Some(p), _) => credits::ids_in(conn, p, "pending")?,
                (None, Some(ids)) => ids.clone(),
                (None, None) => Vec::new(),
            };
            move_credits(conn, caller, &ids, Move::Approve, None)?;
            Ok((StatusCode::OK, json!({ "approved": ids.len(), "ids": ids })))
        },
    )
    .await
}
