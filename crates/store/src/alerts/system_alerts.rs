//! The `alerts` table: the system alerts feed of each organisation. A condition (low stock,
//! suspicious transactions, ...) is one open row per kind: raising it again updates that row,
//! and resolving it closes the row; a poll never adds rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::alerts::{AlertKind, Severity, SystemAlert};
use tessera_domain::{OrgId, Page, PageRequest};

use crate::schema::alerts;
use crate::{DbConn, StoreError};

/// A row of `alerts`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = alerts)]
struct AlertRow {
    id: i64,
    org_id: String,
    alert_type: String,
    message: String,
    severity: String,
    metadata: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    resolved_at: Option<NaiveDateTime>,
}

impl AlertRow {
    fn into_domain(self) -> Result<SystemAlert, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("alert {}: {what}", self.id));
        Ok(SystemAlert {
            id: self.id,
            org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
            kind: self.alert_type.parse().map_err(|_| corrupt("alert_type"))?,
            severity: self.severity.parse().map_err(|_| corrupt("severity"))?,
            message: self.message,
            metadata_json: self.metadata,
            created_at: self.created_at,
            updated_at: self.updated_at,
            resolved_at: self.resolved_at,
        })
    }
}

/// The open alert of `kind` in the organisation, if any.
fn open_of(conn: &mut DbConn, org: OrgId, kind: AlertKind) -> Result<Option<AlertRow>, StoreError> {
    Ok(alerts::table
        .filter(alerts::org_id.eq(org.to_string()))
        .filter(alerts::open_key.eq(kind.as_str()))
        .select(AlertRow::as_select())
        .first(conn)
        .optional()?)
}

/// Raises the condition `kind` at `at`: its open alert takes the new message, severity and
/// metadata, or a new alert opens when none is. Two callers raising one condition at once open
/// it once (the unique open key); call it outside a transaction, since on PostgreSQL the losing
/// insert's conflict would abort one.
pub fn raise(
    conn: &mut DbConn,
    org: OrgId,
    kind: AlertKind,
    severity: Severity,
    message: &str,
    metadata_json: &str,
    at: NaiveDateTime,
) -> Result<SystemAlert, StoreError> {
    for _ in 0..3 {
        let updated = diesel::update(
            alerts::table
                .filter(alerts::org_id.eq(org.to_string()))
                .filter(alerts::open_key.eq(kind.as_str())),
        )
        .set((
            alerts::message.eq(message),
            alerts::severity.eq(severity.as_str()),
            alerts::metadata.eq(metadata_json),
            alerts::updated_at.eq(at),
        ))
        .execute(conn)?;
        if updated == 0 {
            let inserted = diesel::insert_into(alerts::table)
                .values((
                    alerts::org_id.eq(org.to_string()),
                    alerts::alert_type.eq(kind.as_str()),
                    alerts::message.eq(message),
                    alerts::severity.eq(severity.as_str()),
                    alerts::metadata.eq(metadata_json),
                    alerts::created_at.eq(at),
                    alerts::updated_at.eq(at),
                    alerts::open_key.eq(Some(kind.as_str())),
                ))
                .execute(conn);
            match inserted.map_err(StoreError::from) {
                // another caller opened it in between: update theirs
                Err(StoreError::Conflict(_)) => continue,
                other => other.map(drop)?,
            }
        }
        if let Some(row) = open_of(conn, org, kind)? {
            return row.into_domain();
        }
    }
    Err(StoreError::Busy(format!(
        "the {} alert kept changing while it was raised",
        kind.as_str()
    )))
}

/// Resolves the open alert of `kind` at `at`; how many were open (0 or 1).
pub fn resolve(
    conn: &mut DbConn,
    org: OrgId,
    kind: AlertKind,
    at: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        alerts::table
            .filter(alerts::org_id.eq(org.to_string()))
            .filter(alerts::alert_type.eq(kind.as_str()))
            .filter(alerts::resolved_at.is_null()),
    )
    .set((
        alerts::resolved_at.eq(Some(at)),
        alerts::updated_at.eq(at),
        alerts::open_key.eq(None::<String>),
    ))
    .execute(conn)?)
}

/// The organisation's open alerts, newest first.
pub fn open(conn: &mut DbConn, org: OrgId) -> Result<Vec<SystemAlert>, StoreError> {
    list(conn, org, &FeedFilter::default(), i64::MAX)
}

/// Which alerts of the feed: open ones, resolved ones or all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FeedState {
    /// Still open.
    #[default]
    Open,
    /// Ended.
    Resolved,
    /// Both.
    All,
}

/// Which alerts a feed read answers.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    /// Only these kinds (all when empty).
    pub kinds: Vec<AlertKind>,
    /// Only this severity.
    pub severity: Option<Severity>,
    /// Open, resolved or all.
    pub state: FeedState,
}

macro_rules! feed_query {
    ($org:expr, $filter:expr) => {{
        let f: &FeedFilter = $filter;
        let mut q = alerts::table
            .filter(alerts::org_id.eq($org.to_string()))
            .into_boxed();
        match f.state {
            FeedState::Open => q = q.filter(alerts::resolved_at.is_null()),
            FeedState::Resolved => q = q.filter(alerts::resolved_at.is_not_null()),
            FeedState::All => {}
        }
        if !f.kinds.is_empty() {
            let kinds: Vec<&str> = f.kinds.iter().map(|k| k.as_str()).collect();
            q = q.filter(alerts::alert_type.eq_any(kinds));
        }
        if let Some(sev) = f.severity {
            q = q.filter(alerts::severity.eq(sev.as_str()));
        }
        q
    }};
}

/// The organisation's alerts matching `filter`, newest first (at most `limit`).
pub fn list(
    conn: &mut DbConn,
    org: OrgId,
    filter: &FeedFilter,
    limit: i64,
) -> Result<Vec<SystemAlert>, StoreError> {
    feed_query!(org, filter)
        .select(AlertRow::as_select())
        .order((alerts::created_at.desc(), alerts::id.desc()))
        .limit(limit)
        .load(conn)?
        .into_iter()
        .map(AlertRow::into_domain)
        .collect()
}

/// One page of the organisation's alerts matching `filter`, newest first, with their count.
pub fn page(
    conn: &mut DbConn,
    org: OrgId,
    filter: &FeedFilter,
    page: PageRequest,
) -> Result<Page<SystemAlert>, StoreError> {
    let total: i64 = feed_query!(org, filter).count().get_result(conn)?;
    let rows = feed_query!(org, filter)
        .select(AlertRow::as_select())
        .order((alerts::created_at.desc(), alerts::id.desc()))
        .offset(page.sql_offset())
        .limit(i64::from(page.limit()))
        .load(conn)?
        .into_iter()
        .map(AlertRow::into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.page_of(rows, total))
}

/// Resolves alert `id` of the organisation at `at` (by hand: a condition that still holds is
/// raised again, as a new alert, by its next check); an alert already resolved stays as it was.
pub fn resolve_one(
    conn: &mut DbConn,
    org: OrgId,
    id: i64,
    at: NaiveDateTime,
) -> Result<SystemAlert, StoreError> {
    let mine = alerts::table
        .filter(alerts::org_id.eq(org.to_string()))
        .filter(alerts::id.eq(id));
    diesel::update(mine.clone().filter(alerts::resolved_at.is_null()))
        .set((
            alerts::resolved_at.eq(Some(at)),
            alerts::updated_at.eq(at),
            alerts::open_key.eq(None::<String>),
        ))
        .execute(conn)?;
    mine.select(AlertRow::as_select())
        .first(conn)?
        .into_domain()
}
