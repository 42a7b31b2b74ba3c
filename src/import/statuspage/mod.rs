//! Parser for a public status page's `incidents.json` (API v2 shape, with the page's
//! `components` beside the incidents as `summary.json` has them).
//!
//! Pure: bytes in, [`Document`] out. Matching components against the ones the service knows,
//! and storing incidents, is the caller's work. The rules are those of
//! `tests/fixtures/README.md`, "How a document becomes impact windows".

mod node;
mod timeline;

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;
use serde_json::Value;

use crate::domain::incident::{IncidentStatus, listed};
use crate::engine::Severity;
use node::Node;
use timeline::{Update, follow};

/// What one `incidents.json` document says, ready to import.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub page_id: String,
    pub page_name: String,
    /// The page's top-level `components`; empty when the document has none.
    pub components: Vec<PageComponent>,
    /// In document order (the API lists newest first).
    pub incidents: Vec<ImportedIncident>,
}

#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct PageComponent {
    /// The page's component id.
    pub code: String,
    pub name: String,
    pub group_code: Option<String>,
    pub is_group: bool,
}

#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct ImportedIncident {
    pub page_incident_id: String,
    pub title: String,
    pub status: IncidentStatus,
    /// Sorted by start, then component code. A window that is empty once instants are
    /// truncated to whole seconds (end == start) is dropped: it holds no time.
    pub windows: Vec<ImportedWindow>,
}

/// An impact window in unix seconds (UTC), half-open `[start, end)`.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct ImportedWindow {
    pub component_code: String,
    pub severity: Severity,
    pub start: i64,
    /// `None`: still going on.
    pub end: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("malformed JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{path}: missing field")]
    MissingField { path: String },
    #[error("{path}: expected {expected}, found {found}")]
    WrongType {
        path: String,
        expected: &'static str,
        found: String,
    },
    #[error("{path}: `{value}` has no offset; an instant needs `Z` or `±hh:mm`")]
    NoOffset { path: String, value: String },
    #[error("{path}: `{value}` is not an RFC 3339 instant ({reason})")]
    BadInstant {
        path: String,
        value: String,
        reason: String,
    },
    #[error(
        "{path}: unknown incident status `{value}` (expected {})",
        listed(IncidentStatus::ALL.iter().copied())
    )]
    UnknownIncidentStatus { path: String, value: String },
    #[error(
        "{path}: unknown component status `{value}` (expected operational, \
         degraded_performance, partial_outage, major_outage or under_maintenance)"
    )]
    UnknownComponentStatus { path: String, value: String },
    #[error("{path}: incident id `{id}` appears more than once")]
    DuplicateIncident { path: String, id: String },
    #[error("{path}: the incident is resolved before its `{component}` window opens")]
    ResolvedBeforeWindow { path: String, component: String },
}

impl Document {
    /// Every component code a window refers to, so the caller can list the unknown ones.
    pub fn component_codes_used(&self) -> BTreeSet<&str> {
        self.incidents
            .iter()
            .flat_map(|incident| &incident.windows)
            .map(|window| window.component_code.as_str())
            .collect()
    }
}

impl ImportedIncident {
    /// The id an incident is matched by on re-import: page id + incident id.
    pub fn external_id(&self, page_id: &str) -> String {
        format!("{page_id}:{}", self.page_incident_id)
    }
}

/// Parses an `incidents.json` document into incidents with impact windows.
///
/// - Each incident's updates are taken oldest first by `display_at` (equal instants: the one
///   listed later, i.e. older in the API's newest-first order, first).
/// - Per component, each update's `new_status` is the state from then on: an impaired state
///   opens a window, a different state closes it, `operational` only closes. `old_status` and
///   the update's own `status` are not read.
/// - Windows opened by the first update open at `started_at` when that is earlier.
/// - A window still open at the end closes at `resolved_at`, or stays open without one.
/// - Instants must carry an offset; sub-second parts are truncated to whole seconds.
/// - A window that is empty after truncation (end == start) is dropped: it held no time.
/// - A `resolved_at` earlier than the start of a window it would close is refused.
pub fn parse(json: &[u8]) -> Result<Document, ImportError> {
    let value: Value = serde_json::from_slice(json)?;
    let root = Node::root(&value);
    root.object()?;
    let page = root.field("page")?;
    let page_id = page.field("id")?.str()?.to_owned();
    let page_name = page.field("name")?.str()?.to_owned();
    let components = match root.optional("components")? {
        Some(list) => list.items()?.iter().map(parse_component).collect(),
        None => Ok(Vec::new()),
    }?;
    let incident_nodes = root.field("incidents")?.items()?;
    let mut seen = HashSet::new();
    let mut incidents = Vec::with_capacity(incident_nodes.len());
    for node in &incident_nodes {
        let incident = parse_incident(node)?;
        if !seen.insert(incident.page_incident_id.clone()) {
            return Err(ImportError::DuplicateIncident {
                path: node.child("id").path,
                id: incident.page_incident_id,
            });
        }
        incidents.push(incident);
    }
    Ok(Document {
        page_id,
        page_name,
        components,
        incidents,
    })
}

fn parse_component(node: &Node) -> Result<PageComponent, ImportError> {
    Ok(PageComponent {
        code: node.field("id")?.str()?.to_owned(),
        name: node.field("name")?.str()?.to_owned(),
        group_code: match node.optional("group_id")? {
            Some(group) => Some(group.str()?.to_owned()),
            None => None,
        },
        is_group: match node.optional("group")? {
            Some(flag) => flag.bool()?,
            None => false,
        },
    })
}
fn parse_incident(node: &Node) -> Result<ImportedIncident, ImportError> {
    let id = node.field("id")?.str()?.to_owned();
    let title = node.field("name")?.str()?.to_owned();
    let status_node = node.field("status")?;
    let word = status_node.str()?;
    let status = IncidentStatus::parse(&status_node.path, word).map_err(|_| {
        ImportError::UnknownIncidentStatus {
            path: status_node.path.clone(),
            value: word.to_owned(),
        }
    })?;
    let started_at = optional_seconds(node, "started_at")?;
    let resolved_at = optional_seconds(node, "resolved_at")?;
    let mut updates = node
        .field("incident_updates")?
        .items()?
        .iter()
        .map(parse_update)
        .collect::<Result<Vec<_>, _>>()?;
    // The API lists newest first; reversed, a stable sort keeps equal instants oldest first.
    updates.reverse();
    updates.sort_by_key(|update| update.display_at);
    let windows = follow(&updates, started_at, resolved_at).map_err(|component| {
        ImportError::ResolvedBeforeWindow {
            path: node.child("resolved_at").path,
            component,
        }
    })?;
    Ok(ImportedIncident {
        page_incident_id: id,
        title,
        status,
        windows,
    })
}

fn optional_seconds(node: &Node, key: &str) -> Result<Option<i64>, ImportError> {
    match node.optional(key)? {
        Some(instant) => Ok(Some(instant.instant()?.timestamp())),
        None => Ok(None),
    }
}

fn parse_update(node: &Node) -> Result<Update, ImportError> {
    let display_at = node.field("display_at")?.instant()?;
    let mut changes = Vec::new();
    if let Some(affected) = node.optional("affected_components")? {
        for component in affected.items()? {
            let code = component.field("code")?.str()?.to_owned();
            let new_status = component.field("new_status")?;
            let severity = match new_status.str()? {
                "operational" => None,
                "degraded_performance" => Some(Severity::DegradedPerformance),
                "partial_outage" => Some(Severity::PartialOutage),
                "major_outage" => Some(Severity::MajorOutage),
                "under_maintenance" => Some(Severity::Maintenance),
                other => {
                    return Err(ImportError::UnknownComponentStatus {
                        path: new_status.path,
                        value: other.to_owned(),
                    });
                }
            };
            changes.push((code, severity));
        }
    }
    Ok(Update {
        at: display_at.timestamp(),
        display_at,
        changes,
    })
}

#[cfg(test)]
mod tests;
