//! One error type for every route, rendered as `application/problem+json` (RFC 9457).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;

use crate::db::DbError;
use crate::domain::Invalid;
use crate::import::apply::ApplyError;
use crate::ledger::LedgerError;
use crate::ledger::evaluate::EvaluateError;
use crate::ledger::lifecycle::Illegal;
use crate::ledger::run::RunError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{method} is not allowed here; allowed: {allow}")]
    MethodNotAllowed { method: String, allow: String },
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error(
        "the request's URI is {size} bytes; the request line and headers may be {limit} at most"
    )]
    UriTooLong { size: usize, limit: usize },
    #[error("the request's headers are larger than {limit} bytes; `{header}` alone is {size}")]
    HeadersTooLarge {
        header: String,
        size: usize,
        limit: usize,
    },
    /// Past a documented limit of work at once (ingest): retry after `Retry-After`.
    #[error("{0}")]
    TooManyRequests(String),
    #[error("the database is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("{0}")]
    NotReady(String),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", "Bad request"),
            ApiError::Invalid(_) => ("validation", "Invalid field"),
            ApiError::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::TooLarge(_) => ("too-large", "Payload too large"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::UriTooLong { .. } => ("uri-too-long", "URI too long"),
            ApiError::HeadersTooLarge { .. } => {
                ("headers-too-large", "Request header fields too large")
            }
            ApiError::TooManyRequests(_) => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable(_) | ApiError::NotReady(_) => {
                ("unavailable", "Service unavailable")
            }
            ApiError::Internal(_) => ("internal", "Internal error"),
        }
    }

    /// The problem+json body that answers this error.
    fn problem(&self) -> Problem<'_> {
        let (kind, title) = self.kind();
        let (detail, field) = match self {
            ApiError::Invalid(invalid) => (invalid.reason.clone(), Some(invalid.field.as_str())),
            ApiError::HeadersTooLarge { header, .. } => (self.to_string(), Some(header.as_str())),
            other => (other.to_string(), None),
        };
        Problem {
            kind,
            title,
            status: self.status_code().as_u16(),
            detail,
            field,
        }
    }

    /// The problem+json body as JSON text, to keep (a failed credit run keeps its problem).
    pub fn problem_text(&self) -> String {
        serde_json::to_string(&self.problem()).unwrap_or_default()
    }

    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ApiError {
        ApiError::Invalid(Invalid::new(field, reason))
    }

    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> ApiError {
        ApiError::Internal(Box::new(e))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %error_chain(self), "request failed");
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            // A write answered 503 may have committed: retry it with the same Idempotency-Key.
            ApiError::Unavailable(_) | ApiError::NotReady(_) | ApiError::TooManyRequests(_) => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

/// What a 503 or a 429 asks the client to wait before retrying.
const RETRY_AFTER_SECONDS: &str = "1";

/// The whole cause chain, for the log; the client only sees the safe message.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

impl From<DieselError> for ApiError {
    fn from(e: DieselError) -> ApiError {
        match e {
            DieselError::NotFound => ApiError::NotFound("no such resource".into()),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info) => {
                ApiError::Conflict(constraint_message(info.as_ref()).into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                ApiError::Conflict("other records still refer to this one".into())
            }
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => ApiError::Unavailable(Box::new(e)),
            // SQLite's busy timeout ran out (another process holds the write lock), or
            // PostgreSQL's statement timeout did.
            DieselError::DatabaseError(_, ref info)
                if info.message() == "database is locked"
                    || info
                        .message()
                        .starts_with("canceling statement due to statement timeout") =>
            {
                ApiError::Unavailable(Box::new(e))
            }
            other => ApiError::internal(other),
        }
    }
}

/// The unique constraints a client can run into, by their PostgreSQL name and the columns SQLite
/// names, each with a stable message (the backend's own wording never reaches the client).
const UNIQUE: &[(&str, &str, &str)] = &[
    (
        "credit_runs_one_running",
        "credit_runs.period",
        "a run of this period is running; wait for it to end",
    ),
    (
        "components_pkey",
        "components.key",
        "a component with this key exists",
    ),
    (
        "components_external_id_key",
        "components.external_id",
        "a component with this external_id exists",
    ),
    ("plans_pkey", "plans.key", "a plan with this key exists"),
    (
        "plan_versions_plan_key_version_key",
        "plan_versions.plan_key, plan_versions.version",
        "this plan version was added meanwhile; try again",
    ),
    (
        "plan_versions_plan_key_effective_from_key",
        "plan_versions.plan_key, plan_versions.effective_from",
        "the plan has a version effective from this period",
    ),
    (
        "customers_external_id_key",
        "customers.external_id",
        "a customer with this external_id exists",
    ),
    (
        "incidents_external_id_key",
        "incidents.external_id",
        "an incident with this external_id exists",
    ),
    (
        "credits_one_current_sla",
        "credits.subscription_id, credits.period",
        "the subscription has a current SLA credit for this period",
    ),
];

fn constraint_message(
    info: &(dyn diesel::result::DatabaseErrorInformation + Send + Sync),
) -> &'static str {
    let by_name = |(name, _, _): &&(&str, &str, &str)| info.constraint_name() == Some(*name);
    let by_columns = |(_, columns, _): &&(&str, &str, &str)| {
        info.message().strip_prefix("UNIQUE constraint failed: ") == Some(*columns)
    };
    UNIQUE
        .iter()
        .find(by_name)
        .or_else(|| UNIQUE.iter().find(by_columns))
        .map_or("a record with these values exists", |(_, _, message)| {
            message
        })
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        match e {
            DbError::Query(q) => q.into(),
            DbError::Pool(_) | DbError::Migration(_) | DbError::Busy => {
                ApiError::Unavailable(Box::new(e))
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> ApiError {
        ApiError::internal(e)
    }
}

impl From<RunError> for ApiError {
    fn from(e: RunError) -> ApiError {
        match e {
            RunError::NotEnded { .. }
            | RunError::Raced(_)
            | RunError::Overflow(_)
            | RunError::NotRunning(_)
            | RunError::AlreadyRunning { .. } => ApiError::Conflict(e.to_string()),
            RunError::Stored(_) => ApiError::internal(e),
            RunError::Evaluate(inner) => inner.into(),
            RunError::Db(db) => db.into(),
            RunError::Store(db) => db.into(),
        }
    }
}

impl From<Illegal> for ApiError {
    fn from(e: Illegal) -> ApiError {
        ApiError::Conflict(e.to_string())
    }
}

impl From<EvaluateError> for ApiError {
    fn from(e: EvaluateError) -> ApiError {
        match e {
            EvaluateError::Db(db) => db.into(),
            EvaluateError::Pool(db) => db.into(),
            EvaluateError::Currency(..) => ApiError::Conflict(e.to_string()),
            EvaluateError::Stored { .. } | EvaluateError::Engine(_) => ApiError::internal(e),
        }
    }
}

impl From<ApplyError> for ApiError {
    fn from(e: ApplyError) -> ApiError {
        match e {
            ApplyError::UnknownComponents(_) => ApiError::invalid("components", e.to_string()),
            ApplyError::Invalid(invalid) => ApiError::Invalid(invalid),
            ApplyError::Conflict(why) => ApiError::Conflict(why),
            ApplyError::Db(db) => db.into(),
            ApplyError::Store(db) => db.into(),
            ApplyError::DryRun(_) => ApiError::internal(e),
        }
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> ApiError {
        match e {
            LedgerError::NotFound(why) => ApiError::NotFound(why),
            LedgerError::Conflict(why) => ApiError::Conflict(why),
            LedgerError::Invalid(invalid) => ApiError::Invalid(invalid),
            LedgerError::Db(db) => db.into(),
            LedgerError::Store(db) => db.into(),
            LedgerError::Evaluate(inner) => inner.into(),
        }
    }
}
