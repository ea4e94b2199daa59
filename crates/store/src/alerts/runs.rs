//! The `alert_runs` table: one row per scheduled run of a rule, claimed by inserting its key
//! (rule, scheduled time), so that several processes on one database evaluate each run exactly
//! once. A run records the event its evaluation wrote; a run whose lease ran out unfinished (its
//! process died, during the evaluation or the deliveries) is taken over by another process,
//! which completes it. All functions are unscoped: they are the scheduler's own, keyed by runs.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use tessera_domain::alerts::{AlertRule, NewEvent};
use tessera_domain::OrgId;

use crate::alerts::{events, rules};
use crate::schema::alert_runs as run;
use crate::{DbConn, StoreError};

/// A scheduled run's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunKey {
    /// The rule.
    pub rule_id: i64,
    /// When it was scheduled (UTC).
    pub scheduled_at: NaiveDateTime,
}

/// A run this process holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Which run.
    pub key: RunKey,
    /// The rule's organisation.
    pub org: OrgId,
    /// 1 for the first claim, more for take-overs.
    pub attempts: i32,
    /// The event its evaluation recorded, when it got that far.
    pub event_id: Option<i64>,
}

/// The row of run `$key`.
macro_rules! key_of {
    ($key:expr) => {
        run::table
            .filter(run::rule_id.eq($key.rule_id))
            .filter(run::scheduled_at.eq($key.scheduled_at))
    };
}

/// Claims run `key` of a rule of `org` for `who` until `now + lease`; false when another process
/// claimed it first. Call it outside a transaction (a losing insert aborts one on PostgreSQL).
pub fn claim(
    conn: &mut DbConn,
    org: OrgId,
    key: RunKey,
    who: &str,
    now: NaiveDateTime,
    lease: Duration,
) -> Result<bool, StoreError> {
    let inserted = diesel::insert_into(run::table)
        .values((
            run::rule_id.eq(key.rule_id),
            run::scheduled_at.eq(key.scheduled_at),
            run::org_id.eq(org.to_string()),
            run::claimed_by.eq(who),
            run::claimed_at.eq(now),
            run::lease_until.eq(now + lease),
            run::attempts.eq(1),
        ))
        .execute(conn);
    match inserted.map_err(StoreError::from) {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Takes over, for `who`, up to `limit` unfinished runs whose lease ran out at `now` (each by a
/// conditional update, so two processes never take the same one). A run tried `max_attempts`
/// times is finished as abandoned instead.
pub fn take_over(
    conn: &mut DbConn,
    who: &str,
    now: NaiveDateTime,
    lease: Duration,
    max_attempts: i32,
    limit: i64,
) -> Result<Vec<Claim>, StoreError> {
    type Open = (i64, NaiveDateTime, String, String, i32, Option<i64>);
    let stale: Vec<Open> = run::table
        .filter(run::finished_at.is_null())
        .filter(run::lease_until.lt(now))
        .select((
            run::rule_id,
            run::scheduled_at,
            run::org_id,
            run::claimed_by,
            run::attempts,
            run::event_id,
        ))
        .order(run::lease_until.asc())
        .limit(limit)
        .load(conn)?;
    let mut taken = Vec::new();
    for (rule_id, scheduled_at, org, holder, attempts, event_id) in stale {
        let key = RunKey {
            rule_id,
            scheduled_at,
        };
        let theirs = key_of!(key)
            .filter(run::claimed_by.eq(holder))
            .filter(run::attempts.eq(attempts))
            .filter(run::finished_at.is_null());
        if attempts >= max_attempts {
            diesel::update(theirs)
                .set(run::finished_at.eq(Some(now)))
                .execute(conn)?;
            tracing::warn!(rule_id, %scheduled_at, attempts, "alert run abandoned after repeated take-overs");
            continue;
        }
        let moved = diesel::update(theirs)
            .set((
                run::claimed_by.eq(who),
                run::claimed_at.eq(now),
                run::lease_until.eq(now + lease),
                run::attempts.eq(attempts + 1),
            ))
            .execute(conn)?;
        if moved == 1 {
            let org = org
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("alert run of rule {rule_id}: org_id")))?;
            taken.push(Claim {
                key,
                org,
                attempts: attempts + 1,
                event_id,
            });
        }
    }
    Ok(taken)
}

/// What an evaluation decided, from the rule as locked.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// What the rule remembers now.
    pub remembered: rules::Remembered,
    /// The event to record, if any.
    pub event: Option<NewEvent>,
    /// Whether deliveries follow (the run stays open until they are done).
    pub deliver: bool,
}

/// A settled evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    /// The rule as it was when it was locked.
    pub rule: AlertRule,
    /// What was decided.
    pub settlement: Settlement,
    /// The event recorded.
    pub event_id: Option<i64>,
}

/// Settles run `key` held by `who` in one transaction: locks its rule, lets `decide` judge from
/// the rule's remembered state, writes what the rule remembers and the event, and finishes the
/// run unless deliveries follow. `None` when the run is no longer this process's (taken over)
/// or its rule was deleted (the run is finished then).
pub fn settle(
    conn: &mut DbConn,
    key: RunKey,
    who: &str,
    now: NaiveDateTime,
    mut decide: impl FnMut(&AlertRule) -> Settlement,
) -> Result<Option<Settled>, StoreError> {
    crate::atomically(conn, |conn| {
        let mine = key_of!(key)
            .filter(run::claimed_by.eq(who))
            .filter(run::finished_at.is_null());
        let held: i64 = mine.count().get_result(conn)?;
        if held == 0 {
            return Ok(None);
        }
        let Some(rule) = rules::lock(conn, key.rule_id)? else {
            diesel::update(mine)
                .set(run::finished_at.eq(Some(now)))
                .execute(conn)?;
            return Ok(None);
        };
        let settlement = decide(&rule);
        rules::remember(conn, rule.id, &settlement.remembered)?;
        let event_id = match &settlement.event {
            Some(ev) => Some(events::insert(conn, rule.org_id, rule.id, ev)?),
            None => None,
        };
        diesel::update(key_of!(key))
            .set((
                run::event_id.eq(event_id),
                run::finished_at.eq((!settlement.deliver).then_some(now)),
            ))
            .execute(conn)?;
        Ok(Some(Settled {
            rule,
            settlement: settlement.clone(),
            event_id,
        }))
    })
}

/// Finishes run `key` if `who` still holds it; whether it did.
pub fn finish(
    conn: &mut DbConn,
    key: RunKey,
    who: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        key_of!(key)
            .filter(run::claimed_by.eq(who))
            .filter(run::finished_at.is_null()),
    )
    .set(run::finished_at.eq(Some(now)))
    .execute(conn)?
        > 0)
}

/// Whether `who` still holds run `key` unfinished.
pub fn holds(conn: &mut DbConn, key: RunKey, who: &str) -> Result<bool, StoreError> {
    let n: i64 = key_of!(key)
        .filter(run::claimed_by.eq(who))
        .filter(run::finished_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Deletes finished runs scheduled before `before`; how many.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        run::table
            .filter(run::finished_at.is_not_null())
            .filter(run::scheduled_at.lt(before)),
    )
    .execute(conn)?)
}

/// Runs of rule `rule_id` (for tests and the status page): (scheduled, attempts, finished).
pub fn of_rule(
    conn: &mut DbConn,
    rule_id: i64,
) -> Result<Vec<(NaiveDateTime, i32, Option<NaiveDateTime>)>, StoreError> {
    Ok(run::table
        .filter(run::rule_id.eq(rule_id))
        .select((run::scheduled_at, run::attempts, run::finished_at))
        .order(run::scheduled_at.asc())
        .load(conn)?)
}
