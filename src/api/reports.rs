//! `/v1/reports/*.csv`: monthly exports, streamed as they are written (CSV, or JSON with
//! `Accept: application/json`).

use std::io::Write;
use std::str::FromStr;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tokio::sync::mpsc;

use super::extract::Query;
use super::statements::as_of_param;
use super::write::request_time;
use super::{ApiError, AppState};
use crate::db::Db;
use crate::domain::credit::parse_statuses;
use crate::domain::parse_period;
use crate::export::Format;
use crate::export::reports::{self, ReportError};

fn format_of(req: &HttpRequest) -> Format {
    let wants_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        Format::Json
    } else {
        Format::Csv
    }
}

/// Sends what a blocking producer writes, in chunks, through a small channel: the producer waits
/// when the client reads slowly, so memory stays flat however long the report.
struct ChannelWriter {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

const CHUNK: usize = 64 * 1024;

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buffer));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

fn stream<F>(state: &web::Data<AppState>, name: &str, format: Format, produce: F) -> HttpResponse
where
    F: FnOnce(&Db, &mut ChannelWriter) -> Result<(), ReportError> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(4);
    let db = state.db.clone();
    // The request's span goes along, so the producer's log lines carry the request id.
    let span = tracing::Span::current();
    actix_web::rt::task::spawn_blocking(move || {
        let _in_span = span.enter();
        let mut writer = ChannelWriter {
            tx: tx.clone(),
            buffer: Vec::with_capacity(CHUNK),
        };
        let outcome = produce(&db, &mut writer);
        match outcome.and_then(|()| writer.flush().map_err(ReportError::Io)) {
            Ok(()) => {}
            Err(ReportError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                tracing::info!("report abandoned: the client went away");
            }
            Err(e) => {
                tracing::error!(error = %e, "report stopped");
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let (content_type, extension) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Json => ("application/json", "json"),
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.{extension}\""),
        ))
        .streaming(body)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditsQuery {
    period: String,
    /// Comma-separated statuses (default: every status).
    status: Option<String>,
    /// `balance`: approved credits shaped for a customer-balance import.
    format: Option<String>,
}

pub async fn credits(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: Query<CreditsQuery>,
) -> Result<HttpResponse, ApiError> {
    let period = parse_period("period", &q.period)?;
    let balance = match q.format.as_deref() {
        None => false,
        Some("balance") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "format",
                format!("`{other}` is not a report format; the one there is is `balance`"),
            ));
        }
    };
    // By default the credits that count, so the amounts add up to the run's totals.
    let statuses = parse_statuses("status", q.status.as_deref())?;
    let name = if balance {
        format!("balance-{period}")
    } else {
        format!("credits-{period}")
    };
    let format = format_of(&req);
    Ok(stream(&state, &name, format, move |db, out| {
        reports::credits(db, period, &statuses, balance, format, out)
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementsQuery {
    period: String,
    as_of: Option<String>,
}

pub async fn statements(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: Query<StatementsQuery>,
) -> Result<HttpResponse, ApiError> {
    let period = parse_period("period", &q.period)?;
    let as_of = as_of_param(q.as_of.as_deref(), request_time(&req))?;
    let format = format_of(&req);
    Ok(stream(
        &state,
        &format!("statements-{period}"),
        format,
        move |db, out| reports::statements(db, period, as_of, format, out),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UptimeQuery {
    period: String,
    timezone: Option<String>,
}

pub async fn uptime(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: Query<UptimeQuery>,
) -> Result<HttpResponse, ApiError> {
    let period = parse_period("period", &q.period)?;
    let tz_name = q.timezone.clone().unwrap_or_else(|| "UTC".into());
    let tz = chrono_tz::Tz::from_str(&tz_name).map_err(|_| {
        ApiError::invalid("timezone", format!("`{tz_name}` is not an IANA time zone"))
    })?;
    let format = format_of(&req);
    let now = request_time(&req);
    Ok(stream(
        &state,
        &format!("uptime-{period}"),
        format,
        move |db, out| reports::uptime(db, period, tz, now, format, out),
    ))
}
