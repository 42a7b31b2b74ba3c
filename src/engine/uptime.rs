//! Uptime of one subscription in one period (SPEC §4), computed directly from its windows.
//!
//! This is the reference implementation: one sweep over the instants where any window starts or
//! ends. `batch.rs` computes the same numbers another way and is tested against this one.

use std::cmp::Reverse;

use super::applicability::Window;
use super::interval::Span;
use super::rules::Rules;
use super::usage::{ComponentUsage, SeverityUsage, Usage, seconds_from_e4};

struct Outage<'a> {
    span: Span,
    id: i64,
    component: usize,
    severity: usize,
    weight: i64,
    name: &'a str,
}

/// Elementary piece of the measured span: no window starts or ends inside it.
struct Piece {
    span: Span,
    excluded: bool,
    weight: i64,
    winner: Option<usize>,
    /// `(component, its worst weight)` for the components active here.
    components: Vec<(usize, i64)>,
}

/// SPEC §4.1–4.7 over `measured` for windows already known to apply (SPEC §3).
pub(crate) fn measure<'a>(
    measured: Span,
    as_of: i64,
    windows: impl IntoIterator<Item = &'a Window>,
    rules: &Rules,
) -> Usage {
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
    if outages.is_empty() && maintenance.is_empty() {
        return Usage::empty(measured);
    }
    let mut names: Vec<&str> = outages.iter().map(|o| o.name).collect();
    names.sort_unstable();
    names.dedup();
    for outage in &mut outages {
        outage.component = names.binary_search(&outage.name).unwrap_or(0);
    }

    outages.sort_unstable_by_key(|o| o.span.start);
    maintenance.sort_unstable_by_key(|(m, _)| m.start);
    let (pieces, contributed) = cut(measured, &outages, &maintenance);

    let mut excluded = 0;
    let mut impacted = 0;
    let mut by_severity = [0i64; 3];
    let mut comp_impacted = vec![0i64; names.len()];
    for piece in &pieces {
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

    let (downtime_e4, comp_down) = kept_downtime(&pieces, rules.min_downtime, names.len());

    let by_component = names
        .iter()
        .enumerate()
        .filter(|&(c, _)| comp_impacted[c] > 0)
        .map(|(c, name)| ComponentUsage {
            component: (*name).to_owned(),
            impacted_seconds: comp_impacted[c],
            downtime_seconds: seconds_from_e4(comp_down[c]),
        })
        .collect();
    let mut window_ids: Vec<i64> = outages
        .iter()
        .zip(&contributed)
        .filter(|(_, c)| **c)
        .map(|(o, _)| o.id)
        .collect();
    let mut excluded_ids: Vec<i64> = maintenance.iter().map(|(_, id)| *id).collect();
    for ids in [&mut window_ids, &mut excluded_ids] {
        ids.sort_unstable();
        ids.dedup();
    }
    Usage {
        measured,
        eligible_seconds: measured.seconds() - excluded,
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

/// D (in 1/10^4 s) and each component's own downtime, over the runs not shorter than the minimum.
fn kept_downtime(pieces: &[Piece], min_downtime: i64, components: usize) -> (i64, Vec<i64>) {
    // Runs: maximal stretches of pieces in E with impact > 0 (pieces are contiguous).
    let mut downtime_e4 = 0;
    let mut comp_down = vec![0i64; components];
    let in_run = |p: &Piece| !p.excluded && p.weight > 0;
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
        let run = &pieces[i..j];
        if run[run.len() - 1].span.end - run[0].span.start >= min_downtime {
            for piece in run {
                downtime_e4 += piece.weight * piece.span.seconds();
                for &(c, w) in &piece.components {
                    comp_down[c] += w * piece.span.seconds();
                }
            }
        }
        i = j;
    }
    (downtime_e4, comp_down)
}
