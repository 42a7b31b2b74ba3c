//! `GET /v1/audit`: every change so far (admin only).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::extract::{Query, optional};
use super::pagination;
use super::write::read;
use super::{ApiError, AppState};
use crate::db::audit::{self, Entry, Filter};
use crate::domain::{format_instant, parse_instant};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    entity: Option<String>,
    entity_id: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<i64>,
    after: Option<String>,
}

#[derive(Serialize)]
pub struct EntryView {
    id: i64,
    at: String,
    actor: String,
    role: String,
    action: String,
    entity: String,
    entity_id: String,
    before: Option<Value>,
    after: Option<Value>,
}

impl From<Entry> for EntryView {
    fn from(e: Entry) -> EntryView {
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        EntryView {
            id: e.id,
            at: format_instant(e.at),
            actor: e.actor,
            role: e.role,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before: parse(e.before),
            after: parse(e.after),
        }
    }
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::after_id(q.after.as_deref())?;
    let filter = Filter {
        from: optional(q.from.as_deref(), |t| parse_instant("from", t))?,
        to: optional(q.to.as_deref(), |t| parse_instant("to", t))?,
        entity: q.entity,
        entity_id: q.entity_id,
        actor: q.actor,
        action: q.action,
    };
    let rows = read(&state, move |conn| {
        Ok(audit::list(conn, &filter, after, limit + 1)?)
    })
    .await?;
    let views: Vec<EntryView> = rows.into_iter().map(Into::into).collect();
    Ok(pagination::respond(&req, views, limit, |e| {
        e.id.to_string()
    }))
}
