//! A group whose customers also see a few customer-scoped windows. Outside those windows its
//! timeline is its base group's (same plan version, same region); inside them it is the timeline
//! of every window cut to them (the patch). So a customer-scoped window costs what happens during
//! it, not a month of the plan's windows.
//!
//! Sums that are local in time split exactly: for a span M and the areas R_i of the extra
//! windows, `group(M) = base(M) − Σ base(M ∩ R_i) + patch(M)`. Downtime is not local (SPEC §4.5:
//! runs shorter than the minimum count as 0), so the runs that meet the areas are taken out as the
//! base counted them and put back as the group has them: base runs outside the areas joined with
//! the patch's runs inside them.

use std::collections::BTreeSet;

use super::applicability::Window;
use super::interval::Span;
use super::rules::Rules;
use super::timeline::{Figures, Input, Timeline, assemble, outside};
use super::usage::{ComponentUsage, Usage, seconds_from_e4};

/// Where timelines are built: the period, the as-of instant, component keys, the plan's rules.
pub(crate) struct Frame<'f> {
    pub period: Span,
    pub as_of: i64,
    pub names: &'f [&'f str],
    pub rules: &'f Rules,
}

pub(crate) struct Overlay<'b> {
    base: &'b Timeline,
    patch: Timeline,
    /// The extra windows' spans joined: in order, neither overlapping nor touching.
    areas: Vec<Span>,
}

impl<'b> Overlay<'b> {
    /// `extra` are the windows only this group sees, beside the base's.
    pub fn new<'w>(
        base: &'b Timeline,
        extra: impl Iterator<Item = (&'w Window, usize)>,
        frame: &Frame<'_>,
    ) -> Overlay<'b> {
        let extra: Vec<(&Window, usize)> = extra.collect();
        let spans = extra
            .iter()
            .map(|(w, _)| w.span(frame.as_of).intersect(frame.period));
        let areas = join(spans.filter(|s| !s.is_empty()).collect());
        // The base's windows that meet an area (found by time, not by a look at them all), and
        // the extra ones, each cut to every area.
        let from_base = areas.iter().flat_map(|a| base.inputs_within(*a));
        let from_extra = extra.iter().flat_map(|&(window, component)| {
            areas
                .iter()
                .map(move |a| Input::new(window, component, frame.as_of, *a))
        });
        let patch = Timeline::build(from_base.chain(from_extra), frame.names, frame.rules);
        Overlay { base, patch, areas }
    }

    /// The group's usage over `measured`; `base` is the base's usage over it.
    pub fn usage(&self, measured: Span, base: &Usage) -> Usage {
        if measured.is_empty() {
            return Usage::empty(measured);
        }
        // Runs that meet an area, as the base has them and as the group has them.
        let meets = |r: &Span| {
            self.areas
                .iter()
                .any(|a| r.start <= a.end && a.start <= r.end)
        };
        let base_runs: Vec<Span> = self.base.runs().iter().copied().filter(meets).collect();
        let mut pieces: Vec<Span> = base_runs
            .iter()
            .flat_map(|r| outside(*r, &self.areas))
            .collect();
        pieces.extend_from_slice(self.patch.runs());
        let group_runs = join(pieces);
        let min = self.base.min_downtime();
        let kept = |runs: &[Span], weighted: &dyn Fn(Span) -> i64| -> i64 {
            let cut = runs.iter().map(|r| r.intersect(measured));
            cut.filter(|c| c.seconds() >= min).map(weighted).sum()
        };
        // A local sum of the group over `span`, from the base's and the patch's.
        let local = |of: &dyn Fn(&Timeline, Span) -> i64, span: Span| -> i64 {
            let inside: i64 = self
                .areas
                .iter()
                .map(|a| of(self.base, span.intersect(*a)))
                .sum();
            of(self.base, span) - inside + of(&self.patch, span)
        };

        let totals = std::array::from_fn(|i| local(&|t, s| t.totals(s)[i], measured));
        let weighted = |span| local(&|t, s| t.weighted(s), span);
        let downtime_e4 = self.base.figures(measured).downtime_e4
            - kept(&base_runs, &|s| self.base.weighted(s))
            + kept(&group_runs, &weighted);

        let names: BTreeSet<&str> = self
            .base
            .component_names()
            .chain(self.patch.component_names())
            .collect();
        let by_component = names
            .into_iter()
            .filter_map(|name| {
                let impacted = local(&|t, s| t.component_totals(name, s).0, measured);
                let weighted = |span| local(&|t, s| t.component_totals(name, s).1, span);
                let down = self.base.component_downtime(name, measured)
                    - kept(&base_runs, &|s| self.base.component_totals(name, s).1)
                    + kept(&group_runs, &weighted);
                (impacted > 0).then(|| ComponentUsage {
                    component: name.to_owned(),
                    impacted_seconds: impacted,
                    downtime_seconds: seconds_from_e4(down),
                })
            })
            .collect();

        // Outside the areas a window counts as in the base, inside as in the patch.
        let (mut ids, mut excluded) = self.patch.window_ids(measured);
        let within = (&base.window_ids[..], &base.excluded_window_ids[..]);
        let (more, more_excluded) = self.base.window_ids_outside(measured, &self.areas, within);
        ids.extend(more);
        excluded.extend(more_excluded);
        // Two sorted runs each: a stable sort merges them in linear time.
        for list in [&mut ids, &mut excluded] {
            list.sort();
            list.dedup();
        }
        let figures = Figures {
            totals,
            downtime_e4,
        };
        assemble(measured, figures, by_component, ids, excluded)
    }
}

/// Spans joined where they overlap or touch, in order.
fn join(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_unstable();
    let mut joined: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match joined.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => joined.push(span),
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_merges_overlapping_and_touching_spans() {
        let spans = vec![
            Span::new(30, 40),
            Span::new(0, 10),
            Span::new(10, 12),
            Span::new(35, 50),
            Span::new(51, 52),
        ];
        assert_eq!(
            join(spans),
            [Span::new(0, 12), Span::new(30, 50), Span::new(51, 52)]
        );
    }

    #[test]
    fn outside_keeps_every_uncovered_second() {
        let areas = [Span::new(10, 20), Span::new(21, 30), Span::new(40, 50)];
        let parts = outside(Span::new(5, 45), &areas);
        assert_eq!(
            parts,
            [Span::new(5, 10), Span::new(20, 21), Span::new(30, 40)]
        );
        assert_eq!(outside(Span::new(12, 18), &areas), []);
        assert_eq!(outside(Span::new(0, 5), &areas), [Span::new(0, 5)]);
    }
}
