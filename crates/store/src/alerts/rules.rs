//! The `alert_rules` table: each organisation's alert rules (their definitions as checked JSON
//! documents) and what each remembers between evaluations. The scheduler's reads across
//! organisations (`due`, `advance`) are the only unscoped functions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::alerts::rule::{RuleState, RuleStatus};
use tessera_domain::alerts::{AlertRule, RuleDraft};
use tessera_domain::{OrgId, Page, PageRequest, UserId};

use crate::schema::alert_rules as r;
use crate::{DbConn, StoreError};

/// A row of `alert_rules`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = r)]
pub(crate) struct RuleRow {
    id: i64,
    org_id: String,
    name: String,
    definition: String,
    enabled: bool,
    firing: bool,
    last_error: Option<String>,
    last_value: Option<f64>,
    recent_values: String,
    last_evaluated_at: Option<NaiveDateTime>,
    last_notified_at: Option<NaiveDateTime>,
    next_run_at: Option<NaiveDateTime>,
    created_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl RuleRow {
    pub(crate) fn into_domain(self) -> Result<AlertRule, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("alert rule {}: {what}", self.id));
        Ok(AlertRule {
            id: self.id,
            org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
            created_by: match &self.created_by {
                Some(u) => Some(u.parse::<UserId>().map_err(|_| corrupt("created_by"))?),
                None => None,
            },
            name: self.name,
            definition_json: self.definition,
            enabled: self.enabled,
            status: RuleStatus {
                firing: self.firing,
                error: self.last_error,
                last_notified_at: self.last_notified_at,
            },
            last_value: self.last_value,
            recent_values_json: self.recent_values,
            last_evaluated_at: self.last_evaluated_at,
            next_run_at: self.next_run_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Which rules a list answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleFilter {
    /// Only rules in this state.
    pub state: Option<RuleState>,
    /// Only enabled (or disabled) rules.
    pub enabled: Option<bool>,
}

macro_rules! scoped {
    ($org:expr, $filter:expr) => {{
        let f: &RuleFilter = $filter;
        let mut q = r::table.filter(r::org_id.eq($org.to_string())).into_boxed();
        match f.state {
            Some(RuleState::Error) => q = q.filter(r::last_error.is_not_null()),
            Some(RuleState::Firing) => q = q.filter(r::last_error.is_null().and(r::firing)),
            Some(RuleState::Ok) => q = q.filter(r::last_error.is_null().and(r::firing.eq(false))),
            None => {}
        }
        if let Some(enabled) = f.enabled {
            q = q.filter(r::enabled.eq(enabled));
        }
        q
    }};
}

/// Saves a new rule of the organisation, created by `by` at `at`.
pub fn create(
    conn: &mut DbConn,
    org: OrgId,
    draft: &RuleDraft,
    by: Option<UserId>,
    at: NaiveDateTime,
) -> Result<AlertRule, StoreError> {
    crate::atomically(conn, |conn| create_in(conn, org, draft, by, at))
}

/// [`create`] inside the caller's transaction.
pub fn create_in(
    conn: &mut DbConn,
    org: OrgId,
    draft: &RuleDraft,
    by: Option<UserId>,
    at: NaiveDateTime,
) -> Result<AlertRule, StoreError> {
    let id = {
        diesel::insert_into(r::table)
            .values((
                r::org_id.eq(org.to_string()),
                r::name.eq(&draft.name),
                r::definition.eq(&draft.definition_json),
                r::enabled.eq(draft.enabled),
                r::firing.eq(false),
                r::recent_values.eq("[]"),
                r::next_run_at.eq(draft.next_run_at),
                r::created_by.eq(by.map(|u| u.to_string())),
                r::created_at.eq(at),
                r::updated_at.eq(at),
            ))
            .execute(conn)?;
        crate::db::last_insert_id(conn)?
    };
    find(conn, org, id)
}

/// Rule `id` of the organisation (`NotFound` otherwise).
pub fn find(conn: &mut DbConn, org: OrgId, id: i64) -> Result<AlertRule, StoreError> {
    r::table
        .filter(r::org_id.eq(org.to_string()))
        .filter(r::id.eq(id))
        .select(RuleRow::as_select())
        .first(conn)?
        .into_domain()
}

/// Rule `id` of whichever organisation, if it still exists. Unscoped: the scheduler's own
/// read, keyed by a run it claimed.
pub fn find_any(conn: &mut DbConn, id: i64) -> Result<Option<AlertRule>, StoreError> {
    r::table
        .filter(r::id.eq(id))
        .select(RuleRow::as_select())
        .first(conn)
        .optional()?
        .map(RuleRow::into_domain)
        .transpose()
}

/// One page of the organisation's rules matching `filter`, by id.
pub fn page(
    conn: &mut DbConn,
    org: OrgId,
    filter: &RuleFilter,
    page: PageRequest,
) -> Result<Page<AlertRule>, StoreError> {
    let total: i64 = scoped!(org, filter).count().get_result(conn)?;
    let rows = scoped!(org, filter)
        .select(RuleRow::as_select())
        .order(r::id.asc())
        .offset(page.sql_offset())
        .limit(i64::from(page.limit()))
        .load(conn)?
        .into_iter()
        .map(RuleRow::into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.page_of(rows, total))
}

/// Replaces rule `id`'s definition at `at`; what it remembers stays unless `draft.reset_state`
/// (its target or condition changed: its old verdict was about something else).
pub fn update(
    conn: &mut DbConn,
    org: OrgId,
    id: i64,
    draft: &RuleDraft,
    at: NaiveDateTime,
) -> Result<AlertRule, StoreError> {
    let mine = r::table
        .filter(r::org_id.eq(org.to_string()))
        .filter(r::id.eq(id));
    if diesel::update(mine)
        .set((
            r::name.eq(&draft.name),
            r::definition.eq(&draft.definition_json),
            r::enabled.eq(draft.enabled),
            r::next_run_at.eq(draft.next_run_at),
            r::updated_at.eq(at),
        ))
        .execute(conn)?
        == 0
    {
        return Err(StoreError::NotFound);
    }
    if draft.reset_state {
        diesel::update(r::table.filter(r::id.eq(id)))
            .set((
                r::firing.eq(false),
                r::last_error.eq(None::<String>),
                r::last_value.eq(None::<f64>),
                r::recent_values.eq("[]"),
            ))
            .execute(conn)?;
    }
    find(conn, org, id)
}

/// Deletes rule `id` with its events and runs; whether it existed.
pub fn delete(conn: &mut DbConn, org: OrgId, id: i64) -> Result<bool, StoreError> {
    use crate::schema::{alert_events as e, alert_runs as run};
    crate::atomically(conn, |conn| {
        let mine = r::table
            .filter(r::org_id.eq(org.to_string()))
            .filter(r::id.eq(id));
        let found: i64 = mine.clone().count().get_result(conn)?;
        if found == 0 {
            return Ok(false);
        }
        // SQLite enforces foreign keys only when asked: delete the children explicitly
        diesel::delete(run::table.filter(run::rule_id.eq(id))).execute(conn)?;
        diesel::delete(e::table.filter(e::rule_id.eq(id))).execute(conn)?;
        Ok(diesel::delete(mine).execute(conn)? > 0)
    })
}

/// Organisations with an enabled rule due at `now` (at most `limit`). Unscoped: the
/// scheduler's own read; it then takes each organisation's due rules up to its free slots, so
/// one organisation's many due rules never keep another's from being seen.
pub fn due_orgs(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OrgId>, StoreError> {
    let ids: Vec<String> = r::table
        .filter(r::enabled)
        .filter(r::next_run_at.le(now))
        .select(r::org_id)
        .distinct()
        .limit(limit)
        .load(conn)?;
    ids.into_iter()
        .map(|id| {
            id.parse()
                .map_err(|_| StoreError::Corrupt(format!("alert rule org_id '{id}'")))
        })
        .collect()
}

/// The organisation's enabled rules due at `now`, soonest first (at most `limit`).
pub fn due(
    conn: &mut DbConn,
    org: OrgId,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<AlertRule>, StoreError> {
    r::table
        .filter(r::org_id.eq(org.to_string()))
        .filter(r::enabled)
        .filter(r::next_run_at.le(now))
        .select(RuleRow::as_select())
        .order(r::next_run_at.asc())
        .limit(limit)
        .load(conn)?
        .into_iter()
        .map(RuleRow::into_domain)
        .collect()
}

/// How many rules the organisation has.
pub fn count(conn: &mut DbConn, org: OrgId) -> Result<i64, StoreError> {
    Ok(r::table
        .filter(r::org_id.eq(org.to_string()))
        .count()
        .get_result(conn)?)
}

/// Moves rule `id`'s next run from `from` to `to`, unless another process already moved it;
/// whether this call moved it. Unscoped: the scheduler's own write.
pub fn advance(
    conn: &mut DbConn,
    id: i64,
    from: NaiveDateTime,
    to: Option<NaiveDateTime>,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        r::table
            .filter(r::id.eq(id))
            .filter(r::next_run_at.eq(from)),
    )
    .set(r::next_run_at.eq(to))
    .execute(conn)?
        > 0)
}

/// Rule `id` of whichever organisation, locked for the rest of the transaction (PostgreSQL and
/// MySQL: `FOR UPDATE`; SQLite's write transaction is already exclusive). Unscoped: the
/// scheduler's own read, keyed by a run it claimed.
pub(crate) fn lock(conn: &mut DbConn, id: i64) -> Result<Option<AlertRule>, StoreError> {
    let mine = r::table.filter(r::id.eq(id));
    let row = match conn {
        DbConn::Postgres(c) => mine
            .select(RuleRow::as_select())
            .for_update()
            .first(c)
            .optional()?,
        DbConn::Mysql(c) => mine
            .select(RuleRow::as_select())
            .for_update()
            .first(c)
            .optional()?,
        DbConn::Sqlite(_) => mine.select(RuleRow::as_select()).first(conn).optional()?,
    };
    row.map(RuleRow::into_domain).transpose()
}

/// What an evaluation leaves on its rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Remembered {
    /// The new status.
    pub status: RuleStatus,
    /// The value found (kept as the last one only when there is one).
    pub value: Option<f64>,
    /// The recent values JSON.
    pub recent_values_json: String,
    /// When.
    pub evaluated_at: NaiveDateTime,
}

/// Writes what an evaluation leaves on rule `id` (inside the caller's transaction).
pub(crate) fn remember(conn: &mut DbConn, id: i64, m: &Remembered) -> Result<(), StoreError> {
    diesel::update(r::table.filter(r::id.eq(id)))
        .set((
            r::firing.eq(m.status.firing),
            r::last_error.eq(m.status.error.as_deref()),
            r::last_notified_at.eq(m.status.last_notified_at),
            r::recent_values.eq(&m.recent_values_json),
            r::last_evaluated_at.eq(Some(m.evaluated_at)),
        ))
        .execute(conn)?;
    if let Some(v) = m.value {
        diesel::update(r::table.filter(r::id.eq(id)))
            .set(r::last_value.eq(Some(v)))
            .execute(conn)?;
    }
    Ok(())
}

/// The organisation's rules by shown state, with the soonest next run and the latest evaluation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleCounts {
    /// Rules that are ok.
    pub ok: i64,
    /// Rules that are firing.
    pub firing: i64,
    /// Rules whose last evaluation failed.
    pub error: i64,
    /// Rules that are enabled.
    pub enabled: i64,
    /// The soonest next run of an enabled rule.
    pub next_run_at: Option<NaiveDateTime>,
    /// The latest evaluation of any rule.
    pub last_evaluated_at: Option<NaiveDateTime>,
}

/// Counts the organisation's rules by state.
pub fn counts(conn: &mut DbConn, org: OrgId) -> Result<RuleCounts, StoreError> {
    let all = RuleFilter::default();
    let count = |conn: &mut DbConn, f: RuleFilter| -> Result<i64, StoreError> {
        Ok(scoped!(org, &f).count().get_result(conn)?)
    };
    let by = |state| RuleFilter {
        state: Some(state),
        enabled: None,
    };
    let next_run_at: Option<NaiveDateTime> = scoped!(org, &all)
        .filter(r::enabled)
        .select(diesel::dsl::min(r::next_run_at))
        .first(conn)?;
    let last_evaluated_at: Option<NaiveDateTime> = scoped!(org, &all)
        .select(diesel::dsl::max(r::last_evaluated_at))
        .first(conn)?;
    Ok(RuleCounts {
        ok: count(conn, by(RuleState::Ok))?,
        firing: count(conn, by(RuleState::Firing))?,
        error: count(conn, by(RuleState::Error))?,
        enabled: count(
            conn,
            RuleFilter {
                state: None,
                enabled: Some(true),
            },
        )?,
        next_run_at,
        last_evaluated_at,
    })
}
