//! `/v1/ingest`: notifications from monitoring turned into impact windows (docs/ingest.md).
//! Rules say how; every notification is kept once; one no rule matches waits to be replayed.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::{Value, json};

use super::ApiError;
use super::extract::{JsonBody, RawBody, parse_json};
use super::pagination::{Listing, NoFilters};
use super::write::{Changed, Ctx, Write, app_state, commit, commit_bodiless};
use crate::db::audit::snapshot;
use crate::db::ingest::{self as store, NewRule, RuleRow};
use crate::db::{DbConnection, catalog};
use crate::domain::format_instant;
use crate::ingest::alertmanager::{self, Delivery};
use crate::ingest::receive::{self, NotificationView, Outcome, notification_view, stored_rule};
use crate::ingest::rules::{ComponentFrom, Rule, RuleInput};
use crate::ingest::{Incoming, pagerduty, statuspage};

#[derive(Serialize)]
struct RuleView {
    id: i64,
    #[serde(flatten)]
    rule: Value,
    created_at: String,
}

fn rule_view(row: &RuleRow) -> Result<RuleView, ApiError> {
    let rule = stored_rule(row)?;
    let (component_label, component) = match &rule.component {
        ComponentFrom::Label(l) => (Some(l.clone()), None),
        ComponentFrom::Fixed(c) => (None, Some(c.clone())),
    };
    Ok(RuleView {
        id: row.id,
        rule: json!({
            "source": rule.source, "component_label": component_label, "component": component,
            "severity_label": rule.severity_label, "severities": rule.severities,
            "region_label": rule.region_label, "customer_label": rule.customer_label,
        }),
        created_at: format_instant(row.created_at),
    })
}

/// Adds a checked rule at `now` (`POST /v1/ingest/rules`, `sla-ledger rules add`).
pub fn add_rule(conn: &mut DbConnection, rule: &Rule, now: i64) -> Result<Changed, ApiError> {
    if let ComponentFrom::Fixed(key) = &rule.component
        && catalog::find_component(conn, key)?.is_none()
    {
        return Err(ApiError::invalid(
            "component",
            format!("no component `{key}`"),
        ));
    }
    let (component_label, component) = match &rule.component {
        ComponentFrom::Label(l) => (Some(l.as_str()), None),
        ComponentFrom::Fixed(c) => (None, Some(c.as_str())),
    };
    let severities = serde_json::to_string(&rule.severities).map_err(ApiError::internal)?;
    let id = store::insert_rule(
        conn,
        &NewRule {
            source: rule.source.as_str(),
            component_label,
            component,
            severity_label: &rule.severity_label,
            severities: &severities,
            region_label: rule.region_label.as_deref(),
            customer_label: rule.customer_label.as_deref(),
            created_at: now,
        },
    )?;
    let row =
        store::find_rule(conn, id)?.ok_or_else(|| ApiError::NotFound(format!("no rule {id}")))?;
    let view = snapshot(&rule_view(&row)?);
    Ok(Changed::created("ingest_rule.create", id, view))
}

/// Deletes a rule (`DELETE /v1/ingest/rules/{id}`, `sla-ledger rules delete`).
pub fn remove_rule(conn: &mut DbConnection, id: i64) -> Result<Changed, ApiError> {
    let row =
        store::find_rule(conn, id)?.ok_or_else(|| ApiError::NotFound(format!("no rule {id}")))?;
    let before = snapshot(&rule_view(&row)?);
    store::delete_rule(conn, id)?;
    let body = json!({ "deleted": id });
    Ok(Changed::deleted("ingest_rule.delete", id, before, body))
}

/// Every rule as the API shows it, oldest first (`sla-ledger rules list`).
pub fn all_rules(conn: &mut DbConnection) -> Result<Value, ApiError> {
    let rows = store::list_rules(conn, 0, i64::MAX)?;
    let views = rows.iter().map(rule_view).collect::<Result<Vec<_>, _>>()?;
    serde_json::to_value(views).map_err(ApiError::internal)
}

/// `POST /v1/ingest/rules` (admin).
pub async fn create_rule(
    write: Write,
    body: JsonBody<RuleInput>,
) -> Result<HttpResponse, ApiError> {
    let rule = body.value.check()?;
    commit(write, body.fingerprint, move |conn, ctx| {
        add_rule(conn, &rule, ctx.now)
    })
    .await
}

/// `GET /v1/ingest/rules`: every rule, oldest (first tried) first.
pub async fn list_rules(list: Listing<NoFilters>) -> Result<HttpResponse, ApiError> {
    let after = list.after_id()?;
    let load = move |conn: &mut DbConnection, limit| {
        store::list_rules(conn, after, limit)?
            .iter()
            .map(rule_view)
            .collect::<Result<Vec<_>, _>>()
    };
    list.answer(load, |r: &RuleView| r.id.to_string()).await
}

/// `DELETE /v1/ingest/rules/{id}` (admin).
pub async fn delete_rule(write: Write, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    commit_bodiless(write, move |conn, _| remove_rule(conn, id)).await
}

/// Applies a delivery's notifications and answers what they did.
fn received(
    conn: &mut DbConnection,
    ctx: &Ctx,
    notifications: &[Incoming],
    outcome: Outcome,
) -> Result<Changed, ApiError> {
    let (outcome, audit) = receive::receive(conn, &ctx.caller, ctx.now, notifications, outcome)?;
    let body = serde_json::to_value(&outcome).map_err(ApiError::internal)?;
    Ok(Changed::new(StatusCode::OK, body, audit))
}

/// A slot to work an ingest delivery in, or a 429: a flood of retries is answered at once
/// rather than queued (docs/ingest.md, "Floods").
fn slot(req: &HttpRequest) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    Arc::clone(&app_state(req)?.ingest_slots)
        .try_acquire_owned()
        .map_err(|_| {
            ApiError::TooManyRequests(
                "as many deliveries as this instance works at once are in progress; retry".into(),
            )
        })
}

/// Alerts one Alertmanager delivery may carry: its work is one transaction (set `max_alerts`).
const MAX_ALERTS: usize = 1_000;

/// `POST /v1/ingest/alertmanager`: Alertmanager's webhook (reporter, admin).
pub async fn alertmanager(
    write: Write,
    body: JsonBody<Delivery>,
) -> Result<HttpResponse, ApiError> {
    let _slot = slot(write.request())?;
    if body.value.alerts.len() > MAX_ALERTS {
        return Err(ApiError::invalid(
            "alerts",
            format!("at most {MAX_ALERTS} alerts a delivery (Alertmanager's `max_alerts`)"),
        ));
    }
    let notifications = alertmanager::incoming(&body.value, write.now())?;
    commit(write, body.fingerprint, move |conn, ctx| {
        received(conn, ctx, &notifications, Outcome::default())
    })
    .await
}

/// `POST /v1/ingest/pagerduty`: PagerDuty's v3 webhook, signed with a configured secret; a
/// delivery without a valid signature is a 401 and writes nothing.
pub async fn pagerduty(req: HttpRequest, body: RawBody) -> Result<HttpResponse, ApiError> {
    let _slot = slot(&req)?;
    let state = app_state(&req)?;
    let signature = req
        .headers()
        .get("x-pagerduty-signature")
        .and_then(|v| v.to_str().ok());
    if !pagerduty::signed(&state.pagerduty_secrets, signature, &body.bytes) {
        return Err(ApiError::Unauthorized(
            "X-PagerDuty-Signature is missing or signs the body with no configured secret".into(),
        ));
    }
    let webhook: pagerduty::Webhook = parse_json(&body.bytes)?;
    let notifications: Vec<Incoming> = pagerduty::incoming(&webhook)?.into_iter().collect();
    let ignored = usize::from(notifications.is_empty());
    let write = Write::signed(&req, "pagerduty")?;
    commit(write, body.fingerprint, move |conn, ctx| {
        let outcome = Outcome {
            ignored,
            ..Outcome::default()
        };
        received(conn, ctx, &notifications, outcome)
    })
    .await
}

/// `GET /v1/ingest/unmatched`: notifications no rule matched, oldest first.
pub async fn unmatched(list: Listing<NoFilters>) -> Result<HttpResponse, ApiError> {
    let after = list.after_id()?;
    let load = move |conn: &mut DbConnection, limit| {
        Ok(store::unmatched(conn, after, limit)?
            .into_iter()
            .map(notification_view)
            .collect())
    };
    list.answer(load, |n: &NotificationView| n.id.to_string())
        .await
}

/// `POST /v1/ingest/unmatched/{id}/replay` (reporter, admin): tries the rules again; 409 while
/// none matches.
pub async fn replay(write: Write, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    commit_bodiless(write, move |conn, ctx| {
        let (after, audit) = receive::replay(conn, &ctx.caller, ctx.now, id)?;
        Ok(Changed::new(StatusCode::OK, snapshot(&after), audit))
    })
    .await
}

/// Whether `given` is one of `secrets`, compared by their SHA-256 digests (no timing tells how
/// much of a guess was right). No secret configured: nothing matches.
fn secret_matches(secrets: &[String], given: &str) -> bool {
    use sha2::{Digest, Sha256};
    let given = Sha256::digest(given.as_bytes());
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .any(|s| Sha256::digest(s.as_bytes()) == given)
}

/// `POST /v1/ingest/statuspage/{secret}`: Statuspage's webhook, authenticated by a secret in the
/// URL (`SLA_STATUSPAGE_SECRETS`); a wrong one is a 401 and writes nothing.
pub async fn statuspage(
    req: HttpRequest,
    secret: web::Path<String>,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    let _slot = slot(&req)?;
    let state = app_state(&req)?;
    if !secret_matches(&state.statuspage_secrets, &secret) {
        return Err(ApiError::Unauthorized(
            "the URL's secret is not one of SLA_STATUSPAGE_SECRETS".into(),
        ));
    }
    let value: Value = parse_json(&body.bytes)?;
    let n = statuspage::incoming(&value)?;
    let write = Write::signed(&req, "statuspage")?;
    commit(write, body.fingerprint, move |conn, ctx| {
        received(conn, ctx, std::slice::from_ref(&n), Outcome::default())
    })
    .await
}
