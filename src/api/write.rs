//! Every change goes through `change`: one transaction holding the change, its audit entries and
//! the stored answer for its `Idempotency-Key`, so a retry replays and a failure leaves nothing.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::Value;

use super::extract::idempotency_key;
use super::{ApiError, AppState};
use crate::auth::Caller;
use crate::db::{DbConnection, idempotency};

/// The answer of a change: status and JSON body.
pub type Answer = (StatusCode, Value);

enum Attempt {
    Done(Answer),
    Replay(Answer),
}

pub async fn change<F>(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    caller: &Caller,
    fingerprint: String,
    f: F,
) -> Result<HttpResponse, ApiError>
where
    F: Fn(&mut DbConnection, &Caller) -> Result<Answer, ApiError> + Send + 'static,
{
    let key = idempotency_key(req)?;
    let state = state.clone();
    let caller = caller.clone();
    let attempt = web::block(move || {
        let first = attempt(&state, &caller, key.as_deref(), &fingerprint, &f);
        match first {
            // Another request with this key committed first: answer with its response.
            Err(ApiError::Conflict(_)) if key.is_some() => {
                attempt(&state, &caller, key.as_deref(), &fingerprint, &f)
            }
            other => other,
        }
    })
    .await??;
    Ok(match attempt {
        Attempt::Done((status, body)) => HttpResponse::build(status).json(body),
        Attempt::Replay((status, body)) => HttpResponse::build(status)
            .insert_header(("Idempotent-Replayed", "true"))
            .json(body),
    })
}

fn attempt<F>(
    state: &AppState,
    caller: &Caller,
    key: Option<&str>,
    fingerprint: &str,
    f: &F,
) -> Result<Attempt, ApiError>
where
    F: Fn(&mut DbConnection, &Caller) -> Result<Answer, ApiError>,
{
    state.db.transaction(|conn| {
        let Some(key) = key else {
            return f(conn, caller).map(Attempt::Done);
        };
        if let Some(stored) = idempotency::find(conn, &caller.subject, key)? {
            if stored.request_hash != fingerprint {
                return Err(ApiError::invalid(
                    "Idempotency-Key",
                    "was already used with a different request",
                ));
            }
            let status = StatusCode::from_u16(stored.status as u16).unwrap_or(StatusCode::OK);
            let body = serde_json::from_str(&stored.body).unwrap_or(Value::Null);
            return Ok(Attempt::Replay((status, body)));
        }
        let (status, body) = f(conn, caller)?;
        let stored = idempotency::Stored {
            subject: caller.subject.clone(),
            key: key.to_owned(),
            request_hash: fingerprint.to_owned(),
            status: i32::from(status.as_u16()),
            body: body.to_string(),
            created_at: crate::db::now(),
        };
        idempotency::store(conn, &stored).map_err(|e| match e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::Conflict("a request with this Idempotency-Key is in flight".into())
            }
            other => other.into(),
        })?;
        Ok(Attempt::Done((status, body)))
    })
}

/// Runs a read on the blocking pool.
pub async fn read<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let state = state.clone();
    web::block(move || {
        let mut conn = state.db.conn()?;
        f(&mut conn)
    })
    .await?
}
