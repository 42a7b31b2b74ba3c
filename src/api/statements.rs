//! Read-only results of the engine: a customer's statement for a period, and a component's own
//! uptime as a status page shows it.

use std::str::FromStr;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};

use super::explanations::{self, ExplanationView};
use super::extract::Query;
use super::status::related_components;
use super::write::{read, request_time};
use super::{ApiError, AppState};
use crate::db::incidents::{self as store, WindowFilter};
use crate::domain::Money;
use crate::domain::{format_instant, parse_instant, parse_period};
use crate::engine::status_page::{component_uptime, days_ending};
use crate::engine::{ComponentUsage, NoCredit, Span, WindowIds, minutes_display};
use crate::ledger::evaluate::Evaluated;
use crate::ledger::explain;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    period: String,
    as_of: Option<String>,
    /// Adds each statement's explanation (SPEC §9.4).
    #[serde(default)]
    explain: bool,
}

/// A usage's rows per component, written from the shared usage without copying them.
struct ByComponent(Arc<[ComponentUsage]>);

#[derive(Serialize)]
struct ComponentRow<'a> {
    component: &'a str,
    impacted_seconds: i64,
    #[serde(serialize_with = "normalized")]
    downtime_seconds: Decimal,
}

fn normalized<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&value.normalize())
}

impl Serialize for ByComponent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|c| ComponentRow {
            component: &c.component,
            impacted_seconds: c.impacted_seconds,
            downtime_seconds: c.downtime_seconds,
        }))
    }
}

#[derive(Serialize)]
struct SeverityRow {
    major_outage: i64,
    partial_outage: i64,
    degraded_performance: i64,
}

#[derive(Serialize)]
pub(super) struct SubscriptionStatement {
    subscription_id: i64,
    plan: String,
    plan_version: i32,
    timezone: String,
    period_start: String,
    period_end: String,
    measured_start: Option<String>,
    measured_end: Option<String>,
    eligible_seconds: i64,
    eligible_minutes: String,
    excluded_seconds: i64,
    impacted_seconds: i64,
    impacted_minutes: String,
    downtime_seconds: String,
    downtime_minutes: String,
    uptime_percent: String,
    sla_target_percent: String,
    credit_percent: String,
    fee: Money,
    amount: Money,
    reason: Option<NoCredit>,
    by_component: ByComponent,
    by_severity: SeverityRow,
    /// Shared with every statement of the same usage, and written as JSON once.
    windows: WindowIds,
    excluded_windows: WindowIds,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<ExplanationView>,
}

#[derive(Serialize)]
struct CustomerStatement {
    customer: String,
    period: String,
    as_of: String,
    subscriptions: Vec<SubscriptionStatement>,
}

fn minutes(seconds: i64) -> String {
    minutes_display(Decimal::from(seconds)).to_string()
}

pub(super) fn subscription_statement(e: Evaluated) -> SubscriptionStatement {
    let s = &e.statement;
    let usage = &s.usage;
    let measured = (!usage.measured.is_empty()).then_some(usage.measured);
    let currency = e.spec.price.currency;
    SubscriptionStatement {
        subscription_id: e.subscription.id,
        plan: e.subscription.plan_key.clone(),
        plan_version: e.plan_version,
        timezone: e.spec.timezone.name().to_owned(),
        period_start: format_instant(s.period_span.start),
        period_end: format_instant(s.period_span.end),
        measured_start: measured.map(|m| format_instant(m.start)),
        measured_end: measured.map(|m| format_instant(m.end)),
        eligible_seconds: usage.eligible_seconds,
        eligible_minutes: minutes(usage.eligible_seconds),
        excluded_seconds: usage.excluded_seconds,
        impacted_seconds: usage.impacted_seconds,
        impacted_minutes: minutes(usage.impacted_seconds),
        downtime_seconds: usage.downtime_seconds.normalize().to_string(),
        downtime_minutes: s.downtime_minutes().to_string(),
        uptime_percent: s.uptime_display().to_string(),
        sla_target_percent: e.spec.sla_target_percent.to_string(),
        credit_percent: s.credit_percent_display().normalize().to_string(),
        fee: Money::from_minor(s.fee_minor_rounded(), currency),
        amount: Money::from_minor(s.amount_minor, currency),
        reason: s.reason,
        by_component: ByComponent(Arc::clone(&usage.by_component)),
        by_severity: SeverityRow {
            major_outage: usage.by_severity.major_outage,
            partial_outage: usage.by_severity.partial_outage,
            degraded_performance: usage.by_severity.degraded_performance,
        },
        windows: usage.window_ids.clone(),
        excluded_windows: usage.excluded_window_ids.clone(),
        explanation: None,
    }
}

/// `as_of`: now when absent; never in the future (open windows count up to now at most).
pub fn as_of_param(value: Option<&str>, now: i64) -> Result<i64, ApiError> {
    let Some(value) = value else {
        return Ok(now);
    };
    let as_of = parse_instant("as_of", value)?;
    if as_of > now {
        return Err(ApiError::invalid(
            "as_of",
            "cannot be in the future: open windows count up to now at most",
        ));
    }
    Ok(as_of)
}

/// `GET /v1/customers/{external_id}/statement?period=YYYY-MM[&as_of=…]`
pub async fn customer_statement(
    state: web::Data<AppState>,
    req: HttpRequest,
    external_id: web::Path<String>,
    q: Query<StatementQuery>,
) -> Result<HttpResponse, ApiError> {
    let period = parse_period("period", &q.period)?;
    let as_of = as_of_param(q.as_of.as_deref(), request_time(&req))?;
    let external_id = external_id.into_inner();
    let with_explanation = q.explain;
    let cache = std::sync::Arc::clone(&state.statements);
    let db = state.db.clone();
    let statement = super::observe::blocking(move || {
        let customer = {
            let mut conn = db.conn()?;
            super::customers::existing(&mut conn, &external_id)?
        };
        // Without a connection held: it takes its own, and none while it waits for another
        // request to read the plan's month.
        let evaluated = cache.customer(&db, customer.id, period, as_of)?;
        let mut subscriptions = Vec::with_capacity(evaluated.len());
        for e in evaluated {
            let explanation = match with_explanation {
                false => None,
                true => {
                    let explained = explain::explain(&mut *db.conn()?, &e, as_of)?;
                    Some(explanations::view(&e, &explained))
                }
            };
            subscriptions.push(SubscriptionStatement {
                explanation,
                ..subscription_statement(e)
            });
        }
        Ok::<_, ApiError>(CustomerStatement {
            customer: customer.external_id,
            period: period.to_string(),
            as_of: format_instant(as_of),
            subscriptions,
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(statement))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UptimeQuery {
    period: Option<String>,
    days: Option<u32>,
    timezone: Option<String>,
}

#[derive(Serialize)]
struct UptimeRow {
    label: String,
    start: String,
    end: String,
    eligible_seconds: i64,
    uptime_percent: String,
    downtime_seconds: String,
    minutes: MinutesRow,
}

#[derive(Serialize)]
struct MinutesRow {
    major_outage: String,
    partial_outage: String,
    degraded_performance: String,
    maintenance: String,
}

/// `GET /v1/components/{key}/uptime?period=YYYY-MM` or `?days=90`: default weights, no minimum,
/// maintenance excluded (SPEC §4, last paragraph). A member also counts its group's windows; a
/// group counts its members'.
pub async fn component_uptime_view(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
    q: Query<UptimeQuery>,
) -> Result<HttpResponse, ApiError> {
    let tz_name = q.timezone.clone().unwrap_or_else(|| "UTC".into());
    let tz = chrono_tz::Tz::from_str(&tz_name).map_err(|_| {
        ApiError::invalid("timezone", format!("`{tz_name}` is not an IANA time zone"))
    })?;
    let at = request_time(&req);
    let spans: Vec<(String, Span)> = match (&q.period, q.days) {
        (Some(period), None) => {
            let period = parse_period("period", period)?;
            vec![(period.to_string(), period.span(tz))]
        }
        (None, Some(days)) if (1..=366).contains(&days) => days_ending(at, days, tz)
            .into_iter()
            .map(|d| (d.date.to_string(), d.span))
            .collect(),
        (None, Some(_)) => return Err(ApiError::invalid("days", "must be between 1 and 366")),
        _ => {
            return Err(ApiError::invalid(
                "period",
                "give either period=YYYY-MM or days=N",
            ));
        }
    };
    let key = key.into_inner();
    let body = read(&state, move |conn| {
        let components = related_components(conn, &key)?;
        let from = spans.iter().map(|(_, s)| s.start).min().unwrap_or(at);
        let to = spans.iter().map(|(_, s)| s.end).max().unwrap_or(at);
        let filter = WindowFilter { components: Some(components), from: Some(from), to: Some(to.min(at)), ..WindowFilter::default() };
        let windows: Vec<crate::engine::Window> = store::overlapping(conn, &filter)?
            .into_iter()
            .map(crate::engine::Window::from)
            .collect();
        let rows: Vec<UptimeRow> = spans
            .into_iter()
            .map(|(label, span)| {
                let u = component_uptime(span, at, &windows);
                UptimeRow {
                    label,
                    start: format_instant(span.start),
                    end: format_instant(span.end),
                    eligible_seconds: u.eligible_seconds,
                    uptime_percent: u.uptime_display().to_string(),
                    downtime_seconds: u.downtime_seconds.normalize().to_string(),
                    minutes: MinutesRow {
                        major_outage: minutes(u.by_severity.major_outage),
                        partial_outage: minutes(u.by_severity.partial_outage),
                        degraded_performance: minutes(u.by_severity.degraded_performance),
                        maintenance: minutes(u.excluded_seconds),
                    },
                }
            })
            .collect();
        Ok(serde_json::json!({ "component": key, "timezone": tz_name, "as_of": format_instant(at), "items": rows }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
