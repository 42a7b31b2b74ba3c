use serde::{Deserialize, Serialize};
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    MajorOutage,
    PartialOutage,
    DegradedPerformance,
    Maintenance,
}
impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::MajorOutage => "major_outage",
            Severity::PartialOutage => "partial_outage",
            Severity::DegradedPerformance => "degraded_performance",
            Severity::Maintenance => "maintenance",
        }
    }
}
impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Severity, String> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| e.to_string())
    }
}
