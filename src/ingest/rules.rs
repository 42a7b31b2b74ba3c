//! Rules: how a notification's labels become an impact window (docs/ingest.md, "Rules").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{Invalid, Key, parse_region};
use crate::engine::Severity;

/// Where notifications come from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Alertmanager,
    Pagerduty,
    /// Read by the import's rules, not by ingest rules.
    Statuspage,
}

impl Source {
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Alertmanager => "alertmanager",
            Source::Pagerduty => "pagerduty",
            Source::Statuspage => "statuspage",
        }
    }

    pub fn parse(field: &str, text: &str) -> Result<Source, Invalid> {
        match text {
            "alertmanager" => Ok(Source::Alertmanager),
            "pagerduty" => Ok(Source::Pagerduty),
            _ => Err(Invalid::new(field, "must be `alertmanager` or `pagerduty`")),
        }
    }
}

/// A rule as the API takes it.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    pub source: String,
    /// The label whose value is the component's key.
    pub component_label: Option<String>,
    /// Or one component for every notification the rule matches.
    pub component: Option<String>,
    pub severity_label: String,
    /// Label value → severity; a value not listed does not match.
    pub severities: BTreeMap<String, Severity>,
    /// The label whose value is the one region the window is limited to.
    pub region_label: Option<String>,
    /// The label whose value is the external id of the one customer the window is limited to.
    pub customer_label: Option<String>,
}

/// Where a rule takes the component from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentFrom {
    Label(String),
    Fixed(String),
}

/// A checked rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub source: Source,
    pub component: ComponentFrom,
    pub severity_label: String,
    pub severities: BTreeMap<String, Severity>,
    pub region_label: Option<String>,
    pub customer_label: Option<String>,
}

/// What a rule makes of a notification's labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matched {
    pub component: String,
    pub severity: Severity,
    pub regions: Vec<String>,
    pub customers: Vec<String>,
}

fn label(field: &str, name: &str) -> Result<String, Invalid> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-');
    if !ok {
        return Err(Invalid::new(
            field,
            "must be a label name: 1 to 128 of a-z, A-Z, 0-9, `_`, `.`, `-`",
        ));
    }
    Ok(name.to_owned())
}

impl RuleInput {
    pub fn check(&self) -> Result<Rule, Invalid> {
        let source = Source::parse("source", &self.source)?;
        let component = match (&self.component_label, &self.component) {
            (Some(name), None) => ComponentFrom::Label(label("component_label", name)?),
            (None, Some(key)) => ComponentFrom::Fixed(Key::parse("component", key)?.to_string()),
            _ => {
                return Err(Invalid::new(
                    "component",
                    "give exactly one of `component_label` and `component`",
                ));
            }
        };
        if self.severities.is_empty() {
            return Err(Invalid::new(
                "severities",
                "must map at least one label value to a severity",
            ));
        }
        Ok(Rule {
            source,
            component,
            severity_label: label("severity_label", &self.severity_label)?,
            severities: self.severities.clone(),
            region_label: self
                .region_label
                .as_deref()
                .map(|l| label("region_label", l))
                .transpose()?,
            customer_label: self
                .customer_label
                .as_deref()
                .map(|l| label("customer_label", l))
                .transpose()?,
        })
    }
}

impl Rule {
    /// The window this rule makes of `labels`, if they carry what it needs: the component (when
    /// it comes from a label), a severity value it maps, and the region and customer labels it
    /// names. Whether the component and customer exist is for the caller to check.
    pub fn apply(&self, labels: &BTreeMap<String, String>) -> Option<Matched> {
        let component = match &self.component {
            ComponentFrom::Fixed(key) => key.clone(),
            ComponentFrom::Label(name) => labels.get(name)?.clone(),
        };
        let severity = *self.severities.get(labels.get(&self.severity_label)?)?;
        let regions = match &self.region_label {
            None => Vec::new(),
            Some(name) => vec![parse_region(name, labels.get(name)?).ok()?],
        };
        let customers = match &self.customer_label {
            None => Vec::new(),
            Some(name) => vec![labels.get(name)?.clone()],
        };
        Some(Matched {
            component,
            severity,
            regions,
            customers,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn rule(json: serde_json::Value) -> Result<Rule, Invalid> {
        serde_json::from_value::<RuleInput>(json).unwrap().check()
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_rule_maps_labels_to_a_window() {
        let r = rule(serde_json::json!({"source": "alertmanager", "component_label": "service",
            "severity_label": "severity", "severities": {"critical": "major_outage", "warning": "partial_outage"},
            "region_label": "region"}))
        .unwrap();
        let m = r
            .apply(&labels(&[
                ("service", "api"),
                ("severity", "warning"),
                ("region", "emea"),
            ]))
            .unwrap();
        assert_eq!(
            m,
            Matched {
                component: "api".into(),
                severity: Severity::PartialOutage,
                regions: vec!["emea".into()],
                customers: vec![],
            }
        );
        // A value the rule does not map, or a missing label: no match.
        assert_eq!(
            r.apply(&labels(&[
                ("service", "api"),
                ("severity", "info"),
                ("region", "x")
            ])),
            None
        );
        assert_eq!(
            r.apply(&labels(&[("service", "api"), ("severity", "critical")])),
            None
        );
    }

    #[test]
    fn bad_rules_name_the_field() {
        let field = |json: serde_json::Value| rule(json).unwrap_err().field;
        assert_eq!(
            field(
                serde_json::json!({"source": "nagios", "component": "api", "severity_label": "s", "severities": {"a": "major_outage"}})
            ),
            "source"
        );
        assert_eq!(
            field(
                serde_json::json!({"source": "alertmanager", "component": "api", "component_label": "x", "severity_label": "s", "severities": {"a": "major_outage"}})
            ),
            "component"
        );
        assert_eq!(
            field(
                serde_json::json!({"source": "alertmanager", "component": "api", "severity_label": "s", "severities": {}})
            ),
            "severities"
        );
        assert_eq!(
            field(
                serde_json::json!({"source": "alertmanager", "component": "api", "severity_label": "a b", "severities": {"a": "major_outage"}})
            ),
            "severity_label"
        );
    }
}
