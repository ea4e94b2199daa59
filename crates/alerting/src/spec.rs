//! A rule's definition as written (`RuleSpec`: the JSON of `POST /alerts`) and as checked
//! (`Definition`): its target, condition, schedule, channels and cooldown. Everything a rule
//! can be refused for without running anything is checked here, every invalid field named at
//! once; the target's names (metric, source, columns) are checked against the chart engine by
//! [`crate::Alerting`].

use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use tessera_charts::ChartRequest;
use tessera_domain::alerts::rule::{Against, Condition};
use tessera_domain::chart::Period;
use tessera_domain::error::Validator;
use tessera_domain::{DataSourceId, DomainError};

use crate::webhook;
use tessera_domain::schedule::Schedule;

/// Most channels a rule may have.
pub const MAX_CHANNELS: usize = 10;
/// Most recipients an email channel may have.
pub const MAX_RECIPIENTS: usize = 20;
/// Longest SQL statement of a target, in bytes.
pub const MAX_SQL_BYTES: usize = 100_000;
/// Largest webhook body template, in bytes of JSON.
pub const MAX_TEMPLATE_BYTES: usize = 16 * 1024;
/// Longest cooldown: 30 days.
pub const MAX_COOLDOWN_SECONDS: i64 = 30 * 24 * 3600;
/// Default cooldown: an hour.
pub const DEFAULT_COOLDOWN_SECONDS: i64 = 3600;

/// A rule as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleSpec {
    /// What people call it.
    pub name: String,
    /// `{"metric", "period"}`, `{"chart_query": {...}}` or `{"sql": {"source_id", "sql"}}`.
    pub target: Json,
    /// `{"op", "value"}`, `{"op", "low", "high"}` or `{"op": "change_pct", "value", "against"}`.
    pub condition: ConditionSpec,
    /// `{"cron", "timezone"}`.
    pub schedule: ScheduleSpec,
    /// Where notifications go.
    #[serde(default)]
    pub channels: Vec<ChannelSpec>,
    /// Seconds after a notification during which no other is sent (default 3600).
    #[serde(default)]
    pub cooldown_seconds: Option<i64>,
    /// Whether it is scheduled (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A condition as written; numbers are checked here so that a threshold that is not a number
/// is refused naming its field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConditionSpec {
    /// above, below, outside, inside or change_pct.
    pub op: String,
    /// The threshold (above, below) or the percentage (change_pct).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Json>,
    /// Low end (outside, inside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<Json>,
    /// High end (outside, inside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<Json>,
    /// change_pct: previous_evaluation (default) or previous_period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against: Option<String>,
}

/// A schedule as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    /// 5 fields (minutes first) or 6 (seconds first).
    pub cron: String,
    /// An IANA zone (default UTC).
    #[serde(default)]
    pub timezone: Option<String>,
}

/// A channel as written (and stored, with its secret sealed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelSpec {
    /// `email` or `webhook`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Email: recipients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<String>>,
    /// Webhook: where to POST.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Webhook: signs the body. Write-only: never answered, kept when an update leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Webhook: the body to send instead of the standard one, with `{{placeholders}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Json>,
}

/// What a rule watches.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A named metric's total over a period.
    Metric {
        /// The metric.
        metric: String,
        /// The period.
        period: Period,
    },
    /// A chart query: its first measure of its last row.
    ChartQuery(Box<ChartRequest>),
    /// A SQL lab statement answering one number.
    Sql {
        /// The source.
        source_id: DataSourceId,
        /// The statement.
        sql: String,
    },
}

/// Where a notification goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Channel {
    /// Email to these recipients.
    Email {
        /// Recipients.
        to: Vec<String>,
    },
    /// A JSON POST.
    Webhook {
        /// The URL.
        url: String,
        /// The signing secret, sealed as stored (`None`: unsigned).
        sealed_secret: Option<String>,
        /// A body template.
        template: Option<Json>,
    },
}

impl Channel {
    /// `email` or `webhook`.
    pub fn kind(&self) -> &'static str {
        match self {
            Channel::Email { .. } => "email",
            Channel::Webhook { .. } => "webhook",
        }
    }
}

/// A checked definition.
#[derive(Debug, Clone)]
pub struct Definition {
    /// What it watches.
    pub target: Target,
    /// The condition.
    pub condition: Condition,
    /// The condition as written, normalised (numbers as numbers).
    pub condition_json: Json,
    /// When it runs.
    pub schedule: Schedule,
    /// Where notifications go.
    pub channels: Vec<Channel>,
    /// The cooldown in seconds.
    pub cooldown_seconds: i64,
}

fn number(field: &str, v: &Option<Json>, v_: &mut Validator) -> Option<f64> {
    match v {
        None | Some(Json::Null) => None,
        Some(Json::Number(n)) => n.as_f64(),
        Some(_) => {
            v_.check::<()>(Err(DomainError::field(field, "must be a number")));
            Some(f64::NAN)
        }
    }
}

fn check_target(target: &Json, v: &mut Validator) -> Option<Target> {
    let Some(obj) = target.as_object() else {
        v.check::<()>(Err(DomainError::field(
            "target",
            "must be an object: {\"metric\", \"period\"}, {\"chart_query\"} or {\"sql\"}",
        )));
        return None;
    };
    let kinds = ["metric", "chart_query", "sql"]
        .into_iter()
        .filter(|k| obj.contains_key(*k))
        .count();
    if kinds != 1 {
        v.check::<()>(Err(DomainError::field(
            "target",
            "must have exactly one of metric (with period), chart_query or sql",
        )));
        return None;
    }
    if let Some(m) = obj.get("metric") {
        let metric = m.as_str().map(str::trim).filter(|m| !m.is_empty());
        let metric = v.check(
            metric
                .map(str::to_owned)
                .ok_or_else(|| DomainError::field("target.metric", "must be a metric's name")),
        );
        let period = v.check(
            obj.get("period")
                .and_then(Json::as_str)
                .unwrap_or("1d")
                .parse::<Period>()
                .map_err(|e| DomainError::field("target.period", e.to_string())),
        );
        return Some(Target::Metric {
            metric: metric?,
            period: period?,
        });
    }
    if let Some(q) = obj.get("chart_query") {
        let parsed = serde_json::from_value::<ChartRequest>(q.clone()).map_err(|e| {
            DomainError::field("target.chart_query", format!("is not a chart query: {e}"))
        });
        return v.check(parsed).map(|q| Target::ChartQuery(Box::new(q)));
    }
    let sql = obj.get("sql").and_then(Json::as_object);
    let Some(sql) = sql else {
        v.check::<()>(Err(DomainError::field(
            "target.sql",
            "must be an object {\"source_id\", \"sql\"}",
        )));
        return None;
    };
    let source_id = v.check(
        sql.get("source_id")
            .and_then(|s| match s {
                Json::String(s) => Some(s.clone()),
                Json::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .and_then(|s| s.parse::<DataSourceId>().ok())
            .ok_or_else(|| {
                DomainError::field("target.sql.source_id", "must be a data source's id")
            }),
    );
    let statement = v.check(
        sql.get("sql")
            .and_then(Json::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| DomainError::field("target.sql.sql", "must be a SQL statement"))
            .and_then(|s| {
                if s.len() > MAX_SQL_BYTES {
                    Err(DomainError::field(
                        "target.sql.sql",
                        format!("must be at most {MAX_SQL_BYTES} bytes"),
                    ))
                } else {
                    Ok(s)
                }
            }),
    );
    Some(Target::Sql {
        source_id: source_id?,
        sql: statement?,
    })
}

fn check_channels(
    channels: &[ChannelSpec],
    allow_private: bool,
    v: &mut Validator,
) -> Vec<ChannelSpec> {
    if channels.len() > MAX_CHANNELS {
        v.check::<()>(Err(DomainError::field(
            "channels",
            format!("at most {MAX_CHANNELS} channels"),
        )));
    }
    let mut out = Vec::new();
    for (i, c) in channels.iter().enumerate() {
        let field = |f: &str| format!("channels[{i}].{f}");
        match c.kind.as_str() {
            "email" => {
                let to = c.to.clone().unwrap_or_default();
                if to.is_empty() || to.len() > MAX_RECIPIENTS {
                    v.check::<()>(Err(DomainError::field(
                        field("to"),
                        format!("must list 1 to {MAX_RECIPIENTS} recipients"),
                    )));
                }
                for (j, addr) in to.iter().enumerate() {
                    if addr.trim().parse::<lettre::Address>().is_err() {
                        v.check::<()>(Err(DomainError::field(
                            format!("channels[{i}].to[{j}]"),
                            "must be an email address",
                        )));
                    }
                }
                out.push(ChannelSpec {
                    kind: "email".into(),
                    to: Some(to.iter().map(|a| a.trim().to_owned()).collect()),
                    ..ChannelSpec::default()
                });
            }
            "webhook" => {
                let url = c.url.clone().unwrap_or_default();
                let checked = v.check(
                    webhook::check_url(url.trim(), allow_private)
                        .map_err(|e| rename(e, &field("url"))),
                );
                let template = c.template.clone().filter(|t| !t.is_null());
                if let Some(t) = &template {
                    if t.to_string().len() > MAX_TEMPLATE_BYTES {
                        v.check::<()>(Err(DomainError::field(
                            field("template"),
                            format!("must be at most {MAX_TEMPLATE_BYTES} bytes"),
                        )));
                    }
                }
                if c.secret.as_deref().is_some_and(|s| s.len() > 512) {
                    v.check::<()>(Err(DomainError::field(
                        field("secret"),
                        "must be at most 512 bytes",
                    )));
                }
                out.push(ChannelSpec {
                    kind: "webhook".into(),
                    url: Some(checked.map(|u| u.to_string()).unwrap_or(url)),
                    secret: c.secret.clone().filter(|s| !s.is_empty()),
                    template,
                    to: None,
                });
            }
            other => {
                v.check::<()>(Err(DomainError::field(
                    field("type"),
                    format!("'{other}' is not a channel; use email or webhook"),
                )));
            }
        }
    }
    out
}

/// A field error moved to another field's name (the webhook URL check names `channels.url`).
fn rename(e: DomainError, field: &str) -> DomainError {
    let DomainError::Validation(errors) = e;
    DomainError::Validation(
        errors
            .into_iter()
            .map(|mut f| {
                f.field = field.to_owned();
                f
            })
            .collect(),
    )
}

/// A rule checked on save: its definition, and the channels to store (secrets still plain).
#[derive(Debug)]
pub struct Checked {
    /// The name, trimmed.
    pub name: String,
    /// The checked definition (channels' secrets not sealed yet: `sealed_secret` holds them).
    pub definition: Definition,
    /// The channels, normalised.
    pub channels: Vec<ChannelSpec>,
    /// Enabled.
    pub enabled: bool,
}

impl RuleSpec {
    /// Checks everything that needs no database; every invalid field is reported at once.
    pub fn check(&self, allow_private_webhooks: bool) -> Result<Checked, DomainError> {
        let mut v = Validator::new();
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 {
            v.check::<()>(Err(DomainError::field(
                "name",
                "must be 1 to 200 characters",
            )));
        } else if name.chars().any(char::is_control) {
            // it goes into email subjects and webhook bodies: no line breaks to smuggle headers
            v.check::<()>(Err(DomainError::field(
                "name",
                "must not contain control characters (line breaks, tabs)",
            )));
        }
        let target = check_target(&self.target, &mut v);
        let c = &self.condition;
        let value = number("condition.value", &c.value, &mut v);
        let low = number("condition.low", &c.low, &mut v);
        let high = number("condition.high", &c.high, &mut v);
        let condition = if [value, low, high]
            .iter()
            .any(|x| x.is_some_and(f64::is_nan))
        {
            None
        } else {
            v.check(Condition::parse(
                &c.op,
                value,
                low,
                high,
                c.against.as_deref(),
            ))
        };
        let zone = self.schedule.timezone.as_deref().unwrap_or("UTC");
        let schedule = v.check(Schedule::parse(&self.schedule.cron, zone));
        let channels = check_channels(&self.channels, allow_private_webhooks, &mut v);
        let cooldown = self.cooldown_seconds.unwrap_or(DEFAULT_COOLDOWN_SECONDS);
        if !(0..=MAX_COOLDOWN_SECONDS).contains(&cooldown) {
            v.check::<()>(Err(DomainError::field(
                "cooldown_seconds",
                format!("must be between 0 and {MAX_COOLDOWN_SECONDS}"),
            )));
        }
        if let (
            Some(Condition::ChangePct {
                against: Against::PreviousPeriod,
                ..
            }),
            Some(Target::Sql { .. }),
        ) = (&condition, &target)
        {
            v.check::<()>(Err(DomainError::field(
                "condition.against",
                "previous_period needs a metric or chart query target with a period; a SQL target compares with previous_evaluation",
            )));
        }
        v.finish()?;
        let (Some(target), Some(condition), Some(schedule)) = (target, condition, schedule) else {
            return Err(DomainError::field("rule", "is invalid"));
        };
        let condition_json = condition_json(&condition);
        let stored_channels = channels
            .iter()
            .map(|c| match c.kind.as_str() {
                "email" => Channel::Email {
                    to: c.to.clone().unwrap_or_default(),
                },
                _ => Channel::Webhook {
                    url: c.url.clone().unwrap_or_default(),
                    sealed_secret: c.secret.clone(),
                    template: c.template.clone(),
                },
            })
            .collect();
        Ok(Checked {
            name,
            definition: Definition {
                target,
                condition,
                condition_json,
                schedule,
                channels: stored_channels,
                cooldown_seconds: cooldown,
            },
            channels,
            enabled: self.enabled.unwrap_or(true),
        })
    }
}

/// A condition written back as JSON, numbers as numbers.
pub fn condition_json(c: &Condition) -> Json {
    match *c {
        Condition::Above(v) => json!({"op": "above", "value": v}),
        Condition::Below(v) => json!({"op": "below", "value": v}),
        Condition::Outside { low, high } => json!({"op": "outside", "low": low, "high": high}),
        Condition::Inside { low, high } => json!({"op": "inside", "low": low, "high": high}),
        Condition::ChangePct { pct, against } => {
            json!({"op": "change_pct", "value": pct, "against": against.as_str()})
        }
    }
}

/// The stored definition document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredDefinition {
    /// The target as written.
    pub target: Json,
    /// The condition, normalised.
    pub condition: Json,
    /// The schedule.
    pub schedule: ScheduleSpec,
    /// The channels; a webhook's `secret` holds the sealed secret.
    pub channels: Vec<ChannelSpec>,
    /// Cooldown.
    pub cooldown_seconds: i64,
}

impl StoredDefinition {
    /// Reads a stored definition back into a checked one (private webhooks allowed: they were
    /// checked on save, and delivery checks resolved addresses again).
    pub fn definition(&self) -> Result<Definition, DomainError> {
        let spec = RuleSpec {
            name: "stored".into(),
            target: self.target.clone(),
            condition: serde_json::from_value(self.condition.clone())
                .map_err(|e| DomainError::field("condition", e.to_string()))?,
            schedule: self.schedule.clone(),
            channels: self.channels.clone(),
            cooldown_seconds: Some(self.cooldown_seconds),
            enabled: Some(true),
        };
        // secrets as stored are sealed: they must not count toward the plain length limit
        let mut checked = spec.check(true)?;
        for (c, stored) in checked.definition.channels.iter_mut().zip(&self.channels) {
            if let Channel::Webhook { sealed_secret, .. } = c {
                *sealed_secret = stored.secret.clone();
            }
        }
        Ok(checked.definition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(v: Json) -> RuleSpec {
        serde_json::from_value(v).unwrap()
    }

    fn fields(e: DomainError) -> Vec<String> {
        let DomainError::Validation(errors) = e;
        errors.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn the_issue_example_is_accepted() {
        let s = spec(json!({"name": "Revenue above plan",
            "target": {"metric": "revenue", "period": "1d"},
            "condition": {"op": "above", "value": 1000},
            "schedule": {"cron": "0 */5 * * * *", "timezone": "Europe/Berlin"},
            "channels": [{"type": "email", "to": ["ops@example.com"]},
                         {"type": "webhook", "url": "https://hooks.example.com/x", "secret": "s3cret", "template": null}],
            "cooldown_seconds": 3600, "enabled": true}));
        let c = s.check(false).unwrap();
        assert_eq!(c.name, "Revenue above plan");
        assert_eq!(c.definition.condition, Condition::Above(1000.0));
        assert_eq!(
            c.definition.target,
            Target::Metric {
                metric: "revenue".into(),
                period: Period::Day1
            }
        );
        assert_eq!(c.definition.channels.len(), 2);
        assert_eq!(c.channels[1].secret.as_deref(), Some("s3cret"));
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let s = spec(json!({"name": "",
            "target": {"sql": {"source_id": "nope", "sql": " "}},
            "condition": {"op": "outside", "low": "high", "high": 3},
            "schedule": {"cron": "61 * * * *", "timezone": "Mars/Olympus"},
            "channels": [{"type": "webhook", "url": "ftp://x.example.com"},
                         {"type": "email", "to": ["not an address"]},
                         {"type": "pager"}],
            "cooldown_seconds": -1}));
        let got = fields(s.check(false).unwrap_err());
        for f in [
            "name",
            "target.sql.source_id",
            "target.sql.sql",
            "condition.low",
            "schedule.cron",
            "schedule.timezone",
            "channels[0].url",
            "channels[1].to[0]",
            "channels[2].type",
            "cooldown_seconds",
        ] {
            assert!(got.contains(&f.to_owned()), "{f} missing from {got:?}");
        }
    }

    #[test]
    fn a_name_cannot_smuggle_a_header_line() {
        let mut s = spec(json!({"name": "ok", "target": {"metric": "revenue"},
            "condition": {"op": "above", "value": 1}, "schedule": {"cron": "0 * * * *"}}));
        assert!(s.check(false).is_ok());
        s.name = "Revenue\r\nBcc: victim@example.com".into();
        assert_eq!(fields(s.check(false).unwrap_err()), ["name"]);
    }

    #[test]
    fn ranges_targets_and_private_webhooks_are_checked() {
        let base = |cond: Json, target: Json, url: &str| {
            spec(json!({"name": "r", "target": target, "condition": cond,
                "schedule": {"cron": "*/5 * * * *"},
                "channels": [{"type": "webhook", "url": url}]}))
        };
        let metric = json!({"metric": "revenue", "period": "7d"});
        let ok = "https://hooks.example.com/x";
        let e = base(
            json!({"op": "inside", "low": 5, "high": 1}),
            metric.clone(),
            ok,
        )
        .check(false)
        .unwrap_err();
        assert_eq!(fields(e), ["condition.low"]);
        let e = base(
            json!({"op": "above", "value": 1}),
            json!({"metric": "a", "sql": {}}),
            ok,
        )
        .check(false)
        .unwrap_err();
        assert_eq!(fields(e), ["target"]);
        let private = "http://10.0.0.5/hook";
        let e = base(json!({"op": "above", "value": 1}), metric.clone(), private)
            .check(false)
            .unwrap_err();
        assert_eq!(fields(e), ["channels[0].url"]);
        assert!(base(json!({"op": "above", "value": 1}), metric, private)
            .check(true)
            .is_ok());
        let e = base(
            json!({"op": "change_pct", "value": 10, "against": "previous_period"}),
            json!({"sql": {"source_id": tessera_domain::DataSourceId::new().to_string(), "sql": "select 1"}}),
            ok,
        )
        .check(false)
        .unwrap_err();
        assert_eq!(fields(e), ["condition.against"]);
    }
}
