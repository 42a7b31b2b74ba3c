//! The monthly reports: credits (and the billing system's balance import), statements, uptime.
//! Each reads the database a page at a time and writes rows as it goes, holding a connection only
//! while it reads a page: a client that reads slowly (or stops) never pins one.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use rust_decimal::Decimal;

use super::{Cell, Format, write};
use crate::db::catalog::{self, Component};
use crate::db::credits::{self, Credit};
use crate::db::incidents::{self, WindowFilter};
use crate::db::{Db, DbError};
use crate::domain::credit::{CreditKind, CreditStatus};
use crate::domain::{Money, format_instant};
use crate::engine::status_page::component_uptime;
use crate::engine::{self, Period, minutes_display};
use crate::ledger::evaluate::{EvaluateError, Evaluated, PeriodInputs, Plans, Scope};

const PAGE: i64 = 5000;

/// How long a page waits for a connection: a download in progress would rather wait out a busy
/// moment than end cut short.
const PAGE_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Csv(#[from] csv::Error),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error(transparent)]
    Pool(#[from] DbError),
    #[error(transparent)]
    Evaluate(#[from] EvaluateError),
}

/// Seconds as minutes with 2 decimals (SPEC §4.9).
fn minutes(seconds: i64) -> Cell {
    Cell::Decimal(format!("{:.2}", minutes_display(Decimal::from(seconds))))
}

/// A stored decimal string at a fixed scale of 4.
fn percent(text: Option<&str>) -> Cell {
    match text.and_then(|t| t.parse::<Decimal>().ok()) {
        Some(d) => Cell::Decimal(format!("{:.4}", d.round_dp(4))),
        None => Cell::Empty,
    }
}

fn instant(t: Option<i64>) -> Cell {
    t.map_or(Cell::Empty, |t| Cell::Text(format_instant(t)))
}

pub const CREDIT_COLUMNS: &[&str] = &[
    "credit_id",
    "kind",
    "status",
    "customer_external_id",
    "customer_name",
    "subscription_id",
    "plan",
    "plan_version",
    "period",
    "sla_target_percent",
    "uptime_percent",
    "eligible_minutes",
    "downtime_minutes",
    "credit_percent",
    "amount",
    "currency",
    "reason",
    "created_at",
    "created_by",
    "approved_at",
    "approved_by",
    "applied_at",
    "applied_by",
    "billing_reference",
];

fn credit_row(c: Credit, external_id: String, name: String) -> Vec<Cell> {
    let downtime = c
        .downtime_seconds
        .as_deref()
        .and_then(|d| d.parse::<Decimal>().ok());
    vec![
        Cell::Int(c.id),
        Cell::text(c.kind.as_str()),
        Cell::text(c.status.as_str()),
        Cell::text(external_id),
        Cell::text(name),
        Cell::Int(c.subscription_id),
        Cell::text(c.plan_key),
        Cell::Int(i64::from(c.plan_version)),
        Cell::text(c.period),
        percent(Some(&c.sla_target_percent)),
        percent(c.uptime_percent.as_deref()),
        c.eligible_seconds.map_or(Cell::Empty, minutes),
        downtime.map_or(Cell::Empty, |d| {
            Cell::Decimal(format!("{:.2}", minutes_display(d)))
        }),
        percent(c.credit_percent.as_deref()),
        Cell::Decimal(Money::from_minor(c.amount_minor, c.currency).amount()),
        Cell::text(c.currency.code()),
        Cell::opt_text(c.reason.or(c.void_reason)),
        instant(Some(c.created_at)),
        Cell::text(c.created_by),
        instant(c.approved_at),
        Cell::opt_text(c.approved_by),
        instant(c.applied_at),
        Cell::opt_text(c.applied_by),
        Cell::opt_text(c.billing_reference),
    ]
}

/// Builds a report row from a credit, its customer's external id and name.
type RowOf = fn(Credit, String, String) -> Vec<Cell>;

pub const BALANCE_COLUMNS: &[&str] = &[
    "customer_external_id",
    "amount_minor",
    "currency",
    "description",
    "idempotency_key",
];

/// A customer-balance line: a credit lowers what the customer owes, so the amount is negative.
fn balance_row(c: Credit, external_id: String, _name: String) -> Vec<Cell> {
    let description = match c.kind {
        CreditKind::Manual => format!(
            "Service credit, {}: {}",
            c.period,
            c.reason.clone().unwrap_or_default()
        ),
        CreditKind::Adjustment => format!(
            "Correction of the SLA credit for {} ({})",
            c.period, c.plan_key
        ),
        CreditKind::Sla => format!(
            "SLA credit for {} ({}): uptime {} % against a {} % target",
            c.period,
            c.plan_key,
            c.uptime_percent.clone().unwrap_or_default(),
            c.sla_target_percent
        ),
    };
    vec![
        Cell::text(external_id),
        Cell::Int(-c.amount_minor),
        Cell::text(c.currency.code()),
        Cell::text(description),
        Cell::text(format!("sla-ledger-credit-{}", c.id)),
    ]
}

/// `credits.csv`: every credit of a period in the listed statuses; `balance` writes only approved
/// credits, shaped for a billing system's customer-balance import.
pub fn credits<W: Write>(
    db: &Db,
    period: Period,
    statuses: &[CreditStatus],
    balance: bool,
    format: Format,
    out: W,
) -> Result<(), ReportError> {
    let statuses = if balance {
        vec![CreditStatus::Approved]
    } else {
        statuses.to_vec()
    };
    let (columns, row): (&[&str], RowOf) = if balance {
        (BALANCE_COLUMNS, balance_row)
    } else {
        (CREDIT_COLUMNS, credit_row)
    };
    let mut after = 0;
    write(out, format, columns, || {
        let page = credits::report_page(
            &mut *db.conn_within(PAGE_WAIT)?,
            period,
            &statuses,
            after,
            PAGE,
        )?;
        let Some((last, _, _)) = page.last() else {
            return Ok(None);
        };
        after = last.id;
        Ok(Some(
            page.into_iter().map(|(c, e, n)| row(c, e, n)).collect(),
        ))
    })
}

pub const STATEMENT_COLUMNS: &[&str] = &[
    "customer_external_id",
    "customer_name",
    "subscription_id",
    "plan",
    "plan_version",
    "period",
    "timezone",
    "period_start",
    "period_end",
    "eligible_minutes",
    "impacted_minutes",
    "downtime_minutes",
    "major_outage_minutes",
    "partial_outage_minutes",
    "degraded_performance_minutes",
    "uptime_percent",
    "sla_target_percent",
    "credit_percent",
    "fee",
    "amount",
    "currency",
    "reason",
];

fn statement_row(e: Evaluated) -> Vec<Cell> {
    let s = &e.statement;
    let u = &s.usage;
    let currency = e.spec.price.currency;
    let money = |minor: i64| Cell::Decimal(Money::from_minor(minor, currency).amount());
    vec![
        Cell::text(e.customer.external_id),
        Cell::text(e.customer.name),
        Cell::Int(e.subscription.id),
        Cell::text(e.subscription.plan_key),
        Cell::Int(i64::from(e.plan_version)),
        Cell::text(s.period.to_string()),
        Cell::text(e.spec.timezone.name()),
        instant(Some(s.period_span.start)),
        instant(Some(s.period_span.end)),
        minutes(u.eligible_seconds),
        minutes(u.impacted_seconds),
        Cell::Decimal(format!("{:.2}", s.downtime_minutes())),
        minutes(u.by_severity.major_outage),
        minutes(u.by_severity.partial_outage),
        minutes(u.by_severity.degraded_performance),
        Cell::Decimal(format!("{:.4}", s.uptime_display())),
        Cell::Decimal(format!("{:.4}", e.spec.sla_target_percent)),
        Cell::Decimal(format!("{:.4}", s.credit_percent_display())),
        money(s.fee_minor_rounded()),
        money(s.amount_minor),
        Cell::text(currency.code()),
        s.reason.map_or(Cell::Empty, |r| Cell::text(r.as_str())),
    ]
}

/// `statements.csv`: one row per subscription active in the period, credit or not.
pub fn statements<W: Write>(
    db: &Db,
    period: Period,
    as_of: i64,
    format: Format,
    out: W,
) -> Result<(), ReportError> {
    let inputs = PeriodInputs::load(&mut *db.conn_within(PAGE_WAIT)?, period, as_of, Plans::All)?;
    let mut after = None;
    let mut done = false;
    write(out, format, STATEMENT_COLUMNS, || {
        if done {
            return Ok(None);
        }
        let scope = Scope::Page {
            after: after.take(),
            limit: PAGE,
        };
        let (page, last) = inputs.evaluate(&mut *db.conn_within(PAGE_WAIT)?, scope)?;
        done = last.is_none();
        after = last;
        Ok(Some(page.into_iter().map(statement_row).collect()))
    })
}

pub const UPTIME_COLUMNS: &[&str] = &[
    "component",
    "name",
    "group",
    "period",
    "eligible_minutes",
    "major_outage_minutes",
    "partial_outage_minutes",
    "degraded_performance_minutes",
    "maintenance_minutes",
    "uptime_percent",
];

/// `uptime.csv`: one row per component, as a status page shows it (a member also counts its
/// group's windows, a group its members').
pub fn uptime<W: Write>(
    db: &Db,
    period: Period,
    tz: chrono_tz::Tz,
    as_of: i64,
    format: Format,
    out: W,
) -> Result<(), ReportError> {
    let span = period.span(tz);
    let mut conn = db.conn_within(PAGE_WAIT)?;
    let components: Vec<Component> = catalog::list_components(&mut conn, "", i64::MAX)?;
    let filter = WindowFilter {
        from: Some(span.start),
        to: Some(span.end.min(as_of)),
        ..WindowFilter::default()
    };
    let mut by_component: BTreeMap<String, Vec<engine::Window>> = BTreeMap::new();
    for w in incidents::overlapping(&mut conn, &filter)? {
        by_component
            .entry(w.window.component.clone())
            .or_default()
            .push(w.into());
    }
    // Built once: which components' windows count for each (a group's members, its group).
    let groups: engine::Groups = components
        .iter()
        .filter_map(|c| Some((c.key.as_str(), c.group_key.as_deref()?)))
        .collect();
    drop(conn);
    let mut rows = Vec::with_capacity(components.len());
    for c in &components {
        let windows: Vec<engine::Window> = groups
            .related(&c.key)
            .into_iter()
            .flat_map(|key| by_component.get(key).cloned().unwrap_or_default())
            .collect();
        let u = component_uptime(span, as_of, &windows);
        rows.push(vec![
            Cell::text(c.key.clone()),
            Cell::text(c.name.clone()),
            Cell::opt_text(c.group_key.clone()),
            Cell::text(period.to_string()),
            minutes(u.eligible_seconds),
            minutes(u.by_severity.major_outage),
            minutes(u.by_severity.partial_outage),
            minutes(u.by_severity.degraded_performance),
            minutes(u.excluded_seconds),
            Cell::Decimal(format!("{:.4}", u.uptime_display())),
        ]);
    }
    let mut pages = vec![rows];
    write(out, format, UPTIME_COLUMNS, || Ok(pages.pop()))
}
