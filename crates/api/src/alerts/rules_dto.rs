//! Wire shapes of alert rules, their test, their history and the alerting status.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tessera_alerting::spec::{ChannelSpec, ConditionSpec, ScheduleSpec};
use tessera_alerting::{AlertStatus, RuleSpec, RuleView, TestOutcome};
use tessera_domain::alerts::AlertEvent;
use tessera_domain::Page;
use utoipa::{IntoParams, ToSchema};

use crate::common::{json_object, page_dto, utc};

/// A rule's condition.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConditionIo {
    /// `above`, `below`, `outside`, `inside` or `change_pct`.
    pub op: String,
    /// The threshold (above, below) or the percentage (change_pct).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub value: Option<Json>,
    /// Low end of the range (outside, inside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub low: Option<Json>,
    /// High end of the range (outside, inside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub high: Option<Json>,
    /// change_pct: `previous_evaluation` (default) or `previous_period`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against: Option<String>,
}

/// A rule's schedule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScheduleIo {
    /// A cron expression: 5 fields (minutes first) or 6 (seconds first); at most once a minute.
    pub cron: String,
    /// An IANA time zone (default `UTC`).
    #[serde(default)]
    pub timezone: Option<String>,
}

/// A channel as written.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ChannelIn {
    /// `email` or `webhook`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
    /// Email: recipients.
    #[serde(default)]
    pub to: Option<Vec<String>>,
    /// Webhook: an http(s) URL (not on a private network unless allowed).
    #[serde(default)]
    pub url: Option<String>,
    /// Webhook: signs the body (`X-Tessera-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`).
    /// Write-only; left out on an update, the channel keeps its secret.
    #[serde(default)]
    pub secret: Option<String>,
    /// Webhook: a body to send instead of the standard one: a JSON value whose strings may hold
    /// `{{rule}}`, `{{value}}`, `{{threshold}}`, `{{state}}`, `{{message}}`, `{{link}}`, ...,
    /// or a text.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub template: Option<Json>,
}

/// A channel as answered (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChannelOut {
    /// `email` or `webhook`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
    /// Email: recipients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<String>>,
    /// Webhook: the URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Webhook: the template, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub template: Option<Json>,
    /// Webhook: whether deliveries are signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_secret: Option<bool>,
}

/// `POST /alerts` and `PUT /alerts/{id}`: a rule.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RuleIn {
    /// What people call it.
    pub name: String,
    /// One of `{"metric", "period"}` (period 1d, 7d, 30d, 90d, 1y, today, mtd, ytd),
    /// `{"chart_query": {...}}` (as `POST /charts/query` takes it: its first measure of its last
    /// row) or `{"sql": {"source_id", "sql"}}` (a read-only statement answering one number).
    #[schema(value_type = Object)]
    pub target: Json,
    /// The condition.
    pub condition: ConditionIo,
    /// When it runs.
    pub schedule: ScheduleIo,
    /// Where notifications go.
    #[serde(default)]
    pub channels: Vec<ChannelIn>,
    /// Seconds after a notification during which no other is sent (default 3600).
    #[serde(default)]
    pub cooldown_seconds: Option<i64>,
    /// Whether it is scheduled (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
}

impl From<RuleIn> for RuleSpec {
    fn from(r: RuleIn) -> Self {
        RuleSpec {
            name: r.name,
            target: r.target,
            condition: ConditionSpec {
                op: r.condition.op,
                value: r.condition.value,
                low: r.condition.low,
                high: r.condition.high,
                against: r.condition.against,
            },
            schedule: ScheduleSpec {
                cron: r.schedule.cron,
                timezone: r.schedule.timezone,
            },
            channels: r
                .channels
                .into_iter()
                .map(|c| ChannelSpec {
                    kind: c.kind,
                    to: c.to,
                    url: c.url,
                    secret: c.secret,
                    template: c.template,
                })
                .collect(),
            cooldown_seconds: r.cooldown_seconds,
            enabled: r.enabled,
        }
    }
}

/// A rule with its state.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The target as written.
    #[schema(value_type = Object)]
    pub target: Json,
    /// The condition (numbers as numbers).
    pub condition: ConditionIo,
    /// The schedule.
    pub schedule: ScheduleIo,
    /// The channels.
    pub channels: Vec<ChannelOut>,
    /// Cooldown in seconds.
    pub cooldown_seconds: i64,
    /// Whether it is scheduled.
    pub enabled: bool,
    /// `ok`, `firing` or `error`.
    pub state: String,
    /// Whether the condition held at the last judged evaluation.
    pub firing: bool,
    /// The last evaluation's error, while the next has not succeeded.
    pub last_error: Option<String>,
    /// The last value read.
    pub last_value: Option<f64>,
    /// When it was last evaluated.
    pub last_evaluated_at: Option<DateTime<Utc>>,
    /// When it last notified.
    pub last_notified_at: Option<DateTime<Utc>>,
    /// When it runs next (null while disabled).
    pub next_run_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<RuleView> for RuleOut {
    fn from(v: RuleView) -> Self {
        let state = v.state().as_str().to_owned();
        let d = v.definition;
        let c: ConditionSpec = serde_json::from_value(d.condition).unwrap_or_default();
        let r = v.rule;
        Self {
            id: r.id,
            name: r.name,
            target: d.target,
            condition: ConditionIo {
                op: c.op,
                value: c.value,
                low: c.low,
                high: c.high,
                against: c.against,
            },
            schedule: ScheduleIo {
                cron: d.schedule.cron,
                timezone: d.schedule.timezone,
            },
            channels: d
                .channels
                .into_iter()
                .zip(v.has_secret)
                .map(|(c, has_secret)| ChannelOut {
                    has_secret: (c.kind == "webhook").then_some(has_secret),
                    kind: c.kind,
                    to: c.to,
                    url: c.url,
                    template: c.template,
                })
                .collect(),
            cooldown_seconds: d.cooldown_seconds,
            enabled: r.enabled,
            state,
            firing: r.status.firing,
            last_error: r.status.error,
            last_value: r.last_value,
            last_evaluated_at: r.last_evaluated_at.map(utc),
            last_notified_at: r.status.last_notified_at.map(utc),
            next_run_at: r.next_run_at.map(utc),
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        }
    }
}

page_dto!(
    RulesOut,
    RuleOut,
    RuleView,
    "`GET /alerts`: one page of rules, by id.",
    "The rules of this page.",
    "Rules matching the filters."
);

/// Filters and page of the rule list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RulesQuery {
    /// Only rules in this state: `ok`, `firing` or `error`.
    pub state: Option<String>,
    /// Only enabled (`true`) or disabled (`false`) rules.
    pub enabled: Option<bool>,
    /// Page, from 1 (default 1).
    pub page: Option<i64>,
    /// Page size, 1..=200 (default 20).
    pub limit: Option<i64>,
}

/// One recorded evaluation.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// Id.
    pub id: i64,
    /// The rule.
    pub rule_id: i64,
    /// The scheduled run it belongs to.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When it was evaluated.
    pub evaluated_at: DateTime<Utc>,
    /// The value found.
    pub value: Option<f64>,
    /// What a change was measured against.
    pub reference_value: Option<f64>,
    /// The condition the value was held against.
    #[schema(value_type = Object)]
    pub threshold: Json,
    /// The state before.
    pub state_from: String,
    /// The state after.
    pub state_to: String,
    /// The notification sent: `firing` or `resolved`.
    pub notice: Option<String>,
    /// A notification held back by the cooldown.
    pub suppressed: Option<String>,
    /// Why the evaluation failed.
    pub error: Option<String>,
    /// Each channel's delivery: `{channel, type, to, status: pending|delivered|failed,
    /// attempts, http_status, error, duration_ms, at}`.
    #[schema(value_type = Vec<Object>)]
    pub deliveries: Json,
    /// Deliveries that failed.
    pub deliveries_failed: i32,
}

impl From<AlertEvent> for EventOut {
    fn from(e: AlertEvent) -> Self {
        Self {
            id: e.id,
            rule_id: e.rule_id,
            scheduled_at: e.scheduled_at.map(utc),
            evaluated_at: utc(e.evaluated_at),
            value: e.value,
            reference_value: e.reference_value,
            threshold: json_object(&e.threshold_json),
            state_from: e.from.as_str().to_owned(),
            state_to: e.to.as_str().to_owned(),
            notice: e.notice,
            suppressed: e.suppressed,
            error: e.error,
            deliveries: serde_json::from_str(&e.deliveries_json).unwrap_or(Json::Array(vec![])),
            deliveries_failed: e.deliveries_failed,
        }
    }
}

page_dto!(
    EventsOut,
    EventOut,
    AlertEvent,
    "`GET /alerts/{id}/events`: one page of a rule's history, newest first.",
    "The events of this page.",
    "Events of the rule."
);

/// `POST /alerts/{id}/test`: what an evaluation now finds, changing nothing.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestOut {
    /// The value read (null when the read failed).
    pub value: Option<f64>,
    /// What a change was measured against.
    pub reference_value: Option<f64>,
    /// Whether the condition holds (null: the read failed, or a change has nothing to compare
    /// with yet).
    pub breached: Option<bool>,
    /// Why the read failed.
    pub error: Option<String>,
    /// The rule's state now.
    pub state: String,
    /// The state this evaluation would move it to.
    pub would_be_state: String,
    /// The notification it would send now: `firing`, `resolved` or null.
    pub would_notify: Option<String>,
    /// What each channel would send: email `{type, to, subject, text, html}`, webhook
    /// `{type, url, content_type, body, signed}`.
    #[schema(value_type = Vec<Object>)]
    pub channels: Vec<Json>,
}

impl From<TestOutcome> for TestOut {
    fn from(t: TestOutcome) -> Self {
        Self {
            value: t.value,
            reference_value: t.reference,
            breached: t.breached,
            error: t.error,
            state: t.state.as_str().to_owned(),
            would_be_state: t.would_be.as_str().to_owned(),
            would_notify: t.would_notify.map(str::to_owned),
            channels: t.channels,
        }
    }
}

/// Rules by state.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleStates {
    /// All rules.
    pub total: i64,
    /// Enabled rules.
    pub enabled: i64,
    /// Rules that are ok.
    pub ok: i64,
    /// Rules that are firing.
    pub firing: i64,
    /// Rules whose last evaluation failed.
    pub error: i64,
}

/// Open system alerts by severity.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenBySeverity {
    /// Info.
    pub info: i64,
    /// Warning.
    pub warning: i64,
    /// Error.
    pub error: i64,
}

/// `GET /alerts/status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusOut {
    /// Whether this server's scheduler is running.
    pub scheduler_running: bool,
    /// When it last ticked.
    pub last_tick_at: Option<DateTime<Utc>>,
    /// The organisation's rules by state.
    pub rules: RuleStates,
    /// The soonest next evaluation of an enabled rule.
    pub next_evaluation_at: Option<DateTime<Utc>>,
    /// The latest evaluation of any rule.
    pub last_evaluation_at: Option<DateTime<Utc>>,
    /// Deliveries that failed in the last 24 hours.
    pub failed_deliveries_24h: i64,
    /// Open system alerts by severity.
    pub open_system_alerts: OpenBySeverity,
}

impl From<AlertStatus> for StatusOut {
    fn from(s: AlertStatus) -> Self {
        let by = |name: &str| {
            s.open_system_alerts
                .iter()
                .find(|(sev, _)| sev.as_str() == name)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        Self {
            scheduler_running: s.scheduler_running,
            last_tick_at: s.last_tick_at.map(utc),
            rules: RuleStates {
                total: s.rules.ok + s.rules.firing + s.rules.error,
                enabled: s.rules.enabled,
                ok: s.rules.ok,
                firing: s.rules.firing,
                error: s.rules.error,
            },
            next_evaluation_at: s.rules.next_run_at.map(utc),
            last_evaluation_at: s.rules.last_evaluated_at.map(utc),
            failed_deliveries_24h: s.failed_deliveries_24h,
            open_system_alerts: OpenBySeverity {
                info: by("info"),
                warning: by("warning"),
                error: by("error"),
            },
        }
    }
}
