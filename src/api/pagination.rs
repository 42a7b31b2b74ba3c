//! Cursor pagination: `?limit=…&after=…`; the answer carries `next_cursor` and a `Link` header.

use actix_web::{HttpRequest, HttpResponse};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

use super::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// Reads `limit` (1..=500, default 50).
pub fn limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

/// Reads a numeric cursor.
pub fn after_id(after: Option<&str>) -> Result<i64, ApiError> {
    after.map_or(Ok(0), |a| {
        a.parse::<i64>()
            .map_err(|_| ApiError::invalid("after", "is not a cursor this list gave out"))
    })
}

#[derive(Serialize)]
struct Page<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
}

/// Answers one page. `rows` were fetched with `limit + 1` so a further row means a next page.
pub fn respond<T: Serialize>(
    req: &HttpRequest,
    mut rows: Vec<T>,
    limit: i64,
    cursor_of: impl Fn(&T) -> String,
) -> HttpResponse {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more.then(|| rows.last().map(&cursor_of)).flatten();
    let mut response = HttpResponse::Ok();
    if let Some(cursor) = &next_cursor {
        response.insert_header(("Link", format!("<{}>; rel=\"next\"", next_url(req, cursor))));
    }
    response.json(Page {
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
