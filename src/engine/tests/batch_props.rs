//! The batch evaluator must give exactly what `statement()` gives, subscription by subscription.

use chrono_tz::Tz;
use proptest::prelude::*;

use super::strategies::{
    PERIOD, as_of, grid_window, groups, numbered, scoped_window, subscriber_strategy, terms,
};
use super::*;

fn plans() -> impl Strategy<Value = Vec<Terms>> {
    prop::collection::vec(terms(vec![Tz::UTC, Tz::America__New_York]), 1..4)
}

fn check(
    as_of: i64,
    plans: &[Terms],
    subs: &[(usize, Subscriber)],
    windows: &[Window],
) -> Result<(), TestCaseError> {
    let batch = batch::statements(period(PERIOD), as_of, plans, subs, windows, &groups()).unwrap();
    prop_assert_eq!(batch.len(), subs.len());
    for (got, (index, sub)) in batch.iter().zip(subs) {
        let single = statement(
            period(PERIOD),
            as_of,
            &plans[*index],
            sub,
            windows,
            &groups(),
        )
        .unwrap();
        prop_assert_eq!(got, &single);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn batch_equals_single_statements(
        plans in plans(),
        subs in prop::collection::vec((0usize..3, subscriber_strategy()), 1..12),
        windows in numbered(scoped_window(), 14),
        as_of in as_of(),
    ) {
        let subs: Vec<(usize, Subscriber)> =
            subs.into_iter().map(|(i, s)| (i % plans.len(), s)).collect();
        check(as_of, &plans, &subs, &windows)?;
    }

    /// Many subscriptions of one plan with edges on the same grid as the windows: the case where
    /// runs are cut at the measured span's edges.
    #[test]
    fn batch_equals_single_statements_at_run_edges(
        plan in terms(vec![Tz::UTC]),
        min in prop_oneof![Just(0i64), 1i64..200],
        subs in prop::collection::vec(subscriber_strategy(), 1..20),
        windows in numbered(scoped_window(), 10),
        as_of in as_of(),
    ) {
        let plan = Terms { min_downtime_seconds: min, ..plan };
        let subs: Vec<(usize, Subscriber)> = subs.into_iter().map(|s| (0, s)).collect();
        check(as_of, &[plan], &subs, &windows)?;
    }

    /// Shared and customer-scoped windows touching on a grid, customers 1, 2 and 3.
    #[test]
    fn batch_equals_single_statements_with_customer_windows(
        plan in terms(vec![Tz::UTC]),
        min in prop_oneof![Just(0i64), (1i64..6).prop_map(|k| k * 20), 1i64..150],
        windows in numbered(grid_window(), 12),
        customers in prop::collection::vec(1i64..=3, 1..4),
    ) {
        let plan = Terms { min_downtime_seconds: min, ..plan };
        let subs: Vec<(usize, Subscriber)> = customers
            .into_iter()
            .map(|c| (0, Subscriber { customer_id: c, ..april_sub() }))
            .collect();
        check(super::strategies::AFTER, &[plan], &subs, &windows)?;
    }

    /// One `Month` asked page after page, in any order, with twin plans (alike but for price and
    /// target, so they share windows and timelines): the same as one statement at a time.
    #[test]
    fn one_month_serves_pages_and_twin_plans(
        plans in plans(),
        subs in prop::collection::vec((0usize..8, subscriber_strategy()), 1..16),
        windows in numbered(scoped_window(), 14),
        as_of in as_of(),
        page in 1usize..5,
        reversed: bool,
    ) {
        let twins = plans.iter().map(|p| Terms {
            monthly_fee_minor: p.monthly_fee_minor + 1_000,
            sla_target_percent: rust_decimal::Decimal::new(995, 1),
            ..p.clone()
        });
        let all: Vec<Terms> = plans.iter().cloned().chain(twins).collect();
        let subs: Vec<(usize, Subscriber)> =
            subs.into_iter().map(|(i, s)| (i % all.len(), s)).collect();
        let month = batch::Month::new(period(PERIOD), as_of, &all, windows.clone(), &groups()).unwrap();
        let mut pages: Vec<&[(usize, Subscriber)]> = subs.chunks(page).collect();
        if reversed {
            pages.reverse();
        }
        for page in pages {
            for (got, (index, sub)) in month.statements(page).unwrap().iter().zip(page) {
                let single =
                    statement(period(PERIOD), as_of, &all[*index], sub, &windows, &groups()).unwrap();
                prop_assert_eq!(got, &single);
            }
        }
    }
}

#[test]
fn unknown_terms_index_and_invalid_terms_are_errors() {
    let sub = april_sub();
    let err = batch::statements(
        period("2026-04"),
        0,
        &[Terms::default()],
        &[(1, sub.clone())],
        &[],
        &Groups::new(),
    );
    assert_eq!(
        err,
        Err(batch::BatchError::UnknownTerms {
            position: 0,
            index: 1
        })
    );
    let bad = Terms {
        min_downtime_seconds: -5,
        ..Terms::default()
    };
    let err = batch::statements(
        period("2026-04"),
        0,
        &[Terms::default(), bad],
        &[(0, sub)],
        &[],
        &Groups::new(),
    );
    assert!(matches!(
        err,
        Err(batch::BatchError::Terms { index: 1, .. })
    ));
}

/// Customer-scoped windows are patched onto the timeline of everyone else's windows; a run
/// that crosses from one to the other must be measured whole.
#[test]
fn customer_windows_join_and_split_runs_of_shared_windows() {
    use Severity::{Maintenance, MajorOutage};
    let only = |mut w: Window, customer: i64| {
        w.customers = vec![customer];
        w
    };
    let day = |time: &str| format!("2026-04-02T{time}Z");
    let w = |id, severity, from: &str, to: &str| window(id, "api", severity, &day(from), &day(to));
    let windows = [
        // Shared 40 s, then 40 s for customer 42 only: one 80 s run for 42.
        w(1, MajorOutage, "10:00:00", "10:00:40"),
        only(w(2, MajorOutage, "10:00:40", "10:01:20"), 42),
        // 40 s for customer 42, then shared 40 s: again one 80 s run for 42.
        only(w(3, MajorOutage, "11:00:00", "11:00:40"), 42),
        w(4, MajorOutage, "11:00:40", "11:01:20"),
        // Shared 120 s, split by maintenance for customer 42 into two 50 s runs.
        w(5, MajorOutage, "12:00:00", "12:02:00"),
        only(w(6, Maintenance, "12:00:50", "12:01:10"), 42),
    ];
    let terms = Terms {
        min_downtime_seconds: 60,
        ..Terms::default()
    };
    let customer = |id| Subscriber {
        customer_id: id,
        ..april_sub()
    };
    // Customer 42: 80 + 80 + 0 (two 50 s runs) = 160 s; 20 s excluded.
    let s = april(&terms, &customer(42), &windows);
    assert_eq!(s.usage.downtime_seconds, dec("160"));
    assert_eq!(s.usage.excluded_seconds, 20);
    assert_eq!(&s.usage.window_ids[..], &[1, 2, 3, 4, 5]);
    // Anyone else: 40 s and 40 s runs dropped, the 120 s run kept.
    let s = april(&terms, &customer(43), &windows);
    assert_eq!(s.usage.downtime_seconds, dec("120"));
    assert_eq!(&s.usage.window_ids[..], &[1, 4, 5]);
}
