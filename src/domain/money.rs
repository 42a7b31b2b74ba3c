use std::str::FromStr;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Invalid;

/// An ISO 4217 currency with a fixed number of minor-unit decimals (USD 2, JPY 0, BHD 3),
/// stored as its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Currency {
    code: iso_currency::Currency,
    exponent: u32,
}

impl Currency {
    pub fn parse(field: &str, code: &str) -> Result<Currency, Invalid> {
        let unknown = || Invalid::new(field, format!("`{code}` is not an ISO 4217 currency code"));
        let iso = iso_currency::Currency::from_code(code).ok_or_else(unknown)?;
        let exponent = iso.exponent().ok_or_else(|| {
            Invalid::new(
                field,
                format!("`{code}` has no minor unit and cannot price a plan"),
            )
        })?;
        Ok(Currency {
            code: iso,
            exponent: u32::from(exponent),
        })
    }

    pub fn code(&self) -> &'static str {
        self.code.code()
    }

    pub fn exponent(&self) -> u32 {
        self.exponent
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<DB> ToSql<Text, DB> for Currency
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.code().to_sql(out)
    }
}

impl<DB> FromSql<Text, DB> for Currency
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Currency> {
        Ok(Currency::parse("currency", &String::from_sql(bytes)?)?)
    }
}

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
        if value.scale() > currency.exponent {
            return Err(Invalid::new(
                amount_field,
                format!(
                    "{} has {} decimals at most",
                    currency.code(),
                    currency.exponent
                ),
            ));
        }
        let minor = value
            .checked_mul(Decimal::from(10_i64.pow(currency.exponent)))
            .and_then(|m| m.trunc().to_string().parse::<i64>().ok())
            .ok_or_else(|| Invalid::new(&amount_field, "is too large"))?;
        Ok(Money { minor, currency })
    }

    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// The amount as a plain decimal string at the currency's scale, e.g. `300.00`.
    pub fn amount(&self) -> String {
        Decimal::new(self.minor, self.currency.exponent).to_string()
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
