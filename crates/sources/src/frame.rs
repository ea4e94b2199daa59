//! Rows read from a source as a polars DataFrame: one typed column per result column.

use polars::prelude::*;

use crate::execute::Rows;
use crate::{SourceError, Value};

/// Builds a DataFrame; each column takes the type of its values (integers, floats, booleans,
/// dates, timestamps, else text), with NULLs as nulls. Integers mixed with floats become floats.
pub fn to_dataframe(rows: &Rows) -> Result<DataFrame, SourceError> {
    let names = unique_names(&rows.columns);
    let columns: Vec<Column> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            series(
                name,
                rows.rows.iter().map(|r| r.get(i).unwrap_or(&Value::Null)),
            )
            .into()
        })
        .collect();
    DataFrame::new(rows.rows.len(), columns).map_err(|e| SourceError::Frame(e.to_string()))
}

/// Column names made unique (`id`, `id_2`, ...): SQL allows duplicates, a DataFrame does not.
pub fn unique_names(columns: &[String]) -> Vec<String> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut out: Vec<String> = Vec::with_capacity(columns.len());
    for c in columns {
        let n = seen.entry(c.as_str()).or_insert(0);
        *n += 1;
        let mut name = if *n == 1 {
            c.clone()
        } else {
            format!("{c}_{n}")
        };
        while out.contains(&name) {
            name.push('_');
        }
        out.push(name);
    }
    out
}

fn series<'a>(name: &str, values: impl Iterator<Item = &'a Value> + Clone) -> Series {
    let name = PlSmallStr::from(name);
    use tessera_domain::chart::ColumnType as T;
    match column_types(values.clone()).as_slice() {
        [T::Integer] => {
            let ints: Vec<Option<i64>> = values
                .map(|v| match v {
                    Value::Int(i) => Some(*i),
                    _ => None,
                })
                .collect();
            Series::new(name, ints)
        }
        [T::Float] | [T::Integer, T::Float] => {
            Series::new(name, values.map(Value::as_f64).collect::<Vec<_>>())
        }
        [T::Boolean] => {
            let bools: Vec<Option<bool>> = values
                .map(|v| match v {
                    Value::Bool(b) => Some(*b),
                    _ => None,
                })
                .collect();
            Series::new(name, bools)
        }
        [T::Date] => {
            let days: Vec<Option<i32>> = values
                .map(|v| match v {
                    Value::Date(d) => Some(d.signed_duration_since(epoch_date()).num_days() as i32),
                    _ => None,
                })
                .collect();
            Series::new(name, days)
                .cast(&DataType::Date)
                .unwrap_or_else(|_| Series::new_empty(PlSmallStr::EMPTY, &DataType::Date))
        }
        [T::Timestamp] => {
            let micros: Vec<Option<i64>> = values
                .map(|v| match v {
                    Value::Timestamp(t) => Some(t.and_utc().timestamp_micros()),
                    _ => None,
                })
                .collect();
            Series::new(name, micros)
                .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
                .unwrap_or_else(|_| Series::new_empty(PlSmallStr::EMPTY, &DataType::Null))
        }
        _ => {
            let texts: Vec<Option<String>> = values
                .map(|v| (*v != Value::Null).then(|| v.to_text()))
                .collect();
            Series::new(name, texts)
        }
    }
}

/// The distinct column types of the present (non-null) values, sorted.
fn column_types<'a>(
    values: impl Iterator<Item = &'a Value>,
) -> Vec<tessera_domain::chart::ColumnType> {
    let mut kinds: Vec<_> = values
        .filter(|v| **v != Value::Null)
        .map(Value::column_type)
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

fn epoch_date() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// The API's type name of a DataFrame column.
pub fn type_name(dtype: &DataType) -> &'static str {
    use tessera_domain::chart::ColumnType as T;
    match dtype {
        DataType::Int64 | DataType::Int32 | DataType::Int16 | DataType::Int8 => T::Integer,
        DataType::UInt64 | DataType::UInt32 | DataType::UInt16 | DataType::UInt8 => T::Integer,
        DataType::Float64 | DataType::Float32 => T::Float,
        DataType::Boolean => T::Boolean,
        DataType::Date => T::Date,
        DataType::Datetime(_, _) => T::Timestamp,
        DataType::Null => T::Null,
        _ => T::Text,
    }
    .as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_take_the_type_of_their_values() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        let rows = Rows {
            columns: vec![
                "i".into(),
                "f".into(),
                "b".into(),
                "t".into(),
                "d".into(),
                "ts".into(),
                "n".into(),
            ],
            rows: vec![
                vec![
                    Value::Int(1),
                    Value::Float(1.5),
                    Value::Bool(true),
                    Value::Text("a".into()),
                    Value::Date(d),
                    Value::Timestamp(d.and_hms_opt(1, 2, 3).unwrap()),
                    Value::Null,
                ],
                vec![
                    Value::Null,
                    Value::Int(2),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                ],
            ],
            ..Rows::default()
        };
        let df = to_dataframe(&rows).unwrap();
        let types: Vec<&str> = df.dtypes().iter().map(type_name).collect();
        assert_eq!(
            types,
            vec![
                "integer",
                "float",
                "boolean",
                "text",
                "date",
                "timestamp",
                "text"
            ]
        );
        assert_eq!(df.height(), 2);
        assert_eq!(df.column("f").unwrap().f64().unwrap().get(1), Some(2.0));
        assert_eq!(df.column("i").unwrap().null_count(), 1);
    }

    #[test]
    fn duplicate_column_names_are_made_unique() {
        let rows = Rows {
            columns: vec![
                "id".into(),
                "id".into(),
                "?column?".into(),
                "?column?".into(),
            ],
            rows: vec![vec![
                Value::Int(1),
                Value::Int(2),
                Value::Int(3),
                Value::Int(4),
            ]],
            ..Rows::default()
        };
        let df = to_dataframe(&rows).unwrap();
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(names, vec!["id", "id_2", "?column?", "?column?_2"]);
    }
}
