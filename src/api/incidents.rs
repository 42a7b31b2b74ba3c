//! `/v1/incidents`: incidents, listed and filtered, with their impact windows.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::extract::{JsonBody, optional, patched};
use super::pagination::Listing;
use super::status::related_components;
use super::windows::{check_catalog, check_open};
use super::write::{Changed, Write, commit, commit_bodiless, read};
use super::{ApiError, AppState};
use crate::db::DbConnection;
use crate::db::audit::snapshot;
use crate::db::incidents::{
    self as store, IncidentChanges, IncidentFields, StoredWindow, WindowFilter,
};
use crate::domain::incident::{ImpactWindow, IncidentStatus, WindowInput, listed};
use crate::domain::{ExternalId, parse_instant};
use crate::engine::Severity;
use crate::ledger::incidents::{IncidentView, load, view};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    title: String,
    status: IncidentStatus,
    external_id: Option<String>,
    windows: Vec<WindowInput>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    #[serde(default, deserialize_with = "super::extract::present")]
    title: Option<String>,
    #[serde(default, deserialize_with = "super::extract::present")]
    status: Option<IncidentStatus>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    external_id: Option<Option<String>>,
    /// With a closing status: when the open windows end.
    #[serde(default, deserialize_with = "super::extract::present")]
    end: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    component: Option<String>,
    severity: Option<Severity>,
    status: Option<IncidentStatus>,
    from: Option<String>,
    to: Option<String>,
    ongoing: Option<bool>,
}

pub async fn list(list: Listing<ListQuery>) -> Result<HttpResponse, ApiError> {
    let after = list.after_id()?;
    let q = list.filters.clone();
    let from = optional(q.from.as_deref(), |t| parse_instant("from", t))?;
    let to = optional(q.to.as_deref(), |t| parse_instant("to", t))?;
    let load = move |conn: &mut DbConnection, limit| {
        let components = match &q.component {
            None => None,
            Some(key) => Some(related_components(conn, key).map_err(|e| match e {
                ApiError::NotFound(_) => {
                    ApiError::invalid("component", format!("no component `{key}`"))
                }
                other => other,
            })?),
        };
        let window_filter = WindowFilter {
            components,
            severity: q.severity,
            from,
            to,
            ongoing: q.ongoing.unwrap_or(false),
        };
        let filtered = window_filter.components.is_some()
            || window_filter.severity.is_some()
            || from.is_some()
            || to.is_some()
            || window_filter.ongoing;
        let filter = store::IncidentFilter {
            status: q.status,
            windows: filtered.then_some(window_filter),
        };
        let incidents = store::list_incidents(conn, &filter, after, limit)?;
        let ids: Vec<i64> = incidents.iter().map(|i| i.id).collect();
        let windows = store::windows_of(conn, &ids)?;
        Ok(incidents.into_iter().map(|i| view(i, &windows)).collect())
    };
    list.answer(load, |i: &IncidentView| i.id.to_string()).await
}

pub async fn get(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(read(&state, move |conn| Ok(load(conn, id)?)).await?))
}

pub async fn create(write: Write, body: JsonBody<NewIncident>) -> Result<HttpResponse, ApiError> {
    let new = body.value;
    let title = crate::domain::parse_name("title", &new.title)?;
    let external_id = optional(new.external_id.as_deref(), |e| {
        ExternalId::parse("external_id", e).map(String::from)
    })?;
    if new.windows.is_empty() {
        return Err(ApiError::invalid(
            "windows",
            "an incident needs at least one impact window",
        ));
    }
    let at = write.now();
    let checked = new
        .windows
        .iter()
        .enumerate()
        .map(|(i, w)| w.check(&format!("windows[{i}]."), at))
        .collect::<Result<Vec<_>, _>>()?;
    let status = new.status;
    for (i, w) in checked.iter().enumerate() {
        check_open(status, w, &format!("windows[{i}].end"))?;
    }
    commit(write, body.fingerprint, move |conn, ctx| {
        for (i, w) in checked.iter().enumerate() {
            check_catalog(conn, w, &format!("windows[{i}]."))?;
        }
        if let Some(e) = &external_id
            && !store::incidents_by_external_id(conn, std::slice::from_ref(e))?.is_empty()
        {
            return Err(ApiError::Conflict(format!(
                "an incident with external_id `{e}` exists"
            )));
        }
        let id = store::insert_incident(
            conn,
            &IncidentFields {
                title: &title,
                status,
                external_id: external_id.as_deref(),
                created_at: ctx.now,
                updated_at: ctx.now,
            },
        )?;
        store::insert_windows(conn, id, &checked)?;
        let after = snapshot(&load(conn, id)?);
        Ok(Changed::created("incident.create", id, after))
    })
    .await
}

pub async fn update(
    write: Write,
    id: web::Path<i64>,
    body: JsonBody<IncidentPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = body.value;
    let title = optional(patch.title.as_deref(), |t| {
        crate::domain::parse_name("title", t)
    })?;
    let external_id = patched(patch.external_id, |v| {
        ExternalId::parse("external_id", v).map(String::from)
    })?;
    let end = optional(patch.end.as_deref(), |e| parse_instant("end", e))?;
    if end.is_some() && !patch.status.is_some_and(IncidentStatus::is_closed) {
        let closing = IncidentStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_closed());
        return Err(ApiError::invalid(
            "end",
            format!("goes with status {}", listed(closing)),
        ));
    }
    let status = patch.status;
    commit(write, body.fingerprint, move |conn, ctx| {
        let before = load(conn, id)?;
        let windows = store::windows_of(conn, &[id])?;
        let open: Vec<&StoredWindow> = windows.iter().filter(|w| w.window.end.is_none()).collect();
        if status.is_some_and(IncidentStatus::is_closed) && !open.is_empty() {
            let end = end.ok_or_else(|| {
                ApiError::invalid(
                    "end",
                    format!("is needed to close the {} open window(s)", open.len()),
                )
            })?;
            for w in &open {
                let closed = ImpactWindow {
                    end: Some(end),
                    ..w.window.clone()
                };
                closed.check_times("", ctx.now).map_err(|e| {
                    ApiError::invalid("end", format!("closing window {}: {}", w.id, e.reason))
                })?;
            }
            store::close_open_windows(conn, id, end)?;
        }
        store::update_incident(
            conn,
            id,
            &IncidentChanges {
                title: title.as_deref().unwrap_or(&before.title),
                status: status.unwrap_or(before.status),
                external_id: external_id
                    .clone()
                    .unwrap_or(before.external_id.clone())
                    .as_deref(),
                updated_at: ctx.now,
            },
        )?;
        audited(conn, "incident.update", id, &before)
    })
    .await
}

pub async fn delete(write: Write, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    commit_bodiless(write, move |conn, _| {
        let before = snapshot(&load(conn, id)?);
        store::delete_incident(conn, id)?;
        Ok(Changed::deleted(
            "incident.delete",
            id,
            before,
            json!({ "deleted": id }),
        ))
    })
    .await
}

/// Answers with the incident after a change, audited with `before`.
pub(super) fn audited(
    conn: &mut DbConnection,
    action: &'static str,
    id: i64,
    before: &IncidentView,
) -> Result<Changed, ApiError> {
    let after = snapshot(&load(conn, id)?);
    Ok(Changed::updated(action, id, snapshot(before), after))
}
