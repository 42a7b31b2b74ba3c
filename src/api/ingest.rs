//! `/v1/ingest`: notifications from monitoring turned into impact windows (docs/ingest.md).
//! Rules say how; every notification is kept once; one no rule matches waits to be replayed.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::Connection as _;
use serde::Serialize;
use serde_json::{Value, json};

use super::ApiError;
use super::extract::{JsonBody, RawBody, parse_json};
use super::incidents::load;
use super::pagination::{Listing, NoFilters};
use super::write::{Changed, Ctx, Write, app_state, commit, commit_bodiless};
use crate::db::audit::{AuditEntry, snapshot};
use crate::db::incidents::{self, IncidentChanges, IncidentFields};
use crate::db::ingest::{self as store, NewNotification, NewRule, Notification, RuleRow};
use crate::db::{DbConnection, catalog, customers};
use crate::domain::format_instant;
use crate::domain::incident::{FUTURE_SLACK_SECONDS, ImpactWindow, IncidentStatus};
use crate::engine::Severity;
use crate::import;
use crate::import::apply::{ApplyError, Options as ImportOptions, apply as apply_import};
use crate::import::statuspage::Document;
use crate::ingest::alertmanager::{self, Delivery};
use crate::ingest::rules::{ComponentFrom, Matched, Rule, RuleInput, Source};
use crate::ingest::{self, Incoming, Step, pagerduty, statuspage};

#[derive(Serialize)]
struct RuleView {
    id: i64,
    #[serde(flatten)]
    rule: Value,
    created_at: String,
}

fn rule_of(row: &RuleRow) -> Result<Rule, ApiError> {
    let input = RuleInput {
        source: row.source.clone(),
        component_label: row.component_label.clone(),
        component: row.component.clone(),
        severity_label: row.severity_label.clone(),
        severities: serde_json::from_str(&row.severities).map_err(ApiError::internal)?,
        region_label: row.region_label.clone(),
        customer_label: row.customer_label.clone(),
    };
    Ok(input.check()?)
}

fn rule_view(row: &RuleRow) -> Result<RuleView, ApiError> {
    let rule = rule_of(row)?;
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

/// The rule that makes a window of the notification's labels: the first that applies and names
/// an existing component and customer. Otherwise why none does.
fn matched(
    conn: &mut DbConnection,
    rules: &[Rule],
    n: &Incoming,
) -> Result<Result<Matched, String>, ApiError> {
    let mut problem = "no rule matches its labels".to_owned();
    for rule in rules {
        let Some(m) = rule.apply(&n.labels) else {
            continue;
        };
        if catalog::find_component(conn, &m.component)?.is_none() {
            problem = format!("no component `{}`", m.component);
            continue;
        }
        if let Some(c) = m.customers.first()
            && customers::find_customer(conn, c)?.is_none()
        {
            problem = format!("no customer `{c}`");
            continue;
        }
        return Ok(Ok(m));
    }
    Ok(Err(problem))
}

/// The incident notifications belong to, found or created when a window needs it.
struct Group {
    external_id: String,
    title: String,
    /// The incident and how it looked before this request (none: created now).
    incident: Option<(i64, Option<Value>)>,
}

impl Group {
    fn new(n: &Incoming) -> Group {
        Group {
            external_id: n.incident.clone(),
            title: n.title.clone(),
            incident: None,
        }
    }

    fn incident(&mut self, conn: &mut DbConnection, now: i64) -> Result<i64, ApiError> {
        if let Some((id, _)) = self.incident {
            return Ok(id);
        }
        let found =
            incidents::incidents_by_external_id(conn, std::slice::from_ref(&self.external_id))?;
        let (id, before) = match found.get(&self.external_id) {
            Some(incident) => (incident.id, Some(snapshot(&load(conn, incident.id)?))),
            None => {
                let fields = IncidentFields {
                    title: &self.title,
                    status: IncidentStatus::Investigating,
                    external_id: Some(&self.external_id),
                    created_at: now,
                    updated_at: now,
                };
                (incidents::insert_incident(conn, &fields)?, None)
            }
        };
        self.incident = Some((id, before));
        Ok(id)
    }

    /// Sets the incident's status from its windows (resolved when none is open) and says what
    /// changed, for the audit log.
    fn finish(self, conn: &mut DbConnection, now: i64) -> Result<Option<AuditEntry>, ApiError> {
        let Some((id, before)) = self.incident else {
            return Ok(None);
        };
        let open = incidents::windows_of(conn, &[id])?
            .iter()
            .any(|w| w.window.end.is_none());
        let stored = incidents::find_incident(conn, id)?
            .ok_or_else(|| ApiError::NotFound(format!("no incident {id}")))?;
        let status = match (open, stored.status) {
            (false, _) => IncidentStatus::Resolved,
            (true, s) if s.is_closed() => IncidentStatus::Investigating,
            (true, s) => s,
        };
        let changes = IncidentChanges {
            title: &stored.title,
            status,
            external_id: stored.external_id.as_deref(),
            updated_at: now,
        };
        incidents::update_incident(conn, id, &changes)?;
        let after = snapshot(&load(conn, id)?);
        Ok(Some(match before {
            None => AuditEntry::new("incident.create", id, None, Some(after)),
            Some(before) => AuditEntry::new("incident.ingest", id, Some(before), Some(after)),
        }))
    }
}

/// What a notification a rule (or the status-page import's rules) matched does.
enum Plan {
    /// Windows on a component; `severity` none when it says the component is operational again.
    Windows {
        component: String,
        severity: Option<Severity>,
        regions: Vec<String>,
        customers: Vec<String>,
    },
    /// A Statuspage incident update, imported as the status-page import imports that incident.
    Import(Box<Document>),
}

/// How `n` is matched: by its source's rules, or for Statuspage by the import's (components by
/// their `external_id`). Otherwise why it cannot be applied.
fn plan(
    conn: &mut DbConnection,
    rules: &[Rule],
    n: &Incoming,
    now: i64,
) -> Result<Result<Plan, String>, ApiError> {
    let unknown = |codes: Vec<String>| {
        format!(
            "no component has the external_id {} (create it, or import the page with \
             create_components)",
            codes.join(", ")
        )
    };
    if n.at > now + FUTURE_SLACK_SECONDS {
        return Ok(Err(
            "it says something happens more than 5 minutes in the future".into(),
        ));
    }
    if n.source != Source::Statuspage {
        return Ok(matched(conn, rules, n)?.map(|m| Plan::Windows {
            component: m.component,
            severity: Some(m.severity),
            regions: m.regions,
            customers: m.customers,
        }));
    }
    if let Some(document) = &n.document {
        let doc = match import::statuspage::parse(document.to_string().as_bytes()) {
            Ok(doc) => doc,
            Err(e) => return Ok(Err(format!("the import cannot read the incident: {e}"))),
        };
        let codes: Vec<String> = doc
            .component_codes_used()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let known = catalog::components_by_external_id(conn, &codes)?;
        let missing: Vec<String> = codes
            .into_iter()
            .filter(|c| {
                !known
                    .iter()
                    .any(|k| k.external_id.as_deref() == Some(c.as_str()))
            })
            .collect();
        if !missing.is_empty() {
            return Ok(Err(unknown(missing)));
        }
        return Ok(Ok(Plan::Import(Box::new(doc))));
    }
    let code = n
        .labels
        .get(statuspage::COMPONENT_ID)
        .cloned()
        .unwrap_or_default();
    let status = n
        .labels
        .get(statuspage::STATUS)
        .cloned()
        .unwrap_or_default();
    let found = catalog::components_by_external_id(conn, std::slice::from_ref(&code))?;
    let Some(component) = found.into_iter().next() else {
        return Ok(Err(unknown(vec![code])));
    };
    Ok(Ok(Plan::Windows {
        component: component.key.to_string(),
        severity: statuspage::severity(&status)?,
        regions: Vec::new(),
        customers: Vec::new(),
    }))
}

/// Carries out a matched notification; `notification` names where its windows came from.
/// Answers the incident it changed, or why it cannot be applied after all (a window it would
/// write fails the checks every window passes, or the import refuses the incident).
fn apply(
    conn: &mut DbConnection,
    ctx: &Ctx,
    group: &mut Group,
    n: &Incoming,
    plan: Plan,
    notification: i64,
) -> Result<Result<Option<i64>, String>, ApiError> {
    let source = n.source.as_str();
    // Sources whose notifications each carry the whole state: older news changes nothing.
    let last = match n.source {
        Source::Alertmanager => None,
        Source::Pagerduty | Source::Statuspage => {
            store::last_applied_at(conn, source, &n.identity, notification)?
        }
    };
    let (component, severity, regions, customers) = match plan {
        Plan::Import(doc) => {
            if last.is_none_or(|last| n.at >= last) {
                // In a savepoint: a refused import leaves nothing behind.
                let imported = conn.transaction(|c| {
                    apply_import(c, &doc, &ImportOptions::default(), &ctx.caller, ctx.now)
                });
                match imported {
                    Ok(_) => {}
                    Err(ApplyError::Db(e)) => return Err(e.into()),
                    Err(ApplyError::Store(e)) => return Err(e.into()),
                    Err(refused) => return Ok(Err(refused.to_string())),
                }
            }
            let found =
                incidents::incidents_by_external_id(conn, std::slice::from_ref(&n.incident))?;
            return Ok(Ok(found.get(&n.incident).map(|i| i.id)));
        }
        Plan::Windows {
            component,
            severity,
            regions,
            customers,
        } => (component, severity, regions, customers),
    };
    let windows = store::sourced_windows(conn, source, &n.identity)?;
    let step = match (n.source, severity) {
        (Source::Alertmanager, Some(severity)) => ingest::step(n, severity, &windows),
        (Source::Alertmanager, None) => Step::Nothing,
        (Source::Pagerduty | Source::Statuspage, severity) => {
            ingest::latest_step(n, severity, &windows, last)
        }
    };
    // Every window passes the checks a window written by hand passes (SPEC §2, 366 days).
    // Every window passes the checks a window written by hand passes (SPEC §2: not starting
    // more than 5 minutes ahead, at most 366 days); what it fails is why it is kept unmatched.
    let checked = |start: i64, end: Option<i64>| -> Result<ImpactWindow, String> {
        let window = ImpactWindow {
            component: component.clone(),
            severity: severity.ok_or("it says the outage is over")?,
            start,
            end,
            regions: regions.clone(),
            customers: customers.clone(),
        };
        window
            .check_times("", ctx.now)
            .map(|()| window)
            .map_err(|e| {
                format!(
                    "the window it would write is refused: {}: {}",
                    e.field, e.reason
                )
            })
    };
    let mut open = |conn: &mut DbConnection, window: ImpactWindow| -> Result<(), ApiError> {
        let incident = group.incident(conn, ctx.now)?;
        let ids = incidents::insert_windows(conn, incident, std::slice::from_ref(&window))?;
        for id in ids {
            store::mark_sourced(conn, id, source, &n.identity, notification)?;
        }
        Ok(())
    };
    match step {
        Step::Nothing => {
            // Nothing changes: the incident, if there is one, is not touched.
            let found =
                incidents::incidents_by_external_id(conn, std::slice::from_ref(&n.incident))?;
            return Ok(Ok(found.get(&n.incident).map(|i| i.id)));
        }
        Step::Open { start, end } => match checked(start, end) {
            Ok(window) => open(conn, window)?,
            Err(why) => return Ok(Err(why)),
        },
        Step::Close { window, end } => {
            store::close_window(conn, window, end)?;
        }
        Step::Switch { window, at } => {
            let next = match checked(at, None) {
                Ok(next) => next,
                Err(why) => return Ok(Err(why)),
            };
            store::close_window(conn, window, at)?;
            open(conn, next)?;
        }
    }
    Ok(Ok(Some(group.incident(conn, ctx.now)?)))
}

/// What a delivery did.
#[derive(Serialize, Default)]
struct Outcome {
    applied: usize,
    unmatched: usize,
    /// Received before: nothing changed.
    repeated: usize,
    /// Events that say nothing of an outage (PagerDuty's `incident.annotated`, …).
    ignored: usize,
    incident_id: Option<i64>,
}

/// Applies notifications of one incident, each once, as one change.
fn receive(
    conn: &mut DbConnection,
    ctx: &Ctx,
    notifications: &[Incoming],
    mut outcome: Outcome,
) -> Result<Changed, ApiError> {
    let Some(first) = notifications.first() else {
        let body = serde_json::to_value(&outcome).map_err(ApiError::internal)?;
        return Ok(Changed::new(StatusCode::OK, body, Vec::new()));
    };
    store::lock_group(conn, &first.incident)?;
    // The same alert can reach two groups (routes that `continue`): its windows are locked too,
    // in one order, so two deliveries cannot both open one.
    let mut identities: Vec<&str> = notifications.iter().map(|n| n.identity.as_str()).collect();
    identities.sort_unstable();
    identities.dedup();
    for identity in identities {
        store::lock_group(conn, &format!("{} {identity}", first.source.as_str()))?;
    }
    let rules = rules(conn, first.source)?;
    let mut group = Group::new(first);
    for n in notifications {
        let source = n.source.as_str();
        if store::received(conn, source, &n.key)?.is_some() {
            outcome.repeated += 1;
            continue;
        }
        let body = serde_json::to_string(n).map_err(ApiError::internal)?;
        let mut notification = NewNotification {
            source,
            key: &n.key,
            received_at: ctx.now,
            body: &body,
            identity: &n.identity,
            at: n.at,
            state: "unmatched",
            problem: None,
            incident_id: None,
        };
        match plan(conn, &rules, n, ctx.now)? {
            Err(problem) => {
                notification.problem = Some(&problem);
                store::insert_notification(conn, &notification)?;
                outcome.unmatched += 1;
            }
            Ok(plan) => {
                notification.state = "applied";
                let id = store::insert_notification(conn, &notification)?;
                match apply(conn, ctx, &mut group, n, plan, id)? {
                    Ok(incident) => {
                        store::mark_applied(conn, id, incident)?;
                        outcome.incident_id = incident.or(outcome.incident_id);
                        outcome.applied += 1;
                    }
                    Err(problem) => {
                        store::mark_unmatched(conn, id, &problem)?;
                        outcome.unmatched += 1;
                    }
                }
            }
        }
    }
    let audit = group.finish(conn, ctx.now)?.into_iter().collect();
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
        receive(conn, ctx, &notifications, Outcome::default())
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
        receive(conn, ctx, &notifications, outcome)
    })
    .await
}

fn rules(conn: &mut DbConnection, source: Source) -> Result<Vec<Rule>, ApiError> {
    store::rules(conn, source.as_str())?
        .iter()
        .map(rule_of)
        .collect()
}

#[derive(Serialize)]
struct NotificationView {
    id: i64,
    source: String,
    received_at: String,
    state: String,
    problem: Option<String>,
    incident_id: Option<i64>,
    notification: Value,
}

fn notification_view(n: Notification) -> NotificationView {
    NotificationView {
        id: n.id,
        source: n.source,
        received_at: format_instant(n.received_at),
        state: n.state,
        problem: n.problem,
        incident_id: n.incident_id,
        notification: serde_json::from_str(&n.body).unwrap_or(Value::Null),
    }
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
        let found = |conn: &mut DbConnection| {
            store::find_notification(conn, id)?
                .ok_or_else(|| ApiError::NotFound(format!("no notification {id}")))
        };
        let n: Incoming = serde_json::from_str(&found(conn)?.body).map_err(ApiError::internal)?;
        // Read its state again under its group's lock: two replays at once apply it once.
        store::lock_group(conn, &n.incident)?;
        store::lock_group(conn, &format!("{} {}", n.source.as_str(), n.identity))?;
        let kept = found(conn)?;
        if kept.state != "unmatched" {
            return Err(ApiError::Conflict(format!(
                "notification {id} is {}",
                kept.state
            )));
        }
        let rules = rules(conn, n.source)?;
        let still = |problem: String| {
            ApiError::Conflict(format!(
                "notification {id} still cannot be applied: {problem}"
            ))
        };
        let plan = plan(conn, &rules, &n, ctx.now)?.map_err(still)?;
        let mut group = Group::new(&n);
        let incident = apply(conn, ctx, &mut group, &n, plan, id)?.map_err(still)?;
        store::mark_applied(conn, id, incident)?;
        let mut audit: Vec<AuditEntry> = group.finish(conn, ctx.now)?.into_iter().collect();
        let after = store::find_notification(conn, id)?
            .map(notification_view)
            .ok_or_else(|| ApiError::NotFound(format!("no notification {id}")))?;
        let after = snapshot(&after);
        audit.push(AuditEntry::new(
            "ingest_notification.replay",
            id,
            Some(snapshot(&notification_view(kept))),
            Some(after.clone()),
        ));
        Ok(Changed::new(StatusCode::OK, after, audit))
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
        receive(conn, ctx, std::slice::from_ref(&n), Outcome::default())
    })
    .await
}
