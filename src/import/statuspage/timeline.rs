//! How a status page's component updates become impact windows: each update's new state holds
//! until the next one for that component (the rules listed on `parse`).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};

use super::ImportedWindow;
use crate::engine::Severity;

/// One update, reduced to what moves the timeline: `None` is `operational`.
pub(super) struct Update {
    /// Whole seconds; `display_at` keeps the sub-seconds for ordering.
    pub at: i64,
    pub display_at: DateTime<FixedOffset>,
    pub changes: Vec<(String, Option<Severity>)>,
}

/// Walks updates sorted oldest first. Err carries the component whose window would end
/// at a `resolved_at` before its start.
pub(super) fn follow(
    updates: &[Update],
    started_at: Option<i64>,
    resolved_at: Option<i64>,
) -> Result<Vec<ImportedWindow>, String> {
    let first_at = updates.first().map(|update| update.display_at);
    let mut open: BTreeMap<&str, (Severity, i64)> = BTreeMap::new();
    let mut windows = Vec::new();
    for update in updates {
        for (code, severity) in &update.changes {
            if open.get(code.as_str()).map(|(current, _)| current) == severity.as_ref() {
                continue;
            }
            if let Some((current, start)) = open.remove(code.as_str()) {
                push_window(&mut windows, code, current, start, Some(update.at));
            }
            if let Some(severity) = severity {
                let start = match started_at {
                    Some(started) if Some(update.display_at) == first_at => started.min(update.at),
                    _ => update.at,
                };
                open.insert(code, (*severity, start));
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
