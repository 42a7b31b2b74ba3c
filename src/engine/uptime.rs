//! Uptime of one subscription in one period (SPEC §4), computed directly from its windows.
//!
//! This is the reference implementation: one sweep over the instants where any window starts or
//! ends. `batch.rs` computes the same numbers another way and is tested against this one.

use std::cmp::Reverse;
use std::ops::Range;

use super::applicability::Window;
use super::interval::Span;
use super::rules::Rules;
use super::usage::{ComponentUsage, SeverityUsage, Usage, seconds_from_e4};

pub(super) struct Outage<'a> {
    pub span: Span,
    pub id: i64,
    pub component: usize,
    pub severity: usize,
    pub weight: i64,
    pub name: &'a str,
}

/// Elementary piece of the measured span: no window starts or ends inside it.
pub(super) struct Piece {
    pub span: Span,
    pub excluded: bool,
    pub weight: i64,
    pub winner: Option<usize>,
    /// `(component, its worst weight)` for the components active here.
    pub components: Vec<(usize, i64)>,
}

/// The measured span cut into pieces by the windows that apply (SPEC §4.1–4.3): what both the
/// usage and its explanation are read from.
pub(super) struct Measured<'a> {
    pub span: Span,
    /// Outage windows (and counted maintenance) clipped to the span, sorted by start.
    pub outages: Vec<Outage<'a>>,
    /// Excluded maintenance clipped to the span, with its window id, sorted by start.
    pub maintenance: Vec<(Span, i64)>,
    /// Component keys of the outages, sorted; `Outage::component` indexes it.
    pub names: Vec<&'a str>,
    pub pieces: Vec<Piece>,
    /// Per outage: whether it has an instant in E.
    pub contributed: Vec<bool>,
}

/// SPEC §4.1–4.7 over `measured` for windows already known to apply (SPEC §3).
pub(crate) fn measure<'a>(
    measured: Span,
    as_of: i64,
    windows: impl IntoIterator<Item = &'a Window>,
    rules: &Rules,
) -> Usage {
    Measured::new(measured, as_of, windows, rules).usage(rules.min_downtime)
}

impl<'a> Measured<'a> {
    pub fn new(
        measured: Span,
        as_of: i64,
        windows: impl IntoIterator<Item = &'a Window>,
        rules: &Rules,
    ) -> Measured<'a> {
        let mut outages = Vec::new();
        let mut maintenance: Vec<(Span, i64)> = Vec::new();
        for window in windows {
            let span = window.span(as_of).intersect(measured);
            if span.is_empty() {
                continue;
            }
            match rules.classify(window.severity) {
                None => maintenance.push((span, window.id)),
                Some((severity, weight)) => outages.push(Outage {
                    span,
                    id: window.id,
                    component: 0,
                    severity,
                    weight,
                    name: &window.component,
                }),
            }
        }
        let mut names: Vec<&str> = outages.iter().map(|o| o.name).collect();
        names.sort_unstable();
        names.dedup();
        for outage in &mut outages {
            outage.component = names.binary_search(&outage.name).unwrap_or(0);
        }
        outages.sort_unstable_by_key(|o| (o.span.start, o.id));
        maintenance.sort_unstable_by_key(|&(m, id)| (m.start, id));
        let (pieces, contributed) = cut(measured, &outages, &maintenance);
        Measured {
            span: measured,
            outages,
            maintenance,
            names,
            pieces,
            contributed,
        }
    }

    /// SPEC §4.1–4.7: the figures and breakdowns.
    pub fn usage(&self, min_downtime: i64) -> Usage {
        if self.outages.is_empty() && self.maintenance.is_empty() {
            return Usage::empty(self.span);
        }
        let mut excluded = 0;
        let mut impacted = 0;
        let mut by_severity = [0i64; 3];
        let mut comp_impacted = vec![0i64; self.names.len()];
        for piece in &self.pieces {
            let len = piece.span.seconds();
            if piece.excluded {
                excluded += len;
            } else if let Some(winner) = piece.winner {
                impacted += len;
                by_severity[winner] += len;
                for &(c, _) in &piece.components {
                    comp_impacted[c] += len;
                }
            }
        }

        let (downtime_e4, comp_down) = kept_downtime(&self.pieces, min_downtime, self.names.len());

        let by_component = self
            .names
            .iter()
            .enumerate()
            .filter(|&(c, _)| comp_impacted[c] > 0)
            .map(|(c, name)| ComponentUsage {
                component: (*name).to_owned(),
                impacted_seconds: comp_impacted[c],
                downtime_seconds: seconds_from_e4(comp_down[c]),
            })
            .collect();
        let mut window_ids: Vec<i64> = self
            .outages
            .iter()
            .zip(&self.contributed)
            .filter(|(_, c)| **c)
            .map(|(o, _)| o.id)
            .collect();
        let mut excluded_ids: Vec<i64> = self.maintenance.iter().map(|(_, id)| *id).collect();
        for ids in [&mut window_ids, &mut excluded_ids] {
            ids.sort_unstable();
            ids.dedup();
        }
        Usage {
            measured: self.span,
            eligible_seconds: self.span.seconds() - excluded,
            excluded_seconds: excluded,
            impacted_seconds: impacted,
            downtime_seconds: seconds_from_e4(downtime_e4),
            by_component,
            by_severity: SeverityUsage::from_array(by_severity),
            window_ids: window_ids.into(),
            excluded_window_ids: excluded_ids.into(),
            downtime_e4,
        }
    }
}

/// The measured span cut at every start and end; `outages` and `maintenance` sorted by start.
/// Also tells which outages have an instant in E.
fn cut(measured: Span, outages: &[Outage], maintenance: &[(Span, i64)]) -> (Vec<Piece>, Vec<bool>) {
    let mut points = vec![measured.start, measured.end];
    points.extend(outages.iter().flat_map(|o| [o.span.start, o.span.end]));
    points.extend(maintenance.iter().flat_map(|(s, _)| [s.start, s.end]));
    points.sort_unstable();
    points.dedup();

    // `points` holds every start and end, so a window is active over a piece exactly when it
    // started at or before the piece's start and ends after it.
    let (mut next_outage, mut next_maintenance) = (0, 0);
    let mut active: Vec<usize> = Vec::new();
    let mut active_maintenance: Vec<i64> = Vec::new();
    let mut contributed = vec![false; outages.len()];
    let mut pieces = Vec::with_capacity(points.len());
    for pair in points.windows(2) {
        let span = Span::new(pair[0], pair[1]);
        while next_outage < outages.len() && outages[next_outage].span.start <= span.start {
            active.push(next_outage);
            next_outage += 1;
        }
        while next_maintenance < maintenance.len()
            && maintenance[next_maintenance].0.start <= span.start
        {
            active_maintenance.push(maintenance[next_maintenance].0.end);
            next_maintenance += 1;
        }
        active.retain(|&i| outages[i].span.end > span.start);
        active_maintenance.retain(|&end| end > span.start);
        let excluded = !active_maintenance.is_empty();
        let mut piece = Piece {
            span,
            excluded,
            weight: 0,
            winner: None,
            components: Vec::new(),
        };
        if !excluded {
            for &i in &active {
                let o = &outages[i];
                contributed[i] = true;
                // Worst wins: highest weight, then the more severe name (lower index).
                let better = piece
                    .winner
                    .is_none_or(|w| (o.weight, Reverse(o.severity)) > (piece.weight, Reverse(w)));
                if better {
                    piece.weight = o.weight;
                    piece.winner = Some(o.severity);
                }
                match piece.components.iter_mut().find(|(c, _)| *c == o.component) {
                    Some((_, w)) => *w = (*w).max(o.weight),
                    None => piece.components.push((o.component, o.weight)),
                }
            }
        }
        pieces.push(piece);
    }
    (pieces, contributed)
}

/// The runs of SPEC §4.5: maximal stretches of pieces in E with impact > 0 (pieces are
/// contiguous), as ranges of `pieces`, each with whether it is kept (not shorter than the
/// minimum).
pub(super) fn runs(pieces: &[Piece], min_downtime: i64) -> Vec<(Range<usize>, bool)> {
    let in_run = |p: &Piece| !p.excluded && p.weight > 0;
    let mut runs = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        if !in_run(&pieces[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < pieces.len() && in_run(&pieces[j]) {
            j += 1;
        }
        let kept = pieces[j - 1].span.end - pieces[i].span.start >= min_downtime;
        runs.push((i..j, kept));
        i = j;
    }
    runs
}

/// D (in 1/10^4 s) and each component's own downtime, over the runs not shorter than the minimum.
fn kept_downtime(pieces: &[Piece], min_downtime: i64, components: usize) -> (i64, Vec<i64>) {
    let mut downtime_e4 = 0;
    let mut comp_down = vec![0i64; components];
    for (run, kept) in runs(pieces, min_downtime) {
        if !kept {
            continue;
        }
        for piece in &pieces[run] {
            downtime_e4 += piece.weight * piece.span.seconds();
            for &(c, w) in &piece.components {
                comp_down[c] += w * piece.span.seconds();
            }
        }
    }
    (downtime_e4, comp_down)
}
