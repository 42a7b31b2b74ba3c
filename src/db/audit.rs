//! The audit log: who did what, when, with the record before and after. Written inside the
//! transaction of the change it describes.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::DbConnection;
use super::schema::audit_log;
use crate::auth::Caller;

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewEntry<'a> {
    at: i64,
    actor: &'a str,
    role: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: &'a str,
    before: Option<String>,
    after: Option<String>,
    request_id: Option<&'a str>,
}

#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub request_id: Option<String>,
}

/// One change to audit: `action` reads like `component.create`; its entity is the part before
/// the dot.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub action: &'static str,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl AuditEntry {
    pub fn new(
        action: &'static str,
        entity_id: impl ToString,
        before: Option<Value>,
        after: Option<Value>,
    ) -> AuditEntry {
        AuditEntry {
            action,
            entity_id: entity_id.to_string(),
            before,
            after,
        }
    }

    fn entity(&self) -> &'static str {
        self.action.split('.').next().unwrap_or(self.action)
    }
}

#[derive(Default)]
pub struct Filter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub request_id: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &Filter,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Entry>> {
    let mut query = audit_log::table
        .filter(audit_log::id.gt(after))
        .select(Entry::as_select())
        .order(audit_log::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(v) = &filter.entity {
        query = query.filter(audit_log::entity.eq(v.clone()));
    }
    if let Some(v) = &filter.entity_id {
        query = query.filter(audit_log::entity_id.eq(v.clone()));
    }
    if let Some(v) = &filter.actor {
        query = query.filter(audit_log::actor.eq(v.clone()));
    }
    if let Some(v) = &filter.action {
        query = query.filter(audit_log::action.eq(v.clone()));
    }
    if let Some(v) = &filter.request_id {
        query = query.filter(audit_log::request_id.eq(v.clone()));
    }
    if let Some(v) = filter.from {
        query = query.filter(audit_log::at.ge(v));
    }
    if let Some(v) = filter.to {
        query = query.filter(audit_log::at.lt(v));
    }
    query.load(conn)
}

/// Serializes a record for the audit log.
pub fn snapshot(record: &impl Serialize) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}

/// Records changes made by `caller` at `at`, in a few statements.
pub fn record_all(
    conn: &mut DbConnection,
    caller: &Caller,
    at: i64,
    entries: &[AuditEntry],
) -> QueryResult<()> {
    let rows: Vec<NewEntry<'_>> = entries
        .iter()
        .map(|e| NewEntry {
            at,
            actor: &caller.subject,
            role: caller.role.as_str(),
            action: e.action,
            entity: e.entity(),
            entity_id: &e.entity_id,
            before: e.before.as_ref().map(Value::to_string),
            after: e.after.as_ref().map(Value::to_string),
            request_id: caller.request_id.as_deref(),
        })
        .collect();
    for chunk in rows.chunks(1000) {
        match conn {
            DbConnection::Postgres(c) => diesel::insert_into(audit_log::table)
                .values(chunk)
                .execute(c)?,
            DbConnection::Sqlite(c) => diesel::insert_into(audit_log::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(())
}
