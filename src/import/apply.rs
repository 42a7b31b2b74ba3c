//! Writes a parsed status-page document: components matched by their page id, incidents matched
//! by page id + incident id, so importing the same document again changes nothing.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use serde_json::json;

use super::statuspage::{Document, ImportedIncident};
use crate::auth::Caller;
use crate::db::DbConnection;
use crate::db::audit::{self, AuditEntry};
use crate::db::catalog::{self, Component};
use crate::db::incidents::{self as store, IncidentChanges, IncidentFields, StoredWindow};
use crate::domain::incident::ImpactWindow;
use crate::domain::{ExternalId, Invalid, Key, format_instant, parse_name, parse_region};
use crate::engine::Severity;

/// Incidents are written this many at a time, each batch with its windows and audit entries, so
/// memory stays flat however long the document is.
const BATCH: usize = 1000;

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub create_components: bool,
    /// Scope every imported window to these regions (empty: every region).
    pub regions: Vec<String>,
    pub dry_run: bool,
}

impl Options {
    /// `regions` is a comma-separated list.
    pub fn parse(
        create_components: bool,
        regions: Option<&str>,
        dry_run: bool,
    ) -> Result<Options, Invalid> {
        let mut listed: Vec<String> = Vec::new();
        for (i, region) in regions
            .map(|list| list.split(','))
            .into_iter()
            .flatten()
            .enumerate()
        {
            let region = parse_region(&format!("regions[{i}]"), region)?;
            if listed.contains(&region) {
                return Err(Invalid::new(
                    format!("regions[{i}]"),
                    format!("`{region}` is listed twice"),
                ));
            }
            listed.push(region);
        }
        listed.sort();
        let regions = listed;
        Ok(Options {
            create_components,
            regions,
            dry_run,
        })
    }
}

#[derive(Serialize, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub page_id: String,
    pub dry_run: bool,
    pub incidents_created: usize,
    pub incidents_updated: usize,
    pub incidents_unchanged: usize,
    pub windows_written: usize,
    pub components_created: Vec<String>,
    /// In a dry run: the windows that would be written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<WindowView>,
}

/// A window as a dry run's answer and the audit log show it.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct WindowView {
    pub component: String,
    pub severity: Severity,
    pub start: String,
    pub end: Option<String>,
    pub regions: Vec<String>,
}

impl From<&ImpactWindow> for WindowView {
    fn from(w: &ImpactWindow) -> WindowView {
        WindowView {
            component: w.component.clone(),
            severity: w.severity,
            start: format_instant(w.start),
            end: w.end.map(format_instant),
            regions: w.regions.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("unknown status-page components: {}; create them first (with that external_id) or import with create_components", .0.join(", "))]
    UnknownComponents(Vec<String>),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error(transparent)]
    Store(#[from] crate::db::DbError),
    /// Carries a dry run's summary out of the transaction it rolls back.
    #[error("dry run")]
    DryRun(Summary),
}

/// Imports in one transaction; a dry run rolls it back and answers what it would have done.
pub fn run(
    db: &crate::db::Db,
    doc: &Document,
    options: &Options,
    caller: &Caller,
    at: i64,
) -> Result<Summary, ApplyError> {
    let outcome = db.transaction(|conn| {
        let summary = apply(conn, doc, options, caller, at)?;
        if options.dry_run {
            return Err(ApplyError::DryRun(summary));
        }
        Ok(summary)
    });
    match outcome {
        Err(ApplyError::DryRun(summary)) => Ok(summary),
        other => other,
    }
}

/// Imports `doc` at `at` for `caller`, audit entries included; yields what it did.
pub fn apply(
    conn: &mut DbConnection,
    doc: &Document,
    options: &Options,
    caller: &Caller,
    at: i64,
) -> Result<Summary, ApplyError> {
    let mut summary = Summary {
        page_id: doc.page_id.clone(),
        dry_run: options.dry_run,
        ..Summary::default()
    };
    let mut audit_entries = Vec::new();
    let keys = match_components(conn, doc, options, at, &mut summary, &mut audit_entries)?;
    audit::record_all(conn, caller, at, &audit_entries)?;
    for batch in doc.incidents.chunks(BATCH) {
        let audit_entries =
            apply_batch(conn, &doc.page_id, batch, &keys, options, at, &mut summary)?;
        audit::record_all(conn, caller, at, &audit_entries)?;
    }
    Ok(summary)
}

/// Creates, updates or leaves as they are some of the document's incidents; yields the audit
/// entries that describe it.
fn apply_batch(
    conn: &mut DbConnection,
    page_id: &str,
    incidents: &[ImportedIncident],
    keys: &HashMap<String, String>,
    options: &Options,
    at: i64,
    summary: &mut Summary,
) -> Result<Vec<AuditEntry>, ApplyError> {
    let mut audit_entries = Vec::new();
    let external_ids: Vec<String> = incidents.iter().map(|i| i.external_id(page_id)).collect();
    let existing = store::incidents_by_external_id(conn, &external_ids)?;
    let existing_ids: Vec<i64> = existing.values().map(|i| i.id).collect();
    let mut stored_windows: HashMap<i64, Vec<StoredWindow>> = HashMap::new();
    for w in store::windows_of(conn, &existing_ids)? {
        stored_windows.entry(w.incident_id).or_default().push(w);
    }
    let mut to_write: Vec<(i64, ImpactWindow)> = Vec::new();
    for (incident, external_id) in incidents.iter().zip(&external_ids) {
        parse_name(&format!("incident {external_id}: name"), &incident.title)?;
        ExternalId::parse(&format!("incident {external_id}: id"), external_id)?;
        let windows = windows_of(incident, keys, options, external_id, at)?;
        let after = json!({
            "title": incident.title, "status": incident.status, "external_id": external_id,
            "windows": windows.iter().map(WindowView::from).collect::<Vec<_>>(),
        });
        let id = match existing.get(external_id) {
            Some(row) => {
                let (ids, mut stored): (Vec<i64>, Vec<ImpactWindow>) = stored_windows
                    .remove(&row.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|w| (w.id, w.window))
                    .unzip();
                stored.sort_by(window_order);
                if row.title == incident.title && row.status == incident.status && stored == windows
                {
                    summary.incidents_unchanged += 1;
                    continue;
                }
                store::delete_windows(conn, &ids)?;
                let changes = IncidentChanges {
                    title: &incident.title,
                    status: incident.status,
                    external_id: Some(external_id),
                    updated_at: at,
                };
                store::update_incident(conn, row.id, &changes)?;
                summary.incidents_updated += 1;
                let before = json!({ "title": row.title, "status": row.status, "windows": stored.iter().map(WindowView::from).collect::<Vec<_>>() });
                audit_entries.push(AuditEntry::new(
                    "incident.import",
                    row.id,
                    Some(before),
                    Some(after),
                ));
                row.id
            }
            None => {
                let fields = IncidentFields {
                    title: &incident.title,
                    status: incident.status,
                    external_id: Some(external_id),
                    created_at: at,
                    updated_at: at,
                };
                let id = store::insert_incident(conn, &fields)?;
                summary.incidents_created += 1;
                audit_entries.push(AuditEntry::new("incident.import", id, None, Some(after)));
                id
            }
        };
        to_write.extend(windows.into_iter().map(|w| (id, w)));
    }
    let pairs: Vec<(i64, &ImpactWindow)> = to_write.iter().map(|(id, w)| (*id, w)).collect();
    store::insert_windows_of(conn, &pairs)?;
    summary.windows_written += to_write.len();
    if options.dry_run {
        summary
            .windows
            .extend(to_write.iter().map(|(_, w)| WindowView::from(w)));
    }
    Ok(audit_entries)
}

fn window_order(a: &ImpactWindow, b: &ImpactWindow) -> std::cmp::Ordering {
    (a.start, &a.component, a.severity, a.end).cmp(&(b.start, &b.component, b.severity, b.end))
}

fn windows_of(
    incident: &ImportedIncident,
    keys: &HashMap<String, String>,
    options: &Options,
    external_id: &str,
    now: i64,
) -> Result<Vec<ImpactWindow>, ApplyError> {
    let mut windows = Vec::with_capacity(incident.windows.len());
    for w in &incident.windows {
        let component = keys
            .get(&w.component_code)
            .cloned()
            .ok_or_else(|| ApplyError::UnknownComponents(vec![w.component_code.clone()]))?;
        let window = ImpactWindow {
            component,
            severity: w.severity,
            start: w.start,
            end: w.end,
            regions: options.regions.clone(),
            customers: vec![],
        };
        window.check_times(
            &format!("incident {external_id}: window on {}: ", w.component_code),
            now,
        )?;
        windows.push(window);
    }
    windows.sort_by(window_order);
    Ok(windows)
}

/// Page component id → component key; unknown ids are created when asked, refused otherwise.
fn match_components(
    conn: &mut DbConnection,
    doc: &Document,
    options: &Options,
    at: i64,
    summary: &mut Summary,
    audit_entries: &mut Vec<AuditEntry>,
) -> Result<HashMap<String, String>, ApplyError> {
    let mut wanted: BTreeSet<String> = doc
        .component_codes_used()
        .into_iter()
        .map(str::to_owned)
        .collect();
    // A created component brings its group along.
    let group_of = |code: &str| {
        doc.components
            .iter()
            .find(|c| c.code == code)
            .and_then(|c| c.group_code.clone())
    };
    let groups: Vec<String> = wanted.iter().filter_map(|c| group_of(c)).collect();
    let codes: Vec<String> = wanted
        .iter()
        .cloned()
        .chain(groups.iter().cloned())
        .collect();
    let mut keys: HashMap<String, String> = catalog::components_by_external_id(conn, &codes)?
        .into_iter()
        .filter_map(|c| c.external_id.map(|e| (e.into(), c.key.into())))
        .collect();
    let unknown: Vec<String> = wanted
        .iter()
        .filter(|c| !keys.contains_key(*c))
        .cloned()
        .collect();
    if unknown.is_empty() {
        return Ok(keys);
    }
    if !options.create_components {
        return Err(ApplyError::UnknownComponents(unknown));
    }
    // Groups first, so members can name them.
    wanted = unknown
        .iter()
        .filter_map(|c| group_of(c))
        .filter(|g| !keys.contains_key(g))
        .collect();
    let ordered: Vec<String> = wanted.into_iter().chain(unknown).collect();
    for code in ordered {
        if keys.contains_key(&code) {
            continue;
        }
        let key = Key::parse(&format!("components[{code}]"), &code)?;
        if catalog::find_component(conn, &key)?.is_some() {
            return Err(ApplyError::Conflict(format!(
                "component `{key}` exists but is not linked to status-page id `{code}`: set its external_id"
            )));
        }
        let page = doc.components.iter().find(|c| c.code == code);
        let component = Component {
            key: key.clone(),
            name: parse_name(
                &format!("components[{code}].name"),
                page.map_or(code.as_str(), |p| p.name.as_str()),
            )?,
            description: String::new(),
            group_key: group_of(&code)
                .and_then(|g| keys.get(&g))
                .map(|k| Key::parse("group", k))
                .transpose()?,
            external_id: Some(ExternalId::parse(&format!("components[{code}]"), &code)?),
            created_at: at,
            updated_at: at,
        };
        catalog::insert_component(conn, &component)?;
        let after = json!({"key": key, "external_id": code, "group": component.group_key});
        audit_entries.push(AuditEntry::new("component.create", &key, None, Some(after)));
        summary.components_created.push(key.to_string());
        keys.insert(code, key.into());
    }
    Ok(keys)
}
