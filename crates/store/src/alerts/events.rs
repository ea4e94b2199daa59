//! The `alert_events` table: the history of each alert rule, one row per evaluation that changed
//! the rule's state and per failed evaluation, with each channel's delivery result.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::alerts::{AlertEvent, NewEvent};
use tessera_domain::{OrgId, Page, PageRequest};

use crate::schema::alert_events as e;
use crate::{DbConn, StoreError};

/// A row of `alert_events`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = e)]
struct EventRow {
    id: i64,
    rule_id: i64,
    scheduled_at: Option<NaiveDateTime>,
    evaluated_at: NaiveDateTime,
    value: Option<f64>,
    reference_value: Option<f64>,
    threshold: String,
    state_from: String,
    state_to: String,
    notice: Option<String>,
    suppressed: Option<String>,
    error: Option<String>,
    deliveries: String,
    deliveries_failed: i32,
}

impl EventRow {
    fn into_domain(self) -> Result<AlertEvent, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("alert event {}: {what}", self.id));
        Ok(AlertEvent {
            id: self.id,
            rule_id: self.rule_id,
            scheduled_at: self.scheduled_at,
            evaluated_at: self.evaluated_at,
            value: self.value,
            reference_value: self.reference_value,
            threshold_json: self.threshold,
            from: self.state_from.parse().map_err(|_| corrupt("state_from"))?,
            to: self.state_to.parse().map_err(|_| corrupt("state_to"))?,
            notice: self.notice,
            suppressed: self.suppressed,
            error: self.error,
            deliveries_json: self.deliveries,
            deliveries_failed: self.deliveries_failed,
        })
    }
}

/// Records an evaluation of rule `rule_id` (inside the caller's transaction); answers its id.
pub(crate) fn insert(
    conn: &mut DbConn,
    org: OrgId,
    rule_id: i64,
    ev: &NewEvent,
) -> Result<i64, StoreError> {
    diesel::insert_into(e::table)
        .values((
            e::org_id.eq(org.to_string()),
            e::rule_id.eq(rule_id),
            e::scheduled_at.eq(ev.scheduled_at),
            e::evaluated_at.eq(ev.evaluated_at),
            e::value.eq(ev.value),
            e::reference_value.eq(ev.reference_value),
            e::threshold.eq(&ev.threshold_json),
            e::state_from.eq(ev.from.as_str()),
            e::state_to.eq(ev.to.as_str()),
            e::notice.eq(ev.notice.map(|n| n.as_str())),
            e::suppressed.eq(ev.suppressed.map(|n| n.as_str())),
            e::error.eq(ev.error.as_deref()),
            e::deliveries.eq(&ev.deliveries_json),
            e::deliveries_failed.eq(0),
        ))
        .execute(conn)?;
    crate::db::last_insert_id(conn)
}

/// Event `id` of whichever organisation. Unscoped: the scheduler's own read, keyed by a run
/// it claimed.
pub fn find_any(conn: &mut DbConn, id: i64) -> Result<AlertEvent, StoreError> {
    e::table
        .filter(e::id.eq(id))
        .select(EventRow::as_select())
        .first(conn)?
        .into_domain()
}

/// Writes event `id`'s deliveries (JSON) and how many failed.
pub fn set_deliveries(
    conn: &mut DbConn,
    id: i64,
    deliveries_json: &str,
    failed: i32,
) -> Result<(), StoreError> {
    diesel::update(e::table.filter(e::id.eq(id)))
        .set((
            e::deliveries.eq(deliveries_json),
            e::deliveries_failed.eq(failed),
        ))
        .execute(conn)?;
    Ok(())
}

/// One page of rule `rule_id`'s history (of the organisation), newest first.
pub fn page(
    conn: &mut DbConn,
    org: OrgId,
    rule_id: i64,
    page: PageRequest,
) -> Result<Page<AlertEvent>, StoreError> {
    let scoped = || {
        e::table
            .filter(e::org_id.eq(org.to_string()))
            .filter(e::rule_id.eq(rule_id))
    };
    let total: i64 = scoped().count().get_result(conn)?;
    let rows = scoped()
        .select(EventRow::as_select())
        .order(e::id.desc())
        .offset(page.sql_offset())
        .limit(i64::from(page.limit()))
        .load(conn)?
        .into_iter()
        .map(EventRow::into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.page_of(rows, total))
}

/// Deliveries of the organisation's rules that failed since `since`.
pub fn failed_since(
    conn: &mut DbConn,
    org: OrgId,
    since: NaiveDateTime,
) -> Result<i64, StoreError> {
    let rows: Vec<i32> = e::table
        .filter(e::org_id.eq(org.to_string()))
        .filter(e::evaluated_at.ge(since))
        .filter(e::deliveries_failed.gt(0))
        .select(e::deliveries_failed)
        .load(conn)?;
    Ok(rows.into_iter().map(i64::from).sum())
}
