//! The scheduler: tokio-cron-scheduler ticks every second; each tick takes over runs whose
//! process died (their lease ran out), then claims each due rule's run in the app database (a
//! row keyed by rule and scheduled time: on one PostgreSQL or MySQL database, several processes
//! evaluate each run exactly once), moves the rule's next run on, and evaluates the claimed runs
//! in tasks of their own: read the value, settle the verdict in one transaction (rule state,
//! event row with pending deliveries), deliver to each channel recording each result on the
//! event, and finish the run. An evaluation error is recorded and shown; it never stops the
//! scheduler. One organisation has at most [`crate::state::PER_ORG_RUNS`] runs in flight, so its slow sources
//! or webhooks never hold up another's alerts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use serde_json::{json, Value as Json};
use tessera_domain::alerts::rule::Notice;
use tessera_domain::alerts::{AlertRule, NewEvent};
use tessera_domain::OrgId;
use tessera_store::alerts::events;
use tessera_store::alerts::rules::{self, Remembered};
use tessera_store::alerts::runs::{self, Claim, RunKey, Settlement};
use tokio::task::JoinHandle;

use crate::deliver::{post_webhook, Attempted};
use crate::error::AlertResult;
use crate::notify::Notification;
use crate::service::{judge, recent_values, Alerting};
use crate::spec::{Channel, Definition};

/// Organisations whose due rules one tick looks at.
const DUE_ORGS_PER_TICK: i64 = 1000;
/// Times a run is taken over before it is abandoned.
const MAX_ATTEMPTS: i32 = 3;
/// Finished runs are kept this long.
const KEEP_RUNS_DAYS: i64 = 1;

/// Leaves the organisation's slot when a run ends, however it ends.
struct Slot {
    alerting: Arc<Alerting>,
    org: OrgId,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.alerting.scheduler.leave(self.org);
    }
}

/// A delivery as recorded on an event.
fn delivery_json(i: usize, c: &Channel, result: Option<&Attempted>, at: NaiveDateTime) -> Json {
    let mut d = json!({
        "channel": i,
        "type": c.kind(),
        "to": c.destination(),
        "status": "pending",
    });
    if let Some(r) = result {
        d["status"] = json!(if r.delivered { "delivered" } else { "failed" });
        d["attempts"] = json!(r.attempts);
        d["http_status"] = json!(r.http_status);
        d["error"] = json!(r.error);
        d["duration_ms"] = json!(r.duration_ms);
        d["at"] = json!(crate::notify::rfc3339(at));
    }
    d
}

/// What one tick did.
#[derive(Debug, Default)]
pub struct Tick {
    /// Runs this process claimed or took over, evaluating in these tasks.
    pub runs: Vec<JoinHandle<()>>,
    /// Due runs another process had claimed first.
    pub lost: usize,
}

impl Alerting {
    /// The name this process claims runs under.
    pub fn process_id(&self) -> &str {
        &self.process
    }

    /// One tick at `now`: takes over dead processes' runs, claims due runs and starts them.
    pub async fn tick_at(self: &Arc<Self>, now: NaiveDateTime) -> AlertResult<Tick> {
        if let Ok(mut t) = self.scheduler.last_tick.lock() {
            *t = Some(now);
        }
        let lease = Duration::seconds(self.settings.run_lease_secs as i64);
        let who = self.process.clone();
        let prune = {
            let mut last = self.scheduler.last_prune.lock().ok();
            match last.as_deref_mut() {
                Some(l) if l.is_some_and(|t| now - t < Duration::hours(1)) => false,
                Some(l) => {
                    *l = Some(now);
                    true
                }
                None => false,
            }
        };
        let (taken, orgs) = self
            .db(move |conn| {
                if prune {
                    runs::prune(conn, now - Duration::days(KEEP_RUNS_DAYS))?;
                }
                let taken = runs::take_over(conn, &who, now, lease, MAX_ATTEMPTS, 20)?;
                let orgs = rules::due_orgs(conn, now, DUE_ORGS_PER_TICK)?;
                Ok((taken, orgs))
            })
            .await?;
        // each organisation's due rules, as many as it has free slots
        let free: Vec<(OrgId, usize)> = orgs
            .into_iter()
            .map(|org| (org, self.scheduler.free(org)))
            .filter(|(_, free)| *free > 0)
            .collect();
        let due = self
            .db(move |conn| {
                let mut due = Vec::new();
                for (org, free) in free {
                    due.extend(rules::due(conn, org, now, free as i64)?);
                }
                Ok(due)
            })
            .await?;
        let mut tick = Tick::default();
        for claim in taken {
            tracing::info!(rule_id = claim.key.rule_id, scheduled_at = %claim.key.scheduled_at, attempt = claim.attempts, "taking over an alert run left unfinished");
            self.start(claim, &mut tick);
        }
        for rule in due {
            let Some(scheduled_at) = rule.next_run_at else {
                continue;
            };
            if !self.scheduler.enter(rule.org_id) {
                continue; // the organisation's runs are busy: its due rule waits for a slot
            }
            let slot = Slot {
                alerting: self.clone(),
                org: rule.org_id,
            };
            let key = RunKey {
                rule_id: rule.id,
                scheduled_at,
            };
            // a rule whose stored definition no longer reads is not scheduled again
            let next = self
                .definition_of(&rule)
                .ok()
                .and_then(|(_, d)| d.schedule.next_after(now.and_utc()))
                .map(tessera_store::stored);
            let (org, who) = (rule.org_id, self.process.clone());
            let claimed = self
                .db(move |conn| {
                    let claimed = runs::claim(conn, org, key, &who, now, lease)?;
                    rules::advance(conn, key.rule_id, scheduled_at, next)?;
                    Ok(claimed)
                })
                .await?;
            if claimed {
                let claim = Claim {
                    key,
                    org,
                    attempts: 1,
                    event_id: None,
                };
                self.spawn(claim, slot, &mut tick);
            } else {
                tick.lost += 1;
            }
        }
        Ok(tick)
    }

    fn start(self: &Arc<Self>, claim: Claim, tick: &mut Tick) {
        // take-overs are not held back by the organisation's slots: they are already late
        self.scheduler
            .in_flight
            .lock()
            .map(|mut m| *m.entry(claim.org).or_default() += 1)
            .ok();
        let slot = Slot {
            alerting: self.clone(),
            org: claim.org,
        };
        self.spawn(claim, slot, tick);
    }

    fn spawn(self: &Arc<Self>, claim: Claim, slot: Slot, tick: &mut Tick) {
        let this = self.clone();
        tick.runs.push(tokio::spawn(async move {
            let _slot = slot;
            let key = claim.key;
            if let Err(e) = this.complete(claim).await {
                tracing::warn!(rule_id = key.rule_id, scheduled_at = %key.scheduled_at, error = %e, "alert run failed; it is taken over once its lease runs out");
            }
        }));
    }

    /// Completes a claimed run: evaluates it (unless its evaluation was already settled by a
    /// process that died while delivering), delivers what is pending, finishes it.
    async fn complete(&self, claim: Claim) -> AlertResult<()> {
        let key = claim.key;
        let who = self.process.clone();
        let event_id = match claim.event_id {
            Some(id) => Some(id),
            None => self.evaluate(key).await?,
        };
        if let Some(event_id) = event_id {
            self.deliver_pending(key, event_id).await?;
        }
        let now = self.now();
        self.db(move |conn| runs::finish(conn, key, &who, now))
            .await?;
        Ok(())
    }

    /// Reads and settles run `key`; answers the event whose deliveries follow, if any.
    async fn evaluate(&self, key: RunKey) -> AlertResult<Option<i64>> {
        let rule = self
            .db(move |conn| rules::find_any(conn, key.rule_id))
            .await?;
        let Some(rule) = rule else {
            return Ok(None);
        };
        let (condition_json, definition) = match self.definition_of(&rule) {
            Ok((stored, d)) => (stored.condition, Some(d)),
            Err(e) => {
                tracing::warn!(rule_id = rule.id, error = %e, "alert rule's definition does not read");
                (Json::Null, None)
            }
        };
        let read = match &definition {
            Some(d) => Some(self.evaluator.read(&rule, d).await),
            None => None,
        };
        let now = self.now();
        let who = self.process.clone();
        let settled = self
            .db(move |conn| {
                runs::settle(conn, key, &who, now, |locked: &AlertRule| {
                    settle(
                        locked,
                        definition.as_ref(),
                        read.as_ref(),
                        &condition_json,
                        key,
                        now,
                    )
                })
            })
            .await?;
        Ok(settled.and_then(|s| s.settlement.deliver.then_some(s.event_id).flatten()))
    }

    /// Delivers event `event_id`'s pending deliveries of run `key`, recording each result.
    async fn deliver_pending(&self, key: RunKey, event_id: i64) -> AlertResult<()> {
        let (event, rule) = self
            .db(move |conn| {
                Ok((
                    events::find_any(conn, event_id)?,
                    rules::find_any(conn, key.rule_id)?,
                ))
            })
            .await?;
        let Some(rule) = rule else {
            return Ok(());
        };
        let (stored, definition) = self.definition_of(&rule)?;
        let mut deliveries: Vec<Json> =
            serde_json::from_str(&event.deliveries_json).unwrap_or_default();
        let notice = match event.notice.as_deref() {
            Some("resolved") => Notice::Resolved,
            _ => Notice::Firing,
        };
        let note = Notification::new(
            rule.id,
            &rule.name,
            notice,
            event.from,
            event.to,
            event.value,
            stored.condition.clone(),
            event.evaluated_at,
            recent_values(&rule.recent_values_json, None),
            &self.settings.public_url,
        );
        for (i, channel) in definition.channels.iter().enumerate() {
            let pending = deliveries
                .get(i)
                .and_then(|d| d.get("status"))
                .and_then(Json::as_str)
                == Some("pending");
            if !pending {
                continue;
            }
            // a process that lost the run (its lease ran out while it was slow) stops here
            let who = self.process.clone();
            if !self.db(move |conn| runs::holds(conn, key, &who)).await? {
                return Ok(());
            }
            let result = self.send(channel, &note).await;
            let at = self.now();
            if let Some(d) = deliveries.get_mut(i) {
                *d = delivery_json(i, channel, Some(&result), at);
            }
            let failed = deliveries
                .iter()
                .filter(|d| d.get("status").and_then(Json::as_str) == Some("failed"))
                .count() as i32;
            let json = Json::Array(deliveries.clone()).to_string();
            self.db(move |conn| events::set_deliveries(conn, event_id, &json, failed))
                .await?;
            if !result.delivered {
                tracing::warn!(rule_id = rule.id, channel = channel.kind(), error = ?result.error, "alert delivery failed");
            }
        }
        Ok(())
    }

    /// Sends `note` to `channel`.
    pub(crate) async fn send(&self, channel: &Channel, note: &Notification) -> Attempted {
        match channel {
            Channel::Email { to } => match &self.mailer {
                Some(m) => m.send(&note.email(to)).await,
                None => Attempted {
                    delivered: false,
                    attempts: 0,
                    http_status: None,
                    error: Some("no mail server is configured".into()),
                    duration_ms: 0,
                },
            },
            Channel::Webhook {
                url,
                sealed_secret,
                template,
            } => {
                let secret = match sealed_secret.as_deref().map(|s| self.cipher.decrypt(s)) {
                    Some(Ok(s)) => Some(s),
                    Some(Err(e)) => {
                        return Attempted {
                            delivered: false,
                            attempts: 0,
                            http_status: None,
                            error: Some(format!("the webhook's secret cannot be read: {e}")),
                            duration_ms: 0,
                        }
                    }
                    None => None,
                };
                let (body, content_type) = note.webhook_payload(template.as_ref());
                post_webhook(url, &self.policy, secret.as_deref(), &body, content_type).await
            }
        }
    }

    /// Starts ticking every second on tokio-cron-scheduler; answers the scheduler to shut down.
    pub async fn start_scheduler(
        self: &Arc<Self>,
    ) -> Result<tokio_cron_scheduler::JobScheduler, String> {
        use tokio_cron_scheduler::{Job, JobScheduler};
        let sched = JobScheduler::new().await.map_err(|e| e.to_string())?;
        let this = self.clone();
        let busy = Arc::new(AtomicBool::new(false));
        let job = Job::new_async("* * * * * *", move |_id, _sched| {
            let this = this.clone();
            let busy = busy.clone();
            Box::pin(async move {
                // a tick still claiming (a slow app database) is not overlapped
                if busy.swap(true, Ordering::AcqRel) {
                    return;
                }
                let now = this.now();
                if let Err(e) = this.tick_at(now).await {
                    tracing::warn!(error = %e, "alert scheduler tick failed");
                }
                busy.store(false, Ordering::Release);
            })
        })
        .map_err(|e| e.to_string())?;
        sched.add(job).await.map_err(|e| e.to_string())?;
        sched.start().await.map_err(|e| e.to_string())?;
        self.scheduler.running.store(true, Ordering::Relaxed);
        Ok(sched)
    }

    /// Marks the scheduler stopped (after its `JobScheduler` was shut down).
    pub fn scheduler_stopped(&self) {
        self.scheduler.running.store(false, Ordering::Relaxed);
    }
}

/// Decides an evaluation from the rule as locked: its new memory, the event, and whether
/// deliveries follow.
fn settle(
    rule: &AlertRule,
    definition: Option<&Definition>,
    read: Option<&Result<crate::evaluate::Reading, tessera_charts::ChartError>>,
    condition_json: &Json,
    key: RunKey,
    now: NaiveDateTime,
) -> Settlement {
    let (outcome, value, reference, cooldown, channels) = match (definition, read) {
        (Some(d), Some(read)) => {
            let (o, v, r) = judge(&d.condition, rule, read);
            (
                o,
                v,
                r,
                Duration::seconds(d.cooldown_seconds),
                d.channels.as_slice(),
            )
        }
        _ => (
            tessera_domain::alerts::rule::Outcome::Failed(
                "the rule's stored definition cannot be read".into(),
            ),
            None,
            None,
            Duration::zero(),
            &[][..],
        ),
    };
    let step = rule.status.step(&outcome, cooldown, now);
    let recent = recent_values(&rule.recent_values_json, value.map(|v| (now, v)));
    let deliver = step.notify.is_some() && !channels.is_empty();
    let deliveries: Vec<Json> = if deliver {
        channels
            .iter()
            .enumerate()
            .map(|(i, c)| delivery_json(i, c, None, now))
            .collect()
    } else {
        Vec::new()
    };
    let event = (step.record || step.notify.is_some()).then(|| NewEvent {
        scheduled_at: Some(key.scheduled_at),
        evaluated_at: now,
        value,
        reference_value: reference,
        threshold_json: condition_json.to_string(),
        from: step.from,
        to: step.to,
        notice: step.notify,
        suppressed: step.suppressed,
        error: step
            .status
            .error
            .clone()
            .filter(|_| step.to == tessera_domain::alerts::rule::RuleState::Error),
        deliveries_json: Json::Array(deliveries).to_string(),
    });
    Settlement {
        remembered: Remembered {
            status: step.status,
            value,
            recent_values_json: serde_json::to_string(&recent).unwrap_or_else(|_| "[]".into()),
            evaluated_at: now,
        },
        event,
        deliver,
    }
}

/// The scheduler on a thread of its own, with its own small tokio runtime: neither the HTTP
/// workers nor their blocking pool ever wait for an alert run, nor alert runs for them.
pub struct SchedulerThread {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SchedulerThread {
    /// Starts ticking `alerting` every second.
    pub fn start(alerting: Arc<Alerting>) -> Result<Self, String> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let thread = std::thread::Builder::new()
            .name("tessera-alerts".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("tessera-alerts-rt")
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("alert scheduler runtime: {e}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let mut sched = match alerting.start_scheduler().await {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = ready_tx.send(Err(format!("alert scheduler: {e}")));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    let _ = stopped.await;
                    if let Err(e) = sched.shutdown().await {
                        tracing::warn!(error = %e, "alert scheduler did not shut down cleanly");
                    }
                    alerting.scheduler_stopped();
                });
                // runs still in flight end with the runtime; their leases let another process
                // (or the next start) complete them
                runtime.shutdown_timeout(std::time::Duration::from_secs(5));
            })
            .map_err(|e| format!("cannot start the alert scheduler thread: {e}"))?;
        ready_rx
            .recv()
            .map_err(|_| "the alert scheduler thread stopped while starting".to_owned())??;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops ticking and waits for the thread.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for SchedulerThread {
    fn drop(&mut self) {
        self.stop();
    }
}
