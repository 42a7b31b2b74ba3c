//! The timeline of one group of subscriptions that see the same windows, built once over the
//! whole period and then cut to each subscription's measured span in O(log n).
//!
//! It stores running totals (prefix sums) of piecewise-constant rates, so any span's total is a
//! difference of two lookups. The minimum-downtime rule is not local: a run cut by the measured
//! span's edge is shorter than the full-period run, so the (at most two) edge runs are recomputed.

use std::sync::Arc;

use super::applicability::Window;
use super::cumulative::Cumulative;
use super::interval::Span;
use super::rules::Rules;
use super::sweep::{runs, sweep};
use super::terms::Severity;
use super::usage::{ComponentUsage, SeverityUsage, Usage, seconds_from_e4};

// Rates in `Timeline::totals`.
const EXCLUDED: usize = 0;
const IMPACTED: usize = 1;
const WEIGHTED: usize = 2;
/// Weighted, but only inside runs that reach the minimum over the whole period.
const KEPT: usize = 3;
const SEVERITY: usize = 4;

#[derive(Clone, Debug)]
struct Clip {
    span: Span,
    id: i64,
    severity: Severity,
    component: usize,
    excluded: bool,
    /// Overlaps excluded time (so a part of it may have no instant in E).
    meets_exclusion: bool,
    /// Has an instant in E over its whole span.
    eligible: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Timeline {
    totals: Cumulative<7>,
    /// Maximal runs of eligible time with impact > 0, in order.
    runs: Vec<Span>,
    min_downtime: i64,
    /// Sorted by name; rates: impacted, weighted, kept (as in `totals`).
    components: Vec<(String, Cumulative<3>)>,
    /// Sorted by id.
    windows: Vec<Clip>,
    /// Indices into `windows` by start, and the longest clip: the clips meeting a span are found
    /// without a look at the others.
    by_start: Vec<usize>,
    longest: i64,
}

/// A window as a timeline takes it: already cut to where it counts, with the index of its
/// component key in the sorted `names`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Input {
    pub span: Span,
    pub id: i64,
    pub severity: Severity,
    pub component: usize,
}

impl Input {
    /// `window` cut to `within` (and to `as_of` when it is still open).
    pub fn new(window: &Window, component: usize, as_of: i64, within: Span) -> Input {
        let span = window.span(as_of).intersect(within);
        Input {
            span,
            id: window.id,
            severity: window.severity,
            component,
        }
    }
}

impl Timeline {
    pub fn build(
        inputs: impl IntoIterator<Item = Input>,
        names: &[&str],
        rules: &Rules,
    ) -> Timeline {
        let mut clips = Vec::new();
        let mut outages: Vec<(Span, usize, usize, i64)> = Vec::new();
        for Input {
            span,
            id,
            severity,
            component,
        } in inputs
        {
            if span.is_empty() {
                continue;
            }
            let class = rules.classify(severity);
            clips.push(Clip {
                span,
                id,
                severity,
                component,
                excluded: class.is_none(),
                meets_exclusion: true,
                eligible: true,
            });
            if let Some((severity, weight)) = class {
                outages.push((span, component, severity, weight));
            }
        }

        let maintenance: Vec<Span> = clips
            .iter()
            .filter(|c| c.excluded)
            .map(|c| c.span)
            .collect();
        let (pieces, piece_components) = sweep(&maintenance, &outages, names.len());
        let runs = runs(&pieces);

        let kept = |span: Span| span.seconds() >= rules.min_downtime;

        let mut totals = Cumulative::with_capacity(pieces.len());
        let mut counts = vec![0; names.len()];
        for &(c, _) in &piece_components {
            counts[c] += 1;
        }
        let mut components: Vec<Cumulative<3>> =
            counts.into_iter().map(Cumulative::with_capacity).collect();
        let mut run_index = 0;
        for piece in &pieces {
            if piece.excluded {
                totals.push(piece.span, [1, 0, 0, 0, 0, 0, 0]);
                continue;
            }
            while run_index < runs.len() && runs[run_index].end <= piece.span.start {
                run_index += 1;
            }
            let in_kept_run = piece.weight > 0
                && runs
                    .get(run_index)
                    .is_some_and(|r| r.start <= piece.span.start && kept(*r));
            let keep = i64::from(in_kept_run);
            let mut rates = [0, 1, piece.weight, piece.weight * keep, 0, 0, 0];
            rates[SEVERITY + piece.winner] = 1;
            totals.push(piece.span, rates);
            for &(c, w) in &piece_components[piece.components.clone()] {
                components[c].push(piece.span, [1, w, w * keep]);
            }
        }
        for clip in &mut clips {
            let excluded = totals.over(clip.span)[EXCLUDED];
            clip.meets_exclusion = excluded > 0;
            clip.eligible = excluded < clip.span.seconds();
        }
        // By id, so the ids of a span come out sorted.
        clips.sort_by_key(|c| c.id);
        let mut by_start: Vec<usize> = (0..clips.len()).collect();
        by_start.sort_by_key(|&i| clips[i].span.start);
        let longest = clips.iter().map(|c| c.span.seconds()).max().unwrap_or(0);
        Timeline {
            totals,
            runs,
            min_downtime: rules.min_downtime,
            components: names
                .iter()
                .zip(components)
                .filter(|(_, line)| !line.is_empty())
                .map(|(name, line)| ((*name).to_owned(), line))
                .collect(),
            windows: clips,
            by_start,
            longest,
        }
    }

    /// The usage of a subscription whose measured span is `measured` (within the period).
    pub fn usage(&self, measured: Span) -> Usage {
        if measured.is_empty() {
            return Usage::empty(measured);
        }
        let components = self
            .component_figures(measured)
            .filter(|(_, impacted, _)| *impacted > 0)
            .map(|(name, impacted, down)| ComponentUsage {
                component: name.to_owned(),
                impacted_seconds: impacted,
                downtime_seconds: seconds_from_e4(down),
            })
            .collect();
        let (ids, excluded_ids) = self.window_ids(measured);
        assemble(
            measured,
            self.figures(measured),
            components,
            ids,
            excluded_ids,
        )
    }

    /// Totals over `span`, with the minimum downtime applied to runs as `span` cuts them.
    pub fn figures(&self, span: Span) -> Figures {
        let totals = self.totals.over(span);
        let fix = self.cut_run_fix(span, |s| self.totals.over(s)[WEIGHTED]);
        Figures {
            totals,
            downtime_e4: totals[KEPT] + fix,
        }
    }

    /// `(key, impacted seconds, downtime·10^4)` of every component over `span`, in key order.
    pub fn component_figures(&self, span: Span) -> impl Iterator<Item = (&str, i64, i64)> {
        self.components.iter().map(move |(name, line)| {
            let c = line.over(span);
            let fix = if c[0] > 0 {
                self.cut_run_fix(span, |s| line.over(s)[1])
            } else {
                0
            };
            (name.as_str(), c[0], c[2] + fix)
        })
    }

    /// Each run was counted in KEPT by its full length. Cut by `span`, it may fall under the
    /// minimum (never the other way round, a cut run being no longer than the whole).
    fn cut_run_fix(&self, span: Span, weighted: impl Fn(Span) -> i64) -> i64 {
        let keeps = |s: &Span| s.seconds() >= self.min_downtime;
        self.edge_runs(span)
            .iter()
            .flatten()
            .filter(|(cut, full)| keeps(full) && !keeps(cut))
            .map(|(cut, _)| -weighted(*cut))
            .sum()
    }

    /// Maximal runs of eligible time with impact > 0, over the whole period, in order.
    pub fn runs(&self) -> &[Span] {
        &self.runs
    }

    /// Sums of the rates over `span`, before the minimum-downtime rule.
    pub fn totals(&self, span: Span) -> [i64; 7] {
        self.totals.over(span)
    }

    /// Weighted seconds (·10^4) over `span`, before the minimum-downtime rule.
    pub fn weighted(&self, span: Span) -> i64 {
        self.totals.over(span)[WEIGHTED]
    }

    pub fn component_names(&self) -> impl Iterator<Item = &str> {
        self.components.iter().map(|(name, _)| name.as_str())
    }

    fn component(&self, name: &str) -> Option<&Cumulative<3>> {
        let found = self
            .components
            .binary_search_by(|(n, _)| n.as_str().cmp(name));
        found.ok().map(|i| &self.components[i].1)
    }

    /// One component's impacted seconds and weighted seconds (·10^4) over `span`.
    pub fn component_totals(&self, name: &str, span: Span) -> (i64, i64) {
        self.component(name).map_or((0, 0), |line| {
            let c = line.over(span);
            (c[0], c[1])
        })
    }

    /// One component's downtime (·10^4) over `span`, the minimum applied to runs as cut by it.
    pub fn component_downtime(&self, name: &str, span: Span) -> i64 {
        self.component(name).map_or(0, |line| {
            line.over(span)[2] + self.cut_run_fix(span, |s| line.over(s)[1])
        })
    }

    /// How many window clips it holds: what its memory grows with.
    pub fn clips(&self) -> usize {
        self.windows.len()
    }

    pub fn min_downtime(&self) -> i64 {
        self.min_downtime
    }

    /// `(cut, full)` for the runs that `measured` cuts: the one around its start, the one around
    /// its end (one run if both are the same).
    fn edge_runs(&self, measured: Span) -> [Option<(Span, Span)>; 2] {
        if self.min_downtime == 0 {
            return [None, None];
        }
        let around = |t: i64| {
            let k = self.runs.partition_point(|r| r.start < t);
            k.checked_sub(1).map(|k| self.runs[k]).filter(|r| r.end > t)
        };
        match (around(measured.start), around(measured.end)) {
            (Some(a), Some(b)) if a == b => [Some((measured, a)), None],
            (a, b) => [
                a.map(|r| (r.intersect(measured), r)),
                b.map(|r| (r.intersect(measured), r)),
            ],
        }
    }

    /// Ids of outage windows with an instant in E within `span`, and of excluded maintenance
    /// windows meeting it, both ascending.
    pub fn window_ids(&self, span: Span) -> (Vec<i64>, Vec<i64>) {
        let mut outages = Vec::new();
        let mut excluded = Vec::new();
        for clip in &self.windows {
            match self.listed(clip, span) {
                Some(Listed::Outage) => outages.push(clip.id),
                Some(Listed::Excluded) => excluded.push(clip.id),
                None => {}
            }
        }
        for ids in [&mut outages, &mut excluded] {
            ids.dedup();
        }
        (outages, excluded)
    }

    /// `window_ids` over the parts of `measured` outside `areas` (joined, in order), given
    /// `within` = `window_ids(measured)`. A clip that meets no area lies in one part whole, so
    /// it is listed as over `measured`; only the clips that meet an area are looked at again.
    pub fn window_ids_outside(
        &self,
        measured: Span,
        areas: &[Span],
        within: (&[i64], &[i64]),
    ) -> (Vec<i64>, Vec<i64>) {
        let mut meeting: Vec<usize> = areas
            .iter()
            .map(|a| a.intersect(measured))
            .filter(|a| !a.is_empty())
            .flat_map(|a| self.meeting(a))
            .collect();
        meeting.sort_unstable();
        meeting.dedup();
        let looked_at: Vec<i64> = meeting.iter().map(|&i| self.windows[i].id).collect();
        let kept = |ids: &[i64]| -> Vec<i64> {
            ids.iter()
                .copied()
                .filter(|id| looked_at.binary_search(id).is_err())
                .collect()
        };
        let (mut outages, mut excluded) = (kept(within.0), kept(within.1));
        let parts = outside(measured, areas);
        for &i in &meeting {
            let clip = &self.windows[i];
            let listed = parts.iter().filter_map(|p| self.listed(clip, *p));
            for how in listed {
                match how {
                    Listed::Outage => outages.push(clip.id),
                    Listed::Excluded => excluded.push(clip.id),
                }
            }
        }
        // The kept ids, then those of the clips looked at again: two sorted runs, which a
        // stable sort merges in linear time.
        for ids in [&mut outages, &mut excluded] {
            ids.sort();
            ids.dedup();
        }
        (outages, excluded)
    }

    /// Indices of the clips that meet `span` (in start order).
    fn meeting(&self, span: Span) -> impl Iterator<Item = usize> + '_ {
        let starts = |t: i64| {
            self.by_start
                .partition_point(|&i| self.windows[i].span.start < t)
        };
        let from = starts(span.start.saturating_sub(self.longest));
        let to = starts(span.end);
        self.by_start[from..to]
            .iter()
            .copied()
            .filter(move |&i| !self.windows[i].span.intersect(span).is_empty())
    }

    /// The windows of this timeline that meet `span`, as inputs cut to it.
    pub fn inputs_within(&self, span: Span) -> impl Iterator<Item = Input> + '_ {
        self.meeting(span).map(move |i| {
            let clip = &self.windows[i];
            Input {
                span: clip.span.intersect(span),
                id: clip.id,
                severity: clip.severity,
                component: clip.component,
            }
        })
    }

    /// Whether `clip` is listed over `span`: as an outage (an instant in E), as excluded
    /// maintenance, or not.
    fn listed(&self, clip: &Clip, span: Span) -> Option<Listed> {
        let part = clip.span.intersect(span);
        if part.is_empty() {
            None
        } else if clip.excluded {
            Some(Listed::Excluded)
        } else if !clip.meets_exclusion {
            Some(Listed::Outage)
        } else if part == clip.span {
            clip.eligible.then_some(Listed::Outage)
        } else if part.seconds() > self.totals.over(part)[EXCLUDED] {
            // Only the few windows across the span's edges get here.
            Some(Listed::Outage)
        } else {
            None
        }
    }
}

#[derive(Clone, Copy)]
enum Listed {
    Outage,
    Excluded,
}

/// The parts of `span` outside `areas` (joined, in order), in order.
pub(crate) fn outside(span: Span, areas: &[Span]) -> Vec<Span> {
    let mut parts = Vec::new();
    let mut from = span.start;
    for a in areas
        .iter()
        .filter(|a| a.end > span.start && a.start < span.end)
    {
        if a.start > from {
            parts.push(Span::new(from, a.start));
        }
        from = from.max(a.end);
    }
    if from < span.end {
        parts.push(Span::new(from, span.end));
    }
    parts
}

/// Sums of the timeline's rates over a span, and D·10^4 after the minimum-downtime rule.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Figures {
    pub totals: [i64; 7],
    pub downtime_e4: i64,
}

pub(crate) fn assemble(
    measured: Span,
    figures: Figures,
    by_component: Arc<[ComponentUsage]>,
    window_ids: Vec<i64>,
    excluded_window_ids: Vec<i64>,
) -> Usage {
    let t = figures.totals;
    Usage {
        measured,
        eligible_seconds: measured.seconds() - t[EXCLUDED],
        excluded_seconds: t[EXCLUDED],
        impacted_seconds: t[IMPACTED],
        downtime_seconds: seconds_from_e4(figures.downtime_e4),
        by_component,
        by_severity: SeverityUsage::from_array([t[SEVERITY], t[SEVERITY + 1], t[SEVERITY + 2]]),
        window_ids: window_ids.into(),
        excluded_window_ids: excluded_window_ids.into(),
        downtime_e4: figures.downtime_e4,
    }
}
