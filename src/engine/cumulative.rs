//! Running totals of piecewise-constant rates over time: the prefix sums behind `timeline.rs`.

use super::interval::Span;

/// Integrals of `N` piecewise-constant rates, as points `(x, ∫ up to x)`. Between two points the
/// rates are constant (gaps between pushed pieces have rate 0), so interpolation is exact.
#[derive(Clone, Debug)]
pub(crate) struct Cumulative<const N: usize> {
    xs: Vec<i64>,
    sums: Vec<[i64; N]>,
    /// Rates of the last piece pushed, which a touching piece with the same rates extends.
    last_rates: Option<[i64; N]>,
}

impl<const N: usize> Default for Cumulative<N> {
    fn default() -> Self {
        Cumulative::with_capacity(0)
    }
}

impl<const N: usize> Cumulative<N> {
    /// Room for `pieces` pieces without reallocating.
    pub fn with_capacity(pieces: usize) -> Self {
        Cumulative {
            xs: Vec::with_capacity(2 * pieces),
            sums: Vec::with_capacity(2 * pieces),
            last_rates: None,
        }
    }

    /// Appends a piece with constant `rates`; pieces arrive in time order and do not overlap.
    pub fn push(&mut self, span: Span, rates: [i64; N]) {
        let len = span.seconds();
        let touches = self.xs.last() == Some(&span.start);
        if let (true, Some(x), Some(sum)) = (
            touches && self.last_rates == Some(rates),
            self.xs.last_mut(),
            self.sums.last_mut(),
        ) {
            *x = span.end;
            *sum = std::array::from_fn(|i| sum[i] + rates[i] * len);
            return;
        }
        let last = self.sums.last().copied().unwrap_or([0; N]);
        if !touches {
            self.xs.push(span.start);
            self.sums.push(last);
        }
        self.xs.push(span.end);
        self.sums
            .push(std::array::from_fn(|i| last[i] + rates[i] * len));
        self.last_rates = Some(rates);
    }

    pub fn is_empty(&self) -> bool {
        self.xs.is_empty()
    }

    pub fn at(&self, t: i64) -> [i64; N] {
        let k = self.xs.partition_point(|&x| x <= t);
        if k == 0 {
            return [0; N];
        }
        if k == self.xs.len() {
            return self.sums[k - 1];
        }
        let (x0, x1) = (self.xs[k - 1], self.xs[k]);
        let (s0, s1) = (self.sums[k - 1], self.sums[k]);
        // (s1 − s0) = rate·(x1 − x0), so this division is exact.
        std::array::from_fn(|i| s0[i] + (s1[i] - s0[i]) / (x1 - x0) * (t - x0))
    }

    pub fn over(&self, span: Span) -> [i64; N] {
        let (a, b) = (self.at(span.start), self.at(span.end));
        std::array::from_fn(|i| b[i] - a[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_between_any_two_instants() {
        let mut c = Cumulative::<2>::default();
        c.push(Span::new(10, 20), [1, 3]);
        c.push(Span::new(20, 25), [1, 3]); // extends the first piece
        c.push(Span::new(30, 40), [2, 0]); // after a gap of rate 0
        assert_eq!(c.xs, [10, 25, 30, 40]);
        assert_eq!(c.over(Span::new(0, 100)), [15 + 20, 45]);
        assert_eq!(c.over(Span::new(12, 33)), [13 + 6, 39]);
        assert_eq!(c.over(Span::new(26, 29)), [0, 0]);
        assert_eq!(c.at(5), [0, 0]);
    }
}
