use super::Invalid;

/// A string of a validated shape, with one `parse`: serde and diesel (`Text`) read and write it as
/// the plain string, and reading it back checks the shape again.
macro_rules! checked_string {
    ($(#[$meta:meta])* $name:ident, $check:path) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[serde(try_from = "String", into = "String")]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub struct $name(String);

        impl $name {
            pub fn parse(field: &str, value: &str) -> Result<$name, Invalid> {
                $check(field, value)?;
                Ok($name(value.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = Invalid;

            fn try_from(value: String) -> Result<$name, Invalid> {
                $name::parse(stringify!($name), &value)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                self.0.as_str().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<$name> {
                Ok($name::try_from(String::from_sql(bytes)?)?)
            }
        }
    };
}

checked_string! {
    /// A key of a component or a plan: lowercase `[a-z0-9._-]`, 1 to 64 characters (SPEC §1).
    Key, check_key
}

checked_string! {
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
