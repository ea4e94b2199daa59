//! The alerts area: the system alerts feed of an organisation (low stock, suspicious
//! transactions, system notices), one open alert per condition until it is resolved, and alert
//! rules' conditions and state machine (`rule`).

pub mod rule;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::OrgId;

named_enum!(
    /// What an alert is about.
    AlertKind, "type" {
        /// Products at or below the low-stock threshold (commerce).
        LowStock = "low_stock",
        /// Store inventory rows at or below the retail low-stock threshold.
        RetailLowStock = "retail_low_stock",
        /// Transactions the fraud rules flagged.
        SuspiciousTransaction = "suspicious_transaction",
        /// A notice of the system itself.
        System = "system",
    }
);

named_enum!(
    /// How loudly an alert speaks.
    Severity, "severity" {
        /// For information.
        Info = "info",
        /// Needs a look.
        Warning = "warning",
        /// Needs action.
        Error = "error",
    }
);

impl AlertKind {
    /// The kinds the commerce area raises and its TechMart app knows how to draw.
    pub const COMMERCE: [AlertKind; 3] = [
        AlertKind::LowStock,
        AlertKind::SuspiciousTransaction,
        AlertKind::System,
    ];
}

/// One alert of the feed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemAlert {
    /// The id clients key it by.
    pub id: i64,
    /// The owning organisation.
    pub org_id: OrgId,
    /// What it is about.
    pub kind: AlertKind,
    /// In words.
    pub message: String,
    /// How loud.
    pub severity: Severity,
    /// Details by kind as JSON (`products` for low stock, `transactions` for suspicious ones).
    pub metadata_json: String,
    /// When the condition was first seen (UTC).
    pub created_at: NaiveDateTime,
    /// When it last changed.
    pub updated_at: NaiveDateTime,
    /// When it ended; open while none.
    pub resolved_at: Option<NaiveDateTime>,
}
