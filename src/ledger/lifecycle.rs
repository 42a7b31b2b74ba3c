//! The life of a credit (SPEC §6): pending → approved → applied; pending or approved → void;
//! a run moves a changed pending or approved credit to superseded. Anything else is illegal.

use std::fmt;

use crate::domain::credit::CreditStatus::{self, Applied, Approved, Pending, Superseded, Void};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Approve,
    Apply,
    Void,
    Supersede,
}

impl Move {
    pub fn target(self) -> CreditStatus {
        match self {
            Move::Approve => Approved,
            Move::Apply => Applied,
            Move::Void => Void,
            Move::Supersede => Superseded,
        }
    }

    /// The statuses this move may start from.
    pub fn from(self) -> &'static [CreditStatus] {
        match self {
            Move::Approve => &[Pending],
            Move::Apply => &[Approved],
            Move::Void | Move::Supersede => &[Pending, Approved],
        }
    }

    /// Checks the move from `status`.
    pub fn check(self, status: CreditStatus) -> Result<(), Illegal> {
        if self.from().contains(&status) {
            Ok(())
        } else {
            Err(Illegal {
                from: status,
                to: self.target(),
            })
        }
    }

    /// The audit action that records this move.
    pub fn action(self) -> &'static str {
        match self {
            Move::Approve => "credit.approve",
            Move::Apply => "credit.apply",
            Move::Void => "credit.void",
            Move::Supersede => "credit.supersede",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Illegal {
    pub from: CreditStatus,
    pub to: CreditStatus,
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
        let legal: Vec<(CreditStatus, CreditStatus)> =
            [Move::Approve, Move::Apply, Move::Void, Move::Supersede]
                .into_iter()
                .flat_map(|m| {
                    CreditStatus::ALL
                        .iter()
                        .filter(move |s| m.check(**s).is_ok())
                        .map(move |s| (*s, m.target()))
                })
                .collect();
        assert_eq!(
            legal,
            [
                (Pending, Approved),
                (Approved, Applied),
                (Pending, Void),
                (Approved, Void),
                (Pending, Superseded),
                (Approved, Superseded),
            ]
        );
        let err = Move::Approve.check(Applied).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a credit cannot go from applied to approved"
        );
    }
}
