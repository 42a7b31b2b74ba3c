//! Request extractors: the access check, the caller, JSON bodies with errors that say where.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, ResponseError, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::error::Category;
use sha2::{Digest, Sha256};

use super::{ApiError, AppState};
use crate::auth::{Access, AuthError, Caller, Keys};
use crate::domain::Invalid;

/// Request heads (request line and headers) larger than this are refused: a 431 naming the
/// largest header, or a 414 when the URI is the largest part. actix-http closes heads of 128 KiB or more itself, with an empty 431, before
/// the service sees them (docs/api.md, "Errors").
pub const HEAD_LIMIT: usize = 32 * 1024;

/// App middleware: refuses an oversized request head before any route runs.
pub async fn limit_head<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    // The request line's target as sent (origin form: path and query), without formatting it.
    let uri = req
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    let headers: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if uri + headers > HEAD_LIMIT {
        let largest = req
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.len()))
            .max_by_key(|(_, size)| *size);
        let refusal = match largest {
            Some((name, size)) if size > uri => ApiError::HeadersTooLarge {
                header: name.to_owned(),
                size,
                limit: HEAD_LIMIT,
            },
            _ => ApiError::UriTooLong {
                size: uri,
                limit: HEAD_LIMIT,
            },
        };
        return Ok(refuse(req, &refusal));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Route middleware: checks the bearer token against the route's access before any extractor runs.
pub async fn authorize<B: MessageBody>(
    access: Access,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if req.path().contains("%00") || req.query_string().contains("%00") {
        let refusal = ApiError::BadRequest("NUL characters (%00) are not accepted".into());
        return Ok(refuse(req, &refusal));
    }
    if access != Access::Public {
        let mut caller = match caller_of(&req, access) {
            Ok(caller) => caller,
            Err(refusal) => return Ok(refuse(req, &refusal)),
        };
        caller.request_id = req
            .extensions()
            .get::<super::observe::RequestId>()
            .map(|id| id.0.clone());
        req.extensions_mut().insert(caller);
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// A middleware's refusal as an answer, so the middlewares around it see it as one (a request
/// id is added to answers, not to errors).
fn refuse<B>(req: ServiceRequest, refusal: &ApiError) -> ServiceResponse<EitherBody<B>> {
    req.into_response(refusal.error_response())
        .map_into_right_body()
}

fn caller_of(req: &ServiceRequest, access: Access) -> Result<Caller, ApiError> {
    let keys = req
        .app_data::<web::Data<Keys>>()
        .ok_or_else(|| ApiError::Unauthorized("no JWT keys configured".into()))?;
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token)
        .ok_or_else(|| ApiError::Unauthorized("missing `Authorization: Bearer <token>`".into()))?;
    keys.authorize(token.trim(), access).map_err(|e| match e {
        AuthError::Unauthenticated(why) => ApiError::Unauthorized(why),
        AuthError::Forbidden(why) => ApiError::Forbidden(why),
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            req.extensions()
                .get::<Caller>()
                .cloned()
                .ok_or_else(|| ApiError::Unauthorized("missing bearer token".into())),
        )
    }
}

/// A JSON body read within the size limit, with its fingerprint for idempotency.
pub struct JsonBody<T> {
    pub value: T,
    pub fingerprint: String,
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<JsonBody<T>, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(1 << 20, |s| s.body_limit);
        let raw = RawBody::read(req, payload, limit);
        Box::pin(async move {
            let raw = raw.await?;
            Ok(JsonBody {
                value: parse_json(&raw.bytes)?,
                fingerprint: raw.fingerprint,
            })
        })
    }
}

/// A body read as bytes within a size limit, with its fingerprint for idempotency.
pub struct RawBody {
    pub bytes: Vec<u8>,
    pub fingerprint: String,
}

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<RawBody, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(1 << 20, |s| s.body_limit);
        Box::pin(RawBody::read(req, payload, limit))
    }
}

impl RawBody {
    pub fn read(
        req: &HttpRequest,
        payload: &mut Payload,
        limit: usize,
    ) -> impl Future<Output = Result<RawBody, ApiError>> + 'static {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        let request_line = format!("{} {}?{}", req.method(), req.path(), req.query_string());
        let media = json_media_type(req);
        async move {
            if let Err(refusal) = &media
                && declared != Some(0)
            {
                return Err(ApiError::UnsupportedMediaType(refusal.clone()));
            }
            if declared.is_some_and(|n| n > limit) {
                return Err(ApiError::TooLarge(limit));
            }
            let mut bytes = Vec::with_capacity(declared.unwrap_or(0));
            while let Some(chunk) = payload.next().await {
                let chunk =
                    chunk.map_err(|e| ApiError::BadRequest(format!("could not read body: {e}")))?;
                if bytes.len() + chunk.len() > limit {
                    return Err(ApiError::TooLarge(limit));
                }
                bytes.extend_from_slice(&chunk);
            }
            if let Err(refusal) = media
                && !bytes.is_empty()
            {
                return Err(ApiError::UnsupportedMediaType(refusal));
            }
            let fingerprint = fingerprint(&request_line, &bytes);
            Ok(RawBody { bytes, fingerprint })
        }
    }
}

/// Every body here is JSON: `application/json` or a `+json` type, with any parameters. A body
/// without a `Content-Type`, or with another one, is refused (the refusal says which).
fn json_media_type(req: &HttpRequest) -> Result<(), String> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Err("a request body needs `Content-Type: application/json`".into());
    };
    let essence = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        Ok(())
    } else {
        Err(format!(
            "`Content-Type: {}` is not accepted; send `application/json`",
            value.to_str().unwrap_or("(not text)")
        ))
    }
}

/// For requests without a body (DELETE): the method, path and query alone.
pub fn bodiless_fingerprint(req: &HttpRequest) -> String {
    fingerprint(
        &format!("{} {}?{}", req.method(), req.path(), req.query_string()),
        b"",
    )
}

pub fn fingerprint(request_line: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(request_line.as_bytes());
    hash.update([0]);
    hash.update(body);
    hex::encode(hash.finalize())
}

/// Malformed JSON and unknown fields are 400; a missing or ill-typed field is a 422 naming it.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    refuse_nul(body)?;
    // serde reads a struct from an array too (`["api", "API"]`); every body here is an object.
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            Category::Data if inner.to_string().starts_with("unknown field") => {
                ApiError::BadRequest(format!("{inner} (at `{path}`)"))
            }
            Category::Data => {
                ApiError::invalid(field_of(&path, &inner.to_string()), inner.to_string())
            }
            Category::Eof if body.iter().all(u8::is_ascii_whitespace) => {
                ApiError::BadRequest("the request body is empty; a JSON object is expected".into())
            }
            _ => ApiError::BadRequest(format!("malformed JSON: {inner}")),
        }
    })?;
    de.end()
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// Text columns cannot hold NUL on PostgreSQL, and no field of this API needs one.
pub fn refuse_nul(body: &[u8]) -> Result<(), ApiError> {
    if body.windows(6).any(|w| w == b"\\u0000") {
        return Err(ApiError::BadRequest(
            "NUL characters (\\u0000) are not accepted".into(),
        ));
    }
    Ok(())
}

/// serde names a missing field in its message and points the path at the parent object.
fn field_of(path: &str, message: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match (missing, path) {
        (Some(name), ".") => name.to_owned(),
        (Some(name), parent) => format!("{parent}.{name}"),
        (None, path) => path.to_owned(),
    }
}

/// Query strings: unknown parameters are 400 (a typo must not silently widen a filter).
/// A query string deserialized with the parameter it rejects named: an unknown parameter is a
/// 400, a missing or ill-typed one a 422 naming it.
pub struct Query<T>(pub T);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Query<T>, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    parse_query_with(query, &[])
}

/// As `parse_query`, for a query that also takes the parameters `also` (read elsewhere).
pub fn parse_query_with<T: DeserializeOwned>(query: &str, also: &[&str]) -> Result<T, ApiError> {
    let pairs = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(pairs).map_err(|e| {
        let path = e.path().to_string();
        let text = e.into_inner().to_string();
        if text.starts_with("unknown field") {
            return ApiError::BadRequest(unknown_parameter(&text, also));
        }
        let missing = text
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let field = match missing {
            Some(name) => name.to_owned(),
            None if path != "." => path,
            None => "query".to_owned(),
        };
        ApiError::invalid(field, text)
    })
}

/// Rewords serde's "unknown field `x`, expected one of `a`, `b`" for a query string, adding the
/// parameters every such query also takes.
pub fn unknown_parameter(serde_message: &str, also: &[&str]) -> String {
    let rest = serde_message
        .strip_prefix("unknown field ")
        .unwrap_or(serde_message);
    let (name, expected) = rest.split_once(", ").unwrap_or((rest, ""));
    let mut known: Vec<String> = expected
        .split(['`'])
        .skip(1)
        .step_by(2)
        .map(|n| format!("`{n}`"))
        .collect();
    known.extend(also.iter().map(|n| format!("`{n}`")));
    if known.is_empty() {
        format!("unknown query parameter {name}; this route takes none")
    } else {
        format!(
            "unknown query parameter {name}; known: {}",
            known.join(", ")
        )
    }
}

/// A path segment that does not parse (`/v1/credits/approve` as a credit id) is a 404, unless
/// the path is a route of its own under another method: then a 405, as for any wrong method.
pub fn path_error(err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    let allowed: Vec<&str> = super::ROUTES
        .iter()
        .filter(|r| r.path == req.path())
        .map(|r| r.method)
        .collect();
    if allowed.is_empty() {
        ApiError::NotFound(format!("no such resource: {err}")).into()
    } else {
        ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allow: allowed.join(", "),
        }
        .into()
    }
}

/// The `Idempotency-Key` header, if sent.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| {
            ApiError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )
        })?;
    Ok(Some(key.to_owned()))
}

/// For PATCH bodies: a present `null` becomes `Some(None)`, an absent field stays `None`.
pub fn nullable<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}

/// For PATCH bodies: a field that may be absent but not `null`.
pub fn present<'de, T, D>(de: D) -> Result<Option<T>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    T::deserialize(de).map(Some)
}

/// Parses a field that may be left out.
pub fn optional<T>(
    value: Option<&str>,
    parse: impl Fn(&str) -> Result<T, Invalid>,
) -> Result<Option<T>, Invalid> {
    value.map(parse).transpose()
}

/// Parses a nullable field of a PATCH: left out (`None`), `null` (`Some(None)`) or a value.
pub fn patched<T>(
    value: Option<Option<String>>,
    parse: impl Fn(&str) -> Result<T, Invalid>,
) -> Result<Option<Option<T>>, Invalid> {
    value
        .map(|v| v.as_deref().map(&parse).transpose())
        .transpose()
}
