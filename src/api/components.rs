//! `/v1/components`: the parts of the product that can fail.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::extract::JsonBody;
use super::pagination;
use super::write::{Answer, change, read};
use super::{ApiError, AppState};
use crate::auth::Caller;
use crate::db::audit::{self, snapshot};
use crate::db::catalog::{self, Component};
use crate::db::{DbConnection, now};
use crate::domain::{format_instant, parse_description, parse_external_id, parse_key, parse_name};

#[derive(Serialize)]
pub struct ComponentView {
    key: String,
    name: String,
    description: String,
    group: Option<String>,
    external_id: Option<String>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    limit: Option<i64>,
    after: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(q.limit)?;
    let after = q.after.clone().unwrap_or_default();
    let rows = read(&state, move |conn| {
        Ok(catalog::list_components(conn, &after, limit + 1)?)
    })
    .await?;
    let views: Vec<ComponentView> = rows.into_iter().map(Into::into).collect();
    Ok(pagination::respond(&req, views, limit, |c| c.key.clone()))
}

pub async fn get(
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let component = read(&state, move |conn| existing(conn, &key)).await?;
    Ok(HttpResponse::Ok().json(ComponentView::from(component)))
}

pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: JsonBody<NewComponent>,
) -> Result<HttpResponse, ApiError> {
    let new = body.value;
    let component = Component {
        key: parse_key("key", &new.key)?,
        name: parse_name("name", &new.name)?,
        description: parse_description(&new.description)?,
        group_key: new
            .group
            .as_deref()
            .map(|g| parse_key("group", g))
            .transpose()?,
        external_id: new
            .external_id
            .as_deref()
            .map(|e| parse_external_id("external_id", e))
            .transpose()?,
        created_at: 0,
        updated_at: 0,
    };
    change(
        &state,
        &req,
        &caller,
        body.fingerprint,
        move |conn, caller| {
            check_group(conn, &component)?;
            if catalog::find_component(conn, &component.key)?.is_some() {
                return Err(ApiError::Conflict(format!(
                    "component `{}` already exists",
                    component.key
                )));
            }
            let at = now();
            let component = Component {
                created_at: at,
                updated_at: at,
                ..component.clone()
            };
            catalog::insert_component(conn, &component)?;
            let view = snapshot(&ComponentView::from(component.clone()));
            audit::record(
                conn,
                caller,
                "component.create",
                &component.key,
                None,
                Some(&view),
            )?;
            Ok((StatusCode::CREATED, view))
        },
    )
    .await
}

pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    key: web::Path<String>,
    body: JsonBody<ComponentPatch>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let patch = body.value;
    let name = patch
        .name
        .as_deref()
        .map(|n| parse_name("name", n))
        .transpose()?;
    let description = patch
        .description
        .as_deref()
        .map(parse_description)
        .transpose()?;
    let group = patch
        .group
        .map(|g| g.as_deref().map(|g| parse_key("group", g)).transpose())
        .transpose()?;
    let external_id = patch
        .external_id
        .map(|e| {
            e.as_deref()
                .map(|e| parse_external_id("external_id", e))
                .transpose()
        })
        .transpose()?;
    change(
        &state,
        &req,
        &caller,
        body.fingerprint,
        move |conn, caller| {
            let before = existing(conn, &key)?;
            let mut after = before.clone();
            if let Some(name) = &name {
                after.name = name.clone();
            }
            if let Some(description) = &description {
                after.description = description.clone();
            }
            if let Some(group) = &group {
                after.group_key = group.clone();
            }
            if let Some(external_id) = &external_id {
                after.external_id = external_id.clone();
            }
            check_group(conn, &after)?;
            after.updated_at = now();
            catalog::update_component(conn, &after)?;
            let (before, after) = (
                snapshot(&ComponentView::from(before)),
                snapshot(&ComponentView::from(after)),
            );
            audit::record(
                conn,
                caller,
                "component.update",
                &key,
                Some(&before),
                Some(&after),
            )?;
            Ok((StatusCode::OK, after))
        },
    )
    .await
}

pub async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let fingerprint = super::extract::bodiless_fingerprint(&req);
    change(
        &state,
        &req,
        &caller,
        fingerprint,
        move |conn, caller| -> Result<Answer, ApiError> {
            let before = existing(conn, &key)?;
            if catalog::count_members(conn, &key)? > 0 {
                return Err(ApiError::Conflict(format!(
                    "component `{key}` is the group of other components"
                )));
            }
            if catalog::component_in_plans(conn, &key)? {
                return Err(ApiError::Conflict(format!(
                    "component `{key}` is covered by a plan version"
                )));
            }
            if crate::db::incidents::component_has_windows(conn, &key)? {
                return Err(ApiError::Conflict(format!(
                    "component `{key}` has impact windows"
                )));
            }
            catalog::delete_component(conn, &key)?;
            let before = snapshot(&ComponentView::from(before));
            audit::record(conn, caller, "component.delete", &key, Some(&before), None)?;
            Ok((StatusCode::OK, json!({ "deleted": key })))
        },
    )
    .await
}

fn existing(conn: &mut DbConnection, key: &str) -> Result<Component, ApiError> {
    catalog::find_component(conn, key)?
        .ok_or_else(|| ApiError::NotFound(format!("no component `{key}`")))
}

/// A group is a component with no parent; groups do not nest (SPEC §1).
fn check_group(conn: &mut DbConnection, c: &Component) -> Result<(), ApiError> {
    let Some(group) = &c.group_key else {
        return Ok(());
    };
    if *group == c.key {
        return Err(ApiError::invalid(
            "group",
            "a component cannot be its own group",
        ));
    }
    let parent = catalog::find_component(conn, group)?
        .ok_or_else(|| ApiError::invalid("group", format!("no component `{group}`")))?;
    if parent.group_key.is_some() {
        return Err(ApiError::invalid(
            "group",
            format!("`{group}` belongs to a group itself; groups do not nest"),
        ));
    }
    if catalog::count_members(conn, &c.key)? > 0 {
        return Err(ApiError::invalid(
            "group",
            format!("`{}` is a group itself; groups do not nest", c.key),
        ));
    }
    Ok(())
}
