//! `/v1/components`: the parts of the product that can fail.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::extract::{JsonBody, optional, patched};
use super::pagination::{Listing, NoFilters};
use super::write::{Changed, Write, commit, commit_bodiless, read};
use super::{ApiError, AppState};
use crate::db::DbConnection;
use crate::db::audit::snapshot;
use crate::db::catalog::{self, Component};
use crate::domain::{ExternalId, Key, format_instant, parse_description, parse_name};
use crate::ledger::catalog as ledger;

#[derive(Serialize)]
pub struct ComponentView {
    key: Key,
    name: String,
    description: String,
    group: Option<Key>,
    external_id: Option<ExternalId>,
    created_at: String,
    updated_at: String,
}

impl From<Component> for ComponentView {
    fn from(c: Component) -> ComponentView {
        ComponentView {
            key: c.key,
            name: c.name,
            description: c.description,
            group: c.group_key,
            external_id: c.external_id,
            created_at: format_instant(c.created_at),
            updated_at: format_instant(c.updated_at),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewComponent {
    key: String,
    name: String,
    #[serde(default)]
    description: String,
    group: Option<String>,
    external_id: Option<String>,
}

/// Absent fields stay as they are; `null` clears a nullable one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentPatch {
    #[serde(default, deserialize_with = "super::extract::present")]
    name: Option<String>,
    #[serde(default, deserialize_with = "super::extract::present")]
    description: Option<String>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    group: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    external_id: Option<Option<String>>,
}

pub async fn list(list: Listing<NoFilters>) -> Result<HttpResponse, ApiError> {
    let after = list.after_key();
    let load = move |conn: &mut DbConnection, limit| {
        let rows = catalog::list_components(conn, &after, limit)?;
        Ok(rows.into_iter().map(ComponentView::from).collect())
    };
    list.answer(load, |c: &ComponentView| c.key.to_string())
        .await
}

pub async fn get(
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let component = read(&state, move |conn| Ok(ledger::component(conn, &key)?)).await?;
    Ok(HttpResponse::Ok().json(ComponentView::from(component)))
}

pub async fn create(write: Write, body: JsonBody<NewComponent>) -> Result<HttpResponse, ApiError> {
    let new = body.value;
    let component = Component {
        key: Key::parse("key", &new.key)?,
        name: parse_name("name", &new.name)?,
        description: parse_description(&new.description)?,
        group_key: optional(new.group.as_deref(), |g| Key::parse("group", g))?,
        external_id: optional(new.external_id.as_deref(), |e| {
            ExternalId::parse("external_id", e)
        })?,
        created_at: 0,
        updated_at: 0,
    };
    commit(write, body.fingerprint, move |conn, ctx| {
        let component = Component {
            created_at: ctx.now,
            updated_at: ctx.now,
            ..component.clone()
        };
        ledger::create_component(conn, &component)?;
        let after = snapshot(&ComponentView::from(component.clone()));
        Ok(Changed::created("component.create", &component.key, after))
    })
    .await
}

pub async fn update(
    write: Write,
    key: web::Path<String>,
    body: JsonBody<ComponentPatch>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let patch = body.value;
    let name = optional(patch.name.as_deref(), |n| parse_name("name", n))?;
    let description = optional(patch.description.as_deref(), parse_description)?;
    let group = patched(patch.group, |v| Key::parse("group", v))?;
    let external_id = patched(patch.external_id, |v| ExternalId::parse("external_id", v))?;
    commit(write, body.fingerprint, move |conn, ctx| {
        let before = ledger::component(conn, &key)?;
        let after = Component {
            name: name.clone().unwrap_or(before.name.clone()),
            description: description.clone().unwrap_or(before.description.clone()),
            group_key: group.clone().unwrap_or(before.group_key.clone()),
            external_id: external_id.clone().unwrap_or(before.external_id.clone()),
            updated_at: ctx.now,
            ..before.clone()
        };
        ledger::update_component(conn, &after)?;
        let before = snapshot(&ComponentView::from(before));
        let after = snapshot(&ComponentView::from(after));
        Ok(Changed::updated("component.update", &key, before, after))
    })
    .await
}

pub async fn delete(write: Write, key: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    commit_bodiless(write, move |conn, _| {
        let before = ledger::delete_component(conn, &key)?;
        let before = snapshot(&ComponentView::from(before));
        Ok(Changed::deleted(
            "component.delete",
            &key,
            before,
            json!({ "deleted": key }),
        ))
    })
    .await
}
