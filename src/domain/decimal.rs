use std::str::FromStr;

use rust_decimal::Decimal;

use super::Invalid;

/// A decimal written as a JSON string (never a float), within `[min, max]` and with at most
/// `max_scale` decimals.
pub fn parse_decimal(
    field: &str,
    value: &str,
    min: Decimal,
    max: Decimal,
    max_scale: u32,
) -> Result<Decimal, Invalid> {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    let parsed = plain
        .then(|| Decimal::from_str(value).ok())
        .flatten()
        .ok_or_else(|| {
            Invalid::new(
                field,
                format!("`{value}` is not a decimal such as \"99.9\""),
            )
        })?;
    if parsed.scale() > max_scale {
        return Err(Invalid::new(
            field,
            format!("has more than {max_scale} decimals"),
        ));
    }
    if parsed < min || parsed > max {
        return Err(Invalid::new(
            field,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(parsed.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_bounded_and_scaled() {
        let ok = parse_decimal("w", "0.3", Decimal::ZERO, Decimal::ONE, 4);
        assert_eq!(ok, Ok(Decimal::new(3, 1)));
        assert!(parse_decimal("w", "1.5", Decimal::ZERO, Decimal::ONE, 4).is_err());
        assert!(parse_decimal("w", "0.12345", Decimal::ZERO, Decimal::ONE, 4).is_err());
        assert!(parse_decimal("w", "1e2", Decimal::ZERO, Decimal::from(1000), 4).is_err());
        assert!(parse_decimal("w", "", Decimal::ZERO, Decimal::ONE, 4).is_err());
        assert!(parse_decimal("w", "-0.1", Decimal::ZERO, Decimal::ONE, 4).is_err());
    }
}
