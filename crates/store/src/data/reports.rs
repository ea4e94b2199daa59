//! The `reports` and `report_shares` tables: EDA reports of datasets and their secret links.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::{
    DatasetId, OrgId, Page, PageRequest, Report, ReportId, ReportShare, ShareId, UserId,
};

use crate::schema::{report_shares, reports};
use crate::{DbConn, StoreError};

/// A row of `reports`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Dataset (cleared when its owner deletes it).
    pub dataset_id: Option<String>,
    /// Owner.
    pub owner_id: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Public.
    pub is_public: bool,
    /// Options as JSON.
    pub options_json: String,
    /// HTML file.
    pub html_path: Option<String>,
    /// JSON file.
    pub results_path: Option<String>,
    /// Bytes on disk.
    pub size_bytes: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Changed.
    pub updated_at: NaiveDateTime,
}

impl ReportRow {
    fn into_domain(self) -> Result<Report, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("report {}: {what}", self.id));
        Ok(Report {
            id: self.id.parse().map_err(|_| corrupt("id"))?,
            org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
            dataset_id: self
                .dataset_id
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|_| corrupt("dataset_id"))?,
            owner_id: self
                .owner_id
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|_| corrupt("owner_id"))?,
            title: self.title,
            description: self.description,
            is_public: self.is_public,
            options_json: self.options_json,
            html_path: self.html_path,
            results_path: self.results_path,
            size_bytes: self.size_bytes,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Saves a new report.
pub fn insert(conn: &mut DbConn, r: &Report) -> Result<(), StoreError> {
    diesel::insert_into(reports::table)
        .values(ReportRow {
            id: r.id.to_string(),
            org_id: r.org_id.to_string(),
            dataset_id: r.dataset_id.map(|d| d.to_string()),
            owner_id: r.owner_id.map(|u| u.to_string()),
            title: r.title.clone(),
            description: r.description.clone(),
            is_public: r.is_public,
            options_json: r.options_json.clone(),
            html_path: None,
            results_path: None,
            size_bytes: 0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .execute(conn)?;
    Ok(())
}

/// One of the organisation's reports.
pub fn find(conn: &mut DbConn, org: OrgId, id: ReportId) -> Result<Report, StoreError> {
    reports::table
        .filter(reports::id.eq(id.to_string()))
        .filter(reports::org_id.eq(org.to_string()))
        .select(ReportRow::as_select())
        .first(conn)?
        .into_domain()
}

/// A report by id alone, for the worker that computes it.
pub fn find_for_worker(conn: &mut DbConn, id: ReportId) -> Result<Report, StoreError> {
    reports::table
        .filter(reports::id.eq(id.to_string()))
        .select(ReportRow::as_select())
        .first(conn)?
        .into_domain()
}

/// The organisation's reports (`public_only`: every organisation's public ones), newest first.
pub fn list(
    conn: &mut DbConn,
    org: Option<OrgId>,
    page: PageRequest,
) -> Result<Page<Report>, StoreError> {
    let scoped = || {
        let q = reports::table.into_boxed();
        match org {
            Some(org) => q.filter(reports::org_id.eq(org.to_string())),
            None => q.filter(reports::is_public.eq(true)),
        }
    };
    let total: i64 = scoped().count().get_result(conn)?;
    let rows: Vec<ReportRow> = scoped()
        .select(ReportRow::as_select())
        .order((reports::created_at.desc(), reports::id.asc()))
        .limit(i64::from(page.limit()))
        .offset(page.sql_offset())
        .load(conn)?;
    Ok(page.page_of(
        rows.into_iter()
            .map(ReportRow::into_domain)
            .collect::<Result<_, _>>()?,
        total,
    ))
}

/// A public report of any organisation.
pub fn find_public(conn: &mut DbConn, id: ReportId) -> Result<Report, StoreError> {
    reports::table
        .filter(reports::id.eq(id.to_string()))
        .filter(reports::is_public.eq(true))
        .select(ReportRow::as_select())
        .first(conn)?
        .into_domain()
}

/// The organisation's reports of a dataset.
pub fn of_dataset(
    conn: &mut DbConn,
    org: OrgId,
    dataset: DatasetId,
) -> Result<Vec<Report>, StoreError> {
    let rows: Vec<ReportRow> = reports::table
        .filter(reports::dataset_id.eq(dataset.to_string()))
        .filter(reports::org_id.eq(org.to_string()))
        .select(ReportRow::as_select())
        .load(conn)?;
    rows.into_iter().map(ReportRow::into_domain).collect()
}

/// Takes every organisation's reports of a dataset out of the public listing: its owner made it
/// private or deleted it, so what the reports show of it is no longer for everyone. The one
/// deliberate write across organisations, made on the dataset owner's behalf.
pub fn unpublish_all_of_dataset(conn: &mut DbConn, dataset: DatasetId) -> Result<(), StoreError> {
    diesel::update(
        reports::table
            .filter(reports::dataset_id.eq(dataset.to_string()))
            .filter(reports::is_public.eq(true)),
    )
    .set((
        reports::is_public.eq(false),
        reports::updated_at.eq(crate::now()),
    ))
    .execute(conn)?;
    Ok(())
}

/// Records the finished files of a report.
pub fn set_output(
    conn: &mut DbConn,
    id: ReportId,
    html: &str,
    results: &str,
    size: i64,
) -> Result<(), StoreError> {
    diesel::update(reports::table.filter(reports::id.eq(id.to_string())))
        .set((
            reports::html_path.eq(Some(html)),
            reports::results_path.eq(Some(results)),
            reports::size_bytes.eq(size),
            reports::updated_at.eq(crate::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes one of the organisation's reports.
pub fn delete(conn: &mut DbConn, org: OrgId, id: ReportId) -> Result<(), StoreError> {
    let n = diesel::delete(
        reports::table
            .filter(reports::id.eq(id.to_string()))
            .filter(reports::org_id.eq(org.to_string())),
    )
    .execute(conn)?;
    crate::affected(n)
}

/// Number of the organisation's reports and bytes they take on disk.
pub fn usage(conn: &mut DbConn, org: OrgId) -> Result<(i64, i64), StoreError> {
    let total = crate::db::sum_bigint(conn, "size_bytes");
    Ok(reports::table
        .filter(reports::org_id.eq(org.to_string()))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sql::<diesel::sql_types::BigInt>(&total),
        ))
        .first(conn)?)
}

/// The organisation's newest reports.
pub fn recent(conn: &mut DbConn, org: OrgId, n: i64) -> Result<Vec<Report>, StoreError> {
    let rows: Vec<ReportRow> = reports::table
        .filter(reports::org_id.eq(org.to_string()))
        .select(ReportRow::as_select())
        .order(reports::created_at.desc())
        .limit(n)
        .load(conn)?;
    rows.into_iter().map(ReportRow::into_domain).collect()
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = report_shares)]
struct ShareRow {
    id: String,
    report_id: String,
    org_id: String,
    created_by: Option<String>,
    expires_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

impl ShareRow {
    fn into_domain(self) -> Result<ReportShare, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("report share {}: {what}", self.id));
        Ok(ReportShare {
            id: self.id.parse().map_err(|_| corrupt("id"))?,
            report_id: self.report_id.parse().map_err(|_| corrupt("report_id"))?,
            org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
            created_by: self
                .created_by
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|_| corrupt("created_by"))?,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
            created_at: self.created_at,
        })
    }
}

/// Saves a share link (the caller keeps the token; only its hash is stored).
pub fn insert_share(
    conn: &mut DbConn,
    org: OrgId,
    report: ReportId,
    token_hash: &str,
    created_by: Option<UserId>,
    expires_at: Option<NaiveDateTime>,
) -> Result<ReportShare, StoreError> {
    let id = ShareId::new();
    diesel::insert_into(report_shares::table)
        .values((
            report_shares::id.eq(id.to_string()),
            report_shares::report_id.eq(report.to_string()),
            report_shares::org_id.eq(org.to_string()),
            report_shares::token_hash.eq(token_hash),
            report_shares::created_by.eq(created_by.map(|u| u.to_string())),
            report_shares::expires_at.eq(expires_at),
            report_shares::created_at.eq(crate::now()),
        ))
        .execute(conn)?;
    report_shares::table
        .filter(report_shares::id.eq(id.to_string()))
        .select(ShareRow::as_select())
        .first(conn)?
        .into_domain()
}

/// A report's share links.
pub fn shares(
    conn: &mut DbConn,
    org: OrgId,
    report: ReportId,
) -> Result<Vec<ReportShare>, StoreError> {
    let rows: Vec<ShareRow> = report_shares::table
        .filter(report_shares::report_id.eq(report.to_string()))
        .filter(report_shares::org_id.eq(org.to_string()))
        .select(ShareRow::as_select())
        .order(report_shares::created_at.desc())
        .load(conn)?;
    rows.into_iter().map(ShareRow::into_domain).collect()
}

/// Revokes a share link.
pub fn revoke_share(
    conn: &mut DbConn,
    org: OrgId,
    report: ReportId,
    share: ShareId,
) -> Result<(), StoreError> {
    let n = diesel::update(
        report_shares::table
            .filter(report_shares::id.eq(share.to_string()))
            .filter(report_shares::report_id.eq(report.to_string()))
            .filter(report_shares::org_id.eq(org.to_string()))
            .filter(report_shares::revoked_at.is_null()),
    )
    .set(report_shares::revoked_at.eq(Some(crate::now())))
    .execute(conn)?;
    crate::affected(n)
}

/// The report behind a live (unexpired, unrevoked) share token hash.
pub fn find_shared(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Report, StoreError> {
    let report_id: String = report_shares::table
        .filter(report_shares::token_hash.eq(token_hash))
        .filter(report_shares::revoked_at.is_null())
        .filter(
            report_shares::expires_at
                .is_null()
                .or(report_shares::expires_at.gt(now)),
        )
        .select(report_shares::report_id)
        .first(conn)?;
    find_for_worker(
        conn,
        report_id
            .parse()
            .map_err(|_| StoreError::Corrupt("share report_id".into()))?,
    )
}
