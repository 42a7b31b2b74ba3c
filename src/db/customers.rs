//! Customers and their subscriptions.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{customers, subscriptions};
use crate::domain::Currency;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = customers)]
pub struct Customer {
    pub id: i64,
    pub external_id: String,
    pub name: String,
    pub region: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = customers, treat_none_as_null = true)]
pub struct CustomerFields<'a> {
    pub external_id: &'a str,
    pub name: &'a str,
    pub region: Option<&'a str>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn find_customer(conn: &mut DbConnection, external_id: &str) -> QueryResult<Option<Customer>> {
    customers::table
        .filter(customers::external_id.eq(external_id))
        .select(Customer::as_select())
        .first(conn)
        .optional()
}

pub fn customer_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Customer> {
    customers::table
        .find(id)
        .select(Customer::as_select())
        .first(conn)
}

pub fn list_customers(
    conn: &mut DbConnection,
    region: Option<&str>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Customer>> {
    let mut query = customers::table
        .filter(customers::id.gt(after))
        .order(customers::id.asc())
        .limit(limit)
        .select(Customer::as_select())
        .into_boxed();
    if let Some(region) = region {
        query = query.filter(customers::region.eq(region.to_owned()));
    }
    query.load(conn)
}

pub fn insert_customer(conn: &mut DbConnection, fields: &CustomerFields<'_>) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, customers, fields)
}

pub fn update_customer(
    conn: &mut DbConnection,
    id: i64,
    fields: &CustomerFields<'_>,
) -> QueryResult<()> {
    diesel::update(customers::table.find(id))
        .set(fields)
        .execute(conn)
        .map(drop)
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = subscriptions)]
pub struct Subscription {
    pub id: i64,
    pub customer_id: i64,
    pub plan_key: String,
    pub start_at: i64,
    pub end_at: Option<i64>,
    pub fee_override_minor: Option<i64>,
    pub fee_override_currency: Option<Currency>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = subscriptions, treat_none_as_null = true)]
pub struct SubscriptionFields<'a> {
    pub customer_id: i64,
    pub plan_key: &'a str,
    pub start_at: i64,
    pub end_at: Option<i64>,
    pub fee_override_minor: Option<i64>,
    pub fee_override_currency: Option<Currency>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn find_subscription(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Subscription>> {
    subscriptions::table
        .find(id)
        .select(Subscription::as_select())
        .first(conn)
        .optional()
}

pub fn subscriptions_of(
    conn: &mut DbConnection,
    customer_id: i64,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Subscription>> {
    subscriptions::table
        .filter(subscriptions::customer_id.eq(customer_id))
        .filter(subscriptions::id.gt(after))
        .order(subscriptions::id.asc())
        .limit(limit)
        .select(Subscription::as_select())
        .load(conn)
}

pub fn insert_subscription(
    conn: &mut DbConnection,
    fields: &SubscriptionFields<'_>,
) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, subscriptions, fields)
}

pub fn update_subscription(
    conn: &mut DbConnection,
    id: i64,
    fields: &SubscriptionFields<'_>,
) -> QueryResult<()> {
    diesel::update(subscriptions::table.find(id))
        .set(fields)
        .execute(conn)
        .map(drop)
}

/// Which subscriptions to evaluate.
#[derive(Debug, Clone)]
pub enum Scope {
    All,
    Customer(i64),
    /// At most `limit` subscriptions after `after`, in (plan, id) order: reports go page by page,
    /// and a page then holds few plans, so the engine builds few timelines for it.
    Page {
        after: Option<Cursor>,
        limit: i64,
    },
    /// At most `limit` subscriptions after the subscription `after`, in id order: the order in
    /// which subscriptions and their customers are written, so a run reads both in one sweep
    /// instead of looking each customer up far from the last (ten times slower on PostgreSQL at
    /// a million).
    IdPage {
        after: i64,
        limit: i64,
    },
}

/// Where a page ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub plan_key: String,
    pub id: i64,
}

/// How many subscriptions are active at some point of `[from, to)`.
pub fn count_active_subscriptions(conn: &mut DbConnection, from: i64, to: i64) -> QueryResult<i64> {
    subscriptions::table
        .filter(subscriptions::start_at.lt(to))
        .filter(
            subscriptions::end_at
                .is_null()
                .or(subscriptions::end_at.gt(from)),
        )
        .count()
        .get_result(conn)
}

/// Subscriptions overlapping `[from, to)`, with their customers, in id order, within `scope`.
pub fn active_subscriptions(
    conn: &mut DbConnection,
    from: i64,
    to: i64,
    scope: Scope,
) -> QueryResult<Vec<(Subscription, Customer)>> {
    let mut query = subscriptions::table
        .inner_join(customers::table)
        .filter(subscriptions::start_at.lt(to))
        .filter(
            subscriptions::end_at
                .is_null()
                .or(subscriptions::end_at.gt(from)),
        )
        .order(subscriptions::id.asc())
        .select((Subscription::as_select(), Customer::as_select()))
        .into_boxed();
    match scope {
        Scope::All => {}
        Scope::Customer(id) => query = query.filter(subscriptions::customer_id.eq(id)),
        Scope::Page { after, limit } => {
            query = query
                .order((subscriptions::plan_key.asc(), subscriptions::id.asc()))
                .limit(limit);
            if let Some(Cursor { plan_key, id }) = after {
                // A row-value comparison: both backends read it as one range of the
                // (plan_key, id) index.
                query = query.filter(
                    diesel::dsl::sql::<diesel::sql_types::Bool>(
                        "(subscriptions.plan_key, subscriptions.id) > (",
                    )
                    .bind::<diesel::sql_types::Text, _>(plan_key)
                    .sql(", ")
                    .bind::<diesel::sql_types::BigInt, _>(id)
                    .sql(")"),
                );
            }
        }
        Scope::IdPage { after, limit } => {
            query = query.filter(subscriptions::id.gt(after)).limit(limit);
        }
    }
    query.load(conn)
}
