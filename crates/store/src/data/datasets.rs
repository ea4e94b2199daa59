//! The `datasets` table: uploaded files stored as Parquet. A dataset is visible inside its
//! organisation, and to everyone when public; only its organisation may change it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tessera_domain::{Dataset, DatasetColumn, DatasetId, OrgId, Page, PageRequest};

use crate::schema::datasets;
use crate::{lower, DbConn, StoreError};

/// A row of `datasets`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = datasets)]
pub struct DatasetRow {
    /// Id (UUID text).
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Uploader.
    pub owner_id: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Public.
    pub is_public: bool,
    /// Uploaded format.
    pub format: String,
    /// Uploaded file name.
    pub file_name: String,
    /// Parquet file relative to the upload directory.
    pub storage_path: String,
    /// Parquet bytes.
    pub size_bytes: i64,
    /// Rows.
    pub row_count: i64,
    /// Columns.
    pub column_count: i32,
    /// Schema as JSON.
    pub schema_json: String,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Changed.
    pub updated_at: NaiveDateTime,
}

impl DatasetRow {
    fn into_domain(self) -> Result<Dataset, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("dataset {}: {what}", self.id));
        let schema: Vec<DatasetColumn> =
            serde_json::from_str(&self.schema_json).map_err(|_| corrupt("schema_json"))?;
        Ok(Dataset {
            id: self.id.parse().map_err(|_| corrupt("id"))?,
            org_id: self.org_id.parse().map_err(|_| corrupt("org_id"))?,
            owner_id: self
                .owner_id
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|_| corrupt("owner_id"))?,
            name: self.name,
            description: self.description,
            is_public: self.is_public,
            format: self.format,
            file_name: self.file_name,
            storage_path: self.storage_path,
            size_bytes: self.size_bytes,
            row_count: self.row_count,
            column_count: self.column_count,
            schema,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }

    /// The row for a new dataset (timestamps set by [`insert`]).
    pub fn from_domain(d: &Dataset) -> Self {
        Self {
            id: d.id.to_string(),
            org_id: d.org_id.to_string(),
            owner_id: d.owner_id.map(|u| u.to_string()),
            name: d.name.clone(),
            description: d.description.clone(),
            is_public: d.is_public,
            format: d.format.clone(),
            file_name: d.file_name.clone(),
            storage_path: d.storage_path.clone(),
            size_bytes: d.size_bytes,
            row_count: d.row_count,
            column_count: d.column_count,
            schema_json: serde_json::to_string(&d.schema).unwrap_or_else(|_| "[]".into()),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// Saves a new dataset.
pub fn insert(conn: &mut DbConn, dataset: &Dataset) -> Result<(), StoreError> {
    diesel::insert_into(datasets::table)
        .values(DatasetRow::from_domain(dataset))
        .execute(conn)?;
    Ok(())
}

/// A dataset the organisation may read: its own or a public one.
pub fn find_visible(conn: &mut DbConn, org: OrgId, id: DatasetId) -> Result<Dataset, StoreError> {
    datasets::table
        .filter(datasets::id.eq(id.to_string()))
        .filter(
            datasets::org_id
                .eq(org.to_string())
                .or(datasets::is_public.eq(true)),
        )
        .select(DatasetRow::as_select())
        .first(conn)?
        .into_domain()
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `\` as the escape character.
pub fn like_pattern(term: &str) -> String {
    let mut p = String::from("%");
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The organisation's datasets and public ones, newest first, optionally by name (case-insensitive).
pub fn list_visible(
    conn: &mut DbConn,
    org: OrgId,
    search: Option<&str>,
    page: PageRequest,
) -> Result<Page<Dataset>, StoreError> {
    let scoped = || {
        let mut q = datasets::table
            .filter(
                datasets::org_id
                    .eq(org.to_string())
                    .or(datasets::is_public.eq(true)),
            )
            .into_boxed();
        if let Some(term) = search.filter(|s| !s.trim().is_empty()) {
            q = q.filter(
                lower(datasets::name)
                    .like(like_pattern(term.trim()))
                    .escape('\\'),
            );
        }
        q
    };
    let total: i64 = scoped().count().get_result(conn)?;
    let rows: Vec<DatasetRow> = scoped()
        .select(DatasetRow::as_select())
        .order((datasets::created_at.desc(), datasets::id.asc()))
        .limit(i64::from(page.limit()))
        .offset(page.sql_offset())
        .load(conn)?;
    Ok(page.page_of(
        rows.into_iter()
            .map(DatasetRow::into_domain)
            .collect::<Result<_, _>>()?,
        total,
    ))
}

/// Changes to a dataset; `None` keeps a field.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = datasets)]
pub struct DatasetChanges {
    /// New name.
    pub name: Option<String>,
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// Public or not.
    pub is_public: Option<bool>,
    /// Set by [`update`].
    pub updated_at: Option<NaiveDateTime>,
}

/// Changes one of the organisation's datasets.
pub fn update(
    conn: &mut DbConn,
    org: OrgId,
    id: DatasetId,
    mut changes: DatasetChanges,
) -> Result<Dataset, StoreError> {
    changes.updated_at = Some(crate::now());
    let n = diesel::update(
        datasets::table
            .filter(datasets::id.eq(id.to_string()))
            .filter(datasets::org_id.eq(org.to_string())),
    )
    .set(&changes)
    .execute(conn)?;
    crate::affected(n)?;
    find_visible(conn, org, id)
}

/// Deletes one of the organisation's datasets (its reports go with it).
pub fn delete(conn: &mut DbConn, org: OrgId, id: DatasetId) -> Result<(), StoreError> {
    let n = diesel::delete(
        datasets::table
            .filter(datasets::id.eq(id.to_string()))
            .filter(datasets::org_id.eq(org.to_string())),
    )
    .execute(conn)?;
    crate::affected(n)
}

/// Number and total Parquet bytes of the organisation's datasets.
pub fn usage(conn: &mut DbConn, org: OrgId) -> Result<(i64, i64), StoreError> {
    let total = crate::db::sum_bigint(conn, "size_bytes");
    Ok(datasets::table
        .filter(datasets::org_id.eq(org.to_string()))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sql::<diesel::sql_types::BigInt>(&total),
        ))
        .first(conn)?)
}

/// The organisation's newest datasets.
pub fn recent(conn: &mut DbConn, org: OrgId, n: i64) -> Result<Vec<Dataset>, StoreError> {
    let rows: Vec<DatasetRow> = datasets::table
        .filter(datasets::org_id.eq(org.to_string()))
        .select(DatasetRow::as_select())
        .order(datasets::created_at.desc())
        .limit(n)
        .load(conn)?;
    rows.into_iter().map(DatasetRow::into_domain).collect()
}
