//! The SLA arithmetic of SPEC.md: pure functions, no I/O. Instants are `i64` unix seconds, UTC.
//!
//! | file | SPEC |
//! |---|---|
//! | `interval.rs` | §2 half-open spans |
//! | `period.rs` | §2 billing periods in a time zone |
//! | `terms.rs` | §1 plan version settings, §4.4 weights, §5.2 credit policies |
//! | `rules.rs` | validation of a plan version's settings, as integers |
//! | `applicability.rs` | §3 which windows touch which subscription; measured span |
//! | `usage.rs` | §4 what is reported: eligible, excluded, impacted, downtime, breakdowns |
//! | `uptime.rs` | §4 computing it for one subscription (the reference implementation) |
//! | `ratio.rs` | §4.9, §5.4 exact fractions, one rounding half away from zero |
//! | `credit.rs` | §5 fee, credit percent, cap, amount, minimum |
//! | `statement.rs` | §3–§5 for one subscription |
//! | `headroom.rs` | §9.2 how much more downtime before the target or the next tier |
//! | `explain.rs` | §9.4 a statement with the steps that led to it |
//! | `batch.rs` | §3–§5 for many subscriptions at once (credit runs), built on: |
//! | `timeline.rs`, `overlay.rs`, `sweep.rs`, `cumulative.rs` | one group's timeline, prefix sums |
//! | `status_page.rs` | §4 last paragraph: a component's own uptime, per day |
//!
//! Nothing here uses floating point. Downtime is kept in 1/10,000 s (weights have at most four
//! decimals), uptime and credit percent as exact fractions, and the amount is rounded once.

mod applicability;
pub mod batch;
mod credit;
mod cumulative;
mod explain;
mod headroom;
mod interval;
mod overlay;
mod period;
mod ratio;
mod rules;
mod statement;
pub mod status_page;
mod sweep;
mod terms;
mod timeline;
mod uptime;
mod usage;

#[cfg(test)]
mod tests;

pub use applicability::{Groups, Subscriber, Window};
pub use credit::{NoCredit, percent_of_fee};
pub use explain::{Clipped, CreditRule, Explanation, Segment, explain};
pub use headroom::{Headroom, Headrooms, NextTier, headrooms};
pub use interval::Span;
pub use period::{Period, PeriodError};
pub use ratio::Ratio;
pub use rules::TermsError;
pub use statement::{Statement, minutes_display, statement};
pub use terms::{
    Basis, CreditPolicy, Maintenance, Severity, Terms, Tier, UnknownSeverity, Weights, dec_str,
};
pub use usage::{ComponentUsage, SeverityUsage, Usage, WindowIds};
