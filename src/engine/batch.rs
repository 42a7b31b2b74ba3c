//! Many subscriptions at once (a credit run). Gives exactly what [`statement`] gives for each
//! subscription, without sweeping windows per subscription: subscriptions that see the same
//! windows (same plan version, same region-scoped windows, same customer-scoped windows) form a
//! group, and each group's timeline is built once and cut to each measured span in O(log n).
//! Plan versions alike in everything but price and credit policy share their windows, and with a
//! region one timeline (`timeline.rs`); a group that also sees customer-scoped windows patches it
//! around them (`overlay.rs`). Most subscriptions cover the whole period, so the usage of a span
//! is also computed once per group. A [`Month`] keeps its timelines for page after page.
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
use super::terms::{Maintenance, Terms};
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

/// One plan version: its rules, and which class of windows and timelines it shares.
struct Plan {
    rules: Rules,
    /// Index into `Month::classes`.
    class: usize,
}

/// What plans with the same components, time zone, weights, maintenance rule and minimum
/// downtime share (plans often differ only in price and credit policy): the windows they cover,
/// sorted by how they are scoped, and so their timelines.
struct Class {
    /// What makes a class: components (sorted), zone, weights, maintenance, minimum downtime.
    key: ClassKey,
    span: Span,
    /// Indices of the windows for every customer in every region.
    everyone: Vec<usize>,
    /// Region-scoped windows for every customer, by region.
    by_region: HashMap<String, Vec<usize>>,
    /// Customer-scoped windows (any regions), by customer id.
    by_customer: HashMap<i64, Vec<usize>>,
}

type ClassKey = (Vec<String>, chrono_tz::Tz, [i64; 3], Maintenance, i64);

impl Class {
    fn new(
        key: ClassKey,
        period: Period,
        as_of: i64,
        windows: &[Window],
        groups: &Groups,
    ) -> Class {
        let span = period.span(key.1);
        let reach = span.intersect(Span::new(i64::MIN, as_of));
        let coverage = Coverage::new(&key.0, groups);
        let mut class = Class {
            key,
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
                    class.by_customer.entry(*customer).or_default().push(i);
                }
            } else if !window.regions.is_empty() {
                for region in &window.regions {
                    class.by_region.entry(region.clone()).or_default().push(i);
                }
            } else {
                class.everyone.push(i);
            }
        }
        class
    }

    /// What makes a subscriber's windows differ from another's: its region (if any window is
    /// scoped to it) and the customer-scoped windows that reach it.
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

    /// The windows for customers in `region` who see no window of their own.
    fn shared<'c>(&'c self, region: Option<&str>) -> impl Iterator<Item = &'c usize> + Clone {
        let regional = region
            .and_then(|r| self.by_region.get(r))
            .map_or(&[][..], Vec::as_slice);
        self.everyone.iter().chain(regional)
    }
}

/// What a base timeline is built from: a plan class and a region.
type TimelineKey = (usize, Option<String>);

/// A base timeline over one measured span.
type UsageKey = (usize, Option<String>, Span);

/// How many window clips a month's kept base timelines may hold together (about 250 bytes each):
/// a run's pages come in subscription order and each needs the timelines of every plan class and
/// region, so a month keeps all of them when they fit, and the least recently used go first when
/// they do not.
const KEPT_CLIPS: usize = 1_000_000;

/// How many base usages (a timeline over one measured span) a month keeps: most subscriptions
/// share a few spans (the whole period, or from a start date), and each holds its window ids.
const KEPT_USAGES: NonZeroUsize = NonZeroUsize::new(64).expect("64 is not zero");

/// The base timelines a month keeps, least recently used first out, and the clips they hold.
struct Kept {
    timelines: LruCache<TimelineKey, Arc<Timeline>>,
    clips: usize,
}

impl Kept {
    fn keep(&mut self, key: TimelineKey, timeline: Arc<Timeline>) {
        self.clips += timeline.clips();
        if let Some((_, replaced)) = self.timelines.push(key, timeline) {
            self.clips -= replaced.clips();
        }
        while self.clips > KEPT_CLIPS && self.timelines.len() > 1 {
            if let Some((_, dropped)) = self.timelines.pop_lru() {
                self.clips -= dropped.clips();
            }
        }
    }
}

/// A period's windows prepared for any number of statements: which windows each plan version
/// covers, and the timelines built from them. Build it once and ask it for page after page (a
/// run, a report) or request after request (statements): each plan's timelines are built once
/// while that plan is being served. It keeps the timelines it built last, as many as `KEPT_CLIPS`
/// allows, so memory depends on the windows, not on the subscriptions.
pub struct Month {
    period: Period,
    as_of: i64,
    windows: Vec<Window>,
    /// Component keys, sorted, and each window's index among them.
    names: Vec<String>,
    component_of: Vec<usize>,
    plans: Vec<Plan>,
    classes: Vec<Class>,
    kept: Mutex<Kept>,
    usages: Mutex<LruCache<UsageKey, Usage>>,
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
        let mut classes: Vec<Class> = Vec::new();
        let mut plans = Vec::with_capacity(terms.len());
        for (index, t) in terms.iter().enumerate() {
            let rules = Rules::new(t).map_err(|error| BatchError::Terms { index, error })?;
            let mut components = t.components.clone();
            components.sort_unstable();
            components.dedup();
            let key = (
                components,
                t.timezone,
                rules.weights_e4,
                rules.maintenance,
                rules.min_downtime,
            );
            let class = match classes.iter().position(|c| c.key == key) {
                Some(class) => class,
                None => {
                    classes.push(Class::new(key, period, as_of, &windows, groups));
                    classes.len() - 1
                }
            };
            plans.push(Plan { rules, class });
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
            classes,
            kept: Mutex::new(Kept {
                timelines: LruCache::unbounded(),
                clips: 0,
            }),
            usages: Mutex::new(LruCache::new(KEPT_USAGES)),
        })
    }

    /// The base timeline of `plan` for customers in `region`: kept, or built now.
    fn timeline(&self, plan: &Plan, region: Option<&str>, names: &[&str]) -> Arc<Timeline> {
        let key = (plan.class, region.map(str::to_owned));
        let mut kept = self.kept.lock();
        if let Some(timeline) = kept.timelines.get(&key) {
            return Arc::clone(timeline);
        }
        let class = &self.classes[plan.class];
        let inputs = class.shared(region).map(|&i| {
            Input::new(
                &self.windows[i],
                self.component_of[i],
                self.as_of,
                class.span,
            )
        });
        let timeline = Arc::new(Timeline::build(inputs, names, &plan.rules));
        kept.keep(key, Arc::clone(&timeline));
        timeline
    }

    /// The base timeline's usage over `measured`: kept, or computed now. Pages ask for the same
    /// few spans of each timeline again and again.
    fn base_usage(
        &self,
        class: usize,
        region: Option<&str>,
        base: &Timeline,
        measured: Span,
    ) -> Usage {
        let key = (class, region.map(str::to_owned), measured);
        if let Some(usage) = self.usages.lock().get(&key) {
            return usage.clone();
        }
        let usage = base.usage(measured);
        self.usages.lock().put(key, usage.clone());
        usage
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
            let (region, own) = self.classes[plan.class].key(subscriber, windows);
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
            let class = &self.classes[plan.class];
            let frame = Frame {
                period: class.span,
                as_of: self.as_of,
                names: &names,
                rules: &plan.rules,
            };
            let base = self.timeline(plan, region, &names);
            let indexed = |i: &usize| (&windows[*i], self.component_of[*i]);
            let overlay =
                (!own.is_empty()).then(|| Overlay::new(&base, own.iter().map(indexed), &frame));
            let mut by_span: HashMap<Span, Usage> = HashMap::new();
            for &position in &members[group] {
                let subscriber = &subs[position].1;
                let measured = subscriber.measured_span(class.span, self.as_of);
                let usage = by_span
                    .entry(measured)
                    .or_insert_with(|| {
                        let shared = self.base_usage(plan.class, region, &base, measured);
                        match &overlay {
                            Some(overlay) => overlay.usage(measured, &shared),
                            None => shared,
                        }
                    })
                    .clone();
                out[position] = Some(finish(
                    self.period,
                    class.span,
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
