//! The ledger's rules: what may change and how, over the database, with domain errors the API
//! renders. Loads what a billing period needs and hands it to the engine.

pub mod cache;
pub mod catalog;
pub mod credits;
pub mod evaluate;
pub mod explain;
pub mod exposure;
pub mod incidents;
pub mod jobs;
pub mod lifecycle;
pub mod run;
pub mod simulation;

use crate::domain::Invalid;

/// Why a change to the ledger or the catalog was refused.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{0}")]
    NotFound(String),
    /// The change conflicts with the current state (HTTP 409).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    /// The database could not be reached, or was busy.
    #[error(transparent)]
    Store(#[from] crate::db::DbError),
    #[error(transparent)]
    Evaluate(#[from] evaluate::EvaluateError),
}
