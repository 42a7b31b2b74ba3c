//! Many subscriptions at once (a credit run). Gives exactly what [`statement`] gives for each
//! subscription, without sweeping windows per subscription: subscriptions that see the same
//! windows (same plan version, same region-scoped windows, same customer-scoped windows) form a
//! group, and each group's timeline is built once and cut to each measured span in O(log n).
//! A plan version and region share one timeline (`timeline.rs`); a group that also sees
//! customer-scoped windows patches it around them (`overlay.rs`). Most subscriptions cover the
//! whole period, so the usage of a span is also computed once per group.
//!
//! [`statement`]: super::statement::statement

use std::collections::HashMap;
use std::fmt;

use super::applicability::{Coverage, Groups, Subscriber, Window};
use super::interval::Span;
use super::overlay::{Frame, Overlay};
use super::period::Period;
use super::rules::{Rules, TermsError};
use super::statement::{Statement, finish};
use super::terms::Terms;
use super::timeline::{Input, Timeline};
use super::usage::Usage;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchError {
    /// `terms[index]` fails validation.
    Terms { index: usize, error: TermsError },
    /// `subs[position]` names a terms index that does not exist.
    UnknownTerms { position: usize, index: usize },
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Terms { index, error } => write!(f, "terms[{index}]: {error}"),
            BatchError::UnknownTerms { position, index } => {
                write!(
                    f,
                    "subscription {position} refers to terms[{index}], which does not exist"
                )
            }
        }
    }
}

impl std::error::Error for BatchError {}

/// One plan version, with the windows it covers sorted by how they are scoped.
struct Plan<'w> {
    rules: Rules,
    span: Span,
    /// Indices of the windows for every customer in every region.
    everyone: Vec<usize>,
    /// Region-scoped windows for every customer, by region.
    by_region: HashMap<&'w str, Vec<usize>>,
    /// Customer-scoped windows (any regions), by customer id.
    by_customer: HashMap<i64, Vec<usize>>,
}

impl<'w> Plan<'w> {
    fn new(
        terms: &Terms,
        period: Period,
        as_of: i64,
        windows: &'w [Window],
        groups: &Groups,
    ) -> Result<Self, TermsError> {
        let rules = Rules::new(terms)?;
        let span = period.span(terms.timezone);
        let reach = span.intersect(Span::new(i64::MIN, as_of));
        let coverage = Coverage::new(&terms.components, groups);
        let mut plan = Plan {
            rules,
            span,
            everyone: Vec::new(),
            by_region: HashMap::new(),
            by_customer: HashMap::new(),
        };
        let relevant = windows.iter().enumerate().filter(|(_, w)| {
            !w.span(as_of).intersect(reach).is_empty() && coverage.covers(&w.component)
        });
        for (i, window) in relevant {
            if !window.customers.is_empty() {
                for customer in &window.customers {
                    plan.by_customer.entry(*customer).or_default().push(i);
                }
            } else if !window.regions.is_empty() {
                for region in &window.regions {
                    plan.by_region.entry(region.as_str()).or_default().push(i);
                }
            } else {
                plan.everyone.push(i);
            }
        }
        Ok(plan)
    }

    /// What makes a subscriber's windows differ from another's under this plan: its region (if
    /// any window is scoped to it) and the customer-scoped windows that reach it.
    fn key(&self, subscriber: &Subscriber, windows: &[Window]) -> (Option<&'w str>, Vec<usize>) {
        let region = subscriber
            .region
            .as_deref()
            .and_then(|r| self.by_region.get_key_value(r))
            .map(|(k, _)| *k);
        let own = self
            .by_customer
            .get(&subscriber.customer_id)
            .map_or(Vec::new(), |list| {
                list.iter()
                    .copied()
                    .filter(|&i| subscriber.in_scope(&windows[i]))
                    .collect()
            });
        (region, own)
    }
}

/// SPEC §3–§5 for every `(terms index, subscriber)` in `subs`, in the same order.
pub fn statements(
    period: Period,
    as_of: i64,
    terms: &[Terms],
    subs: &[(usize, Subscriber)],
    windows: &[Window],
    groups: &Groups,
) -> Result<Vec<Statement>, BatchError> {
    let plans = terms
        .iter()
        .enumerate()
        .map(|(index, t)| {
            Plan::new(t, period, as_of, windows, groups)
                .map_err(|error| BatchError::Terms { index, error })
        })
        .collect::<Result<Vec<_>, _>>()?;

    // Group the subscriptions that see the same windows.
    type Key<'w> = (usize, Option<&'w str>, Vec<usize>);
    let mut group_of: HashMap<Key<'_>, usize> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (position, (index, subscriber)) in subs.iter().enumerate() {
        let plan = plans.get(*index).ok_or(BatchError::UnknownTerms {
            position,
            index: *index,
        })?;
        let (region, own) = plan.key(subscriber, windows);
        let next = members.len();
        let group = *group_of.entry((*index, region, own)).or_insert(next);
        if group == next {
            members.push(Vec::new());
        }
        members[group].push(position);
    }

    // Component keys sorted once for every timeline, and each window's index among them.
    let mut names: Vec<&str> = windows.iter().map(|w| w.component.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let component_of: Vec<usize> = windows
        .iter()
        .map(|w| names.binary_search(&w.component.as_str()).unwrap_or(0))
        .collect();

    let mut out: Vec<Option<Statement>> = vec![None; subs.len()];
    // One base timeline at a time: groups sharing (plan, region) come together, and a timeline is
    // dropped once its groups are done, which keeps memory to one plan's worth.
    let mut groups: Vec<(Key<'_>, usize)> = group_of.into_iter().collect();
    groups.sort_unstable_by(|((a, ra, oa), _), ((b, rb, ob), _)| (a, ra, oa).cmp(&(b, rb, ob)));
    let mut current: Option<((usize, Option<&str>), Timeline)> = None;
    for ((index, region, own), group) in groups {
        let plan = &plans[index];
        let frame = Frame {
            period: plan.span,
            as_of,
            names: &names,
            rules: &plan.rules,
        };
        let regional = region
            .and_then(|r| plan.by_region.get(r))
            .map_or(&[][..], Vec::as_slice);
        let indexed = |i: &usize| (&windows[*i], component_of[*i]);
        let shared = || plan.everyone.iter().chain(regional).map(indexed);
        let base = match current.take() {
            Some((key, timeline)) if key == (index, region) => &current.insert((key, timeline)).1,
            _ => {
                let inputs = shared().map(|(w, c)| Input::new(w, c, as_of, plan.span));
                let timeline = Timeline::build(inputs, &names, &plan.rules);
                &current.insert(((index, region), timeline)).1
            }
        };
        let overlay = (!own.is_empty())
            .then(|| Overlay::new(base, shared(), own.iter().map(indexed), &frame));
        let mut by_span: HashMap<Span, Usage> = HashMap::new();
        for &position in &members[group] {
            let subscriber = &subs[position].1;
            let measured = subscriber.measured_span(plan.span, as_of);
            let usage = by_span
                .entry(measured)
                .or_insert_with(|| match &overlay {
                    Some(overlay) => overlay.usage(measured),
                    None => base.usage(measured),
                })
                .clone();
            out[position] = Some(finish(period, plan.span, subscriber, usage, &plan.rules));
        }
    }
    Ok(out.into_iter().flatten().collect())
}
