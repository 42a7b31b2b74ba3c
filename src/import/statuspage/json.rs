//! The document's values, read straight from its bytes: strings borrow from them where they can,
//! fields the import does not read are skipped unread. A value of the wrong kind is refused with
//! what was found (`expected a string, found the number 7`); `parse` adds the path.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

use crate::domain::incident::{IncidentStatus, listed};
use crate::engine::Severity;

/// One value as found, with an object read as `O` and an array as `A` (skipped by default).
enum Found<'a, O = IgnoredAny, A = IgnoredAny> {
    Null,
    Bool(bool),
    Number(Number),
    Text(Cow<'a, str>),
    Array(A),
    Object(O),
}

impl<O, A> Found<'_, O, A> {
    fn refused<E: de::Error>(self, expected: &str) -> E {
        let found = match self {
            Found::Null => "null".to_owned(),
            Found::Bool(_) => "a boolean".to_owned(),
            Found::Number(number) => format!("the number {number}"),
            Found::Text(text) => format!("the string {text:?}"),
            Found::Array(_) => "an array".to_owned(),
            Found::Object(_) => "an object".to_owned(),
        };
        E::custom(format_args!("expected {expected}, found {found}"))
    }
}

impl<'de: 'a, 'a, O: Deserialize<'de>, A: Deserialize<'de>> Deserialize<'de> for Found<'a, O, A> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FoundVisitor(PhantomData))
    }
}

struct FoundVisitor<'a, O, A>(PhantomData<Found<'a, O, A>>);

impl<'de: 'a, 'a, O: Deserialize<'de>, A: Deserialize<'de>> Visitor<'de>
    for FoundVisitor<'a, O, A>
{
    type Value = Found<'a, O, A>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Found::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Found::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Found::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Found::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Number::from_f64(v)
            .map(Found::Number)
            .ok_or_else(|| E::custom("a number JSON cannot hold"))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Found::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Found::Text(Cow::Owned(v.to_owned())))
    }

    fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> Result<Self::Value, S::Error> {
        A::deserialize(SeqAccessDeserializer::new(seq)).map(Found::Array)
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Self::Value, M::Error> {
        O::deserialize(MapAccessDeserializer::new(map)).map(Found::Object)
    }
}

/// An object read as `T` (serde would also read a struct from an array).
pub(super) struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Found::<T>::deserialize(deserializer)? {
            Found::Object(value) => Ok(Object(value)),
            other => Err(other.refused("an object")),
        }
    }
}

impl<T> Deref for Object<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// An array of objects, each read as `T`.
pub(super) struct List<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Found::<IgnoredAny, Vec<Object<T>>>::deserialize(deserializer)? {
            Found::Array(items) => Ok(List(items.into_iter().map(|item| item.0).collect())),
            other => Err(other.refused("an array")),
        }
    }
}

impl<T> Deref for List<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

/// A string, borrowed from the document unless it holds escapes.
pub(super) struct Text<'a>(pub Cow<'a, str>);

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Found::<IgnoredAny>::deserialize(deserializer)? {
            Found::Text(text) => Ok(Text(text)),
            other => Err(other.refused("a string")),
        }
    }
}

pub(super) struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Found::<IgnoredAny>::deserialize(deserializer)? {
            Found::Bool(flag) => Ok(Flag(flag)),
            other => Err(other.refused("a boolean")),
        }
    }
}

/// An RFC 3339 instant with an explicit offset.
pub(super) struct Instant(pub DateTime<FixedOffset>);

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Text::deserialize(deserializer)?;
        match DateTime::parse_from_rfc3339(&text) {
            Ok(instant) => Ok(Instant(instant)),
            Err(_) if text.parse::<NaiveDateTime>().is_ok() => {
                Err(de::Error::custom(format_args!(
                    "`{}` has no offset; an instant needs `Z` or `±hh:mm`",
                    &*text
                )))
            }
            Err(reason) => Err(de::Error::custom(format_args!(
                "`{}` is not an RFC 3339 instant ({reason})",
                &*text
            ))),
        }
    }
}

/// An incident's `status`.
pub(super) struct Status(pub IncidentStatus);

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let word = Text::deserialize(deserializer)?;
        match IncidentStatus::ALL.iter().find(|s| s.as_str() == &*word) {
            Some(status) => Ok(Status(*status)),
            None => Err(de::Error::custom(format_args!(
                "unknown incident status `{}` (expected {})",
                &*word,
                listed(IncidentStatus::ALL.iter().copied())
            ))),
        }
    }
}

/// A component's `new_status`: the severity it is impaired with, `None` for `operational`.
pub(super) struct ComponentStatus(pub Option<Severity>);

impl<'de> Deserialize<'de> for ComponentStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let severity = match &*Text::deserialize(deserializer)? {
            "operational" => None,
            "degraded_performance" => Some(Severity::DegradedPerformance),
            "partial_outage" => Some(Severity::PartialOutage),
            "major_outage" => Some(Severity::MajorOutage),
            "under_maintenance" => Some(Severity::Maintenance),
            other => {
                return Err(de::Error::custom(format_args!(
                    "unknown component status `{other}` (expected operational, \
                     degraded_performance, partial_outage, major_outage or under_maintenance)"
                )));
            }
        };
        Ok(ComponentStatus(severity))
    }
}
