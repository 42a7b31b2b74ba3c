//! ISO 4217 currencies, stored as their code.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::Serialize;

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
