//! The life of a credit (SPEC §6): pending → approved → applied; pending or approved → void;
//! a run moves a changed pending or approved credit to superseded. Anything else is illegal.

use std::fmt;

/// Every status a credit can have.
pub const STATUSES: [&str; 5] = ["pending", "approved", "applied", "void", "superseded"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Approve,
    Apply,
    Void,
    Supersede,
}

impl Move {
    pub fn target(self) -> &'static str {
        match self {
            Move::Approve => "approved",
            Move::Apply => "applied",
            Move::Void => "void",
            Move::Supersede => "superseded",
        }
    }

    /// The statuses this move may start from.
    pub fn from(self) -> &'static [&'static str] {
        match self {
            Move::Approve => &["pending"],
            Move::Apply => &["approved"],
            Move::Void | Move::Supersede => &["pending", "approved"],
        }
    }

    /// Checks the move from `status`.
    pub fn check(self, status: &str) -> Result<(), Illegal> {
        if self.from().contains(&status) {
            Ok(())
        } else {
            Err(Illegal {
                from: status.to_owned(),
                to: self.target(),
            })
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Illegal {
    pub from: String,
    pub to: &'static str,
}

impl fmt::Display for Illegal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a credit cannot go from {} to {}", self.from, self.to)
    }
}

impl std::error::Error for Illegal {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_spec_moves_are_legal() {
        let legal: Vec<(&str, &str)> = [Move::Approve, Move::Apply, Move::Void, Move::Supersede]
            .into_iter()
            .flat_map(|m| {
                STATUSES
                    .into_iter()
                    .filter(move |s| m.check(s).is_ok())
                    .map(move |s| (s, m.target()))
            })
            .collect();
        assert_eq!(
            legal,
            [
                ("pending", "approved"),
                ("approved", "applied"),
                ("pending", "void"),
                ("approved", "void"),
                ("pending", "superseded"),
                ("approved", "superseded"),
            ]
        );
        let err = Move::Approve.check("applied").unwrap_err();
        assert_eq!(
            err.to_string(),
            "a credit cannot go from applied to approved"
        );
    }
}
