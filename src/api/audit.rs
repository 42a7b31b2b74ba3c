//! `GET /v1/audit`: every change so far (admin only).

use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ApiError;
use super::extract::optional;
use super::pagination::Listing;
use crate::db::DbConnection;
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
    request_id: Option<String>,
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
    /// The HTTP request that made the change; null from the command line.
    request_id: Option<String>,
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
            request_id: e.request_id,
        }
    }
}

pub async fn list(list: Listing<ListQuery>) -> Result<HttpResponse, ApiError> {
    let after = list.after_id()?;
    let q = &list.filters;
    let filter = Filter {
        from: optional(q.from.as_deref(), |t| parse_instant("from", t))?,
        to: optional(q.to.as_deref(), |t| parse_instant("to", t))?,
        entity: q.entity.clone(),
        entity_id: q.entity_id.clone(),
        actor: q.actor.clone(),
        action: q.action.clone(),
        request_id: q.request_id.clone(),
    };
    let load = move |conn: &mut DbConnection, limit| {
        let rows = audit::list(conn, &filter, after, limit)?;
        Ok(rows.into_iter().map(EntryView::from).collect())
    };
    list.answer(load, |e: &EntryView| e.id.to_string()).await
}
