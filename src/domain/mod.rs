//! Validated values that arrive from outside. Each `parse` names the field it rejects, so the API
//! can answer a 422 that says exactly what to fix.

mod checked_string;
pub mod credit;
mod currency;
mod decimal;
pub mod incident;
mod key;
mod money;
pub mod plan;
mod text_enum;
mod time;

pub use crate::engine::Period;
pub use currency::Currency;
pub use decimal::parse_decimal;
pub use key::{ExternalId, Key, parse_description, parse_name, parse_region};
pub use money::{Money, MoneyInput};
pub use time::{check_range, format_instant, parse_instant, parse_period};

/// A value that failed validation: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    pub field: String,
    pub reason: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Invalid {
        Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
