//! SPEC §3: which windows touch which subscription.

use super::*;
use Severity::*;

fn covering(components: &[&str]) -> Terms {
    Terms {
        components: components.iter().map(|c| (*c).to_owned()).collect(),
        ..Terms::default()
    }
}

fn in_region(region: Option<&str>, customer_id: i64) -> Subscriber {
    Subscriber {
        customer_id,
        region: region.map(str::to_owned),
        ..april_sub()
    }
}

fn scoped(mut w: Window, regions: &[&str], customers: &[i64]) -> Window {
    w.regions = regions.iter().map(|r| (*r).to_owned()).collect();
    w.customers = customers.to_vec();
    w
}

fn downtime(
    terms: &Terms,
    sub: &Subscriber,
    windows: &[Window],
    groups: &Groups,
) -> rust_decimal::Decimal {
    both(
        "2026-04",
        t("2026-05-01T00:00:00Z"),
        terms,
        sub,
        windows,
        groups,
    )
    .usage
    .downtime_seconds
}

#[test]
fn region_scoped_windows_touch_only_their_regions() {
    let windows = [
        // 60 min, North America only.
        scoped(
            window(
                1,
                "api",
                MajorOutage,
                "2026-04-02T10:00:00Z",
                "2026-04-02T11:00:00Z",
            ),
            &["na"],
            &[],
        ),
        // 10 min, everyone.
        window(
            2,
            "api",
            MajorOutage,
            "2026-04-03T10:00:00Z",
            "2026-04-03T10:10:00Z",
        ),
        // 5 min, EMEA and APAC.
        scoped(
            window(
                3,
                "api",
                MajorOutage,
                "2026-04-04T10:00:00Z",
                "2026-04-04T10:05:00Z",
            ),
            &["emea", "apac"],
            &[],
        ),
    ];
    let api = covering(&["api"]);
    let g = Groups::new();
    assert_eq!(
        downtime(&api, &in_region(Some("na"), 1), &windows, &g),
        dec("4200")
    ); // 60 + 10 min
    assert_eq!(
        downtime(&api, &in_region(Some("emea"), 1), &windows, &g),
        dec("900")
    ); // 10 + 5 min
    // A customer with no region sees only the unscoped window.
    assert_eq!(
        downtime(&api, &in_region(None, 1), &windows, &g),
        dec("600")
    );
}

#[test]
fn customer_scoped_windows_touch_only_their_customers() {
    let windows = [
        // 30 min for customers 42 and 7 only.
        scoped(
            window(
                1,
                "api",
                MajorOutage,
                "2026-04-02T10:00:00Z",
                "2026-04-02T10:30:00Z",
            ),
            &[],
            &[42, 7],
        ),
        // 20 min for customer 42, only in North America.
        scoped(
            window(
                2,
                "api",
                MajorOutage,
                "2026-04-03T10:00:00Z",
                "2026-04-03T10:20:00Z",
            ),
            &["na"],
            &[42],
        ),
    ];
    let api = covering(&["api"]);
    let g = Groups::new();
    assert_eq!(
        downtime(&api, &in_region(Some("na"), 42), &windows, &g),
        dec("3000")
    );
    assert_eq!(
        downtime(&api, &in_region(Some("emea"), 42), &windows, &g),
        dec("1800")
    );
    assert_eq!(
        downtime(&api, &in_region(None, 7), &windows, &g),
        dec("1800")
    );
    assert_eq!(
        downtime(&api, &in_region(Some("na"), 43), &windows, &g),
        dec("0")
    );
}

#[test]
fn group_windows_reach_members_and_member_windows_reach_listed_groups() {
    let groups: Groups = [
        ("telephony.inbound", "telephony"),
        ("telephony.outbound", "telephony"),
    ]
    .into_iter()
    .collect();
    let windows = [
        // 20 min on the whole group.
        window(
            1,
            "telephony",
            MajorOutage,
            "2026-04-02T10:00:00Z",
            "2026-04-02T10:20:00Z",
        ),
        // 5 min on outbound calls only.
        window(
            2,
            "telephony.outbound",
            MajorOutage,
            "2026-04-03T10:00:00Z",
            "2026-04-03T10:05:00Z",
        ),
        // 1 min on another component.
        window(
            3,
            "api",
            MajorOutage,
            "2026-04-04T10:00:00Z",
            "2026-04-04T10:01:00Z",
        ),
    ];
    let sub = april_sub();
    // A plan covering inbound calls is hit by the group window, not by outbound trouble.
    assert_eq!(
        downtime(&covering(&["telephony.inbound"]), &sub, &windows, &groups),
        dec("1200")
    );
    // A plan covering the group is hit by its members' windows too.
    assert_eq!(
        downtime(&covering(&["telephony"]), &sub, &windows, &groups),
        dec("1500")
    );
    // A plan listing nothing covers everything; a plan on api sees none of telephony.
    assert_eq!(
        downtime(&covering(&[]), &sub, &windows, &groups),
        dec("1560")
    );
    assert_eq!(
        downtime(&covering(&["api"]), &sub, &windows, &groups),
        dec("60")
    );
    // Without the group map, `telephony` is just another component.
    assert_eq!(
        downtime(
            &covering(&["telephony.inbound"]),
            &sub,
            &windows,
            &Groups::new()
        ),
        dec("0")
    );
}

#[test]
fn a_member_counts_its_group_and_a_group_its_members() {
    let groups: Groups = [
        ("telephony.outbound", "telephony"),
        ("telephony.inbound", "telephony"),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        groups.related("telephony"),
        ["telephony.inbound", "telephony.outbound", "telephony"]
    );
    assert_eq!(
        groups.related("telephony.inbound"),
        ["telephony.inbound", "telephony"]
    );
    assert_eq!(groups.related("api"), ["api"]);
}
