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
use std::num::NonZeroUsize;
use std::sync::Arc;

use lru::LruCache;
use parking_lot::Mutex;

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
struct Plan {
    rules: Rules,
    span: Span,
    /// Plans with the same components, time zone, weights, maintenance rule and minimum downtime
    /// have the same timelines; they share them (plans often differ only in price and policy).
    class: usize,
    /// Indices of the windows for every customer in every region.
    everyone: Vec<usize>,
    /// Region-scoped windows for every customer, by region.
    by_region: HashMap<String, Vec<usize>>,
    /// Customer-scoped windows (any regions), by customer id.
    by_customer: HashMap<i64, Vec<usize>>,
}

impl Plan {
    fn new(
        terms: &Terms,
        period: Period,
        as_of: i64,
        windows: &[Window],
        groups: &Groups,
    ) -> Result<Self, TermsError> {
        let rules = Rules::new(terms)?;
        let span = period.span(terms.timezone);
        let reach = span.intersect(Span::new(i64::MIN, as_of));
        let coverage = Coverage::new(&terms.components, groups);
        let mut plan = Plan {
            rules,
            span,
            class: 0,
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
                    plan.by_region.entry(region.clone()).or_default().push(i);
                }
            } else {
                plan.everyone.push(i);
            }
        }
        Ok(plan)
    }

    /// What makes a subscriber's windows differ from another's under this plan: its region (if
    /// any window is scoped to it) and the customer-scoped windows that reach it.
    fn key(&self, subscriber: &Subscriber, windows: &[Window]) -> (Option<&str>, Vec<usize>) {
        let region = subscriber
            .region
            .as_deref()
            .and_then(|r| self.by_region.get_key_value(r))
            .map(|(k, _)| k.as_str());
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

/// What a base timeline is built from: a plan class and a region.
type TimelineKey = (usize, Option<String>);

/// How many base timelines a month keeps: a run's pages come in plan order and need one plan's
/// (a few regions) at a time; more lets plans of few classes share them.
const KEPT_TIMELINES: NonZeroUsize = NonZeroUsize::new(16).expect("16 is not zero");

/// A period's windows prepared for any number of statements: which windows each plan version
/// covers, and the timelines built from them. Build it once and ask it for page after page (a
/// run, a report) or request after request (statements): each plan's timelines are built once
/// while that plan is being served. It keeps the timelines it built last (`KEPT_TIMELINES`), so
/// pages in plan order build each timeline once and memory stays at a few plans' worth.
pub struct Month {
    period: Period,
    as_of: i64,
    windows: Vec<Window>,
    /// Component keys, sorted, and each window's index among them.
    names: Vec<String>,
    component_of: Vec<usize>,
    plans: Vec<Plan>,
    kept: Mutex<LruCache<TimelineKey, Arc<Timeline>>>,
}

impl Month {
    /// `terms[i]` is the plan version that subscriptions name by index `i`.
    pub fn new(
        period: Period,
        as_of: i64,
        terms: &[Terms],
        windows: Vec<Window>,
        groups: &Groups,
    ) -> Result<Month, BatchError> {
        let mut classes = Vec::new();
        let mut plans = Vec::with_capacity(terms.len());
        for (index, t) in terms.iter().enumerate() {
            let mut components = t.components.clone();
            components.sort_unstable();
            components.dedup();
            let r = Rules::new(t).map_err(|error| BatchError::Terms { index, error })?;
            let class = (
                components,
                t.timezone,
                r.weights_e4,
                r.maintenance,
                r.min_downtime,
            );
            let same = classes.iter().position(|c| *c == class);
            let mut plan = match same.and_then(|c| plans.iter().find(|p: &&Plan| p.class == c)) {
                Some(twin) => Plan {
                    rules: r,
                    span: twin.span,
                    class: twin.class,
                    everyone: twin.everyone.clone(),
                    by_region: twin.by_region.clone(),
                    by_customer: twin.by_customer.clone(),
                },
                None => Plan::new(t, period, as_of, &windows, groups)
                    .map_err(|error| BatchError::Terms { index, error })?,
            };
            plan.class = same.unwrap_or_else(|| {
                classes.push(class);
                classes.len() - 1
            });
            plans.push(plan);
        }
        let mut names: Vec<String> = windows.iter().map(|w| w.component.clone()).collect();
        names.sort_unstable();
        names.dedup();
        let component_of = windows
            .iter()
            .map(|w| names.binary_search(&w.component).unwrap_or(0))
            .collect();
        Ok(Month {
            period,
            as_of,
            windows,
            names,
            component_of,
            plans,
            kept: Mutex::new(LruCache::new(KEPT_TIMELINES)),
        })
    }

    /// How many windows it holds.
    pub fn window_count(&self) -> usize {
        self.windows.len()
    }

    /// The base timeline of `plan` for customers in `region`: kept, or built now.
    fn timeline(&self, index: usize, region: Option<&str>, names: &[&str]) -> Arc<Timeline> {
        let plan = &self.plans[index];
        let mut kept = self.kept.lock();
        let timeline = kept.get_or_insert((plan.class, region.map(str::to_owned)), || {
            let regional = region
                .and_then(|r| plan.by_region.get(r))
                .map_or(&[][..], Vec::as_slice);
            let inputs = plan.everyone.iter().chain(regional).map(|&i| {
                Input::new(
                    &self.windows[i],
                    self.component_of[i],
                    self.as_of,
                    plan.span,
                )
            });
            Arc::new(Timeline::build(inputs, names, &plan.rules))
        });
        Arc::clone(timeline)
    }

    /// SPEC §3–§5 for every `(terms index, subscriber)` in `subs`, in the same order.
    pub fn statements(&self, subs: &[(usize, Subscriber)]) -> Result<Vec<Statement>, BatchError> {
        let windows = &self.windows;
        // Group the subscriptions that see the same windows.
        type Key<'w> = (usize, Option<&'w str>, Vec<usize>);
        let mut group_of: HashMap<Key<'_>, usize> = HashMap::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (position, (index, subscriber)) in subs.iter().enumerate() {
            let plan = self.plans.get(*index).ok_or(BatchError::UnknownTerms {
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

        let names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        let mut out: Vec<Option<Statement>> = vec![None; subs.len()];
        // Groups sharing (plan, region) come together, and plans in order.
        let mut groups: Vec<(Key<'_>, usize)> = group_of.into_iter().collect();
        groups.sort_unstable();
        for ((index, region, own), group) in groups {
            let plan = &self.plans[index];
            let frame = Frame {
                period: plan.span,
                as_of: self.as_of,
                names: &names,
                rules: &plan.rules,
            };
            let base = self.timeline(index, region, &names);
            let regional = region
                .and_then(|r| plan.by_region.get(r))
                .map_or(&[][..], Vec::as_slice);
            let indexed = |i: &usize| (&windows[*i], self.component_of[*i]);
            let shared = || plan.everyone.iter().chain(regional).map(indexed);
            let overlay = (!own.is_empty())
                .then(|| Overlay::new(&base, shared(), own.iter().map(indexed), &frame));
            let mut by_span: HashMap<Span, Usage> = HashMap::new();
            for &position in &members[group] {
                let subscriber = &subs[position].1;
                let measured = subscriber.measured_span(plan.span, self.as_of);
                let usage = by_span
                    .entry(measured)
                    .or_insert_with(|| match &overlay {
                        Some(overlay) => overlay.usage(measured),
                        None => base.usage(measured),
                    })
                    .clone();
                out[position] = Some(finish(
                    self.period,
                    plan.span,
                    subscriber,
                    usage,
                    &plan.rules,
                ));
            }
        }
        Ok(out.into_iter().flatten().collect())
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
    Month::new(period, as_of, terms, windows.to_vec(), groups)?.statements(subs)
}
