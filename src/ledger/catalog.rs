//! The component catalog's rules (SPEC §1): a group is a component with no parent, groups do not
//! nest, and a component that anything still refers to stays.

use super::LedgerError;
use crate::db::catalog::{self, Component};
use crate::db::{DbConnection, incidents};
use crate::domain::Invalid;

pub fn component(conn: &mut DbConnection, key: &str) -> Result<Component, LedgerError> {
    catalog::find_component(conn, key)?
        .ok_or_else(|| LedgerError::NotFound(format!("no component `{key}`")))
}

pub fn create_component(conn: &mut DbConnection, c: &Component) -> Result<(), LedgerError> {
    check_group(conn, c)?;
    if catalog::find_component(conn, &c.key)?.is_some() {
        return Err(LedgerError::Conflict(format!(
            "component `{}` already exists",
            c.key
        )));
    }
    catalog::insert_component(conn, c)?;
    Ok(())
}

pub fn update_component(conn: &mut DbConnection, c: &Component) -> Result<(), LedgerError> {
    check_group(conn, c)?;
    catalog::update_component(conn, c)?;
    Ok(())
}

/// Deletes a component nothing refers to: no members, no plan version, no impact window.
pub fn delete_component(conn: &mut DbConnection, key: &str) -> Result<Component, LedgerError> {
    let before = component(conn, key)?;
    let in_use = if catalog::count_members(conn, key)? > 0 {
        Some("is the group of other components")
    } else if catalog::component_in_plans(conn, key)? {
        Some("is covered by a plan version")
    } else if incidents::component_has_windows(conn, key)? {
        Some("has impact windows")
    } else {
        None
    };
    if let Some(why) = in_use {
        return Err(LedgerError::Conflict(format!("component `{key}` {why}")));
    }
    catalog::delete_component(conn, key)?;
    Ok(before)
}

fn check_group(conn: &mut DbConnection, c: &Component) -> Result<(), LedgerError> {
    let Some(group) = &c.group_key else {
        return Ok(());
    };
    let invalid = |why: String| LedgerError::Invalid(Invalid::new("group", why));
    if *group == c.key {
        return Err(invalid("a component cannot be its own group".into()));
    }
    let parent = catalog::find_component(conn, group)?
        .ok_or_else(|| invalid(format!("no component `{group}`")))?;
    if parent.group_key.is_some() {
        return Err(invalid(format!(
            "`{group}` belongs to a group itself; groups do not nest"
        )));
    }
    if catalog::count_members(conn, &c.key)? > 0 {
        return Err(invalid(format!(
            "`{}` is a group itself; groups do not nest",
            c.key
        )));
    }
    Ok(())
}
