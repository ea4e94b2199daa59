//! Wire shapes of the alerts feed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_domain::alerts::SystemAlert;
use tessera_domain::Page;
use utoipa::{IntoParams, ToSchema};

use crate::common::{page_dto, utc};

/// Filters and page of the feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Only this kind: `low_stock`, `retail_low_stock`, `suspicious_transaction` or `system`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// Only this severity: `info`, `warning` or `error`.
    pub severity: Option<String>,
    /// `open` (default), `resolved` or `all`.
    pub state: Option<String>,
    /// Page, from 1 (default 1).
    pub page: Option<i64>,
    /// Page size, 1..=200 (default 20).
    pub limit: Option<i64>,
}

/// One alert.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertOut {
    /// Id.
    pub id: i64,
    /// What it is about: `low_stock`, `retail_low_stock`, `suspicious_transaction`, `system`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
    /// In words.
    pub message: String,
    /// `info`, `warning` or `error`.
    pub severity: String,
    /// Details by kind (`items` for retail low stock, `products` for commerce low stock,
    /// `transactions` for suspicious ones).
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// When the condition was first seen.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it ended; null while open.
    pub resolved_at: Option<DateTime<Utc>>,
}

impl From<SystemAlert> for AlertOut {
    fn from(a: SystemAlert) -> Self {
        Self {
            id: a.id,
            kind: a.kind.as_str().to_owned(),
            message: a.message,
            severity: a.severity.as_str().to_owned(),
            metadata: crate::common::json_object(&a.metadata_json),
            created_at: utc(a.created_at),
            updated_at: utc(a.updated_at),
            resolved_at: a.resolved_at.map(utc),
        }
    }
}

page_dto!(
    FeedOut,
    AlertOut,
    SystemAlert,
    "`GET /alerts/feed`: one page of alerts, newest first.",
    "The alerts of this page.",
    "Alerts matching the filters."
);
