//! `GET /v1/components/{key}/status`: what a status page shows now.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::write::{read, request_time};
use super::{ApiError, AppState};
use crate::db::DbConnection;
use crate::db::incidents::{self as store, StoredWindow, WindowFilter};
use crate::domain::format_instant;
use crate::engine::Severity;
use crate::ledger::incidents::WindowView;

/// The component and, for a group, its members; a member is also hit by its group's windows.
pub fn related_components(conn: &mut DbConnection, key: &str) -> Result<Vec<String>, ApiError> {
    store::related_keys(&store::component_groups(conn)?, key)
        .ok_or_else(|| ApiError::NotFound(format!("no component `{key}`")))
}

/// `GET /v1/components/{key}/status`: the worst severity among windows open now; a group shows
/// the worst of its members.
pub async fn component_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let at = request_time(&req);
    let (status, windows) = read(&state, move |conn| {
        let components = related_components(conn, &key)?;
        let filter = WindowFilter {
            components: Some(components),
            ongoing: false,
            from: Some(at),
            to: Some(at + 1),
            severity: None,
        };
        let active: Vec<StoredWindow> = store::overlapping(conn, &filter)?;
        let worst = active
            .iter()
            .map(|w| w.window.severity)
            .min_by_key(|s| severity_rank(*s));
        let views: Vec<WindowView> = active.iter().map(Into::into).collect();
        Ok((
            json!({ "component": key, "status": status_name(worst), "as_of": format_instant(at) }),
            views,
        ))
    })
    .await?;
    let mut body = status;
    body["windows"] = json!(windows);
    Ok(HttpResponse::Ok().json(body))
}

/// Lower is worse: what a status page shows first.
fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::MajorOutage => 0,
        Severity::PartialOutage => 1,
        Severity::DegradedPerformance => 2,
        Severity::Maintenance => 3,
    }
}

fn status_name(worst: Option<Severity>) -> &'static str {
    match worst {
        None => "operational",
        Some(Severity::Maintenance) => "under_maintenance",
        Some(s) => s.as_str(),
    }
}
