//! How a status page's component updates become impact windows: each update's new state holds
//! until the next one for that component (the rules listed on `parse`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ImportedWindow;
use super::json::{ComponentStatus, Instant, List, Text};
use crate::engine::Severity;

/// One of an incident's `incident_updates`, as far as it moves the timeline.
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub(super) struct Update<'a> {
    /// Keeps the sub-seconds, for ordering; windows are in whole seconds.
    pub display_at: Instant,
    affected_components: Option<List<Change<'a>>>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct Change<'a> {
    code: Text<'a>,
    /// `None` is `operational`.
    new_status: ComponentStatus,
}

/// Walks updates sorted oldest first. Err carries the component whose window would end
/// at a `resolved_at` before its start.
pub(super) fn follow(
    updates: &[&Update<'_>],
    started_at: Option<i64>,
    resolved_at: Option<i64>,
) -> Result<Vec<ImportedWindow>, String> {
    let first_at = updates.first().map(|update| update.display_at.0);
    let mut open: BTreeMap<&str, (Severity, i64)> = BTreeMap::new();
    let mut windows = Vec::new();
    for update in updates {
        let at = update.display_at.0.timestamp();
        let changes = update.affected_components.as_deref().unwrap_or_default();
        for change in changes {
            let (code, severity) = (&*change.code, change.new_status.0);
            if open.get(code).map(|(current, _)| *current) == severity {
                continue;
            }
            if let Some((current, start)) = open.remove(code) {
                push_window(&mut windows, code, current, start, Some(at));
            }
            if let Some(severity) = severity {
                let start = match started_at {
                    Some(started) if Some(update.display_at.0) == first_at => started.min(at),
                    _ => at,
                };
                open.insert(code, (severity, start));
            }
        }
    }
    for (code, (severity, start)) in open {
        if resolved_at.is_some_and(|end| end < start) {
            return Err(code.to_owned());
        }
        push_window(&mut windows, code, severity, start, resolved_at);
    }
    windows.sort_by(|a, b| (a.start, &a.component_code).cmp(&(b.start, &b.component_code)));
    Ok(windows)
}

fn push_window(
    windows: &mut Vec<ImportedWindow>,
    code: &str,
    severity: Severity,
    start: i64,
    end: Option<i64>,
) {
    if end == Some(start) {
        return;
    }
    windows.push(ImportedWindow {
        component_code: code.to_owned(),
        severity,
        start,
        end,
    });
}
