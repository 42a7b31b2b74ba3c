//! Which windows touch which subscription, and over which span (SPEC §3).

use std::collections::{HashMap, HashSet};

use super::interval::Span;
use super::terms::Severity;

/// An impact window (SPEC §1). `end: None` is still going on and counts up to the as-of instant.
/// Empty `regions` / `customers` mean every region / every customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub id: i64,
    pub component: String,
    pub severity: Severity,
    pub start: i64,
    pub end: Option<i64>,
    pub regions: Vec<String>,
    /// Customer ids.
    pub customers: Vec<i64>,
}

impl Window {
    /// `[start, end or as_of)`.
    pub fn span(&self, as_of: i64) -> Span {
        Span::new(self.start, self.end.unwrap_or(as_of))
    }

    /// The window as exposure counts it at `now` (SPEC §9.1): an open window ends at `now`, and
    /// one still to start by then is left out; a closed window stays as stored.
    pub fn ended_by(mut self, now: i64) -> Option<Window> {
        if self.end.is_none() {
            if self.start >= now {
                return None;
            }
            self.end = Some(now);
        }
        Some(self)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscriber {
    pub subscription_id: i64,
    pub customer_id: i64,
    pub region: Option<String>,
    pub start: i64,
    pub end: Option<i64>,
    pub fee_override_minor: Option<i64>,
}

impl Subscriber {
    /// `[start, end)`, unbounded when there is no end.
    pub fn span(&self) -> Span {
        Span::new(self.start, self.end.unwrap_or(i64::MAX))
    }

    /// SPEC §3: `P ∩ [S.start, S.end) ∩ [−∞, as_of)`.
    pub fn measured_span(&self, period: Span, as_of: i64) -> Span {
        period
            .intersect(self.span())
            .intersect(Span::new(i64::MIN, as_of))
    }

    /// A customer with no region is touched only by windows with no regions.
    pub(crate) fn in_scope(&self, window: &Window) -> bool {
        let region_ok = window.regions.is_empty()
            || self
                .region
                .as_ref()
                .is_some_and(|r| window.regions.contains(r));
        region_ok && (window.customers.is_empty() || window.customers.contains(&self.customer_id))
    }
}

/// Component key → its group's key. Groups do not nest (SPEC §1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Groups {
    group_of: HashMap<String, String>,
}

impl Groups {
    pub fn new() -> Groups {
        Groups::default()
    }

    pub fn insert(&mut self, component: impl Into<String>, group: impl Into<String>) {
        self.group_of.insert(component.into(), group.into());
    }

    pub fn group_of(&self, component: &str) -> Option<&str> {
        self.group_of.get(component).map(String::as_str)
    }

    pub fn members_of<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.group_of
            .iter()
            .filter(move |(_, g)| g.as_str() == group)
            .map(|(member, _)| member.as_str())
    }

    /// The components whose windows count for `component` (SPEC §1, §3.1): a group's members
    /// (sorted), the component itself, and its group, since a member also counts its group's
    /// windows and a group counts its members'.
    pub fn related<'a>(&'a self, component: &'a str) -> Vec<&'a str> {
        let mut related: Vec<&str> = self.members_of(component).collect();
        related.sort_unstable();
        related.push(component);
        related.extend(self.group_of(component));
        related
    }
}

impl<C: Into<String>, G: Into<String>> FromIterator<(C, G)> for Groups {
    fn from_iter<I: IntoIterator<Item = (C, G)>>(iter: I) -> Self {
        let mut groups = Groups::new();
        for (component, group) in iter {
            groups.insert(component, group);
        }
        groups
    }
}

/// The component keys whose windows a plan version's component list covers (SPEC §3.1).
#[derive(Clone, Debug)]
pub(crate) struct Coverage {
    all: bool,
    keys: HashSet<String>,
}

impl Coverage {
    pub fn new(components: &[String], groups: &Groups) -> Coverage {
        let keys = components
            .iter()
            .flat_map(|listed| groups.related(listed))
            .map(str::to_owned)
            .collect();
        Coverage {
            all: components.is_empty(),
            keys,
        }
    }

    pub fn covers(&self, component: &str) -> bool {
        self.all || self.keys.contains(component)
    }
}
