//! `/v1/incidents/{id}/windows`: add, correct and remove an incident's impact windows.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::ApiError;
use super::extract::{JsonBody, optional, patched};
use super::incidents::audited;
use super::write::{Changed, Write, commit, commit_bodiless};
use crate::db::incidents::{self as store, StoredWindow};
use crate::db::{DbConnection, catalog, customers};
use crate::domain::incident::{ImpactWindow, IncidentStatus, WindowInput};
use crate::domain::{format_instant, parse_instant};
use crate::engine::Severity;
use crate::ledger::incidents::load;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowPatch {
    #[serde(default, deserialize_with = "super::extract::present")]
    component: Option<String>,
    #[serde(default, deserialize_with = "super::extract::present")]
    severity: Option<Severity>,
    #[serde(default, deserialize_with = "super::extract::present")]
    start: Option<String>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    end: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::extract::present")]
    regions: Option<Vec<String>>,
    #[serde(default, deserialize_with = "super::extract::present")]
    customers: Option<Vec<String>>,
}

/// A change to a stored window, as a simulation takes it: the window's id and the fields to
/// change, as `PATCH /v1/incidents/{id}/windows/{window_id}` takes them (serde's `flatten`
/// would let unknown fields through).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowChange {
    pub id: i64,
    #[serde(default, deserialize_with = "super::extract::present")]
    component: Option<String>,
    #[serde(default, deserialize_with = "super::extract::present")]
    severity: Option<Severity>,
    #[serde(default, deserialize_with = "super::extract::present")]
    start: Option<String>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    end: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::extract::present")]
    regions: Option<Vec<String>>,
    #[serde(default, deserialize_with = "super::extract::present")]
    customers: Option<Vec<String>>,
}

impl WindowChange {
    pub fn patch(&self) -> WindowPatch {
        WindowPatch {
            component: self.component.clone(),
            severity: self.severity,
            start: self.start.clone(),
            end: self.end.clone(),
            regions: self.regions.clone(),
            customers: self.customers.clone(),
        }
    }
}

/// Checks a window against the catalog: its component and scoped customers must exist.
pub fn check_catalog(
    conn: &mut DbConnection,
    w: &ImpactWindow,
    prefix: &str,
) -> Result<(), ApiError> {
    if catalog::find_component(conn, &w.component)?.is_none() {
        return Err(ApiError::invalid(
            format!("{prefix}component"),
            format!("no component `{}`", w.component),
        ));
    }
    // The list is sorted by now, so the problem names the customer rather than a position.
    for external_id in &w.customers {
        if customers::find_customer(conn, external_id)?.is_none() {
            return Err(ApiError::invalid(
                format!("{prefix}customers"),
                format!("no customer `{external_id}`"),
            ));
        }
    }
    Ok(())
}

pub async fn add_window(
    write: Write,
    id: web::Path<i64>,
    body: JsonBody<WindowInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let checked = body.value.check("", write.now())?;
    commit(write, body.fingerprint, move |conn, _| {
        let before = load(conn, id)?;
        check_open(before.status, &checked, "end")?;
        check_catalog(conn, &checked, "")?;
        store::insert_windows(conn, id, std::slice::from_ref(&checked))?;
        let changed = audited(conn, "incident.add_window", id, &before)?;
        Ok(Changed {
            status: StatusCode::CREATED,
            ..changed
        })
    })
    .await
}

pub async fn update_window(
    write: Write,
    path: web::Path<(i64, i64)>,
    body: JsonBody<WindowPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, window_id) = path.into_inner();
    let patch = body.value;
    commit(write, body.fingerprint, move |conn, ctx| {
        let before = load(conn, id)?;
        let current = window_of(conn, id, window_id)?.window;
        let checked = patch.apply(&current, "", ctx.now)?;
        check_open(before.status, &checked, "end")?;
        check_catalog(conn, &checked, "")?;
        store::update_window(conn, window_id, &checked)?;
        audited(conn, "incident.update_window", id, &before)
    })
    .await
}

impl WindowPatch {
    /// `current` with this patch's fields in place of its own, checked at `now` as a new window
    /// would be; problems name fields after `prefix`.
    pub fn apply(
        &self,
        current: &ImpactWindow,
        prefix: &str,
        now: i64,
    ) -> Result<ImpactWindow, ApiError> {
        let start = optional(self.start.as_deref(), |s| {
            parse_instant(&format!("{prefix}start"), s)
        })?;
        let end = patched(self.end.clone(), |v| {
            parse_instant(&format!("{prefix}end"), v)
        })?;
        let merged = WindowInput {
            component: self.component.clone().unwrap_or(current.component.clone()),
            severity: self.severity.unwrap_or(current.severity),
            start: format_instant(start.unwrap_or(current.start)),
            end: end.unwrap_or(current.end).map(format_instant),
            regions: self.regions.clone().unwrap_or(current.regions.clone()),
            customers: self.customers.clone().unwrap_or(current.customers.clone()),
        };
        Ok(merged.check(prefix, now)?)
    }
}

pub async fn delete_window(
    write: Write,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, window_id) = path.into_inner();
    commit_bodiless(write, move |conn, _| {
        let before = load(conn, id)?;
        window_of(conn, id, window_id)?;
        if before.windows.len() == 1 {
            return Err(ApiError::Conflict(
                "an incident keeps at least one window; delete the incident instead".into(),
            ));
        }
        store::delete_windows(conn, &[window_id])?;
        audited(conn, "incident.delete_window", id, &before)
    })
    .await
}

pub(super) fn window_of(
    conn: &mut DbConnection,
    incident: i64,
    window: i64,
) -> Result<StoredWindow, ApiError> {
    store::windows_of(conn, &[incident])?
        .into_iter()
        .find(|w| w.id == window)
        .ok_or_else(|| ApiError::NotFound(format!("incident {incident} has no window {window}")))
}

/// A resolved (or post-mortem) incident has no open window.
pub(super) fn check_open(
    status: IncidentStatus,
    window: &ImpactWindow,
    field: &str,
) -> Result<(), ApiError> {
    if status.is_closed() && window.end.is_none() {
        return Err(ApiError::invalid(
            field,
            format!("the incident is {status}: its windows must end"),
        ));
    }
    Ok(())
}
