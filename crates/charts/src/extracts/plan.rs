//! What an extract reads from its source, checked the same way when it is saved and when it is
//! refreshed: the columns kept (with the type charts read each as), the incremental column, and
//! the statement (every name checked against the table, every value bound).

use tessera_domain::chart::{ColumnType, Scalar};
use tessera_domain::error::Validator;
use tessera_domain::extract::ExtractColumn;
use tessera_domain::{DomainError, SourceKind};
use tessera_sources::introspect::TableInfo;
use tessera_sources::Param;

use crate::extracts::spec::Definition;

/// Whether an extract keeps a column of `family` read from a `kind` source. Booleans only from
/// PostgreSQL: SQLite and MySQL answer them as 0 and 1, which a copy typed boolean would not.
pub fn keeps(kind: SourceKind, family: ColumnType) -> bool {
    match family {
        ColumnType::Integer
        | ColumnType::Float
        | ColumnType::Text
        | ColumnType::Date
        | ColumnType::Timestamp => true,
        ColumnType::Boolean => kind == SourceKind::Postgres,
        ColumnType::Binary | ColumnType::Null | ColumnType::Other => false,
    }
}

/// The columns an extract of `table` keeps: the ones `def` names (each must exist and be of a
/// type extracts keep), or every column of such a type.
pub fn kept_columns(
    kind: SourceKind,
    table: &TableInfo,
    def: &Definition,
) -> Result<Vec<(String, ColumnType)>, DomainError> {
    let mut v = Validator::new();
    let columns: Vec<(String, ColumnType)> = match &def.stored.columns {
        Some(asked) => asked
            .iter()
            .filter_map(|name| match table.column(name) {
                None => {
                    let known: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
                    v.add(
                        "columns",
                        format!("unknown column '{name}'; columns: {}", known.join(", ")),
                    );
                    None
                }
                Some(c) if !keeps(kind, c.family) => {
                    v.add(
                        "columns",
                        format!(
                            "'{name}' is {} ({}), which extracts of {kind} sources do not keep",
                            c.family.as_str(),
                            c.data_type
                        ),
                    );
                    None
                }
                Some(c) => Some((c.name.clone(), c.family)),
            })
            .collect(),
        None => table
            .columns
            .iter()
            .filter(|c| keeps(kind, c.family))
            .map(|c| (c.name.clone(), c.family))
            .collect(),
    };
    if columns.is_empty() && def.stored.columns.is_none() {
        v.add("columns", "the table has no column of a type extracts keep");
    }
    if let Some(inc) = &def.stored.incremental_column {
        match columns.iter().find(|(n, _)| n == inc) {
            None => v.add(
                "incremental_column",
                format!("'{inc}' is not a column the extract keeps"),
            ),
            Some((_, family))
                if !matches!(
                    family,
                    ColumnType::Integer
                        | ColumnType::Float
                        | ColumnType::Date
                        | ColumnType::Timestamp
                ) =>
            {
                v.add(
                    "incremental_column",
                    format!(
                        "'{inc}' is {}; an incremental column is a number, date or timestamp that only grows",
                        family.as_str()
                    ),
                )
            }
            Some(_) => {}
        }
    }
    v.finish()?;
    Ok(columns)
}

/// The columns as the extract records them.
pub fn recorded(columns: &[(String, ColumnType)]) -> Vec<ExtractColumn> {
    columns
        .iter()
        .map(|(n, k)| ExtractColumn::new(n, *k))
        .collect()
}

/// The statement reading the copy (past `after` for an incremental refresh).
pub fn statement(
    kind: SourceKind,
    table: &TableInfo,
    from_sql: Option<&str>,
    columns: &[(String, ColumnType)],
    def: &Definition,
    after: Option<&Scalar>,
) -> Result<(String, Vec<Param>), DomainError> {
    let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
    let after = match (after, &def.stored.incremental_column) {
        (Some(mark), Some(column)) => Some((column.as_str(), mark)),
        _ => None,
    };
    tessera_sources::charts::extract_select(kind, table, from_sql, &names, &def.filters, after)
        .map_err(|e| DomainError::field("filters", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_sources::introspect::ColumnInfo;

    fn table() -> TableInfo {
        let col = |name: &str, data_type: &str, family| ColumnInfo {
            name: name.into(),
            data_type: data_type.into(),
            family,
            nullable: true,
            primary_key: false,
        };
        TableInfo {
            schema: None,
            name: "t".into(),
            kind: "table".into(),
            row_estimate: None,
            columns: vec![
                col("id", "INTEGER", ColumnType::Integer),
                col("paid", "BOOLEAN", ColumnType::Boolean),
                col("blob", "BLOB", ColumnType::Binary),
                col("note", "TEXT", ColumnType::Text),
            ],
            primary_key: vec![],
            foreign_keys: vec![],
        }
    }

    fn def(v: serde_json::Value) -> Definition {
        let spec: crate::extracts::spec::ExtractSpec = serde_json::from_value(v).unwrap();
        spec.definition(3600).unwrap()
    }

    #[test]
    fn columns_default_to_every_kept_type_and_named_ones_are_checked() {
        let all = def(serde_json::json!({"name": "x", "source_id": "s", "table": "t"}));
        let kept = kept_columns(SourceKind::Sqlite, &table(), &all).unwrap();
        let names: Vec<&str> = kept.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["id", "note"]);
        let pg = kept_columns(SourceKind::Postgres, &table(), &all).unwrap();
        assert_eq!(pg.len(), 3, "PostgreSQL booleans are kept");

        let bad = def(
            serde_json::json!({"name": "x", "source_id": "s", "table": "t",
            "columns": ["blob", "nope", "note"], "incremental_column": "note"}),
        );
        let Err(DomainError::Validation(errors)) = kept_columns(SourceKind::Sqlite, &table(), &bad)
        else {
            panic!("expected errors");
        };
        let text: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(text[0].contains("'blob' is binary"), "{text:?}");
        assert!(text[1].contains("unknown column 'nope'"), "{text:?}");
        assert!(text[2].starts_with("incremental_column"), "{text:?}");
    }

    #[test]
    fn the_statement_binds_filters_and_the_high_water_mark() {
        let d = def(
            serde_json::json!({"name": "x", "source_id": "s", "table": "t",
            "columns": ["id", "note"], "incremental_column": "id",
            "filters": [{"column": "note", "op": "eq", "value": "a'; DROP TABLE t; --"}]}),
        );
        let columns = kept_columns(SourceKind::Postgres, &table(), &d).unwrap();
        let (sql, params) = statement(
            SourceKind::Postgres,
            &table(),
            None,
            &columns,
            &d,
            Some(&Scalar::Int(41)),
        )
        .unwrap();
        assert_eq!(
            sql,
            r#"SELECT "id", "note" FROM "t" WHERE "note" = $1 AND "id" > $2"#
        );
        assert_eq!(params.len(), 2);
    }
}
