//! `/v1/plans`: SLA contract templates with immutable versions.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::extract::JsonBody;
use super::pagination::{Listing, NoFilters};
use super::write::{Changed, Write, commit, read};
use super::{ApiError, AppState};
use crate::db::DbConnection;
use crate::db::audit::snapshot;
use crate::db::catalog::{self, NewPlanVersion, Plan, VersionWithComponents};
use crate::domain::plan::{PlanVersionSpec, VersionInput, same_currency};
use crate::domain::{Key, format_instant};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    key: String,
    name: String,
    #[serde(default)]
    description: String,
    version: VersionInput,
}

#[derive(Serialize)]
pub struct VersionView {
    version: i32,
    #[serde(flatten)]
    spec: Option<PlanVersionSpec>,
    created_at: String,
}

#[derive(Serialize)]
pub struct PlanView {
    key: String,
    name: String,
    description: String,
    created_at: String,
    versions: Vec<VersionView>,
}

fn view(plan: Plan, versions: Vec<VersionWithComponents>) -> PlanView {
    PlanView {
        versions: versions
            .into_iter()
            .filter(|v| v.version.plan_key == plan.key)
            .map(version_view)
            .collect(),
        key: plan.key,
        name: plan.name,
        description: plan.description,
        created_at: format_instant(plan.created_at),
    }
}

fn version_view(v: VersionWithComponents) -> VersionView {
    VersionView {
        version: v.version.version,
        spec: serde_json::from_str(&v.version.terms).ok(),
        created_at: format_instant(v.version.created_at),
    }
}

fn load(conn: &mut DbConnection, key: &str) -> Result<PlanView, ApiError> {
    let plan = catalog::find_plan(conn, key)?
        .ok_or_else(|| ApiError::NotFound(format!("no plan `{key}`")))?;
    let versions = catalog::versions_of(conn, std::slice::from_ref(&plan.key))?;
    Ok(view(plan, versions))
}

pub async fn list(list: Listing<NoFilters>) -> Result<HttpResponse, ApiError> {
    let after = list.after_key();
    let load = move |conn: &mut DbConnection, limit| {
        let plans = catalog::list_plans(conn, &after, limit)?;
        let keys: Vec<String> = plans.iter().map(|p| p.key.clone()).collect();
        let mut versions = catalog::versions_of(conn, &keys)?;
        Ok(plans
            .into_iter()
            .map(|p| {
                let (mine, rest) = versions
                    .drain(..)
                    .partition(|v| v.version.plan_key == p.key);
                versions = rest;
                view(p, mine)
            })
            .collect())
    };
    list.answer(load, |p: &PlanView| p.key.clone()).await
}

pub async fn get(
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let plan = read(&state, move |conn| load(conn, &key)).await?;
    Ok(HttpResponse::Ok().json(plan))
}

pub async fn create(write: Write, body: JsonBody<NewPlan>) -> Result<HttpResponse, ApiError> {
    let new = body.value;
    let plan = Plan {
        key: Key::parse("key", &new.key)?.into(),
        name: crate::domain::parse_name("name", &new.name)?,
        description: crate::domain::parse_description(&new.description)?,
        created_at: 0,
    };
    let version = new.version.validate("version.")?;
    commit(write, body.fingerprint, move |conn, ctx| {
        if catalog::find_plan(conn, &plan.key)?.is_some() {
            return Err(ApiError::Conflict(format!(
                "plan `{}` already exists",
                plan.key
            )));
        }
        catalog::insert_plan(
            conn,
            &Plan {
                created_at: ctx.now,
                ..plan.clone()
            },
        )?;
        write_version(conn, &plan.key, 1, &version, "version.", ctx.now)?;
        let after = snapshot(&load(conn, &plan.key)?);
        Ok(Changed::created("plan.create", &plan.key, after))
    })
    .await
}

pub async fn add_version(
    write: Write,
    key: web::Path<String>,
    body: JsonBody<VersionInput>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let version = body.value.validate("")?;
    commit(write, body.fingerprint, move |conn, ctx| {
        let before = load(conn, &key)?;
        if let Some(latest) = before.versions.last().and_then(|v| v.spec.as_ref()) {
            if version.effective_from <= latest.effective_from {
                return Err(ApiError::invalid(
                    "effective_from",
                    format!(
                        "must be later than the latest version's {}",
                        latest.effective_from
                    ),
                ));
            }
            // Fee overrides and ledger lines are in the plan's currency; it does not change.
            same_currency("price", version.price, latest.price.currency)?;
        }
        let number = before.versions.last().map_or(1, |v| v.version + 1);
        write_version(conn, &key, number, &version, "", ctx.now)?;
        let after = snapshot(&load(conn, &key)?);
        let changed = Changed::updated("plan.add_version", &key, snapshot(&before), after);
        Ok(Changed {
            status: StatusCode::CREATED,
            ..changed
        })
    })
    .await
}

fn write_version(
    conn: &mut DbConnection,
    plan_key: &str,
    number: i32,
    v: &PlanVersionSpec,
    prefix: &str,
    at: i64,
) -> Result<(), ApiError> {
    let unknown = catalog::unknown_components(conn, &v.components)?;
    if let Some(first) = unknown.first() {
        let i = v
            .components
            .iter()
            .position(|c| c == first.as_str())
            .unwrap_or(0);
        return Err(ApiError::invalid(
            format!("{prefix}components[{i}]"),
            format!("unknown components: {}", unknown.join(", ")),
        ));
    }
    let terms = serde_json::to_string(v).map_err(ApiError::internal)?;
    catalog::insert_version(
        conn,
        &NewPlanVersion {
            plan_key,
            version: number,
            effective_from: v.effective_from.to_string(),
            price_minor: v.price.minor,
            currency: v.price.currency,
            terms: &terms,
            created_at: at,
        },
        &v.components,
    )?;
    Ok(())
}
