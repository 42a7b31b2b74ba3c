//! One pass over the instants where windows start or end, for `timeline.rs`: the elementary
//! pieces of time with their impact, winning severity and per-component weights.

use std::cmp::Reverse;

use super::interval::Span;

/// One elementary piece found by the sweep.
pub(crate) struct Piece {
    pub span: Span,
    pub excluded: bool,
    pub weight: i64,
    pub winner: usize,
    pub components: std::ops::Range<usize>,
}

/// Elementary pieces where something is active (gaps are left out), with each piece's
/// `(component, worst weight)` pairs in one flat vector.
pub(crate) fn sweep(
    maintenance: &[Span],
    outages: &[(Span, usize, usize, i64)],
    components: usize,
) -> (Vec<Piece>, Vec<(usize, i64)>) {
    // (time, +1 start / −1 end, outage index or None for maintenance)
    let mut events: Vec<(i64, i32, Option<usize>)> =
        Vec::with_capacity(2 * (maintenance.len() + outages.len()));
    for span in maintenance {
        events.push((span.start, 1, None));
        events.push((span.end, -1, None));
    }
    for (i, o) in outages.iter().enumerate() {
        events.push((o.0.start, 1, Some(i)));
        events.push((o.0.end, -1, Some(i)));
    }
    events.sort_unstable_by_key(|e| e.0);

    let mut state = Sweep {
        outages,
        active: Vec::new(),
        slot: vec![usize::MAX; outages.len()],
        best: vec![-1; components],
        maintenance: 0,
        pieces: Vec::new(),
        flat: Vec::new(),
    };
    let mut previous = None;
    for group in events.chunk_by(|a, b| a.0 == b.0) {
        let t = group[0].0;
        // Nothing starts or ends between the previous event and this one.
        if let Some(start) = previous {
            state.piece(Span::new(start, t));
        }
        for &(_, delta, outage) in group {
            state.apply(delta, outage);
        }
        previous = Some(t);
    }
    (state.pieces, state.flat)
}

struct Sweep<'a> {
    /// `(span, component, severity, weight)`.
    outages: &'a [(Span, usize, usize, i64)],
    /// Active outages, and where each sits in `active`.
    active: Vec<usize>,
    slot: Vec<usize>,
    /// Scratch: worst weight per component in the current piece, −1 when not active.
    best: Vec<i64>,
    maintenance: i32,
    pieces: Vec<Piece>,
    flat: Vec<(usize, i64)>,
}

impl Sweep<'_> {
    fn apply(&mut self, delta: i32, outage: Option<usize>) {
        match (outage, delta > 0) {
            (None, _) => self.maintenance += delta,
            (Some(o), true) => {
                self.slot[o] = self.active.len();
                self.active.push(o);
            }
            (Some(o), false) => {
                let at = self.slot[o];
                self.active.swap_remove(at);
                if let Some(&moved) = self.active.get(at) {
                    self.slot[moved] = at;
                }
            }
        }
    }

    fn piece(&mut self, span: Span) {
        if span.is_empty() || (self.maintenance == 0 && self.active.is_empty()) {
            return;
        }
        let from = self.flat.len();
        let (mut weight, mut winner) = (-1, 0);
        if self.maintenance == 0 {
            for &o in &self.active {
                let (_, c, severity, w) = self.outages[o];
                // Worst wins: highest weight, then the more severe name (lower index).
                if (w, Reverse(severity)) > (weight, Reverse(winner)) {
                    (weight, winner) = (w, severity);
                }
                if self.best[c] < 0 {
                    self.flat.push((c, 0));
                }
                self.best[c] = self.best[c].max(w);
            }
            for entry in &mut self.flat[from..] {
                entry.1 = self.best[entry.0];
                self.best[entry.0] = -1;
            }
        }
        let components = from..self.flat.len();
        let excluded = self.maintenance > 0;
        self.pieces.push(Piece {
            span,
            excluded,
            weight: weight.max(0),
            winner,
            components,
        });
    }
}

/// Maximal runs of contiguous non-excluded pieces with weight > 0.
pub(crate) fn runs(pieces: &[Piece]) -> Vec<Span> {
    let mut runs: Vec<Span> = Vec::new();
    for piece in pieces.iter().filter(|p| !p.excluded && p.weight > 0) {
        match runs.last_mut() {
            Some(run) if run.end == piece.span.start => run.end = piece.span.end,
            _ => runs.push(piece.span),
        }
    }
    runs
}
