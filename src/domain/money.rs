use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Currency, Invalid};

/// An amount in integer minor units with its currency; in JSON
/// `{"amount": "300.00", "currency": "USD"}` (the amount a decimal string, never a float).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "MoneyInput", try_from = "MoneyInput")]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

/// Money as the API writes it, before it is checked.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MoneyInput {
    pub amount: String,
    pub currency: String,
}

impl From<Money> for MoneyInput {
    fn from(m: Money) -> MoneyInput {
        MoneyInput {
            amount: m.amount(),
            currency: m.currency.code().to_owned(),
        }
    }
}

impl TryFrom<MoneyInput> for Money {
    type Error = Invalid;

    fn try_from(m: MoneyInput) -> Result<Money, Invalid> {
        Money::parse("money", &m.amount, &m.currency)
    }
}

impl Money {
    /// `amount` is a decimal string with at most the currency's decimals; never negative.
    pub fn parse(field: &str, amount: &str, currency: &str) -> Result<Money, Invalid> {
        Money::parse_in(
            field,
            amount,
            Currency::parse(&format!("{field}.currency"), currency)?,
        )
    }

    /// As `parse`, in a currency already known.
    pub fn parse_in(field: &str, amount: &str, currency: Currency) -> Result<Money, Invalid> {
        let amount_field = format!("{field}.amount");
        let plain = !amount.is_empty() && amount.chars().all(|c| c.is_ascii_digit() || c == '.');
        let value = plain
            .then(|| Decimal::from_str(amount).ok())
            .flatten()
            .ok_or_else(|| {
                Invalid::new(
                    &amount_field,
                    format!("`{amount}` is not an amount such as \"300.00\""),
                )
            })?;
        if value.scale() > currency.exponent() {
            return Err(Invalid::new(
                amount_field,
                format!(
                    "{} has {} decimals at most",
                    currency.code(),
                    currency.exponent()
                ),
            ));
        }
        let minor = value
            .checked_mul(Decimal::from(10_i64.pow(currency.exponent())))
            .and_then(|m| m.trunc().to_string().parse::<i64>().ok())
            .ok_or_else(|| Invalid::new(&amount_field, "is too large"))?;
        Ok(Money { minor, currency })
    }

    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// The amount as a plain decimal string at the currency's scale, e.g. `300.00`.
    pub fn amount(&self) -> String {
        Decimal::new(self.minor, self.currency.exponent()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_respect_minor_units() {
        let usd = Money::parse("price", "300.00", "USD").unwrap();
        assert_eq!(usd.minor, 30_000);
        assert_eq!(usd.amount(), "300.00");
        assert_eq!(
            Money::parse("price", "300", "USD").unwrap().amount(),
            "300.00"
        );
        assert_eq!(Money::parse("price", "1500", "JPY").unwrap().minor, 1500);
        assert_eq!(Money::parse("price", "1.234", "BHD").unwrap().minor, 1234);
        let too_fine = Money::parse("price", "300.001", "USD").unwrap_err();
        assert_eq!(too_fine.field, "price.amount");
        assert!(Money::parse("price", "1.5", "JPY").is_err());
        assert!(Money::parse("price", "-1.00", "USD").is_err());
        let huge = Money::parse("price", "9999999999999999999999999999", "USD").unwrap_err();
        assert_eq!(huge.field, "price.amount");
        assert!(
            Money::parse("price", "92233720368547758.08", "USD").is_err(),
            "beyond i64 minor units"
        );
        assert_eq!(
            Money::parse("price", "1.00", "XXX").unwrap_err().field,
            "price.currency"
        );
        assert!(Money::parse("price", "1.00", "usd").is_err());
    }
}
