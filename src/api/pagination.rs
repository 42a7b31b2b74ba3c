//! Cursor pagination: `?limit=…&after=…`; the answer carries `next_cursor` and a `Link` header.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::extract::parse_query_with;
use super::write::{app_state, read};
use super::{ApiError, AppState};
use crate::db::DbConnection;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// A list request: its own filters `Q` (parsed strictly from the query without `limit` and
/// `after`), the page asked for, and what answering needs.
pub struct Listing<Q> {
    pub filters: Q,
    limit: i64,
    after: Option<String>,
    state: web::Data<AppState>,
    req: HttpRequest,
}

/// A list without filters of its own.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NoFilters {}

impl<Q: DeserializeOwned> FromRequest for Listing<Q> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Listing<Q>, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Listing::parse(req))
    }
}

impl<Q: DeserializeOwned> Listing<Q> {
    fn parse(req: &HttpRequest) -> Result<Listing<Q>, ApiError> {
        let state = app_state(req)?;
        let (mut limit, mut after) = (None, None);
        let mut filters = form_urlencoded::Serializer::new(String::new());
        for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
            match &*name {
                "limit" => limit = Some(value.into_owned()),
                "after" => after = Some(value.into_owned()),
                _ => {
                    filters.append_pair(&name, &value);
                }
            }
        }
        let filters = parse_query_with(&filters.finish(), &["limit", "after"])?;
        Ok(Listing {
            filters,
            limit: parse_limit(limit.as_deref())?,
            after,
            state,
            req: req.clone(),
        })
    }
}

impl<Q> Listing<Q> {
    /// The cursor of a list ordered by numeric id (0: from the start).
    pub fn state(&self) -> &web::Data<AppState> {
        &self.state
    }

    pub fn after_id(&self) -> Result<i64, ApiError> {
        self.after.as_deref().map_or(Ok(0), |a| {
            a.parse::<i64>()
                .map_err(|_| ApiError::invalid("after", "is not a cursor this list gave out"))
        })
    }

    /// The cursor of a list ordered by key ("": from the start).
    pub fn after_key(&self) -> String {
        self.after.clone().unwrap_or_default()
    }

    /// The page size asked for and the cursor given, for a list computed in memory.
    pub fn page(&self) -> (i64, Option<&str>) {
        (self.limit, self.after.as_deref())
    }

    /// Answers `rows`, already after the cursor and holding up to `limit + 1` (the extra one
    /// says there is a next page), with `extra`'s fields beside `items`.
    pub fn answer_with<T: Serialize, E: Serialize>(
        &self,
        rows: Vec<T>,
        cursor_of: impl Fn(&T) -> String,
        extra: E,
    ) -> HttpResponse {
        respond(&self.req, rows, self.limit, cursor_of, extra)
    }

    /// Loads up to `limit + 1` rows with `load` (the extra one says there is a next page) and
    /// answers the page, each row's cursor given by `cursor_of`.
    pub async fn answer<T, F>(
        self,
        load: F,
        cursor_of: impl Fn(&T) -> String,
    ) -> Result<HttpResponse, ApiError>
    where
        F: FnOnce(&mut DbConnection, i64) -> Result<Vec<T>, ApiError> + Send + 'static,
        T: Serialize + Send + 'static,
    {
        let fetch = self.limit + 1;
        let rows = read(&self.state, move |conn| load(conn, fetch)).await?;
        Ok(respond(
            &self.req,
            rows,
            self.limit,
            cursor_of,
            NoFilters {},
        ))
    }
}

/// `limit`: 1..=500, 50 when absent.
fn parse_limit(limit: Option<&str>) -> Result<i64, ApiError> {
    let Some(text) = limit else {
        return Ok(DEFAULT_LIMIT);
    };
    text.parse::<i64>()
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| {
            ApiError::invalid(
                "limit",
                format!("`{text}` is not a whole number from 1 to {MAX_LIMIT}"),
            )
        })
}

#[derive(Serialize)]
struct Page<T, E> {
    #[serde(flatten)]
    extra: E,
    items: Vec<T>,
    next_cursor: Option<String>,
}

/// Answers one page. `rows` were fetched with `limit + 1` so a further row means a next page.
fn respond<T: Serialize, E: Serialize>(
    req: &HttpRequest,
    mut rows: Vec<T>,
    limit: i64,
    cursor_of: impl Fn(&T) -> String,
    extra: E,
) -> HttpResponse {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more.then(|| rows.last().map(&cursor_of)).flatten();
    let mut response = HttpResponse::Ok();
    if let Some(cursor) = &next_cursor {
        response.insert_header(("Link", format!("<{}>; rel=\"next\"", next_url(req, cursor))));
    }
    response.json(Page {
        extra,
        items: rows,
        next_cursor,
    })
}

fn next_url(req: &HttpRequest, cursor: &str) -> String {
    let kept = req
        .query_string()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("after="));
    let after = format!("after={}", utf8_percent_encode(cursor, NON_ALPHANUMERIC));
    let query: Vec<String> = kept.map(str::to_owned).chain([after]).collect();
    format!("{}?{}", req.path(), query.join("&"))
}
