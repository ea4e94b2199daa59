//! [`Alerting`]: alert rules for a viewer of an organisation (create, replace, read, list,
//! delete, test now, history, status), each write checked against the role, the definition and
//! the chart engine before anything is saved; and the system alerts feed that every area raises
//! into through this crate.

use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use serde_json::Value as Json;
use tessera_charts::{ChartEngine, ChartError};
use tessera_domain::alerts::rule::{Condition, Outcome, RuleState};
use tessera_domain::alerts::{AlertEvent, AlertRule, RuleDraft, Severity};
use tessera_domain::{Clock, DomainError, OrgId, Page, PageRequest, Viewer};
use tessera_sources::crypto::CredentialCipher;
use tessera_sources::SourceError;
use tessera_store::alerts::rules::{self, RuleCounts, RuleFilter};
use tessera_store::alerts::{events, system_alerts};
use tessera_store::{DbConn, DbPool, StoreError};

use crate::deliver::{Mailer, WebhookPolicy};
use crate::error::{AlertError, AlertResult};
use crate::evaluate::{read_target, Evaluate, Reading};
use crate::notify::{rfc3339, Notification};
use crate::settings::AlertSettings;
use crate::spec::{
    Channel, ChannelSpec, Definition, RuleSpec, ScheduleSpec, StoredDefinition, Target,
};
use crate::state::SchedulerState;

/// Alerting for the whole server: rules, evaluation, notifications, the feed.
pub struct Alerting {
    pub(crate) db: DbPool,
    pub(crate) engine: Arc<ChartEngine>,
    pub(crate) settings: AlertSettings,
    pub(crate) cipher: CredentialCipher,
    pub(crate) mailer: Option<Mailer>,
    pub(crate) policy: WebhookPolicy,
    pub(crate) evaluator: Arc<dyn Evaluate>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) scheduler: SchedulerState,
    pub(crate) process: String,
}

/// A rule with its definition as answered (webhook secrets left out).
#[derive(Debug, Clone)]
pub struct RuleView {
    /// The rule as stored.
    pub rule: AlertRule,
    /// Its definition; channels without their secrets.
    pub definition: StoredDefinition,
    /// Per channel: whether a webhook has a secret.
    pub has_secret: Vec<bool>,
}

impl RuleView {
    /// The state shown.
    pub fn state(&self) -> RuleState {
        self.rule.status.state()
    }
}

/// What `POST /alerts/{id}/test` found, changing nothing.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// The value read, if any.
    pub value: Option<f64>,
    /// What a change was measured against.
    pub reference: Option<f64>,
    /// Whether the condition holds (`None`: cannot be judged yet, or the read failed).
    pub breached: Option<bool>,
    /// Why the read failed.
    pub error: Option<String>,
    /// The state now.
    pub state: RuleState,
    /// The state this evaluation would move the rule to.
    pub would_be: RuleState,
    /// The notice it would send now (`firing`/`resolved`), if any.
    pub would_notify: Option<&'static str>,
    /// What each channel would send.
    pub channels: Vec<Json>,
}

/// `GET /alerts/status`.
#[derive(Debug, Clone)]
pub struct AlertStatus {
    /// Whether this process's scheduler is running.
    pub scheduler_running: bool,
    /// When it last ticked.
    pub last_tick_at: Option<NaiveDateTime>,
    /// The organisation's rules by state, with next and last evaluation.
    pub rules: RuleCounts,
    /// Deliveries that failed in the last 24 hours.
    pub failed_deliveries_24h: i64,
    /// Open system alerts by severity.
    pub open_system_alerts: Vec<(Severity, i64)>,
}

/// This process's name in claims: host, process id and a random suffix (two servers in one
/// process, as tests run them, still differ).
fn process_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().chars().take(24).collect::<String>())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "tessera".into());
    let suffix = &tessera_domain::UserId::new().to_string()[..8];
    format!("{host}-{}-{suffix}", std::process::id())
}

/// Whether the viewer may change rules.
fn require_editor(viewer: &Viewer) -> AlertResult<()> {
    if viewer.role.can_edit() {
        Ok(())
    } else {
        Err(AlertError::Forbidden(
            "only editors and admins change alert rules".into(),
        ))
    }
}

/// A read failure on save, as the field it is about (a source that is down is not the
/// client's mistake and stays as it is).
fn target_problem(e: ChartError, target: &Target) -> AlertError {
    let (prefix, source_field, statement_field) = match target {
        Target::Metric { .. } => ("target", "target.metric", "target.metric"),
        Target::ChartQuery(_) => (
            "target.chart_query",
            "target.chart_query.source_id",
            "target.chart_query",
        ),
        Target::Sql { .. } => ("target.sql", "target.sql.source_id", "target.sql.sql"),
    };
    let field = |f: &str, m: String| AlertError::Invalid(DomainError::field(f, m));
    match e {
        ChartError::Invalid(DomainError::Validation(errors)) => {
            AlertError::Invalid(DomainError::Validation(
                errors
                    .into_iter()
                    .map(|mut f| {
                        f.field = match (target, f.field.as_str()) {
                            (Target::Metric { .. }, "metric") => "target.metric".into(),
                            (Target::Metric { .. }, "period") => "target.period".into(),
                            _ => format!("{prefix}.{}", f.field),
                        };
                        f
                    })
                    .collect(),
            ))
        }
        ChartError::NotFound(m) => field(source_field, m),
        ChartError::BadRequest(m) => field(statement_field, m),
        ChartError::Source(
            SourceError::NotReadOnly { message: m, .. }
            | SourceError::InvalidQuery(m)
            | SourceError::Database(m),
        ) => field(statement_field, m),
        other => AlertError::Chart(other),
    }
}

impl Alerting {
    /// Alerting over the app database `db`, reading values through `engine` (or `evaluator`
    /// when given), sealing webhook secrets with `cipher`.
    pub fn new(
        db: DbPool,
        engine: Arc<ChartEngine>,
        settings: AlertSettings,
        cipher: CredentialCipher,
        clock: Arc<dyn Clock>,
        evaluator: Option<Arc<dyn Evaluate>>,
    ) -> Result<Self, String> {
        settings.check()?;
        let mailer = Mailer::new(&settings.mail)?;
        let evaluator = evaluator.unwrap_or_else(|| {
            Arc::new(crate::evaluate::ChartEvaluator::new(engine.clone())) as Arc<dyn Evaluate>
        });
        Ok(Self {
            policy: WebhookPolicy::from_settings(&settings),
            db,
            engine,
            settings,
            cipher,
            mailer,
            evaluator,
            clock,
            scheduler: SchedulerState::default(),
            process: process_name(),
        })
    }

    /// The settings in force.
    pub fn settings(&self) -> &AlertSettings {
        &self.settings
    }

    /// The current time as stored.
    pub fn now(&self) -> NaiveDateTime {
        tessera_store::stored(self.clock.now())
    }

    pub(crate) async fn db<T, F>(&self, f: F) -> AlertResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AlertError::Internal(format!("blocking task failed: {e}")))?
        .map_err(AlertError::from)
    }

    /// The stored definition of `rule`, read back and checked.
    pub fn definition_of(&self, rule: &AlertRule) -> AlertResult<(StoredDefinition, Definition)> {
        let stored: StoredDefinition = serde_json::from_str(&rule.definition_json)
            .map_err(|e| AlertError::Internal(format!("alert rule {}: {e}", rule.id)))?;
        let definition = stored.definition()?;
        Ok((stored, definition))
    }

    fn view(&self, rule: AlertRule) -> AlertResult<RuleView> {
        let (mut stored, _) = self.definition_of(&rule)?;
        let has_secret = stored.channels.iter().map(|c| c.secret.is_some()).collect();
        for c in &mut stored.channels {
            c.secret = None;
        }
        Ok(RuleView {
            rule,
            definition: stored,
            has_secret,
        })
    }

    /// Checks `spec` for `viewer` (and against `old`'s channels for kept secrets); answers the
    /// draft to save.
    async fn draft(
        &self,
        viewer: &Viewer,
        spec: &RuleSpec,
        old: Option<&AlertRule>,
    ) -> AlertResult<RuleDraft> {
        require_editor(viewer)?;
        let checked = spec.check(self.settings.allow_private_webhooks)?;
        if self.mailer.is_none() {
            let emails: Vec<DomainError> = checked
                .channels
                .iter()
                .enumerate()
                .filter(|(_, c)| c.kind == "email")
                .map(|(i, _)| {
                    DomainError::field(
                        format!("channels[{i}].type"),
                        "email needs a mail server, and none is configured: set MAIL_SERVER (and MAIL_PORT, MAIL_USE_TLS, MAIL_USERNAME, MAIL_PASSWORD, MAIL_DEFAULT_SENDER) or [alerts.mail] server",
                    )
                })
                .collect();
            if !emails.is_empty() {
                let errors = emails
                    .into_iter()
                    .flat_map(|DomainError::Validation(e)| e)
                    .collect();
                return Err(AlertError::Invalid(DomainError::Validation(errors)));
            }
        }
        let definition = &checked.definition;
        read_target(&self.engine, *viewer, definition)
            .await
            .map_err(|e| target_problem(e, &definition.target))?;
        // the rule as it was, read once: its channels keep their secrets, its question decides
        // whether what it remembers starts over
        let before: Option<StoredDefinition> = match old {
            Some(rule) => Some(self.definition_of(rule)?.0),
            None => None,
        };
        let old_channels: &[ChannelSpec] = before.as_ref().map_or(&[], |b| &b.channels);
        let mut channels = Vec::with_capacity(checked.channels.len());
        for c in checked.channels {
            let secret = match (&c.secret, c.kind.as_str()) {
                (Some(plain), _) => Some(
                    self.cipher
                        .encrypt(plain)
                        .map_err(|e| AlertError::Internal(e.to_string()))?,
                ),
                // an update that leaves a webhook's secret out keeps the one it had
                (None, "webhook") => old_channels
                    .iter()
                    .find(|o| o.kind == "webhook" && o.url == c.url)
                    .and_then(|o| o.secret.clone()),
                (None, _) => None,
            };
            channels.push(ChannelSpec { secret, ..c });
        }
        let stored = StoredDefinition {
            target: spec.target.clone(),
            condition: definition.condition_json.clone(),
            schedule: ScheduleSpec {
                cron: definition.schedule.expression().to_owned(),
                timezone: Some(definition.schedule.timezone().to_owned()),
            },
            channels,
            cooldown_seconds: definition.cooldown_seconds,
        };
        let definition_json = serde_json::to_string(&stored)
            .map_err(|e| AlertError::Internal(format!("definition: {e}")))?;
        let next_run_at = if checked.enabled {
            definition
                .schedule
                .next_after(self.clock.now())
                .map(tessera_store::stored)
        } else {
            None
        };
        let reset_state = before
            .as_ref()
            .is_some_and(|b| b.target != stored.target || b.condition != stored.condition);
        Ok(RuleDraft {
            name: checked.name,
            definition_json,
            enabled: checked.enabled,
            next_run_at,
            reset_state,
        })
    }

    /// Saves a new rule of the viewer's organisation.
    pub async fn create(&self, viewer: &Viewer, spec: &RuleSpec) -> AlertResult<RuleView> {
        let draft = self.draft(viewer, spec, None).await?;
        let (org, by, at) = (viewer.org, viewer.user, self.now());
        let max = self.settings.max_rules_per_org;
        let rule = self
            .db(move |conn| {
                // a soft limit: counted in the inserting transaction, which SQLite serialises;
                // on PostgreSQL and MySQL two racing creates may both take the last slot
                tessera_store::atomically(conn, |conn| {
                    if rules::count(conn, org)? >= max {
                        return Ok(None);
                    }
                    rules::create_in(conn, org, &draft, Some(by), at).map(Some)
                })
            })
            .await?
            .ok_or_else(|| {
                AlertError::Limit(format!(
                    "the organisation has {max} alert rules, the most allowed (alerts.max_rules_per_org); delete one first"
                ))
            })?;
        self.view(rule)
    }

    /// Replaces rule `id`'s definition.
    pub async fn update(&self, viewer: &Viewer, id: i64, spec: &RuleSpec) -> AlertResult<RuleView> {
        require_editor(viewer)?;
        let old = self.find(viewer.org, id).await?;
        let draft = self.draft(viewer, spec, Some(&old)).await?;
        let (org, at) = (viewer.org, self.now());
        let rule = self
            .db(move |conn| rules::update(conn, org, id, &draft, at))
            .await?;
        self.view(rule)
    }

    async fn find(&self, org: OrgId, id: i64) -> AlertResult<AlertRule> {
        self.db(move |conn| rules::find(conn, org, id))
            .await
            .map_err(|e| match e {
                AlertError::NotFound(_) => {
                    AlertError::NotFound(format!("no alert rule with id {id}"))
                }
                other => other,
            })
    }

    /// Rule `id` of the viewer's organisation.
    pub async fn get(&self, viewer: &Viewer, id: i64) -> AlertResult<RuleView> {
        let rule = self.find(viewer.org, id).await?;
        self.view(rule)
    }

    /// One page of the viewer's organisation's rules.
    pub async fn list(
        &self,
        viewer: &Viewer,
        filter: RuleFilter,
        page: PageRequest,
    ) -> AlertResult<Page<RuleView>> {
        let org = viewer.org;
        let page = self
            .db(move |conn| rules::page(conn, org, &filter, page))
            .await?;
        let Page {
            items,
            total,
            page: number,
            limit,
        } = page;
        let items = items
            .into_iter()
            .map(|r| self.view(r))
            .collect::<AlertResult<Vec<_>>>()?;
        Ok(Page {
            items,
            total,
            page: number,
            limit,
        })
    }

    /// Deletes rule `id` with its history.
    pub async fn delete(&self, viewer: &Viewer, id: i64) -> AlertResult<()> {
        require_editor(viewer)?;
        let org = viewer.org;
        if self.db(move |conn| rules::delete(conn, org, id)).await? {
            Ok(())
        } else {
            Err(AlertError::NotFound(format!("no alert rule with id {id}")))
        }
    }

    /// Evaluates rule `id` now and answers what it found and what each channel would send,
    /// changing nothing.
    pub async fn test(&self, viewer: &Viewer, id: i64) -> AlertResult<TestOutcome> {
        let rule = self.find(viewer.org, id).await?;
        let (stored, definition) = self.definition_of(&rule)?;
        let now = self.now();
        let read = self.evaluator.read(&rule, &definition).await;
        let (outcome, value, reference) = judge(&definition.condition, &rule, &read);
        let cooldown = Duration::seconds(definition.cooldown_seconds);
        let step = rule.status.step(&outcome, cooldown, now);
        let notice = step
            .notify
            .or(step.suppressed)
            .unwrap_or(if step.to == RuleState::Firing {
                tessera_domain::alerts::rule::Notice::Firing
            } else {
                tessera_domain::alerts::rule::Notice::Resolved
            });
        let note = Notification::new(
            rule.id,
            &rule.name,
            notice,
            step.from,
            step.to,
            value,
            stored.condition.clone(),
            now,
            recent_values(&rule.recent_values_json, value.map(|v| (now, v))),
            &self.settings.public_url,
        );
        let channels = definition
            .channels
            .iter()
            .map(|c| note.preview(c))
            .collect();
        Ok(TestOutcome {
            value,
            reference,
            breached: match &outcome {
                Outcome::Judged(v) => *v,
                Outcome::Failed(_) => None,
            },
            error: match outcome {
                Outcome::Failed(e) => Some(e),
                Outcome::Judged(_) => None,
            },
            state: step.from,
            would_be: step.to,
            would_notify: step.notify.map(|n| n.as_str()),
            channels,
        })
    }

    /// One page of rule `id`'s history, newest first.
    pub async fn events(
        &self,
        viewer: &Viewer,
        id: i64,
        page: PageRequest,
    ) -> AlertResult<Page<AlertEvent>> {
        self.find(viewer.org, id).await?;
        let org = viewer.org;
        self.db(move |conn| events::page(conn, org, id, page)).await
    }

    /// The scheduler and the viewer's organisation's rules and alerts at a glance.
    pub async fn status(&self, viewer: &Viewer) -> AlertResult<AlertStatus> {
        let (org, since) = (viewer.org, self.now() - Duration::hours(24));
        let (rules, failed, open) = self
            .db(move |conn| {
                Ok((
                    rules::counts(conn, org)?,
                    events::failed_since(conn, org, since)?,
                    system_alerts::open(conn, org)?,
                ))
            })
            .await?;
        let open_system_alerts = Severity::ALL
            .iter()
            .map(|s| (*s, open.iter().filter(|a| a.severity == *s).count() as i64))
            .collect();
        Ok(AlertStatus {
            scheduler_running: self.scheduler.running(),
            last_tick_at: self.scheduler.last_tick(),
            rules,
            failed_deliveries_24h: failed,
            open_system_alerts,
        })
    }
}

/// The outcome of a read for `rule`: the verdict with the value and what it was compared with.
pub(crate) fn judge(
    condition: &Condition,
    rule: &AlertRule,
    read: &Result<Reading, ChartError>,
) -> (Outcome, Option<f64>, Option<f64>) {
    match read {
        Err(e) => (Outcome::Failed(e.to_string()), None, None),
        Ok(r) => {
            let reference = match condition {
                Condition::ChangePct { against, .. } => match against {
                    tessera_domain::alerts::rule::Against::PreviousEvaluation => rule.last_value,
                    tessera_domain::alerts::rule::Against::PreviousPeriod => r.previous_period,
                },
                _ => None,
            };
            (
                Outcome::Judged(condition.breached(r.value, reference)),
                Some(r.value),
                reference,
            )
        }
    }
}

/// Values kept per rule for notifications.
pub(crate) const RECENT_VALUES: usize = 10;

/// The rule's recent values with `latest` appended (oldest first, at most [`RECENT_VALUES`]).
pub(crate) fn recent_values(
    json: &str,
    latest: Option<(NaiveDateTime, f64)>,
) -> Vec<(String, f64)> {
    let mut values: Vec<(String, f64)> = serde_json::from_str(json).unwrap_or_default();
    if let Some((t, v)) = latest {
        values.push((rfc3339(t), v));
    }
    let skip = values.len().saturating_sub(RECENT_VALUES);
    values.into_iter().skip(skip).collect()
}

impl Channel {
    /// Where it goes, for history (`url` or the recipients).
    pub fn destination(&self) -> String {
        match self {
            Channel::Email { to } => to.join(", "),
            Channel::Webhook { url, .. } => url.clone(),
        }
    }
}
