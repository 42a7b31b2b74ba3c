//! Deterministic data for the benchmarks: components, plan versions covering all of them,
//! customers in 3 regions with one subscription each (a tenth starting mid-January 2026), and
//! windows in January 2026, some region-scoped, some customer-scoped. `seed` is the usual month
//! (200 components, 20 plan versions, 10 % and 1 % scoped); `seed_shaped` any other. Rows go in
//! multi-row statements of 2,000.

#![allow(clippy::expect_used, clippy::unwrap_used, dead_code)]

use diesel::prelude::*;
use sla_ledger::db::incidents::{self, IncidentFields};
use sla_ledger::db::schema::{components, customers, plan_versions, plans, subscriptions};
use sla_ledger::db::{Db, DbConnection};
use sla_ledger::domain::incident::{ImpactWindow, IncidentStatus};
use sla_ledger::engine::Severity;

/// What a seeded month looks like beyond its size.
#[derive(Clone, Copy)]
pub struct Shape {
    pub components: usize,
    pub plans: usize,
    /// Percent of the windows scoped to a region, and to a customer.
    pub region_percent: usize,
    pub customer_percent: usize,
}

pub const USUAL: Shape = Shape {
    components: 200,
    plans: 20,
    region_percent: 10,
    customer_percent: 1,
};
const REGIONS: [&str; 3] = ["na", "emea", "apac"];
const JANUARY: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const MONTH: i64 = 31 * 86_400;

struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {
        for chunk in $rows.chunks(2000) {
            match $conn {
                DbConnection::Postgres(c) => diesel::insert_into($table)
                    .values(chunk)
                    .execute(c)
                    .expect("insert"),
                DbConnection::Sqlite(c) => diesel::insert_into($table)
                    .values(chunk)
                    .execute(c)
                    .expect("insert"),
            };
        }
    };
}

/// A migrated database at `url` with the usual month, analyzed as autovacuum leaves a database
/// in use (rather than its ANALYZE of the fresh rows landing in the middle of a measurement).
pub fn analyzed_month(url: &str, subscriptions_count: usize, windows_count: usize) {
    use diesel::connection::SimpleConnection;
    let db = Db::connect(url, 2).expect("connect");
    db.migrate().expect("migrate");
    seed(&db, subscriptions_count, windows_count);
    db.conn()
        .expect("connection")
        .batch_execute("ANALYZE")
        .expect("analyze");
}

pub fn seed(db: &Db, subscriptions_count: usize, windows_count: usize) {
    seed_shaped(db, subscriptions_count, windows_count, USUAL);
}

pub fn seed_shaped(db: &Db, subscriptions_count: usize, windows_count: usize, shape: Shape) {
    let Shape {
        components: component_count,
        plans: plan_count,
        region_percent,
        customer_percent,
    } = shape;
    let mut rng = Lcg(7);
    db.transaction(|conn| -> Result<(), sla_ledger::db::DbError> {
        let rows: Vec<_> = (0..component_count)
            .map(|i| (components::key.eq(format!("c{i:03}")), components::name.eq(format!("C{i}")), components::created_at.eq(0), components::updated_at.eq(0)))
            .collect();
        insert_all!(conn, components::table, rows);
        for p in 0..plan_count {
            let key = format!("plan{p:02}");
            diesel::insert_into(plans::table)
                .values((plans::key.eq(&key), plans::name.eq(&key), plans::created_at.eq(0)))
                .execute(conn)?;
            // Every plan covers all components, so each window reaches every subscription it scopes.
            let terms = serde_json::json!({
                "effective_from": "2025-01", "price": {"amount": format!("{}.00", 100 + p * 10), "currency": "USD"},
                "components": [], "sla_target_percent": "99.9", "timezone": "UTC",
                "weights": {"major_outage": "1", "partial_outage": "0.3", "degraded_performance": "0"},
                "min_downtime_seconds": (p % 3) * 30, "maintenance": "excluded",
                "credit_policy": {"type": "tiered", "tiers": [
                    {"below_percent": "99.99", "credit_percent": "5"}, {"below_percent": "99.9", "credit_percent": "10"},
                    {"below_percent": "99", "credit_percent": "25"}]},
                "max_credit_percent": "100", "min_credit": {"amount": "0.00", "currency": "USD"},
            });
            diesel::insert_into(plan_versions::table)
                .values((
                    plan_versions::plan_key.eq(&key), plan_versions::version.eq(1), plan_versions::effective_from.eq("2025-01"),
                    plan_versions::price_minor.eq(((100 + p * 10) * 100) as i64), plan_versions::currency.eq("USD"),
                    plan_versions::terms.eq(terms.to_string()), plan_versions::created_at.eq(0),
                ))
                .execute(conn)?;
        }
        let rows: Vec<_> = (0..subscriptions_count)
            .map(|i| (customers::external_id.eq(format!("cus{i:06}")), customers::name.eq(format!("Customer {i}")), customers::region.eq(REGIONS[i % 3]), customers::created_at.eq(0), customers::updated_at.eq(0)))
            .collect();
        insert_all!(conn, customers::table, rows);
        let first_customer: i64 = customers::table.select(diesel::dsl::min(customers::id)).first::<Option<i64>>(conn)?.unwrap_or(1);
        let rows: Vec<_> = (0..subscriptions_count)
            .map(|i| (
                subscriptions::customer_id.eq(first_customer + i as i64),
                subscriptions::plan_key.eq(format!("plan{:02}", i % plan_count)),
                subscriptions::start_at.eq(if i % 10 == 0 { JANUARY + 15 * 86_400 } else { JANUARY - 86_400 }),
                subscriptions::created_at.eq(0),
                subscriptions::updated_at.eq(0),
            ))
            .collect();
        insert_all!(conn, subscriptions::table, rows);
        let fields = IncidentFields { title: "bench", status: IncidentStatus::Resolved, external_id: None, created_at: 0, updated_at: 0 };
        let incident = incidents::insert_incident(conn, &fields)?;
        let severities = [Severity::MajorOutage, Severity::PartialOutage, Severity::DegradedPerformance, Severity::Maintenance];
        let windows: Vec<ImpactWindow> = (0..windows_count)
            .map(|i| {
                let start = JANUARY + rng.below((MONTH - 7200) as usize) as i64;
                ImpactWindow {
                    component: format!("c{:03}", rng.below(component_count)),
                    severity: severities[rng.below(4)],
                    start,
                    end: Some(start + 20 + rng.below(1800) as i64),
                    // Spread evenly: every tenth window for 10 %, and so on.
                    regions: if (i * region_percent) % 100 < region_percent { vec![REGIONS[rng.below(3)].to_owned()] } else { vec![] },
                    customers: if ((i + 99) * customer_percent) % 100 < customer_percent { vec![format!("cus{:06}", rng.below(subscriptions_count))] } else { vec![] },
                }
            })
            .collect();
        incidents::insert_windows(conn, incident, &windows)?;
        Ok(())
    })
    .expect("seed");
}
