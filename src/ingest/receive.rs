//! Notifications received from monitoring, applied to incidents: matched by the rules (or, for
//! Statuspage, by the import's), kept once each, and the ones that cannot be applied kept
//! unmatched to be replayed (docs/ingest.md).

use diesel::Connection as _;
use serde::Serialize;
use serde_json::Value;

use super::rules::{Matched, Rule, RuleInput, Source};
use super::{Incoming, Step, statuspage};
use crate::auth::Caller;
use crate::db::audit::{AuditEntry, snapshot};
use crate::db::incidents::{self, IncidentChanges, IncidentFields};
use crate::db::ingest::{self as store, NewNotification, Notification, RuleRow};
use crate::db::{DbConnection, catalog, customers};
use crate::domain::format_instant;
use crate::domain::incident::{FUTURE_SLACK_SECONDS, ImpactWindow, IncidentStatus};
use crate::engine::Severity;
use crate::import;
use crate::import::apply::{ApplyError, Options as ImportOptions, apply as apply_import};
use crate::import::statuspage::Document;
use crate::ledger::LedgerError;
use crate::ledger::incidents::load;

/// A stored rule, checked as when it was added.
pub fn stored_rule(row: &RuleRow) -> Result<Rule, LedgerError> {
    let severities = serde_json::from_str(&row.severities)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    let input = RuleInput {
        source: row.source.clone(),
        component_label: row.component_label.clone(),
        component: row.component.clone(),
        severity_label: row.severity_label.clone(),
        severities,
        region_label: row.region_label.clone(),
        customer_label: row.customer_label.clone(),
    };
    Ok(input.check()?)
}

/// The rule that makes a window of the notification's labels: the first that applies and names
/// an existing component and customer. Otherwise why none does.
fn matched(
    conn: &mut DbConnection,
    rules: &[Rule],
    n: &Incoming,
) -> Result<Result<Matched, String>, LedgerError> {
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

/// The incident notifications belong to, found or created when a window needs it; and every
/// incident the request changes. An alert that reaches two groups (Alertmanager routes that
/// `continue`) has its windows in the first group's incident: the second closes them there.
struct Group {
    external_id: String,
    title: String,
    /// The group's own incident, once found or created.
    own: Option<i64>,
    /// The incidents changed, each with how it looked before this request (none: created now).
    touched: Vec<(i64, Option<Value>)>,
}

impl Group {
    fn new(n: &Incoming) -> Group {
        Group {
            external_id: n.incident.clone(),
            title: n.title.clone(),
            own: None,
            touched: Vec::new(),
        }
    }

    /// The group's own incident, found or created.
    fn incident(&mut self, conn: &mut DbConnection, now: i64) -> Result<i64, LedgerError> {
        if let Some(id) = self.own {
            return Ok(id);
        }
        let found =
            incidents::incidents_by_external_id(conn, std::slice::from_ref(&self.external_id))?;
        let id = match found.get(&self.external_id) {
            Some(incident) => self.touch(conn, incident.id)?,
            None => {
                let fields = IncidentFields {
                    title: &self.title,
                    status: IncidentStatus::Investigating,
                    external_id: Some(&self.external_id),
                    created_at: now,
                    updated_at: now,
                };
                let id = incidents::insert_incident(conn, &fields)?;
                self.touched.push((id, None));
                id
            }
        };
        self.own = Some(id);
        Ok(id)
    }

    /// Notes that incident `id` changes, keeping how it looked before the first change.
    fn touch(&mut self, conn: &mut DbConnection, id: i64) -> Result<i64, LedgerError> {
        if !self.touched.iter().any(|(touched, _)| *touched == id) {
            let before = snapshot(&load(conn, id)?);
            self.touched.push((id, Some(before)));
        }
        Ok(id)
    }

    /// Sets each changed incident's status from its windows (resolved when none is open) and
    /// says what changed, for the audit log.
    fn finish(self, conn: &mut DbConnection, now: i64) -> Result<Vec<AuditEntry>, LedgerError> {
        let mut audit = Vec::with_capacity(self.touched.len());
        for (id, before) in self.touched {
            let open = incidents::windows_of(conn, &[id])?
                .iter()
                .any(|w| w.window.end.is_none());
            let stored = incidents::find_incident(conn, id)?
                .ok_or_else(|| LedgerError::NotFound(format!("no incident {id}")))?;
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
            audit.push(match before {
                None => AuditEntry::new("incident.create", id, None, Some(after)),
                Some(before) => AuditEntry::new("incident.ingest", id, Some(before), Some(after)),
            });
        }
        Ok(audit)
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
) -> Result<Result<Plan, String>, LedgerError> {
    let unknown = |codes: Vec<String>| {
        format!(
            "no component has the external_id {} (create it, or import the page with \
             create_components)",
            codes.join(", ")
        )
    };
    if n.at > now + FUTURE_SLACK_SECONDS {
        return Ok(Err(format!(
            "it says something happens more than {} minutes in the future",
            FUTURE_SLACK_SECONDS / 60
        )));
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
    caller: &Caller,
    now: i64,
    group: &mut Group,
    n: &Incoming,
    plan: Plan,
    notification: i64,
) -> Result<Result<Option<i64>, String>, LedgerError> {
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
                let imported = conn
                    .transaction(|c| apply_import(c, &doc, &ImportOptions::default(), caller, now));
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
        (Source::Alertmanager, Some(severity)) => super::step(n, severity, &windows),
        (Source::Alertmanager, None) => Step::Nothing,
        (Source::Pagerduty | Source::Statuspage, severity) => {
            super::latest_step(n, severity, &windows, last)
        }
    };
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
        window.check_times("", now).map(|()| window).map_err(|e| {
            format!(
                "the window it would write is refused: {}: {}",
                e.field, e.reason
            )
        })
    };
    let open = |conn: &mut DbConnection, incident: i64, window: ImpactWindow| {
        let ids = incidents::insert_windows(conn, incident, std::slice::from_ref(&window))?;
        for id in ids {
            store::mark_sourced(conn, id, source, &n.identity, notification)?;
        }
        Ok::<_, LedgerError>(incident)
    };
    // The incident a window this source opened is in (the first group's, for an alert two
    // groups share).
    let owner = |window: i64| {
        windows
            .iter()
            .find(|w| w.id == window)
            .map(|w| w.incident_id)
            .ok_or_else(|| LedgerError::NotFound(format!("no window {window}")))
    };
    match step {
        Step::Nothing => {
            // Nothing changes: the incident, if there is one, is not touched.
            let found =
                incidents::incidents_by_external_id(conn, std::slice::from_ref(&n.incident))?;
            Ok(Ok(found.get(&n.incident).map(|i| i.id)))
        }
        Step::Open { start, end } => match checked(start, end) {
            Ok(window) => {
                let incident = group.incident(conn, now)?;
                Ok(Ok(Some(open(conn, incident, window)?)))
            }
            Err(why) => Ok(Err(why)),
        },
        Step::Close { window, end } => {
            let incident = group.touch(conn, owner(window)?)?;
            store::close_window(conn, window, end)?;
            Ok(Ok(Some(incident)))
        }
        // The next severity goes on in the incident of the window it follows.
        Step::Switch { window, at } => {
            let next = match checked(at, None) {
                Ok(next) => next,
                Err(why) => return Ok(Err(why)),
            };
            let incident = group.touch(conn, owner(window)?)?;
            store::close_window(conn, window, at)?;
            Ok(Ok(Some(open(conn, incident, next)?)))
        }
    }
}

/// What a delivery did.
#[derive(Serialize, Default)]
pub struct Outcome {
    pub applied: usize,
    pub unmatched: usize,
    /// Received before: nothing changed.
    pub repeated: usize,
    /// Events that say nothing of an outage (PagerDuty's `incident.annotated`, …).
    pub ignored: usize,
    pub incident_id: Option<i64>,
}

/// Applies notifications of one incident, each once, as one change: what they did, and the
/// audit entries of the incident they changed.
pub fn receive(
    conn: &mut DbConnection,
    caller: &Caller,
    now: i64,
    notifications: &[Incoming],
    mut outcome: Outcome,
) -> Result<(Outcome, Vec<AuditEntry>), LedgerError> {
    let Some(first) = notifications.first() else {
        return Ok((outcome, Vec::new()));
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
        let body = serde_json::to_string(n)
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        let mut notification = NewNotification {
            source,
            key: &n.key,
            received_at: now,
            body: &body,
            identity: &n.identity,
            at: n.at,
            state: "unmatched",
            problem: None,
            incident_id: None,
        };
        match plan(conn, &rules, n, now)? {
            Err(problem) => {
                notification.problem = Some(&problem);
                store::insert_notification(conn, &notification)?;
                outcome.unmatched += 1;
            }
            Ok(plan) => {
                notification.state = "applied";
                let id = store::insert_notification(conn, &notification)?;
                match apply(conn, caller, now, &mut group, n, plan, id)? {
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
    let audit = group.finish(conn, now)?;
    Ok((outcome, audit))
}

fn rules(conn: &mut DbConnection, source: Source) -> Result<Vec<Rule>, LedgerError> {
    store::rules(conn, source.as_str())?
        .iter()
        .map(stored_rule)
        .collect()
}

/// Tries the rules on an unmatched notification again (`POST
/// /v1/ingest/unmatched/{id}/replay`): the notification as it is now, and the audit entries;
/// a 409 while it still cannot be applied.
pub fn replay(
    conn: &mut DbConnection,
    caller: &Caller,
    now: i64,
    id: i64,
) -> Result<(NotificationView, Vec<AuditEntry>), LedgerError> {
    let found = |conn: &mut DbConnection| {
        store::find_notification(conn, id)?
            .ok_or_else(|| LedgerError::NotFound(format!("no notification {id}")))
    };
    let n: Incoming = serde_json::from_str(&found(conn)?.body)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    // Read its state again under its group's lock: two replays at once apply it once.
    store::lock_group(conn, &n.incident)?;
    store::lock_group(conn, &format!("{} {}", n.source.as_str(), n.identity))?;
    let kept = found(conn)?;
    if kept.state != "unmatched" {
        return Err(LedgerError::Conflict(format!(
            "notification {id} is {}",
            kept.state
        )));
    }
    let rules = rules(conn, n.source)?;
    let still = |problem: String| {
        LedgerError::Conflict(format!(
            "notification {id} still cannot be applied: {problem}"
        ))
    };
    let plan = plan(conn, &rules, &n, now)?.map_err(still)?;
    let mut group = Group::new(&n);
    let incident = apply(conn, caller, now, &mut group, &n, plan, id)?.map_err(still)?;
    store::mark_applied(conn, id, incident)?;
    let mut audit = group.finish(conn, now)?;
    let after = notification_view(found(conn)?);
    audit.push(AuditEntry::new(
        "ingest_notification.replay",
        id,
        Some(snapshot(&notification_view(kept))),
        Some(snapshot(&after)),
    ));
    Ok((after, audit))
}

#[derive(Serialize)]
pub struct NotificationView {
    pub id: i64,
    source: String,
    received_at: String,
    state: String,
    problem: Option<String>,
    incident_id: Option<i64>,
    notification: Value,
}

pub fn notification_view(n: Notification) -> NotificationView {
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
