//! The `extracts` and `extract_refreshes` tables: each organisation's columnar extracts, what
//! their serving copy holds, the claim that lets one process refresh an extract at a time, and
//! the record of every refresh. The refresher's and the schedule's reads across organisations
//! (`find_any`, `claim`, `release`, `swap_in`, `due`, `advance`, and the refresh records it
//! writes) are the only unscoped functions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::extract::{
    Extract, ExtractColumn, ExtractRefresh, ExtractState, ExtractTarget, RefreshMode, RefreshStatus,
};
use tessera_domain::{DataSourceId, ExtractId, JobId, OrgId, Page, PageRequest, RefreshId};

use crate::schema::{extract_refreshes as rf, extracts as x};
use crate::{DbConn, StoreError};

/// A row of `extracts`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = x)]
struct ExtractRow {
    id: String,
    org_id: String,
    source_id: String,
    name: String,
    target: String,
    definition: String,
    next_refresh_at: Option<NaiveDateTime>,
    version: i64,
    refreshed_at: Option<NaiveDateTime>,
    row_count: i64,
    byte_count: i64,
    high_water: Option<String>,
    columns_json: String,
    created_at: NaiveDateTime,
}

impl ExtractRow {
    fn into_domain(self) -> Result<Extract, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("extract {}: {what}", self.id));
        let columns: Vec<ExtractColumn> =
            serde_json::from_str(&self.columns_json).map_err(|_| corrupt("columns_json"))?;
        Ok(Extract {
            id: self.id.parse().map_err(|_| corrupt("id"))?,
            org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
            source_id: self.source_id.parse().map_err(|_| corrupt("source_id"))?,
            target: ExtractTarget::from_stored(&self.target).map_err(|_| corrupt("target"))?,
            name: self.name,
            definition: self.definition,
            next_refresh_at: self.next_refresh_at,
            state: ExtractState {
                version: self.version,
                refreshed_at: self.refreshed_at,
                rows: self.row_count,
                bytes: self.byte_count,
                high_water: self.high_water,
                columns,
            },
            created_at: self.created_at,
        })
    }
}

/// A new extract, or the new definition of one.
#[derive(Debug, Clone)]
pub struct ExtractDraft {
    /// The source copied from.
    pub source_id: DataSourceId,
    /// Unique within the organisation.
    pub name: String,
    /// The table or datamart copied.
    pub target: ExtractTarget,
    /// The checked definition (JSON).
    pub definition: String,
    /// When the schedule first asks for a refresh.
    pub next_refresh_at: Option<NaiveDateTime>,
}

fn columns_json(columns: &[ExtractColumn]) -> String {
    serde_json::to_string(columns).unwrap_or_else(|_| "[]".into())
}

/// Saves a new extract of the organisation at `at`, with nothing serving yet.
pub fn insert(
    conn: &mut DbConn,
    org: OrgId,
    draft: &ExtractDraft,
    at: NaiveDateTime,
) -> Result<Extract, StoreError> {
    let id = ExtractId::new();
    diesel::insert_into(x::table)
        .values((
            x::id.eq(id.to_string()),
            x::org_id.eq(org.to_string()),
            x::source_id.eq(draft.source_id.to_string()),
            x::name.eq(&draft.name),
            x::target.eq(draft.target.stored()),
            x::definition.eq(&draft.definition),
            x::next_refresh_at.eq(draft.next_refresh_at),
            x::version.eq(0i64),
            x::row_count.eq(0i64),
            x::byte_count.eq(0i64),
            x::columns_json.eq("[]"),
            x::created_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, org, id)
}

/// Extract `id` of the organisation (`NotFound` otherwise).
pub fn find(conn: &mut DbConn, org: OrgId, id: ExtractId) -> Result<Extract, StoreError> {
    x::table
        .filter(x::org_id.eq(org.to_string()))
        .filter(x::id.eq(id.to_string()))
        .select(ExtractRow::as_select())
        .first(conn)?
        .into_domain()
}

/// Extract `id` of whichever organisation, if it still exists. Unscoped: the refresher's own
/// read, keyed by the job it claimed.
pub fn find_any(conn: &mut DbConn, id: ExtractId) -> Result<Option<Extract>, StoreError> {
    x::table
        .filter(x::id.eq(id.to_string()))
        .select(ExtractRow::as_select())
        .first(conn)
        .optional()?
        .map(ExtractRow::into_domain)
        .transpose()
}

/// One page of the organisation's extracts (of one source, when given), by name.
pub fn page(
    conn: &mut DbConn,
    org: OrgId,
    source: Option<DataSourceId>,
    page: PageRequest,
) -> Result<Page<Extract>, StoreError> {
    let scoped = || {
        let mut q = x::table.filter(x::org_id.eq(org.to_string())).into_boxed();
        if let Some(s) = source {
            q = q.filter(x::source_id.eq(s.to_string()));
        }
        q
    };
    let total: i64 = scoped().count().get_result(conn)?;
    let rows = scoped()
        .select(ExtractRow::as_select())
        .order((x::name.asc(), x::id.asc()))
        .offset(page.sql_offset())
        .limit(i64::from(page.limit()))
        .load(conn)?
        .into_iter()
        .map(ExtractRow::into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.page_of(rows, total))
}

/// The organisation's extracts of `source` (of any table or datamart) that hold a copy,
/// freshest first: the ones a chart query on the source may be answered from.
pub fn serving(
    conn: &mut DbConn,
    org: OrgId,
    source: DataSourceId,
) -> Result<Vec<Extract>, StoreError> {
    x::table
        .filter(x::org_id.eq(org.to_string()))
        .filter(x::source_id.eq(source.to_string()))
        .filter(x::refreshed_at.is_not_null())
        .order(x::refreshed_at.desc())
        .select(ExtractRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ExtractRow::into_domain)
        .collect()
}

/// The ids of the organisation's extracts of `target` in `source`.
pub fn of_target(
    conn: &mut DbConn,
    org: OrgId,
    source: DataSourceId,
    target: &ExtractTarget,
) -> Result<Vec<ExtractId>, StoreError> {
    x::table
        .filter(x::org_id.eq(org.to_string()))
        .filter(x::source_id.eq(source.to_string()))
        .filter(x::target.eq(target.stored()))
        .select(x::id)
        .load::<String>(conn)?
        .into_iter()
        .map(|id| {
            id.parse()
                .map_err(|_| StoreError::Corrupt(format!("extract id {id}")))
        })
        .collect()
}

/// The ids of the organisation's extracts (of one source, when given).
pub fn ids(
    conn: &mut DbConn,
    org: OrgId,
    source: Option<DataSourceId>,
) -> Result<Vec<ExtractId>, StoreError> {
    let mut q = x::table
        .filter(x::org_id.eq(org.to_string()))
        .select(x::id)
        .into_boxed();
    if let Some(s) = source {
        q = q.filter(x::source_id.eq(s.to_string()));
    }
    q.load::<String>(conn)?
        .into_iter()
        .map(|id| {
            id.parse()
                .map_err(|_| StoreError::Corrupt(format!("extract id {id}")))
        })
        .collect()
}

/// The organisation's extracts in all: how many, and the bytes their serving copies take
/// (summed here: an organisation has at most `extracts.max_per_org` rows, and SUM's type
/// differs by engine).
pub fn usage(conn: &mut DbConn, org: OrgId) -> Result<(i64, i64), StoreError> {
    let bytes: Vec<i64> = x::table
        .filter(x::org_id.eq(org.to_string()))
        .select(x::byte_count)
        .load(conn)?;
    Ok((bytes.len() as i64, bytes.iter().sum()))
}

/// Replaces extract `id`'s definition; with `reset`, what serves is forgotten (its files are
/// the caller's to remove) and the next refresh starts over. The version number moves on, so a
/// copy is never named like one that held other rows, and a refresh that started before the
/// change cannot swap its copy in (it names the version it replaced).
pub fn update(
    conn: &mut DbConn,
    org: OrgId,
    id: ExtractId,
    draft: &ExtractDraft,
    reset: bool,
) -> Result<Extract, StoreError> {
    let mine = x::table
        .filter(x::org_id.eq(org.to_string()))
        .filter(x::id.eq(id.to_string()));
    let changed = diesel::update(mine)
        .set((
            x::source_id.eq(draft.source_id.to_string()),
            x::name.eq(&draft.name),
            x::target.eq(draft.target.stored()),
            x::definition.eq(&draft.definition),
            x::next_refresh_at.eq(draft.next_refresh_at),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    if reset {
        diesel::update(x::table.filter(x::id.eq(id.to_string())))
            .set((
                x::version.eq(x::version + 1),
                x::refreshed_at.eq(None::<NaiveDateTime>),
                x::row_count.eq(0i64),
                x::byte_count.eq(0i64),
                x::high_water.eq(None::<String>),
                x::columns_json.eq("[]"),
            ))
            .execute(conn)?;
    }
    find(conn, org, id)
}

/// Deletes extract `id` with its refresh records; whether it existed.
pub fn delete(conn: &mut DbConn, org: OrgId, id: ExtractId) -> Result<bool, StoreError> {
    crate::atomically(conn, |conn| {
        let mine = x::table
            .filter(x::org_id.eq(org.to_string()))
            .filter(x::id.eq(id.to_string()));
        let found: i64 = mine.clone().count().get_result(conn)?;
        if found == 0 {
            return Ok(false);
        }
        diesel::delete(rf::table.filter(rf::extract_id.eq(id.to_string()))).execute(conn)?;
        Ok(diesel::delete(mine).execute(conn)? > 0)
    })
}

/// Deletes every extract of a source inside the caller's transaction (the source's own
/// deletion); their ids, whose files are the caller's to remove.
pub fn delete_of_source(
    conn: &mut DbConn,
    org: OrgId,
    source: DataSourceId,
) -> Result<Vec<ExtractId>, StoreError> {
    let ids = ids(conn, org, Some(source))?;
    let names: Vec<String> = ids.iter().map(ToString::to_string).collect();
    diesel::delete(rf::table.filter(rf::extract_id.eq_any(&names))).execute(conn)?;
    diesel::delete(
        x::table
            .filter(x::org_id.eq(org.to_string()))
            .filter(x::id.eq_any(&names)),
    )
    .execute(conn)?;
    Ok(ids)
}

/// Claims extract `id` for `owner` until `until`, unless another owner's claim is still live
/// at `now`: exactly one process refreshes an extract at a time. Whether it was claimed.
/// Unscoped: the refresher's own write, keyed by the job it claimed.
pub fn claim(
    conn: &mut DbConn,
    id: ExtractId,
    owner: &str,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let free = x::refresh_owner
        .is_null()
        .or(x::refresh_until.lt(now))
        .or(x::refresh_owner.eq(owner));
    Ok(
        diesel::update(x::table.filter(x::id.eq(id.to_string())).filter(free))
            .set((x::refresh_owner.eq(owner), x::refresh_until.eq(until)))
            .execute(conn)?
            == 1,
    )
}

/// Gives up `owner`'s claim on extract `id`. Unscoped: see [`claim`].
pub fn release(conn: &mut DbConn, id: ExtractId, owner: &str) -> Result<(), StoreError> {
    diesel::update(
        x::table
            .filter(x::id.eq(id.to_string()))
            .filter(x::refresh_owner.eq(owner)),
    )
    .set((
        x::refresh_owner.eq(None::<String>),
        x::refresh_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Makes `state` the serving copy of extract `id`, only while `owner` holds its claim and the
/// copy it replaces is still `previous` (a reset or another refresh in between wins). Whether it
/// was swapped in. Unscoped: see [`claim`].
pub fn swap_in(
    conn: &mut DbConn,
    id: ExtractId,
    owner: &str,
    previous: i64,
    state: &ExtractState,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        x::table
            .filter(x::id.eq(id.to_string()))
            .filter(x::refresh_owner.eq(owner))
            .filter(x::version.eq(previous)),
    )
    .set((
        x::version.eq(state.version),
        x::refreshed_at.eq(state.refreshed_at),
        x::row_count.eq(state.rows),
        x::byte_count.eq(state.bytes),
        x::high_water.eq(state.high_water.as_deref()),
        x::columns_json.eq(columns_json(&state.columns)),
    ))
    .execute(conn)?
        == 1)
}

/// Extracts whose schedule is due at `now` (at most `limit`, the longest waiting first), with
/// the time each was due. Unscoped: the schedule's own read across organisations.
pub fn due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<(ExtractId, OrgId, NaiveDateTime)>, StoreError> {
    let rows: Vec<(String, String, Option<NaiveDateTime>)> = x::table
        .filter(x::next_refresh_at.le(now))
        .order(x::next_refresh_at.asc())
        .limit(limit)
        .select((x::id, x::org_id, x::next_refresh_at))
        .load(conn)?;
    rows.into_iter()
        .filter_map(|(id, org, at)| at.map(|at| (id, org, at)))
        .map(|(id, org, at)| {
            let corrupt = || StoreError::Corrupt(format!("extract {id}"));
            Ok((
                id.parse().map_err(|_| corrupt())?,
                org.parse().map_err(|_| corrupt())?,
                at,
            ))
        })
        .collect()
}

/// Moves extract `id`'s next scheduled refresh from `was` to `next`; whether this caller moved
/// it (exactly one process does, so a due refresh is queued once). Unscoped: see [`due`].
pub fn advance(
    conn: &mut DbConn,
    id: ExtractId,
    was: NaiveDateTime,
    next: Option<NaiveDateTime>,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        x::table
            .filter(x::id.eq(id.to_string()))
            .filter(x::next_refresh_at.eq(was)),
    )
    .set(x::next_refresh_at.eq(next))
    .execute(conn)?
        == 1)
}

/// A row of `extract_refreshes`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rf)]
struct RefreshRow {
    id: String,
    extract_id: String,
    org_id: String,
    job_id: Option<String>,
    mode: String,
    status: String,
    started_at: NaiveDateTime,
    finished_at: Option<NaiveDateTime>,
    rows_read: i64,
    row_count: i64,
    byte_count: i64,
    duration_ms: i64,
    high_water: Option<String>,
    error: Option<String>,
}

impl RefreshRow {
    fn into_domain(self) -> Result<ExtractRefresh, StoreError> {
        let corrupt =
            |what: &str| StoreError::Corrupt(format!("extract refresh {}: {what}", self.id));
        Ok(ExtractRefresh {
            id: self.id.parse().map_err(|_| corrupt("id"))?,
            extract_id: self.extract_id.parse().map_err(|_| corrupt("extract_id"))?,
            org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
            job_id: match &self.job_id {
                Some(j) => Some(j.parse::<JobId>().map_err(|_| corrupt("job_id"))?),
                None => None,
            },
            mode: self.mode.parse().map_err(|_| corrupt("mode"))?,
            status: self.status.parse().map_err(|_| corrupt("status"))?,
            started_at: self.started_at,
            finished_at: self.finished_at,
            rows_read: self.rows_read,
            rows: self.row_count,
            bytes: self.byte_count,
            duration_ms: self.duration_ms,
            high_water: self.high_water,
            error: self.error,
        })
    }
}

/// Records that a refresh of `extract` started. Unscoped: the refresher's own write (the row
/// carries the extract's organisation).
pub fn start_refresh(
    conn: &mut DbConn,
    extract: &Extract,
    job: Option<JobId>,
    mode: RefreshMode,
    at: NaiveDateTime,
) -> Result<RefreshId, StoreError> {
    let id = RefreshId::new();
    diesel::insert_into(rf::table)
        .values((
            rf::id.eq(id.to_string()),
            rf::extract_id.eq(extract.id.to_string()),
            rf::org_id.eq(extract.org_id.to_string()),
            rf::job_id.eq(job.map(|j| j.to_string())),
            rf::mode.eq(mode.as_str()),
            rf::status.eq(RefreshStatus::Running.as_str()),
            rf::started_at.eq(at),
            rf::rows_read.eq(0i64),
            rf::row_count.eq(0i64),
            rf::byte_count.eq(0i64),
            rf::duration_ms.eq(0i64),
        ))
        .execute(conn)?;
    Ok(id)
}

/// How a refresh ended.
#[derive(Debug, Clone)]
pub struct RefreshOutcome {
    /// Succeeded or failed.
    pub status: RefreshStatus,
    /// When.
    pub finished_at: NaiveDateTime,
    /// Rows read from the source.
    pub rows_read: i64,
    /// Rows in the copy left serving.
    pub rows: i64,
    /// Bytes of that copy.
    pub bytes: i64,
    /// Wall-clock time.
    pub duration_ms: i64,
    /// The high-water mark after it.
    pub high_water: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// Records how refresh `id` ended. Unscoped: see [`start_refresh`].
pub fn finish_refresh(
    conn: &mut DbConn,
    id: RefreshId,
    outcome: &RefreshOutcome,
) -> Result<(), StoreError> {
    diesel::update(rf::table.filter(rf::id.eq(id.to_string())))
        .set((
            rf::status.eq(outcome.status.as_str()),
            rf::finished_at.eq(outcome.finished_at),
            rf::rows_read.eq(outcome.rows_read),
            rf::row_count.eq(outcome.rows),
            rf::byte_count.eq(outcome.bytes),
            rf::duration_ms.eq(outcome.duration_ms),
            rf::high_water.eq(outcome.high_water.as_deref()),
            rf::error.eq(outcome.error.as_deref()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The organisation's latest `limit` refreshes of extract `id`, newest first.
pub fn refreshes(
    conn: &mut DbConn,
    org: OrgId,
    id: ExtractId,
    limit: i64,
) -> Result<Vec<ExtractRefresh>, StoreError> {
    rf::table
        .filter(rf::org_id.eq(org.to_string()))
        .filter(rf::extract_id.eq(id.to_string()))
        .order((rf::started_at.desc(), rf::id.desc()))
        .limit(limit)
        .select(RefreshRow::as_select())
        .load(conn)?
        .into_iter()
        .map(RefreshRow::into_domain)
        .collect()
}
