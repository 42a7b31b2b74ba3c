//! Reading a JSON document with the path to each value, so every error can say where.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde_json::{Map, Value};

use super::ImportError;

/// A JSON value with the path that leads to it, so every error can say where.
pub(super) struct Node<'a> {
    value: &'a Value,
    /// `incidents[2].incident_updates[0].display_at`; empty for the document itself.
    pub path: String,
}

impl<'a> Node<'a> {
    pub fn root(value: &'a Value) -> Self {
        Node {
            value,
            path: String::new(),
        }
    }

    pub fn child(&self, key: &str) -> Node<'a> {
        let path = if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        };
        Node {
            value: self.value.get(key).unwrap_or(&Value::Null),
            path,
        }
    }

    pub fn object(&self) -> Result<&'a Map<String, Value>, ImportError> {
        self.value
            .as_object()
            .ok_or_else(|| self.wrong("an object"))
    }

    /// A field that must be present (it may still be `null`, which the typed getters refuse).
    pub fn field(&self, key: &str) -> Result<Node<'a>, ImportError> {
        let child = self.child(key);
        if self.object()?.contains_key(key) {
            Ok(child)
        } else {
            Err(ImportError::MissingField { path: child.path })
        }
    }

    /// A field that may be absent or `null`.
    pub fn optional(&self, key: &str) -> Result<Option<Node<'a>>, ImportError> {
        let child = self.child(key);
        match self.object()?.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => Ok(Some(child)),
        }
    }

    pub fn str(&self) -> Result<&'a str, ImportError> {
        self.value.as_str().ok_or_else(|| self.wrong("a string"))
    }

    pub fn bool(&self) -> Result<bool, ImportError> {
        self.value.as_bool().ok_or_else(|| self.wrong("a boolean"))
    }

    pub fn items(&self) -> Result<Vec<Node<'a>>, ImportError> {
        let items = self
            .value
            .as_array()
            .ok_or_else(|| self.wrong("an array"))?;
        Ok(items
            .iter()
            .enumerate()
            .map(|(index, value)| Node {
                value,
                path: format!("{}[{index}]", self.path),
            })
            .collect())
    }

    /// An RFC 3339 instant with an explicit offset.
    pub fn instant(&self) -> Result<DateTime<FixedOffset>, ImportError> {
        let text = self.str()?;
        match DateTime::parse_from_rfc3339(text) {
            Ok(instant) => Ok(instant),
            Err(_) if text.parse::<NaiveDateTime>().is_ok() => Err(ImportError::NoOffset {
                path: self.path.clone(),
                value: text.to_owned(),
            }),
            Err(reason) => Err(ImportError::BadInstant {
                path: self.path.clone(),
                value: text.to_owned(),
                reason: reason.to_string(),
            }),
        }
    }

    fn wrong(&self, expected: &'static str) -> ImportError {
        let found = match self.value {
            Value::Null => "null".to_owned(),
            Value::Bool(_) => "a boolean".to_owned(),
            Value::Number(number) => format!("the number {number}"),
            Value::String(text) => format!("the string {text:?}"),
            Value::Array(_) => "an array".to_owned(),
            Value::Object(_) => "an object".to_owned(),
        };
        let path = if self.path.is_empty() {
            "document".to_owned()
        } else {
            self.path.clone()
        };
        ImportError::WrongType {
            path,
            expected,
            found,
        }
    }
}
