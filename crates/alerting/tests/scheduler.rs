//! The scheduler over a real app database of each engine: two schedulers (two pools, two
//! process names, as two `tessera serve` processes) tick together over the same minutes and each
//! scheduled run is evaluated exactly once; a process killed while it delivers leaves the run to
//! be completed, once, by the other. Time is given to each tick: nothing waits for a minute.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDateTime;
use futures_util::future::BoxFuture;
use serde_json::json;
use tessera_alerting::evaluate::{Evaluate, Reading};
use tessera_alerting::spec::{Definition, StoredDefinition};
use tessera_alerting::{AlertSettings, Alerting, RuleSpec};
use tessera_charts::settings::{ChartSettings, SourcesSettings};
use tessera_charts::{ChartEngine, ChartError, SourceRuntime};
use tessera_domain::alerts::{AlertRule, RuleDraft};
use tessera_domain::{OrgId, OrgName, SystemClock};
use tessera_store::alerts::{events, rules, runs};
use tessera_store::{DbPool, PoolOptions};
use tessera_testkit::net::{HttpReceiver, Reply};
use tessera_testkit::{Engine, TestDatabase};

/// Reads a value per rule from a script (the minute's value), counting reads per rule.
#[derive(Default)]
struct Scripted {
    reads: Mutex<HashMap<i64, usize>>,
    total: AtomicUsize,
}

impl Evaluate for Scripted {
    fn read<'a>(
        &'a self,
        rule: &'a AlertRule,
        _definition: &'a Definition,
    ) -> BoxFuture<'a, Result<Reading, ChartError>> {
        let n = {
            let mut m = self.reads.lock().unwrap();
            let n = m.entry(rule.id).or_default();
            *n += 1;
            *n
        };
        self.total.fetch_add(1, Ordering::SeqCst);
        // above the threshold on every third read: the state moves and events are written
        let value = if n % 3 == 0 { 10.0 } else { 1.0 };
        Box::pin(async move {
            Ok(Reading {
                value,
                previous_period: None,
            })
        })
    }
}

const SECRET: &str = "test-secret-0123456789";

fn minute(m: i64) -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 12, 5)
        .and_then(|d| d.and_hms_opt(6, 0, 0))
        .unwrap()
        + chrono::Duration::minutes(m)
}

fn pool(db: &TestDatabase) -> DbPool {
    DbPool::connect(
        &db.url,
        &PoolOptions {
            max_size: 6,
            ..PoolOptions::default()
        },
    )
    .unwrap()
}

struct Process {
    alerting: Arc<Alerting>,
    _dir: tempfile::TempDir,
}

fn process(db: &DbPool, evaluator: Arc<dyn Evaluate>, lease_secs: u64) -> Process {
    let dir = tempfile::tempdir().unwrap();
    let sources = SourcesSettings {
        sqlite_dir: dir.path().join("sources"),
        ..SourcesSettings::default()
    };
    let runtime =
        Arc::new(SourceRuntime::new(SECRET, &sources, &ChartSettings::default(), None).unwrap());
    let clock = Arc::new(SystemClock);
    let engine = Arc::new(ChartEngine::new(
        db.clone(),
        runtime,
        dir.path().join("uploads"),
        clock.clone(),
    ));
    let settings = AlertSettings {
        allow_private_webhooks: true,
        webhook_timeout_secs: 30,
        webhook_retries: 0,
        run_lease_secs: lease_secs,
        ..AlertSettings::default()
    };
    let cipher = tessera_sources::crypto::CredentialCipher::new(SECRET).unwrap();
    let alerting =
        Alerting::new(db.clone(), engine, settings, cipher, clock, Some(evaluator)).unwrap();
    Process {
        alerting: Arc::new(alerting),
        _dir: dir,
    }
}

/// Saves a rule checked every minute (above 5), first due at `first`.
fn save_rule(
    db: &DbPool,
    org: OrgId,
    name: &str,
    channels: serde_json::Value,
    first: NaiveDateTime,
) -> i64 {
    let spec: RuleSpec = serde_json::from_value(json!({
        "name": name,
        "target": {"metric": "revenue", "period": "1d"},
        "condition": {"op": "above", "value": 5},
        "schedule": {"cron": "* * * * *", "timezone": "UTC"},
        "channels": channels,
        "cooldown_seconds": 0
    }))
    .unwrap();
    let checked = spec.check(true).unwrap();
    // secrets are stored sealed, as Alerting::create seals them
    let cipher = tessera_sources::crypto::CredentialCipher::new(SECRET).unwrap();
    let channels = checked
        .channels
        .iter()
        .cloned()
        .map(|mut c| {
            c.secret = c.secret.map(|s| cipher.encrypt(&s).unwrap());
            c
        })
        .collect();
    let stored = StoredDefinition {
        target: spec.target.clone(),
        condition: checked.definition.condition_json.clone(),
        schedule: spec.schedule.clone(),
        channels,
        cooldown_seconds: 0,
    };
    let draft = RuleDraft {
        name: name.into(),
        definition_json: serde_json::to_string(&stored).unwrap(),
        enabled: true,
        next_run_at: Some(first),
        reset_state: false,
    };
    let mut conn = db.get().unwrap();
    rules::create(&mut conn, org, &draft, None, minute(0))
        .unwrap()
        .id
}

fn org(db: &DbPool) -> OrgId {
    let mut conn = db.get().unwrap();
    tessera_store::organizations::insert(&mut conn, &OrgName::parse("Alerts").unwrap())
        .unwrap()
        .id
}

async fn finish(tick: tessera_alerting::scheduler::Tick) {
    for run in tick.runs {
        run.await.unwrap();
    }
}

async fn two_schedulers_evaluate_each_run_once(engine: Engine) {
    let Some(db) = TestDatabase::create(engine) else {
        return;
    };
    let pool_a = pool(&db);
    tessera_store::migrations::run_pending(&mut pool_a.get().unwrap()).unwrap();
    let pool_b = pool(&db);
    let org = org(&pool_a);
    let rule_ids: Vec<i64> = (0..3)
        .map(|i| save_rule(&pool_a, org, &format!("rule {i}"), json!([]), minute(1)))
        .collect();
    let reads = Arc::new(Scripted::default());
    let a = process(&pool_a, reads.clone(), 300);
    let b = process(&pool_b, reads.clone(), 300);
    const MINUTES: i64 = 60;
    for m in 1..=MINUTES {
        // both processes tick at the same moment, several times within the minute
        for s in [0, 1, 30] {
            let now = minute(m) + chrono::Duration::seconds(s);
            let (ta, tb) = tokio::join!(a.alerting.tick_at(now), b.alerting.tick_at(now));
            finish(ta.unwrap()).await;
            finish(tb.unwrap()).await;
        }
    }
    let counted = reads.reads.lock().unwrap().clone();
    let mut conn = pool_a.get().unwrap();
    for id in &rule_ids {
        assert_eq!(
            counted.get(id),
            Some(&(MINUTES as usize)),
            "rule {id} on {engine:?}: {counted:?}"
        );
        let runs = runs::of_rule(&mut conn, *id).unwrap();
        assert_eq!(runs.len(), MINUTES as usize, "one run per minute");
        assert!(runs
            .iter()
            .all(|(_, attempts, finished)| *attempts == 1 && finished.is_some()));
        let scheduled: Vec<_> = runs.iter().map(|(t, _, _)| *t).collect();
        assert_eq!(scheduled, (1..=MINUTES).map(minute).collect::<Vec<_>>());
        // a third of the reads breach: state changes both ways, each recorded once
        let history = events::page(
            &mut conn,
            org,
            *id,
            tessera_domain::PageRequest::new(Some(1), Some(200)).unwrap(),
        )
        .unwrap();
        assert_eq!(history.total, 39, "20 firings and 19 resolutions");
    }
    assert_eq!(reads.total.load(Ordering::SeqCst), 3 * MINUTES as usize);
}

async fn killed_during_delivery_is_completed_once_by_the_other(engine: Engine) {
    let Some(db) = TestDatabase::create(engine) else {
        return;
    };
    let pool_a = pool(&db);
    tessera_store::migrations::run_pending(&mut pool_a.get().unwrap()).unwrap();
    let pool_b = pool(&db);
    let org = org(&pool_a);
    let receiver = HttpReceiver::start(Reply::Status(200));
    // the first delivery hangs: the process is killed while it waits
    receiver.script(&[Reply::Hang]);
    let hook =
        json!([{"type": "webhook", "url": format!("{}/hook", receiver.url), "secret": "s3cret"}]);
    let id = save_rule(&pool_a, org, "killed", hook, minute(1));
    // the third read breaches
    let reads = Arc::new(Scripted::default());
    reads.reads.lock().unwrap().insert(id, 2);
    let lease = 20;
    let a = process(&pool_a, reads.clone(), lease);
    let b = process(&pool_b, reads.clone(), lease);

    let tick = a.alerting.tick_at(minute(1)).await.unwrap();
    assert_eq!(tick.runs.len(), 1);
    let got = tokio::task::spawn_blocking({
        let r = receiver.clone();
        move || r.wait_for(1, Duration::from_secs(20))
    })
    .await
    .unwrap();
    assert_eq!(got.len(), 1, "the delivery started");
    // kill A in the middle of it
    for run in tick.runs {
        run.abort();
        let _ = run.await;
    }
    let mut conn = pool_a.get().unwrap();
    let open = runs::of_rule(&mut conn, id).unwrap();
    assert_eq!(open.len(), 1);
    assert!(open[0].2.is_none(), "the run is unfinished");

    // before the lease runs out B leaves it alone (the rule's next run is a minute later)
    let early = b
        .alerting
        .tick_at(minute(1) + chrono::Duration::seconds(10))
        .await
        .unwrap();
    assert!(early.runs.is_empty());
    // after it, B completes it: delivers what was pending, does not evaluate again
    let late = minute(1) + chrono::Duration::seconds(lease as i64 + 1);
    let tick = b.alerting.tick_at(late).await.unwrap();
    finish(tick).await;
    let got = receiver.requests();
    assert_eq!(got.len(), 2, "one interrupted delivery and one completed");
    assert_eq!(reads.reads.lock().unwrap()[&id], 3, "evaluated once");
    let verified = tessera_alerting::webhook::verify(
        "s3cret",
        got[1].header("x-tessera-signature").unwrap(),
        &got[1].body,
        chrono::Utc::now().timestamp(),
        300,
    );
    assert!(verified, "the completed delivery is signed");
    let runs = runs::of_rule(&mut conn, id).unwrap();
    let first = runs.iter().find(|(t, _, _)| *t == minute(1)).unwrap();
    assert_eq!(
        (first.1, first.2.is_some()),
        (2, true),
        "taken over once, finished"
    );
    let history = events::page(
        &mut conn,
        org,
        id,
        tessera_domain::PageRequest::new(Some(1), Some(50)).unwrap(),
    )
    .unwrap();
    assert_eq!(history.total, 1, "one evaluation recorded");
    let deliveries: serde_json::Value =
        serde_json::from_str(&history.items[0].deliveries_json).unwrap();
    assert_eq!(deliveries[0]["status"], "delivered", "{deliveries}");
    assert_eq!(history.items[0].deliveries_failed, 0);
    // and A's next tick (restarted) finds nothing left of that run
    let again = a
        .alerting
        .tick_at(late + chrono::Duration::seconds(1))
        .await
        .unwrap();
    finish(again).await;
    assert_eq!(receiver.requests().len(), 2);
}

/// Reads slowly for rules named `slow ...`, at once for the others.
#[derive(Default)]
struct SlowForSome {
    read: Mutex<Vec<String>>,
}

impl Evaluate for SlowForSome {
    fn read<'a>(
        &'a self,
        rule: &'a AlertRule,
        _definition: &'a Definition,
    ) -> BoxFuture<'a, Result<Reading, ChartError>> {
        Box::pin(async move {
            if rule.name.starts_with("slow") {
                tokio::time::sleep(Duration::from_millis(1500)).await;
            }
            self.read.lock().unwrap().push(rule.name.clone());
            Ok(Reading {
                value: 1.0,
                previous_period: None,
            })
        })
    }
}

async fn one_organisation_never_holds_up_another(engine: Engine) {
    let Some(db) = TestDatabase::create(engine) else {
        return;
    };
    let pool = pool(&db);
    tessera_store::migrations::run_pending(&mut pool.get().unwrap()).unwrap();
    let (busy, quiet) = (org(&pool), org(&pool));
    // the busy organisation has many slow rules due before the quiet one's
    for i in 0..10 {
        save_rule(&pool, busy, &format!("slow {i}"), json!([]), minute(0));
    }
    save_rule(&pool, quiet, "quick", json!([]), minute(1));
    let reads = Arc::new(SlowForSome::default());
    let p = process(&pool, reads.clone(), 300);
    let first = p.alerting.tick_at(minute(1)).await.unwrap();
    let per_org = tessera_alerting::state::PER_ORG_RUNS;
    assert_eq!(
        first.runs.len(),
        per_org + 1,
        "the busy one's share, and the quiet one's rule"
    );
    // while the busy organisation's runs are in flight, its other due rules wait
    let second = p
        .alerting
        .tick_at(minute(1) + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert!(second.runs.is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        *reads.read.lock().unwrap(),
        ["quick"],
        "the quiet organisation was not held up"
    );
    finish(first).await;
    // once they finish, the rest are taken in turn
    let third = p
        .alerting
        .tick_at(minute(1) + chrono::Duration::seconds(2))
        .await
        .unwrap();
    assert_eq!(third.runs.len(), per_org);
    finish(third).await;
}

macro_rules! on_every_engine {
    ($name:ident) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(Engine::Postgres).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                super::$name(Engine::Mysql).await
            }
        }
    };
}

on_every_engine!(two_schedulers_evaluate_each_run_once);
on_every_engine!(killed_during_delivery_is_completed_once_by_the_other);
on_every_engine!(one_organisation_never_holds_up_another);
