//! The words of the credit ledger (SPEC §6).

use super::Invalid;

crate::text_enum! {
    /// Where a credit is in its life: pending → approved → applied; pending or approved → void;
    /// a re-run replaces a changed pending or approved credit, which becomes superseded.
    CreditStatus {
        Pending => "pending",
        Approved => "approved",
        Applied => "applied",
        Void => "void",
        Superseded => "superseded",
    }
}

impl CreditStatus {
    /// The statuses of credits that count: owed or paid. The ledger keeps one current SLA credit
    /// per subscription and period among them (the `credits_one_current_sla` index).
    pub const COUNTING: [CreditStatus; 3] = [
        CreditStatus::Pending,
        CreditStatus::Approved,
        CreditStatus::Applied,
    ];

    /// What a credit run looks at: the credits that count, and the voided ones (a void stands).
    pub const COUNTING_OR_VOID: [CreditStatus; 4] = [
        CreditStatus::Pending,
        CreditStatus::Approved,
        CreditStatus::Applied,
        CreditStatus::Void,
    ];
}

crate::text_enum! {
    /// Where a credit run stands: worked until it ends, then succeeded, or failed with nothing
    /// written.
    RunState {
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
    }
}

crate::text_enum! {
    /// Why a credit exists: a run's SLA credit, a run's correction of an applied one, or support's.
    CreditKind {
        Sla => "sla",
        Adjustment => "adjustment",
        Manual => "manual",
    }
}

/// A comma-separated list of statuses (`pending,approved`), naming the item that is wrong as
/// `field[i]`; the statuses that count when there is no list.
pub fn parse_statuses(field: &str, list: Option<&str>) -> Result<Vec<CreditStatus>, Invalid> {
    let Some(list) = list else {
        return Ok(CreditStatus::COUNTING.to_vec());
    };
    list.split(',')
        .enumerate()
        .map(|(i, s)| CreditStatus::parse(&format!("{field}[{i}]"), s))
        .collect()
}
