//! JSON shapes of the policy types: snake_case names, decimals as strings only.

use serde_json::{from_str, json, to_value};

use super::*;

#[test]
fn tiered_policy_json() {
    let expected = json!({"type": "tiered", "tiers": [
        {"below_percent": "99.9", "credit_percent": "10"},
        {"below_percent": "99.0", "credit_percent": "25"},
        {"below_percent": "95.0", "credit_percent": "100"},
    ]});
    assert_eq!(to_value(CreditPolicy::default()).unwrap(), expected);
    assert_eq!(
        from_str::<CreditPolicy>(&expected.to_string()).unwrap(),
        CreditPolicy::default()
    );
}

#[test]
fn proportional_policy_json() {
    let text = r#"{"type":"proportional","multiplier":"1.5","basis":"beyond_target"}"#;
    let policy: CreditPolicy = from_str(text).unwrap();
    assert_eq!(
        policy,
        CreditPolicy::Proportional {
            multiplier: dec("1.5"),
            basis: Basis::BeyondTarget
        }
    );
    assert_eq!(
        to_value(&policy).unwrap(),
        from_str::<serde_json::Value>(text).unwrap()
    );
}

#[test]
fn numbers_are_refused_where_decimals_are_expected() {
    let text = r#"{"type":"proportional","multiplier":1.5,"basis":"downtime"}"#;
    assert!(from_str::<CreditPolicy>(text).is_err());
}

#[test]
fn enums_use_snake_case() {
    assert_eq!(
        to_value(Severity::DegradedPerformance).unwrap(),
        json!("degraded_performance")
    );
    assert_eq!(to_value(Maintenance::Counted).unwrap(), json!("counted"));
    assert_eq!(
        to_value(NoCredit::BelowMinimum).unwrap(),
        json!("below_minimum")
    );
    assert_eq!(
        to_value(NoCredit::RoundsToZero).unwrap(),
        json!("rounds_to_zero")
    );
    assert_eq!(NoCredit::AboveTarget.as_str(), "above_target");
    assert_eq!(
        from_str::<NoCredit>("\"no_downtime\"").unwrap(),
        NoCredit::NoDowntime
    );
    let weights =
        json!({"major_outage": "1", "partial_outage": "0.3", "degraded_performance": "0"});
    assert_eq!(to_value(Weights::default()).unwrap(), weights);
    assert_eq!(to_value(period("2026-03")).unwrap(), json!("2026-03"));
    assert!(from_str::<Period>("\"2026-3\"").is_err());
}
