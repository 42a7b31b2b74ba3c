//! How a statement's numbers arose (SPEC §9.4): read from the same pieces of the measured span,
//! by the same code, as the statement itself (`uptime::Measured`, `statement::finish`).

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::applicability::{Groups, Subscriber, Window};
use super::credit::{chosen_tier, percent};
use super::interval::Span;
use super::period::Period;
use super::ratio::Ratio;
use super::rules::{Policy, TermsError, from_e4};
use super::statement::{Cut, Statement, finish};
use super::terms::{Basis, Severity, Terms};
use super::uptime::runs;

/// A statement and the steps that led to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    pub statement: Statement,
    /// Excluded maintenance within the measured span, joined where it touches.
    pub excluded: Vec<Span>,
    /// Every applicable window with an instant in the measured span, clipped to it, by start.
    pub windows: Vec<Clipped>,
    /// E cut where the worst active severity or its weight changes, or a run ends: only where a
    /// window is active. Their seconds add up to I; their downtime to D.
    pub segments: Vec<Segment>,
    /// Runs of impact shorter than the minimum downtime, counted as impact 0 (SPEC §4.5).
    pub dropped_runs: Vec<Span>,
    pub min_downtime_seconds: i64,
    pub rule: CreditRule,
    /// C before the cap.
    pub uncapped_percent: Ratio,
    pub cap_percent: Decimal,
    pub min_credit_minor: i64,
    /// F × C / 100 in minor units before the one rounding; none if too large to hold exactly.
    pub amount_exact_minor: Option<Ratio>,
}

/// An applicable window clipped to the measured span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clipped {
    pub id: i64,
    pub component: String,
    pub severity: Severity,
    /// The weight it counts with; none for excluded maintenance.
    pub weight: Option<Decimal>,
    pub span: Span,
    /// Whether it is active at some instant of E (not all inside excluded maintenance).
    pub counted: bool,
}

/// A stretch of E with a window active and a constant impact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub span: Span,
    /// The worst severity active (counted maintenance counts as `major_outage`).
    pub severity: Severity,
    pub weight: Decimal,
    /// Part of a run shorter than the minimum downtime: it counts as impact 0.
    pub dropped: bool,
}

impl Segment {
    /// Weight × seconds; 0 when dropped.
    pub fn downtime_seconds(&self) -> Decimal {
        if self.dropped {
            Decimal::ZERO
        } else {
            self.weight * Decimal::from(self.span.seconds())
        }
    }
}

/// The rule that chose C (SPEC §5.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreditRule {
    /// E = 0: C = 0.
    NoEligibleTime,
    /// The tier with the largest credit percent whose `below_percent` is above U.
    Tier {
        below_percent: Decimal,
        credit_percent: Decimal,
    },
    /// U is under no tier's `below_percent`.
    NoTier,
    Proportional {
        multiplier: Decimal,
        basis: Basis,
        target_percent: Decimal,
    },
}

const SEVERITIES: [Severity; 3] = [
    Severity::MajorOutage,
    Severity::PartialOutage,
    Severity::DegradedPerformance,
];

/// SPEC §9.4: [`super::statement`] with its steps. Errors only when `terms` fail
/// [`Terms::validate`].
pub fn explain(
    period: Period,
    as_of: i64,
    terms: &Terms,
    subscriber: &Subscriber,
    windows: &[Window],
    groups: &Groups,
) -> Result<Explanation, TermsError> {
    let Cut {
        rules,
        period_span,
        applicable,
        measured,
    } = Cut::new(period, as_of, terms, subscriber, windows, groups)?;
    let measured_span = measured.span;
    let usage = measured.usage(rules.min_downtime);
    let statement = finish(period, period_span, subscriber, usage, &rules);

    let counted: HashSet<i64> = measured
        .outages
        .iter()
        .zip(&measured.contributed)
        .filter(|(_, c)| **c)
        .map(|(o, _)| o.id)
        .collect();
    let mut clipped: Vec<Clipped> = applicable
        .iter()
        .filter_map(|w| {
            let span = w.span(as_of).intersect(measured_span);
            let weight = rules.classify(w.severity).map(|(_, w)| from_e4(w));
            (!span.is_empty()).then(|| Clipped {
                id: w.id,
                component: w.component.clone(),
                severity: w.severity,
                counted: weight.is_some() && counted.contains(&w.id),
                weight,
                span,
            })
        })
        .collect();
    clipped.sort_by_key(|c| (c.span.start, c.id));

    let pieces = &measured.pieces;
    let mut dropped = vec![false; pieces.len()];
    let mut dropped_runs = Vec::new();
    for (run, kept) in runs(pieces, rules.min_downtime) {
        if !kept {
            dropped_runs.push(Span::new(
                pieces[run.start].span.start,
                pieces[run.end - 1].span.end,
            ));
            dropped[run].fill(true);
        }
    }
    let mut excluded: Vec<Span> = Vec::new();
    let mut segments: Vec<Segment> = Vec::new();
    for (piece, dropped) in pieces.iter().zip(dropped) {
        if piece.excluded {
            match excluded.last_mut() {
                Some(last) if last.end == piece.span.start => last.end = piece.span.end,
                _ => excluded.push(piece.span),
            }
            continue;
        }
        let Some(winner) = piece.winner else {
            continue;
        };
        let segment = Segment {
            span: piece.span,
            severity: SEVERITIES[winner],
            weight: from_e4(piece.weight),
            dropped,
        };
        match segments.last_mut() {
            Some(last)
                if last.span.end == segment.span.start
                    && (last.severity, last.weight, last.dropped)
                        == (segment.severity, segment.weight, segment.dropped) =>
            {
                last.span.end = segment.span.end;
            }
            _ => segments.push(segment),
        }
    }

    let e = i128::from(statement.usage.eligible_seconds);
    let d4 = i128::from(statement.usage.downtime_e4);
    let rule = match &rules.policy {
        _ if e == 0 => CreditRule::NoEligibleTime,
        Policy::Tiered(tiers) => match chosen_tier(tiers, e, d4) {
            Some((below_e4, credit_e4)) => CreditRule::Tier {
                below_percent: from_e4(below_e4),
                credit_percent: from_e4(credit_e4),
            },
            None => CreditRule::NoTier,
        },
        Policy::Proportional {
            multiplier_e4,
            basis,
        } => CreditRule::Proportional {
            multiplier: from_e4(*multiplier_e4),
            basis: *basis,
            target_percent: from_e4(rules.target_e4),
        },
    };
    let c = statement.credit_percent;
    let fee = statement.fee_minor;
    let amount_exact_minor = fee
        .numerator()
        .checked_mul(c.numerator())
        .zip(
            fee.denominator()
                .checked_mul(c.denominator())
                .and_then(|d| d.checked_mul(100)),
        )
        .map(|(n, d)| Ratio::new(n, d));
    Ok(Explanation {
        excluded,
        windows: clipped,
        segments,
        dropped_runs,
        min_downtime_seconds: rules.min_downtime,
        rule,
        uncapped_percent: percent(&rules, e, d4),
        cap_percent: from_e4(rules.cap_e4),
        min_credit_minor: rules.min_credit_minor,
        amount_exact_minor,
        statement,
    })
}
