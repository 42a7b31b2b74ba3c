//! Tests of the engine. Expected numbers are worked out by hand in the comments next to them;
//! every hand-computed case also runs through the batch evaluator (`both`), which must agree.
#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod batch_props;
mod credits;
mod explain;
mod min_downtime;
mod periods;
mod props;
mod rounding;
mod scopes;
mod serde_shapes;
mod severities;
mod status;
mod strategies;
mod worked_example;

use super::*;

/// RFC 3339 → unix seconds.
fn t(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp()
}

fn period(text: &str) -> Period {
    Period::parse(text).unwrap()
}

fn window(id: i64, component: &str, severity: Severity, start: &str, end: &str) -> Window {
    Window {
        id,
        component: component.to_owned(),
        severity,
        start: t(start),
        end: Some(t(end)),
        regions: Vec::new(),
        customers: Vec::new(),
    }
}

fn subscriber(start: &str) -> Subscriber {
    Subscriber {
        subscription_id: 1,
        customer_id: 1,
        region: None,
        start: t(start),
        end: None,
        fee_override_minor: None,
    }
}

/// `statement()` and `batch::statements()` for one subscription; asserts they agree.
fn both(
    p: &str,
    as_of: i64,
    terms: &Terms,
    sub: &Subscriber,
    windows: &[Window],
    groups: &Groups,
) -> Statement {
    let single = statement(period(p), as_of, terms, sub, windows, groups).unwrap();
    let batch = batch::statements(
        period(p),
        as_of,
        std::slice::from_ref(terms),
        &[(0, sub.clone())],
        windows,
        groups,
    )
    .unwrap();
    assert_eq!(
        batch,
        vec![single.clone()],
        "batch and single statement differ"
    );
    single
}

/// A whole month of 2026-04 in UTC (30 days = 2,592,000 s), evaluated after it ended.
fn april(terms: &Terms, sub: &Subscriber, windows: &[Window]) -> Statement {
    both(
        "2026-04",
        t("2026-05-01T00:00:00Z"),
        terms,
        sub,
        windows,
        &Groups::new(),
    )
}

fn april_sub() -> Subscriber {
    subscriber("2026-01-01T00:00:00Z")
}

fn dec(text: &str) -> rust_decimal::Decimal {
    text.parse().unwrap()
}
