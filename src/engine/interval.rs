//! Half-open spans of unix seconds (SPEC §2: every interval is `[start, end)`).

/// `[start, end)` in unix seconds, UTC. A span with `end <= start` is empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: i64,
    pub end: i64,
}

impl Span {
    pub const fn new(start: i64, end: i64) -> Self {
        Span { start, end }
    }

    /// Length in seconds; 0 for an empty span (saturating for spans wider than `i64`).
    pub const fn seconds(&self) -> i64 {
        if self.end > self.start {
            self.end.saturating_sub(self.start)
        } else {
            0
        }
    }

    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The common part. An empty result is normalised to `[start, start)` so that two ways of
    /// computing the same empty intersection compare equal.
    pub fn intersect(&self, other: Span) -> Span {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end).max(start);
        Span { start, end }
    }

    pub const fn contains(&self, instant: i64) -> bool {
        self.start <= instant && instant < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::Span;

    #[test]
    fn intersect_of_disjoint_spans_is_empty_and_normalised() {
        let a = Span::new(10, 20);
        let b = Span::new(30, 40);
        assert_eq!(a.intersect(b), Span::new(30, 30));
        assert_eq!(a.intersect(b).seconds(), 0);
        assert_eq!(Span::new(5, 1).seconds(), 0);
    }

    #[test]
    fn intersect_keeps_the_overlap() {
        assert_eq!(
            Span::new(10, 20).intersect(Span::new(15, 40)),
            Span::new(15, 20)
        );
        assert!(Span::new(10, 20).contains(10));
        assert!(!Span::new(10, 20).contains(20));
    }
}
