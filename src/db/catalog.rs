//! Components and plans with their versions.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{components, plan_version_components, plan_versions, plans};
use crate::domain::{Currency, ExternalId, Key};

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = components, treat_none_as_null = true)]
pub struct Component {
    pub key: Key,
    pub name: String,
    pub description: String,
    pub group_key: Option<Key>,
    pub external_id: Option<ExternalId>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn find_component(conn: &mut DbConnection, key: &str) -> QueryResult<Option<Component>> {
    components::table
        .find(key)
        .select(Component::as_select())
        .first(conn)
        .optional()
}

pub fn list_components(
    conn: &mut DbConnection,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<Component>> {
    components::table
        .filter(components::key.gt(after))
        .order(components::key.asc())
        .limit(limit)
        .select(Component::as_select())
        .load(conn)
}

pub fn insert_component(conn: &mut DbConnection, c: &Component) -> QueryResult<()> {
    diesel::insert_into(components::table)
        .values(c)
        .execute(conn)
        .map(drop)
}

pub fn update_component(conn: &mut DbConnection, c: &Component) -> QueryResult<()> {
    diesel::update(components::table.find(&c.key))
        .set(c)
        .execute(conn)
        .map(drop)
}

pub fn delete_component(conn: &mut DbConnection, key: &str) -> QueryResult<usize> {
    diesel::delete(components::table.find(key)).execute(conn)
}

pub fn count_members(conn: &mut DbConnection, group: &str) -> QueryResult<i64> {
    components::table
        .filter(components::group_key.eq(group))
        .count()
        .get_result(conn)
}

/// The keys among `keys` that are not components.
pub fn unknown_components(conn: &mut DbConnection, keys: &[Key]) -> QueryResult<Vec<String>> {
    let known: Vec<String> = components::table
        .filter(components::key.eq_any(keys))
        .select(components::key)
        .load(conn)?;
    Ok(keys
        .iter()
        .filter(|k| !known.iter().any(|n| n == k.as_str()))
        .map(Key::to_string)
        .collect())
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = plans)]
pub struct Plan {
    pub key: String,
    pub name: String,
    pub description: String,
    pub created_at: i64,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = plan_versions)]
pub struct PlanVersion {
    pub id: i64,
    pub plan_key: String,
    pub version: i32,
    pub effective_from: String,
    pub price_minor: i64,
    pub currency: Currency,
    pub terms: String,
    pub created_at: i64,
}

#[derive(Insertable)]
#[diesel(table_name = plan_versions)]
pub struct NewPlanVersion<'a> {
    pub plan_key: &'a str,
    pub version: i32,
    pub effective_from: String,
    pub price_minor: i64,
    pub currency: Currency,
    pub terms: &'a str,
    pub created_at: i64,
}

/// A version with the components it covers (empty = all).
pub struct VersionWithComponents {
    pub version: PlanVersion,
    pub components: Vec<String>,
}

pub fn find_plan(conn: &mut DbConnection, key: &str) -> QueryResult<Option<Plan>> {
    plans::table
        .find(key)
        .select(Plan::as_select())
        .first(conn)
        .optional()
}

pub fn list_plans(conn: &mut DbConnection, after: &str, limit: i64) -> QueryResult<Vec<Plan>> {
    plans::table
        .filter(plans::key.gt(after))
        .order(plans::key.asc())
        .limit(limit)
        .select(Plan::as_select())
        .load(conn)
}

pub fn insert_plan(conn: &mut DbConnection, plan: &Plan) -> QueryResult<()> {
    diesel::insert_into(plans::table)
        .values(plan)
        .execute(conn)
        .map(drop)
}

/// The versions of the given plans, oldest first, with their components.
pub fn versions_of(
    conn: &mut DbConnection,
    plan_keys: &[String],
) -> QueryResult<Vec<VersionWithComponents>> {
    let versions: Vec<PlanVersion> = plan_versions::table
        .filter(plan_versions::plan_key.eq_any(plan_keys))
        .order((plan_versions::plan_key.asc(), plan_versions::version.asc()))
        .select(PlanVersion::as_select())
        .load(conn)?;
    let ids: Vec<i64> = versions.iter().map(|v| v.id).collect();
    let links: Vec<(i64, String)> = plan_version_components::table
        .filter(plan_version_components::plan_version_id.eq_any(&ids))
        .order(plan_version_components::component_key.asc())
        .load(conn)?;
    Ok(versions
        .into_iter()
        .map(|version| VersionWithComponents {
            components: links
                .iter()
                .filter(|(id, _)| *id == version.id)
                .map(|(_, key)| key.clone())
                .collect(),
            version,
        })
        .collect())
}

pub fn insert_version(
    conn: &mut DbConnection,
    version: &NewPlanVersion<'_>,
    components: &[Key],
) -> QueryResult<i64> {
    let id = crate::insert_returning_id!(conn, plan_versions, version)?;
    // One row at a time: batch inserts do not compile through the derived connection.
    for key in components {
        diesel::insert_into(plan_version_components::table)
            .values((
                plan_version_components::plan_version_id.eq(id),
                plan_version_components::component_key.eq(key),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

/// True when any plan version lists the component.
pub fn component_in_plans(conn: &mut DbConnection, key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        plan_version_components::table.filter(plan_version_components::component_key.eq(key)),
    ))
    .get_result(conn)
}

/// Components by their status-page id.
pub fn components_by_external_id(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<Component>> {
    components::table
        .filter(components::external_id.eq_any(ids))
        .select(Component::as_select())
        .load(conn)
}

/// Every plan version, by plan then version.
pub fn all_versions(conn: &mut DbConnection) -> QueryResult<Vec<VersionWithComponents>> {
    let keys: Vec<String> = plans::table.select(plans::key).load(conn)?;
    versions_of(conn, &keys)
}
