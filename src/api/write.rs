//! Every change goes through `change`: one transaction holding the change, its audit entries and
//! the stored answer for its `Idempotency-Key`, so a retry replays and a failure leaves nothing.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::Value;

use super::extract::idempotency_key;
use super::{ApiError, AppState};
use crate::auth::Caller;
use crate::clock::Clock as _;
use crate::db::audit::{self, AuditEntry};
use crate::db::{DbConnection, DbError, idempotency};

/// Who changes, and the one instant the whole request works with.
pub struct Ctx {
    pub caller: Caller,
    pub now: i64,
}

/// What a change did: its answer, and the audit entries that describe it.
pub struct Changed {
    pub status: StatusCode,
    pub body: Value,
    pub audit: Vec<AuditEntry>,
}

impl Changed {
    pub fn new(status: StatusCode, body: Value, audit: Vec<AuditEntry>) -> Changed {
        Changed {
            status,
            body,
            audit,
        }
    }

    /// 201 with the new record, audited as created.
    pub fn created(action: &'static str, id: impl ToString, after: Value) -> Changed {
        let entry = AuditEntry::new(action, id, None, Some(after.clone()));
        Changed::new(StatusCode::CREATED, after, vec![entry])
    }

    /// 200 with the record after the change, audited with before and after.
    pub fn updated(
        action: &'static str,
        id: impl ToString,
        before: Value,
        after: Value,
    ) -> Changed {
        let entry = AuditEntry::new(action, id, Some(before), Some(after.clone()));
        Changed::new(StatusCode::OK, after, vec![entry])
    }

    /// 200 with `body`, audited as deleted.
    pub fn deleted(action: &'static str, id: impl ToString, before: Value, body: Value) -> Changed {
        let entry = AuditEntry::new(action, id, Some(before), None);
        Changed::new(StatusCode::OK, body, vec![entry])
    }
}

/// The service's shared state, as every extractor finds it.
pub fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::NotReady("the service is not configured".into()))
}

/// The instant this request works with: read from the service's clock once, then kept.
pub fn request_time(req: &HttpRequest) -> i64 {
    #[derive(Clone, Copy)]
    struct RequestTime(i64);
    if let Some(t) = req.extensions().get::<RequestTime>() {
        return t.0;
    }
    let now = app_state(req).map_or_else(|_| crate::clock::SystemClock.now(), |s| s.clock.now());
    req.extensions_mut().insert(RequestTime(now));
    now
}

enum Attempt {
    Done(Answer),
    Replay(Answer),
}

type Answer = (StatusCode, Value);

/// Why an attempt failed: an answer for the client, or a lost race for the idempotency key.
enum Failure {
    Api(ApiError),
    KeyRace,
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        Failure::Api(e)
    }
}

impl From<DieselError> for Failure {
    fn from(e: DieselError) -> Failure {
        Failure::Api(e.into())
    }
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Failure {
        Failure::Api(e.into())
    }
}

/// A request that changes something: the service, the request and its caller. Handlers parse
/// their input, then `commit` the change.
pub struct Write {
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
}

impl FromRequest for Write {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Write, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = app_state(req);
        let write = Caller::from_request(req, payload)
            .into_inner()
            .and_then(|caller| {
                Ok(Write {
                    state: state?,
                    req: req.clone(),
                    caller,
                })
            });
        std::future::ready(write)
    }
}

impl Write {
    /// A change by a sender that proved who it is another way than a token (a webhook's
    /// signature): audited as `subject`, with the reporter's role.
    pub fn signed(req: &HttpRequest, subject: &str) -> Result<Write, ApiError> {
        let request_id = req
            .extensions()
            .get::<super::observe::RequestId>()
            .map(|id| id.0.clone());
        Ok(Write {
            state: app_state(req)?,
            req: req.clone(),
            caller: Caller {
                request_id,
                ..Caller::local(subject, crate::auth::Role::Reporter)
            },
        })
    }

    /// The instant this request works with.
    pub fn now(&self) -> i64 {
        request_time(&self.req)
    }

    pub fn state(&self) -> &web::Data<AppState> {
        &self.state
    }

    pub fn request(&self) -> &HttpRequest {
        &self.req
    }

    pub fn caller(&self) -> &Caller {
        &self.caller
    }
}

/// Commits the change `f` makes, for a request whose body has this fingerprint.
pub async fn commit<F>(write: Write, fingerprint: String, f: F) -> Result<HttpResponse, ApiError>
where
    F: Fn(&mut DbConnection, &Ctx) -> Result<Changed, ApiError> + Send + 'static,
{
    committed(write, fingerprint, f)
        .await
        .map(Committed::response)
}

/// What a committed (or replayed) change answers.
pub struct Committed {
    pub status: StatusCode,
    pub body: Value,
    /// The answer was stored by an earlier request with the same `Idempotency-Key`.
    pub replayed: bool,
}

impl Committed {
    pub fn response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.replayed {
            response.insert_header(("Idempotent-Replayed", "true"));
        }
        response.json(self.body)
    }
}

/// As `commit`, for a handler that does more with the answer than send it.
pub async fn committed<F>(write: Write, fingerprint: String, f: F) -> Result<Committed, ApiError>
where
    F: Fn(&mut DbConnection, &Ctx) -> Result<Changed, ApiError> + Send + 'static,
{
    change(&write.state, &write.req, &write.caller, fingerprint, f).await
}

/// Commits the change of a request without a body (DELETE).
pub async fn commit_bodiless<F>(write: Write, f: F) -> Result<HttpResponse, ApiError>
where
    F: Fn(&mut DbConnection, &Ctx) -> Result<Changed, ApiError> + Send + 'static,
{
    let fingerprint = super::extract::bodiless_fingerprint(&write.req);
    commit(write, fingerprint, f).await
}

async fn change<F>(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    caller: &Caller,
    fingerprint: String,
    f: F,
) -> Result<Committed, ApiError>
where
    F: Fn(&mut DbConnection, &Ctx) -> Result<Changed, ApiError> + Send + 'static,
{
    let key = idempotency_key(req)?;
    let state = state.clone();
    let ctx = Ctx {
        caller: caller.clone(),
        now: request_time(req),
    };
    let attempt = super::observe::blocking(move || {
        let key = key.as_deref();
        match attempt(&state, &ctx, key, &fingerprint, &f) {
            // Another request with this key committed first: answer with its response.
            Err(Failure::KeyRace) => attempt(&state, &ctx, key, &fingerprint, &f),
            other => other,
        }
        .map_err(|failure| match failure {
            Failure::Api(e) => e,
            Failure::KeyRace => {
                ApiError::Conflict("a request with this Idempotency-Key is in flight".into())
            }
        })
    })
    .await??;
    let (replayed, (status, body)) = match attempt {
        Attempt::Done(answer) => (false, answer),
        Attempt::Replay(answer) => (true, answer),
    };
    Ok(Committed {
        status,
        body,
        replayed,
    })
}

fn attempt<F>(
    state: &AppState,
    ctx: &Ctx,
    key: Option<&str>,
    fingerprint: &str,
    f: &F,
) -> Result<Attempt, Failure>
where
    F: Fn(&mut DbConnection, &Ctx) -> Result<Changed, ApiError>,
{
    state.db.transaction(|conn| {
        let subject = &ctx.caller.subject;
        if let Some(key) = key
            && let Some(stored) = idempotency::find(conn, subject, key, ctx.now)?
        {
            if stored.request_hash != fingerprint {
                return Err(ApiError::invalid(
                    "Idempotency-Key",
                    "was already used with a different request",
                )
                .into());
            }
            let status = StatusCode::from_u16(stored.status as u16).unwrap_or(StatusCode::OK);
            let body = serde_json::from_str(&stored.body).unwrap_or(Value::Null);
            return Ok(Attempt::Replay((status, body)));
        }
        if let Some(key) = key {
            let claim = idempotency::Stored {
                subject: subject.clone(),
                key: key.to_owned(),
                request_hash: fingerprint.to_owned(),
                status: 0,
                body: String::new(),
                created_at: ctx.now,
            };
            idempotency::claim(conn, &claim).map_err(|e| match e {
                DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                    Failure::KeyRace
                }
                other => other.into(),
            })?;
        }
        let changed = f(conn, ctx)?;
        audit::record_all(conn, &ctx.caller, ctx.now, &changed.audit)?;
        if let Some(key) = key {
            let status = i32::from(changed.status.as_u16());
            idempotency::answer(conn, subject, key, status, &changed.body.to_string())?;
        }
        Ok(Attempt::Done((changed.status, changed.body)))
    })
}

/// Runs a read on the blocking pool.
pub async fn read<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let state = state.clone();
    super::observe::blocking(move || {
        let mut conn = state.db.conn()?;
        f(&mut conn)
    })
    .await?
}
