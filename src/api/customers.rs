//! `/v1/customers`: the billing system's customers.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::extract::{JsonBody, optional, patched};
use super::pagination::Listing;
use super::write::{Changed, Write, commit, read};
use super::{ApiError, AppState};
use crate::db::DbConnection;
use crate::db::audit::snapshot;
use crate::db::customers::{self as store, Customer, CustomerFields};
use crate::domain::{ExternalId, format_instant, parse_region};

#[derive(Serialize)]
pub struct CustomerView {
    external_id: String,
    name: String,
    region: Option<String>,
    created_at: String,
    updated_at: String,
    #[serde(skip)]
    id: i64,
}

impl From<Customer> for CustomerView {
    fn from(c: Customer) -> CustomerView {
        CustomerView {
            id: c.id,
            external_id: c.external_id,
            name: c.name,
            region: c.region,
            created_at: format_instant(c.created_at),
            updated_at: format_instant(c.updated_at),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    external_id: String,
    name: String,
    region: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    #[serde(default, deserialize_with = "super::extract::present")]
    name: Option<String>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    region: Option<Option<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    region: Option<String>,
}

pub async fn list(list: Listing<ListQuery>) -> Result<HttpResponse, ApiError> {
    let after = list.after_id()?;
    let region = list.filters.region.clone();
    let load = move |conn: &mut DbConnection, limit| {
        let rows = store::list_customers(conn, region.as_deref(), after, limit)?;
        Ok(rows.into_iter().map(CustomerView::from).collect())
    };
    list.answer(load, |c: &CustomerView| c.id.to_string()).await
}

pub async fn get(
    state: web::Data<AppState>,
    external_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let external_id = external_id.into_inner();
    let customer = read(&state, move |conn| existing(conn, &external_id)).await?;
    Ok(HttpResponse::Ok().json(CustomerView::from(customer)))
}

pub async fn create(write: Write, body: JsonBody<NewCustomer>) -> Result<HttpResponse, ApiError> {
    let new = body.value;
    let external_id = ExternalId::parse("external_id", &new.external_id)?;
    let name = crate::domain::parse_name("name", &new.name)?;
    let region = optional(new.region.as_deref(), |r| parse_region("region", r))?;
    commit(write, body.fingerprint, move |conn, ctx| {
        if store::find_customer(conn, &external_id)?.is_some() {
            return Err(ApiError::Conflict(format!(
                "customer `{external_id}` already exists"
            )));
        }
        store::insert_customer(
            conn,
            &CustomerFields {
                external_id: &external_id,
                name: &name,
                region: region.as_deref(),
                created_at: ctx.now,
                updated_at: ctx.now,
            },
        )?;
        let after = snapshot(&CustomerView::from(existing(conn, &external_id)?));
        Ok(Changed::created("customer.create", &external_id, after))
    })
    .await
}

pub async fn update(
    write: Write,
    external_id: web::Path<String>,
    body: JsonBody<CustomerPatch>,
) -> Result<HttpResponse, ApiError> {
    let external_id = external_id.into_inner();
    let patch = body.value;
    let name = optional(patch.name.as_deref(), |n| {
        crate::domain::parse_name("name", n)
    })?;
    let region = patched(patch.region, |v| parse_region("region", v))?;
    commit(write, body.fingerprint, move |conn, ctx| {
        let before = existing(conn, &external_id)?;
        let region = region.clone().unwrap_or_else(|| before.region.clone());
        store::update_customer(
            conn,
            before.id,
            &CustomerFields {
                external_id: &before.external_id,
                name: name.as_deref().unwrap_or(&before.name),
                region: region.as_deref(),
                created_at: before.created_at,
                updated_at: ctx.now,
            },
        )?;
        let after = snapshot(&CustomerView::from(existing(conn, &external_id)?));
        let before = snapshot(&CustomerView::from(before));
        Ok(Changed::updated(
            "customer.update",
            &external_id,
            before,
            after,
        ))
    })
    .await
}

pub fn existing(conn: &mut DbConnection, external_id: &str) -> Result<Customer, ApiError> {
    store::find_customer(conn, external_id)?
        .ok_or_else(|| ApiError::NotFound(format!("no customer `{external_id}`")))
}
