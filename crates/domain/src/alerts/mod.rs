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

/// An alert rule as stored: its definition as JSON documents (checked by the alerting crate
/// before they are saved) and what it remembers between evaluations.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRule {
    /// The id clients key it by.
    pub id: i64,
    /// The owning organisation.
    pub org_id: OrgId,
    /// What people call it.
    pub name: String,
    /// The definition as a checked JSON document: `target`, `condition`, `schedule`,
    /// `channels` (webhook secrets sealed) and `cooldown_seconds`.
    pub definition_json: String,
    /// Whether it is scheduled.
    pub enabled: bool,
    /// What it remembers between evaluations.
    pub status: rule::RuleStatus,
    /// The last evaluated value.
    pub last_value: Option<f64>,
    /// The last values, oldest first, as `[[time, value], ...]` JSON.
    pub recent_values_json: String,
    /// When it was last evaluated (UTC).
    pub last_evaluated_at: Option<NaiveDateTime>,
    /// When it runs next (UTC); none while disabled.
    pub next_run_at: Option<NaiveDateTime>,
    /// Who created it.
    pub created_by: Option<crate::UserId>,
    /// When it was created.
    pub created_at: NaiveDateTime,
    /// When its definition last changed.
    pub updated_at: NaiveDateTime,
}

/// An alert rule's definition to save (create or replace).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDraft {
    /// Name.
    pub name: String,
    /// The definition JSON (see [`AlertRule::definition_json`]).
    pub definition_json: String,
    /// Scheduled or not.
    pub enabled: bool,
    /// The first run of the schedule after now (none when disabled).
    pub next_run_at: Option<NaiveDateTime>,
    /// Whether what the rule remembers starts over (its target or condition changed).
    pub reset_state: bool,
}

/// One recorded evaluation of a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEvent {
    /// Id.
    pub id: i64,
    /// The rule.
    pub rule_id: i64,
    /// The scheduled run it belongs to (none for evaluations outside the schedule).
    pub scheduled_at: Option<NaiveDateTime>,
    /// When it was evaluated (UTC).
    pub evaluated_at: NaiveDateTime,
    /// The value found, if any.
    pub value: Option<f64>,
    /// What a change was measured against, if anything.
    pub reference_value: Option<f64>,
    /// The condition it was held against (JSON as written).
    pub threshold_json: String,
    /// The state before.
    pub from: rule::RuleState,
    /// The state after.
    pub to: rule::RuleState,
    /// The notification sent: `firing` or `resolved`.
    pub notice: Option<String>,
    /// A notification that fell inside the cooldown.
    pub suppressed: Option<String>,
    /// Why the evaluation failed.
    pub error: Option<String>,
    /// Each channel's delivery as a JSON array.
    pub deliveries_json: String,
    /// Deliveries that failed.
    pub deliveries_failed: i32,
}

/// An evaluation to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The scheduled run, if any.
    pub scheduled_at: Option<NaiveDateTime>,
    /// When.
    pub evaluated_at: NaiveDateTime,
    /// Value.
    pub value: Option<f64>,
    /// Reference value.
    pub reference_value: Option<f64>,
    /// The condition JSON.
    pub threshold_json: String,
    /// State before.
    pub from: rule::RuleState,
    /// State after.
    pub to: rule::RuleState,
    /// Notice sent.
    pub notice: Option<rule::Notice>,
    /// Notice suppressed.
    pub suppressed: Option<rule::Notice>,
    /// Error.
    pub error: Option<String>,
    /// Deliveries JSON (pending ones included).
    pub deliveries_json: String,
}
