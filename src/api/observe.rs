//! What every request leaves behind: an id, a log line and its metrics.
//!
//! The id is the request's `X-Request-Id` when the client sends a usable one (1 to 200 visible
//! ASCII characters), else a new UUID. It is echoed in the response's `X-Request-Id`, carried by
//! every log line of the request (its span), added to problem+json bodies as `request_id`, and
//! stored in the audit entries the request writes (`Caller`).

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use serde_json::{Map, Value};
use tracing::Instrument;

use super::AppState;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, in its extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

fn usable(id: &str) -> bool {
    !id.is_empty() && id.len() <= 200 && id.bytes().all(|b| b.is_ascii_graphic())
}

/// App middleware, the outermost: names the request, logs one line when it is answered, counts
/// it in the metrics, and puts the id in the answer.
pub async fn observe<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.metrics.clone());
    let _in_flight = metrics.as_ref().map(|m| m.started());
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| usable(v))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %logged_path(req.path())
    );
    let started = Instant::now();
    // The middlewares further in answer their refusals (`extract::refuse`), so each has the id.
    let response = next
        .call(req)
        .instrument(span.clone())
        .await?
        .map_into_boxed_body();
    let took = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            "answered"
        );
    });
    if let Some(metrics) = &metrics {
        let request = response.request();
        metrics.answered(
            request.method().as_str(),
            request.match_pattern().as_deref(),
            status,
            took,
        );
    }
    let mut response = with_request_id(response, &id).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    Ok(response)
}

/// Runs blocking work (the database) on the blocking pool inside the request's span, so that its
/// log lines carry the request id too.
pub async fn blocking<F, T>(f: F) -> Result<T, actix_web::error::BlockingError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let span = tracing::Span::current();
    web::block(move || span.in_scope(f)).await
}

/// Adds `request_id` to a problem+json body; other bodies pass untouched.
async fn with_request_id(response: ServiceResponse<BoxBody>, id: &str) -> ServiceResponse<BoxBody> {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/problem+json");
    if !is_problem {
        return response;
    }
    let (http, answer) = response.into_parts();
    let (answer, body): (HttpResponse<()>, BoxBody) = answer.into_parts();
    let bytes = to_bytes(body).await.unwrap_or_default();
    let body = match serde_json::from_slice::<Map<String, Value>>(&bytes) {
        Ok(mut problem) => {
            problem.insert("request_id".into(), Value::String(id.to_owned()));
            serde_json::to_vec(&problem).unwrap_or_else(|_| bytes.to_vec())
        }
        Err(_) => bytes.to_vec(),
    };
    ServiceResponse::new(http, answer.set_body(BoxBody::new(body)))
}

/// The path as the log shows it: a secret in it (the Statuspage webhook's) is not logged, however
/// the path is percent-encoded.
fn logged_path(path: &str) -> &str {
    const SECRET_IN_PATH: &str = "/v1/ingest/statuspage/";
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    if decoded.starts_with(SECRET_IN_PATH) {
        "/v1/ingest/statuspage/{secret}"
    } else {
        path
    }
}
