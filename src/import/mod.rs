//! Importing incidents from elsewhere: the status-page parser (pure) and how a parsed document
//! is written (`apply`).

pub mod apply;
pub mod statuspage;
