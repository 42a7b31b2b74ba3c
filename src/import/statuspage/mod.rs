//! Parser for a public status page's `incidents.json` (API v2 shape, with the page's
//! `components` beside the incidents as `summary.json` has them).
//!
//! Pure: bytes in, [`Document`] out. Matching components against the ones the service knows,
//! and storing incidents, is the caller's work. The rules are those of
//! `tests/fixtures/README.md`, "How a document becomes impact windows".

mod json;
mod timeline;

use std::collections::{BTreeSet, HashSet};

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::domain::incident::IncidentStatus;
use crate::engine::Severity;
use json::{Flag, Instant, List, Object, Status, Text};
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
    Json(serde_json::Error),
    /// `path` names the value (`incidents[3].incident_updates[0].display_at`), or `document`.
    #[error("{path}: {problem}")]
    Invalid { path: String, problem: String },
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

/// The document as read: only what the import uses. Its strings borrow from the bytes (`'de: 'a`)
/// unless they hold escapes; every other field is skipped unread.
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Source<'a> {
    page: Object<SourcePage<'a>>,
    components: Option<List<SourceComponent<'a>>>,
    incidents: List<SourceIncident<'a>>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct SourcePage<'a> {
    id: Text<'a>,
    name: Text<'a>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct SourceComponent<'a> {
    id: Text<'a>,
    name: Text<'a>,
    group_id: Option<Text<'a>>,
    group: Option<Flag>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct SourceIncident<'a> {
    id: Text<'a>,
    name: Text<'a>,
    status: Status,
    started_at: Option<Instant>,
    resolved_at: Option<Instant>,
    incident_updates: List<Update<'a>>,
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
///
/// The document is read in one pass, straight from the bytes into what the import uses (no
/// `serde_json::Value`): memory stays a fraction of the document.
pub fn parse(json: &[u8]) -> Result<Document, ImportError> {
    let mut reader = serde_json::Deserializer::from_slice(json);
    let source: Object<Source<'_>> =
        serde_path_to_error::deserialize(&mut reader).map_err(|e| refusal(json, e))?;
    reader.end().map_err(ImportError::Json)?;
    let components = source.components.iter().flat_map(|list| list.iter());
    let mut seen = HashSet::new();
    let mut incidents = Vec::with_capacity(source.incidents.len());
    for (index, incident) in source.incidents.iter().enumerate() {
        if !seen.insert(&*incident.id) {
            return Err(invalid(
                format!("incidents[{index}].id"),
                format!("incident id `{}` appears more than once", &*incident.id),
            ));
        }
        incidents.push(import_incident(incident, index)?);
    }
    Ok(Document {
        page_id: source.page.id.to_owned(),
        page_name: source.page.name.to_owned(),
        components: components.map(page_component).collect(),
        incidents,
    })
}

fn page_component(component: &SourceComponent<'_>) -> PageComponent {
    PageComponent {
        code: component.id.to_owned(),
        name: component.name.to_owned(),
        group_code: component.group_id.as_deref().map(str::to_owned),
        is_group: component.group.as_ref().is_some_and(|flag| flag.0),
    }
}

fn import_incident(
    incident: &SourceIncident<'_>,
    index: usize,
) -> Result<ImportedIncident, ImportError> {
    let seconds = |instant: &Option<Instant>| instant.as_ref().map(|i| i.0.timestamp());
    // The API lists newest first; reversed, a stable sort keeps equal instants oldest first.
    let mut updates: Vec<&Update<'_>> = incident.incident_updates.iter().rev().collect();
    updates.sort_by_key(|update| update.display_at.0);
    let windows = follow(
        &updates,
        seconds(&incident.started_at),
        seconds(&incident.resolved_at),
    )
    .map_err(|component| {
        invalid(
            format!("incidents[{index}].resolved_at"),
            format!("the incident is resolved before its `{component}` window opens"),
        )
    })?;
    Ok(ImportedIncident {
        page_incident_id: incident.id.to_owned(),
        title: incident.name.to_owned(),
        status: incident.status.0,
        windows,
    })
}

fn invalid(path: impl Into<String>, problem: impl Into<String>) -> ImportError {
    ImportError::Invalid {
        path: path.into(),
        problem: problem.into(),
    }
}

/// What is wrong where. A document that is not JSON is refused as such, wherever that shows;
/// serde names a missing field in its message and points at the object that lacks it.
fn refusal(json: &[u8], error: serde_path_to_error::Error<serde_json::Error>) -> ImportError {
    let path = error.path().to_string();
    let error = error.into_inner();
    if !error.is_data() {
        return ImportError::Json(error);
    }
    if let Err(malformed) = serde_json::from_slice::<IgnoredAny>(json) {
        return ImportError::Json(malformed);
    }
    let message = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    let problem = message.strip_suffix(&position).unwrap_or(&message);
    let missing = problem
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'));
    match (missing, path.as_str()) {
        (Some(field), ".") => invalid(field, "missing field"),
        (Some(field), parent) => invalid(format!("{parent}.{field}"), "missing field"),
        (None, ".") => invalid("document", problem),
        (None, path) => invalid(path, problem),
    }
}

#[cfg(test)]
mod tests;
