use super::Invalid;

crate::checked_string! {
    /// A key of a component or a plan: lowercase `[a-z0-9._-]`, 1 to 64 characters (SPEC §1).
    Key, check_key
}

crate::checked_string! {
    /// An id that belongs to another system (billing, status page): 1 to 200 characters, no
    /// control characters, no leading or trailing space.
    ExternalId, check_external_id
}

fn check_key(field: &str, value: &str) -> Result<(), Invalid> {
    let valid_chars = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if value.is_empty() || value.len() > 64 || !valid_chars {
        return Err(Invalid::new(
            field,
            "must be 1 to 64 characters of lowercase a-z, 0-9, '.', '_' or '-'",
        ));
    }
    Ok(())
}

fn check_external_id(field: &str, value: &str) -> Result<(), Invalid> {
    if value.is_empty()
        || value.len() > 200
        || value.trim() != value
        || value.chars().any(char::is_control)
    {
        return Err(Invalid::new(
            field,
            "must be 1 to 200 characters, without control characters or surrounding spaces",
        ));
    }
    Ok(())
}

/// Regions are free strings such as `na` or `emea`: 1 to 64 characters, no spaces or controls.
pub fn parse_region(field: &str, value: &str) -> Result<String, Invalid> {
    if value.is_empty()
        || value.len() > 64
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Invalid::new(
            field,
            "must be 1 to 64 characters without spaces or control characters",
        ));
    }
    Ok(value.to_owned())
}

/// Names and titles: 1 to 200 characters, not only spaces, no control characters.
pub fn parse_name(field: &str, name: &str) -> Result<String, Invalid> {
    if name.trim().is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            "must be 1 to 200 characters, not only spaces, without control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Free text: at most 2000 characters; line breaks and tabs are the only control characters.
pub fn parse_description(text: &str) -> Result<String, Invalid> {
    let control = |c: char| c.is_control() && c != '\n' && c != '\t';
    if text.chars().count() > 2000 || text.chars().any(control) {
        return Err(Invalid::new(
            "description",
            "must be at most 2000 characters, without control characters other than line breaks and tabs",
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_spec_alphabet() {
        assert!(Key::parse("key", "telephony.inbound").is_ok());
        assert!(Key::parse("key", "api-v2_x").is_ok());
        assert!(Key::parse("key", "API").is_err());
        assert!(Key::parse("key", "").is_err());
        assert!(Key::parse("key", "a b").is_err());
        assert!(Key::parse("key", &"a".repeat(64)).is_ok());
        assert!(Key::parse("key", &"a".repeat(65)).is_err());
    }

    #[test]
    fn regions_and_external_ids_reject_blanks() {
        assert!(parse_region("region", "na").is_ok());
        assert!(parse_region("region", "north america").is_err());
        assert!(ExternalId::parse("external_id", "cus_123").is_ok());
        assert!(ExternalId::parse("external_id", " cus").is_err());
        assert!(ExternalId::parse("external_id", "a\nb").is_err());
    }
}
