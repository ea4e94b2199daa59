//! Schema introspection: tables and views, columns with types and nullability, primary keys,
//! foreign keys and row estimates, per engine.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use tessera_domain::chart::ColumnType;
use tessera_domain::SourceKind;

use crate::execute::run_read_only;
use crate::pool::SourcePool;
use crate::{SourceError, Value};

/// Classifies a column's type as the engine names it.
pub fn column_type_of(type_name: &str) -> ColumnType {
    let t = type_name.to_ascii_lowercase();
    if t.contains("timestamp") || t.contains("datetime") {
        ColumnType::Timestamp
    } else if t == "date" {
        ColumnType::Date
    } else if t.contains("bool") || t == "tinyint(1)" {
        ColumnType::Boolean
    } else if t.contains("int") || t == "serial" || t == "bigserial" {
        ColumnType::Integer
    } else if ["real", "float", "double", "numeric", "decimal", "money"]
        .iter()
        .any(|k| t.contains(k))
    {
        ColumnType::Float
    } else if [
        "char", "text", "clob", "string", "enum", "uuid", "citext", "name",
    ]
    .iter()
    .any(|k| t.contains(k))
        || t.is_empty()
    {
        ColumnType::Text
    } else {
        ColumnType::Other
    }
}

/// A column.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnInfo {
    /// Name.
    pub name: String,
    /// Type as the engine names it.
    pub data_type: String,
    /// Broad type.
    pub family: ColumnType,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Whether it is part of the primary key.
    pub primary_key: bool,
}

/// A foreign key.
#[derive(Debug, Clone, Serialize)]
pub struct ForeignKey {
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub references_table: String,
    /// The referenced columns.
    pub references_columns: Vec<String>,
}

/// A table or view with its columns and keys.
#[derive(Debug, Clone, Serialize)]
pub struct TableInfo {
    /// Schema (PostgreSQL) or database (MySQL); `None` for SQLite.
    pub schema: Option<String>,
    /// Name.
    pub name: String,
    /// `table` or `view`.
    pub kind: String,
    /// Approximate rows (engine statistics; exact for SQLite).
    pub row_estimate: Option<i64>,
    /// Columns in order.
    pub columns: Vec<ColumnInfo>,
    /// Primary key columns in order.
    pub primary_key: Vec<String>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
}

impl TableInfo {
    /// A column by exact name.
    pub fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The name qualified by its schema unless that is the default (`public` or the database).
    pub fn qualified_name(&self) -> String {
        match &self.schema {
            Some(s) if s != "public" && !s.is_empty() => format!("{s}.{}", self.name),
            _ => self.name.clone(),
        }
    }
}

/// A source's whole schema.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Schema {
    /// Tables and views, by schema then name.
    pub tables: Vec<TableInfo>,
}

impl Schema {
    /// A table by name (`schema.name` or a bare name in the default schema).
    pub fn table(&self, name: &str) -> Option<&TableInfo> {
        self.tables
            .iter()
            .find(|t| t.qualified_name() == name)
            .or_else(|| self.tables.iter().find(|t| t.name == name))
    }
}

type Key = (String, String);

fn text(v: Option<&Value>) -> String {
    v.map(Value::to_text).unwrap_or_default()
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v {
        Some(Value::Int(i)) => Some(*i),
        Some(Value::Float(f)) => Some(*f as i64),
        Some(Value::Text(s)) => s.parse().ok(),
        _ => None,
    }
}

/// Reads the whole schema of a source.
pub fn schema(pool: &SourcePool, name: &str, timeout: Duration) -> Result<Schema, SourceError> {
    let q = |sql: &str| run_read_only(pool, name, sql, &[], timeout).map(|r| r.rows);
    let tables = match pool.kind() {
        SourceKind::Postgres => postgres_tables(&q)?,
        SourceKind::Mysql => mysql_tables(&q)?,
        SourceKind::Sqlite => sqlite_tables(&q)?,
    };
    Ok(Schema {
        tables: tables.into_values().collect(),
    })
}

/// Runs one catalogue query and answers its rows.
type Catalog<'a> = dyn Fn(&str) -> Result<Vec<Vec<Value>>, SourceError> + 'a;

/// A table (or view) before its columns and keys are added.
fn new_table(schema: Option<String>, name: String, kind: String, rows: Option<i64>) -> TableInfo {
    TableInfo {
        schema,
        name,
        kind,
        row_estimate: rows,
        columns: vec![],
        primary_key: vec![],
        foreign_keys: vec![],
    }
}

/// `view` for any kind of view, else `table`.
fn kind_of(t: &str) -> String {
    if t.to_ascii_lowercase().contains("view") {
        "view".to_owned()
    } else {
        "table".to_owned()
    }
}

/// PostgreSQL's tables, columns, primary and foreign keys, from the catalogue.
fn postgres_tables(q: &Catalog) -> Result<BTreeMap<Key, TableInfo>, SourceError> {
    let mut tables: BTreeMap<Key, TableInfo> = BTreeMap::new();
    for r in q(PG_TABLES)? {
        let (s, n) = (text(r.first()), text(r.get(1)));
        let rows = int(r.get(3)).filter(|n| *n >= 0);
        tables.insert(
            (s.clone(), n.clone()),
            new_table(Some(s), n, kind_of(&text(r.get(2))), rows),
        );
    }
    let pk_cols: Vec<(Key, String)> = q(PG_PRIMARY_KEYS)?
        .iter()
        .map(|r| ((text(r.first()), text(r.get(1))), text(r.get(2))))
        .collect();
    for r in q(PG_COLUMNS)? {
        let key = (text(r.first()), text(r.get(1)));
        let col = text(r.get(2));
        let primary_key = pk_cols.iter().any(|(k, c)| *k == key && *c == col);
        if let Some(t) = tables.get_mut(&key) {
            let data_type = text(r.get(3));
            t.columns.push(ColumnInfo {
                family: column_type_of(&data_type),
                name: col,
                data_type,
                nullable: text(r.get(4)) == "YES",
                primary_key,
            });
        }
    }
    for (key, col) in pk_cols {
        if let Some(t) = tables.get_mut(&key) {
            t.primary_key.push(col);
        }
    }
    add_foreign_keys(&mut tables, q(PG_FOREIGN_KEYS)?);
    Ok(tables)
}

/// MySQL's tables, columns, primary and foreign keys, from `information_schema`.
fn mysql_tables(q: &Catalog) -> Result<BTreeMap<Key, TableInfo>, SourceError> {
    let mut tables: BTreeMap<Key, TableInfo> = BTreeMap::new();
    for r in q(MYSQL_TABLES)? {
        let (s, n) = (text(r.first()), text(r.get(1)));
        tables.insert(
            (s.clone(), n.clone()),
            new_table(Some(s), n, kind_of(&text(r.get(2))), int(r.get(3))),
        );
    }
    for r in q(MYSQL_COLUMNS)? {
        let key = (text(r.first()), text(r.get(1)));
        if let Some(t) = tables.get_mut(&key) {
            let col = text(r.get(2));
            let data_type = text(r.get(6));
            let primary_key = text(r.get(5)) == "PRI";
            if primary_key {
                t.primary_key.push(col.clone());
            }
            t.columns.push(ColumnInfo {
                family: column_type_of(&data_type),
                name: col,
                data_type,
                nullable: text(r.get(4)) == "YES",
                primary_key,
            });
        }
    }
    add_foreign_keys(&mut tables, q(MYSQL_FOREIGN_KEYS)?);
    Ok(tables)
}

/// SQLite's tables, columns, keys and exact row counts (a count is cheap there).
fn sqlite_tables(q: &Catalog) -> Result<BTreeMap<Key, TableInfo>, SourceError> {
    let mut tables: BTreeMap<Key, TableInfo> = BTreeMap::new();
    for r in q(SQLITE_TABLES)? {
        let n = text(r.first());
        tables.insert(
            (String::new(), n.clone()),
            new_table(None, n, text(r.get(1)), None),
        );
    }
    for r in q(SQLITE_COLUMNS)? {
        if let Some(t) = tables.get_mut(&(String::new(), text(r.first()))) {
            let data_type = text(r.get(2));
            let pk_position = int(r.get(4)).unwrap_or(0);
            let col = text(r.get(1));
            if pk_position > 0 {
                t.primary_key.push(col.clone());
            }
            t.columns.push(ColumnInfo {
                family: column_type_of(&data_type),
                name: col,
                data_type,
                nullable: int(r.get(3)) == Some(0) && pk_position == 0,
                primary_key: pk_position > 0,
            });
        }
    }
    let fks = q(SQLITE_FOREIGN_KEYS)?
        .into_iter()
        .map(|r| {
            let at = |i: usize| r.get(i).cloned().unwrap_or(Value::Null);
            vec![
                Value::Text(String::new()),
                at(0),
                Value::Text(text(r.get(1))),
                at(2),
                Value::Text(String::new()),
                at(3),
                at(4),
            ]
        })
        .collect();
    add_foreign_keys(&mut tables, fks);
    for t in tables.values_mut().filter(|t| t.kind == "table") {
        let sql = format!(
            "SELECT count(*) FROM {}",
            crate::dialect::quote(SourceKind::Sqlite, &t.name)
        );
        t.row_estimate = q(&sql)?.first().and_then(|r| int(r.first()));
    }
    Ok(tables)
}

/// Rows of (schema, table, constraint, column, ref schema, ref table, ref column), ordered.
fn add_foreign_keys(tables: &mut BTreeMap<Key, TableInfo>, rows: Vec<Vec<Value>>) {
    let mut current: Option<(Key, String)> = None;
    for r in rows {
        let key = (text(r.first()), text(r.get(1)));
        let constraint = text(r.get(2));
        let Some(t) = tables.get_mut(&key) else {
            continue;
        };
        let same = current
            .as_ref()
            .is_some_and(|(k, c)| *k == key && *c == constraint);
        if !same || t.foreign_keys.is_empty() {
            t.foreign_keys.push(ForeignKey {
                columns: vec![],
                references_table: text(r.get(5)),
                references_columns: vec![],
            });
        }
        if let Some(fk) = t.foreign_keys.last_mut() {
            fk.columns.push(text(r.get(3)));
            fk.references_columns.push(text(r.get(6)));
        }
        current = Some((key, constraint));
    }
}

const PG_TABLES: &str = "SELECT t.table_schema::text, t.table_name::text, t.table_type::text, c.reltuples::bigint \
     FROM information_schema.tables t \
     LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = t.table_schema \
     LEFT JOIN pg_catalog.pg_class c ON c.relname = t.table_name AND c.relnamespace = n.oid \
     WHERE t.table_schema NOT IN ('pg_catalog', 'information_schema') AND t.table_schema NOT LIKE 'pg_toast%' \
     ORDER BY 1, 2";
const PG_COLUMNS: &str = "SELECT table_schema::text, table_name::text, column_name::text, data_type::text, is_nullable::text \
     FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema') \
     ORDER BY table_schema, table_name, ordinal_position";
const PG_PRIMARY_KEYS: &str = "SELECT kcu.table_schema::text, kcu.table_name::text, kcu.column_name::text \
     FROM information_schema.table_constraints tc \
     JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name \
       AND tc.table_schema = kcu.table_schema AND tc.table_name = kcu.table_name \
     WHERE tc.constraint_type = 'PRIMARY KEY' ORDER BY kcu.table_schema, kcu.table_name, kcu.ordinal_position";
const PG_FOREIGN_KEYS: &str = "SELECT ns.nspname::text, cl.relname::text, con.conname::text, a.attname::text, \
       fns.nspname::text, fcl.relname::text, fa.attname::text \
     FROM pg_catalog.pg_constraint con \
     JOIN pg_catalog.pg_class cl ON cl.oid = con.conrelid JOIN pg_catalog.pg_namespace ns ON ns.oid = cl.relnamespace \
     JOIN pg_catalog.pg_class fcl ON fcl.oid = con.confrelid JOIN pg_catalog.pg_namespace fns ON fns.oid = fcl.relnamespace \
     JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, fattnum, ord) ON true \
     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum \
     JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.fattnum \
     WHERE con.contype = 'f' ORDER BY 1, 2, 3, k.ord";
const MYSQL_TABLES: &str =
    "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, TABLE_ROWS FROM information_schema.TABLES \
     WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME";
const MYSQL_COLUMNS: &str = "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, IS_NULLABLE, COLUMN_KEY, COLUMN_TYPE \
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION";
const MYSQL_FOREIGN_KEYS: &str =
    "SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, \
       REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE \
     WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL \
     ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION";
const SQLITE_TABLES: &str = "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') \
     AND name NOT LIKE 'sqlite_%' ORDER BY name";
const SQLITE_COLUMNS: &str = "SELECT m.name, p.name, p.type, p.\"notnull\", p.pk FROM sqlite_master m \
     JOIN pragma_table_info(m.name) p WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%' \
     ORDER BY m.name, p.cid";
const SQLITE_FOREIGN_KEYS: &str =
    "SELECT m.name, f.id, f.\"from\", f.\"table\", f.\"to\" FROM sqlite_master m \
     JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq";

#[cfg(test)]
mod tests {
    use super::{column_type_of, ColumnType};

    #[test]
    fn type_names_fall_into_families() {
        for (t, f) in [
            ("integer", ColumnType::Integer),
            ("bigint", ColumnType::Integer),
            ("timestamp without time zone", ColumnType::Timestamp),
            ("DATETIME", ColumnType::Timestamp),
            ("date", ColumnType::Date),
            ("numeric", ColumnType::Float),
            ("decimal(12,2)", ColumnType::Float),
            ("double precision", ColumnType::Float),
            ("character varying", ColumnType::Text),
            ("VARCHAR(40)", ColumnType::Text),
            ("tinyint(1)", ColumnType::Boolean),
            ("boolean", ColumnType::Boolean),
            ("bytea", ColumnType::Other),
            ("", ColumnType::Text),
        ] {
            assert_eq!(column_type_of(t), f, "{t}");
        }
    }
}
