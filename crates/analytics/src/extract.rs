//! Extract files: pages of typed cells streamed into one zstd-compressed Parquet file as row
//! groups (memory holds one page), and the glob that reads all of an extract's part files as
//! one table for [`crate::aggregate::aggregate`].

use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::*;
use tessera_domain::chart::{ColumnType, TimeRange};

use crate::error::{AnalyticsError, Result};

/// One column of a page, in the column's type (a missing value is `None`).
#[derive(Debug, Clone, PartialEq)]
pub enum Cells {
    /// Integers.
    Int(Vec<Option<i64>>),
    /// Floating point numbers.
    Float(Vec<Option<f64>>),
    /// Booleans.
    Bool(Vec<Option<bool>>),
    /// Text.
    Text(Vec<Option<String>>),
    /// Dates.
    Date(Vec<Option<NaiveDate>>),
    /// Timestamps (UTC).
    Timestamp(Vec<Option<NaiveDateTime>>),
}

impl Cells {
    /// An empty column of `kind` with room for `n` cells; `None` for a type extracts do not keep.
    pub fn with_capacity(kind: ColumnType, n: usize) -> Option<Self> {
        Some(match kind {
            ColumnType::Integer => Self::Int(Vec::with_capacity(n)),
            ColumnType::Float => Self::Float(Vec::with_capacity(n)),
            ColumnType::Boolean => Self::Bool(Vec::with_capacity(n)),
            ColumnType::Text => Self::Text(Vec::with_capacity(n)),
            ColumnType::Date => Self::Date(Vec::with_capacity(n)),
            ColumnType::Timestamp => Self::Timestamp(Vec::with_capacity(n)),
            ColumnType::Binary | ColumnType::Null | ColumnType::Other => return None,
        })
    }

    fn len(&self) -> usize {
        match self {
            Self::Int(v) => v.len(),
            Self::Float(v) => v.len(),
            Self::Bool(v) => v.len(),
            Self::Text(v) => v.len(),
            Self::Date(v) => v.len(),
            Self::Timestamp(v) => v.len(),
        }
    }

    fn into_column(self, name: &str) -> Result<Column> {
        let name = PlSmallStr::from(name);
        let series = match self {
            Self::Int(v) => Series::new(name, v),
            Self::Float(v) => Series::new(name, v),
            Self::Bool(v) => Series::new(name, v),
            Self::Text(v) => Series::new(name, v),
            Self::Date(v) => {
                let days: Vec<Option<i32>> = v
                    .into_iter()
                    .map(|d| d.map(|d| d.signed_duration_since(epoch()).num_days() as i32))
                    .collect();
                Series::new(name, days).cast(&DataType::Date)?
            }
            Self::Timestamp(v) => {
                let micros: Vec<Option<i64>> = v
                    .into_iter()
                    .map(|t| t.map(|t| t.and_utc().timestamp_micros()))
                    .collect();
                Series::new(name, micros).cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
            }
        };
        Ok(series.into())
    }
}

/// The polars type a kept column is written as.
fn dtype(kind: ColumnType) -> Option<DataType> {
    Some(match kind {
        ColumnType::Integer => DataType::Int64,
        ColumnType::Float => DataType::Float64,
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::Text => DataType::String,
        ColumnType::Date => DataType::Date,
        ColumnType::Timestamp => DataType::Datetime(TimeUnit::Microseconds, None),
        ColumnType::Binary | ColumnType::Null | ColumnType::Other => return None,
    })
}

/// Writes one part file a page at a time.
pub struct PartWriter {
    writer: polars::io::parquet::write::BatchedWriter<File>,
    names: Vec<String>,
    rows: u64,
}

impl PartWriter {
    /// Creates the file at `path` for `columns` (name and type; every type must be one
    /// [`Cells::with_capacity`] keeps).
    pub fn create(path: &Path, columns: &[(String, ColumnType)]) -> Result<Self> {
        let mut schema = Schema::with_capacity(columns.len());
        for (name, kind) in columns {
            let dt = dtype(*kind).ok_or_else(|| {
                AnalyticsError::InvalidRequest(format!(
                    "column '{name}' is {}, which extracts do not keep",
                    kind.as_str()
                ))
            })?;
            schema.insert(PlSmallStr::from(name.as_str()), dt);
        }
        let writer = ParquetWriter::new(File::create(path)?)
            .with_compression(ParquetCompression::Zstd(None))
            .batched(&schema)?;
        Ok(Self {
            writer,
            names: columns.iter().map(|(n, _)| n.clone()).collect(),
            rows: 0,
        })
    }

    /// Appends one page: a column of cells per column, in order, all of one length.
    pub fn write(&mut self, page: Vec<Cells>) -> Result<()> {
        let height = page.first().map_or(0, Cells::len);
        if page.len() != self.names.len() || page.iter().any(|c| c.len() != height) {
            return Err(AnalyticsError::InvalidRequest(
                "a page's columns do not match the file's".into(),
            ));
        }
        if height == 0 {
            return Ok(());
        }
        let columns = page
            .into_iter()
            .zip(&self.names)
            .map(|(cells, name)| cells.into_column(name))
            .collect::<Result<Vec<_>>>()?;
        let frame = DataFrame::new(height, columns)?;
        self.writer.write_batch(&frame)?;
        self.rows += height as u64;
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes the footer; the file's size in bytes.
    pub fn finish(self) -> Result<u64> {
        Ok(self.writer.finish()?)
    }
}

/// The path that reads every part file of an extract's copy in `dir` as one table.
pub fn parts(dir: &Path) -> PathBuf {
    dir.join("*.parquet")
}

/// A copy held in memory: its rows, sorted by `time` when it has a date or timestamp column.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The rows.
    pub frame: DataFrame,
    /// The date or timestamp column the rows are sorted by (nulls last).
    pub time: Option<String>,
}

impl Loaded {
    /// The rows inside `range` over `column` — exactly those the query's time filter keeps
    /// (`[from, to)`; a date column keeps the whole days the range touches), so it need not run
    /// again — found by binary search when the copy is sorted by that column; `None` when it
    /// is not.
    pub fn window(&self, column: &str, range: TimeRange) -> Option<DataFrame> {
        if self.time.as_deref() != Some(column) {
            return None;
        }
        let c = self.frame.column(column).ok()?;
        let at = |t: NaiveDateTime, unit: TimeUnit| {
            let t = t.and_utc();
            match unit {
                TimeUnit::Nanoseconds => t.timestamp_nanos_opt(),
                TimeUnit::Microseconds => Some(t.timestamp_micros()),
                TimeUnit::Milliseconds => Some(t.timestamp_millis()),
            }
        };
        let (from, to) = match c.dtype() {
            DataType::Date => {
                let (first, end) = range.dates();
                let day =
                    |d: NaiveDate| i64::from(d.signed_duration_since(epoch()).num_days() as i32);
                (day(first), day(end))
            }
            DataType::Datetime(unit, None) => (at(range.from, *unit)?, at(range.to, *unit)?),
            _ => return None,
        };
        let physical = c.to_physical_repr().cast(&DataType::Int64).ok()?;
        let values = physical.i64().ok()?;
        if values.chunks().len() != 1 {
            return None;
        }
        let array = values.downcast_iter().next()?;
        // nulls are sorted last: the values before them are in order
        let values = array.values().as_slice();
        let present = &values[..values.len().saturating_sub(c.null_count())];
        let start = present.partition_point(|v| *v < from);
        let end = present.partition_point(|v| *v < to);
        Some(self.frame.slice(start as i64, end.saturating_sub(start)))
    }
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// Reads a copy into memory for repeated queries, sorted by `time` (a date or timestamp
/// column) when given. A text column with few distinct values (at most one in ten rows, at
/// most 100,000) becomes categorical, so grouping by it groups codes;
/// [`crate::aggregate::aggregate_frame`] answers it as text.
pub fn load(dir: &Path, time: Option<&str>) -> Result<Loaded> {
    let frame = load_frame(dir)?;
    let time = time.filter(|t| {
        frame
            .column(t)
            .is_ok_and(|c| matches!(c.dtype(), DataType::Date | DataType::Datetime(_, None)))
    });
    let mut frame = match time {
        Some(t) => frame.sort(
            [t],
            SortMultipleOptions::default()
                .with_nulls_last(true)
                .with_maintain_order(true),
        )?,
        None => frame,
    };
    frame.rechunk_mut();
    Ok(Loaded {
        frame,
        time: time.map(str::to_owned),
    })
}

fn load_frame(dir: &Path) -> Result<DataFrame> {
    let frame = LazyFrame::scan_parquet(
        PlRefPath::new(parts(dir).to_string_lossy().as_ref()),
        ScanArgsParquet::default(),
    )?
    .collect()?;
    let rows = frame.height();
    let categories =
        Categories::random(PlSmallStr::from_static("tessera"), CategoricalPhysical::U32);
    let categorical = DataType::from_categories(categories);
    let mut casts = Vec::new();
    for c in frame.columns() {
        if c.dtype() == &DataType::String {
            let distinct = c.n_unique()?;
            if distinct <= (rows / 10).max(1) && distinct <= 100_000 {
                casts.push(Expr::Column(c.name().clone()).cast(categorical.clone()));
            }
        }
    }
    if casts.is_empty() {
        Ok(frame)
    } else {
        Ok(frame.lazy().with_columns(casts).collect()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::aggregate;
    use tessera_domain::chart::{Aggregation, ChartQuery, Measure};

    #[test]
    fn pages_stream_into_parts_that_read_as_one_table() {
        let dir = tempfile::tempdir().unwrap();
        let columns = vec![
            ("id".to_owned(), ColumnType::Integer),
            ("amount".to_owned(), ColumnType::Float),
            ("category".to_owned(), ColumnType::Text),
            ("at".to_owned(), ColumnType::Timestamp),
            ("day".to_owned(), ColumnType::Date),
            ("paid".to_owned(), ColumnType::Boolean),
        ];
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap();
        for part in 0..2 {
            let mut w =
                PartWriter::create(&dir.path().join(format!("part-{part}.parquet")), &columns)
                    .unwrap();
            for page in 0..3i64 {
                let base = part * 100 + page * 10;
                w.write(vec![
                    Cells::Int((base..base + 10).map(Some).collect()),
                    Cells::Float((0..10).map(|i| Some(f64::from(i))).collect()),
                    Cells::Text((0..10).map(|i| Some(format!("c{}", i % 2))).collect()),
                    Cells::Timestamp(vec![Some(at); 10]),
                    Cells::Date(vec![Some(at.date()); 10]),
                    Cells::Bool((0..10).map(|i| (i > 0).then_some(i % 2 == 0)).collect()),
                ])
                .unwrap();
            }
            assert_eq!(w.rows(), 30);
            assert!(w.finish().unwrap() > 0);
        }
        let q = ChartQuery {
            table: "t".into(),
            measures: vec![Measure {
                agg: Aggregation::Sum,
                column: Some("amount".into()),
                alias: "total".into(),
            }],
            dimensions: vec!["category".into()],
            time: None,
            filters: vec![],
            sort: vec![],
            limit: 10,
            compare_previous: false,
        };
        let answer = aggregate(&parts(dir.path()), "t", &q, None, true).unwrap();
        let rows: Vec<_> = answer
            .rows
            .iter()
            .map(|r| (r["category"].clone(), r["total"].clone()))
            .collect();
        // 6 pages of ten: c0 holds 0+2+4+6+8 = 20 per page, c1 25; the largest total first
        assert_eq!(
            rows,
            vec![
                (serde_json::json!("c1"), serde_json::json!(150.0)),
                (serde_json::json!("c0"), serde_json::json!(120.0)),
            ]
        );
    }

    #[test]
    fn a_copy_in_memory_answers_as_its_files_do() {
        use tessera_domain::chart::{Filter, FilterOp, Scalar, Sort};
        let dir = tempfile::tempdir().unwrap();
        let columns = vec![
            ("category".to_owned(), ColumnType::Text),
            ("note".to_owned(), ColumnType::Text),
            ("amount".to_owned(), ColumnType::Float),
        ];
        let mut w = PartWriter::create(&dir.path().join(part_name_for_test()), &columns).unwrap();
        let n = 400;
        w.write(vec![
            Cells::Text(
                (0..n)
                    .map(|i| Some(["b", "a", "c", "B"][i % 4].to_owned()))
                    .collect(),
            ),
            Cells::Text((0..n).map(|i| Some(format!("note {i}"))).collect()),
            Cells::Float((0..n).map(|i| Some(i as f64)).collect()),
        ])
        .unwrap();
        w.finish().unwrap();
        let frame = load(dir.path(), None).unwrap().frame;
        assert!(
            matches!(
                frame.column("category").unwrap().dtype(),
                DataType::Categorical(_, _)
            ),
            "few distinct values become categorical"
        );
        assert_eq!(frame.column("note").unwrap().dtype(), &DataType::String);
        let measure = |agg, column: Option<&str>, alias: &str| Measure {
            agg,
            column: column.map(str::to_owned),
            alias: alias.into(),
        };
        let query = ChartQuery {
            table: "t".into(),
            measures: vec![
                measure(Aggregation::Sum, Some("amount"), "total"),
                measure(Aggregation::Max, Some("category"), "top"),
                measure(Aggregation::CountDistinct, Some("note"), "notes"),
            ],
            dimensions: vec!["category".into()],
            time: None,
            filters: vec![Filter {
                column: "category".into(),
                op: FilterOp::In,
                values: vec![
                    Scalar::Text("a".into()),
                    Scalar::Text("B".into()),
                    Scalar::Text("b".into()),
                ],
            }],
            sort: vec![Sort {
                by: "category".into(),
                desc: false,
            }],
            limit: 10,
            compare_previous: false,
        };
        let from_files = aggregate(&parts(dir.path()), "t", &query, None, true).unwrap();
        let from_memory =
            crate::aggregate::aggregate_frame(frame.lazy(), "t", &query, None, true).unwrap();
        assert_eq!(from_files.rows, from_memory.rows);
        let types = |a: &crate::aggregate::ChartAnswer| -> Vec<String> {
            a.columns
                .iter()
                .map(|c| format!("{}:{}", c.name, c.data_type))
                .collect()
        };
        assert_eq!(types(&from_files), types(&from_memory));
        let cats: Vec<_> = from_memory
            .rows
            .iter()
            .map(|r| r["category"].clone())
            .collect();
        assert_eq!(
            cats,
            vec![
                serde_json::json!("B"),
                serde_json::json!("a"),
                serde_json::json!("b")
            ]
        );
    }

    #[test]
    fn a_sorted_copy_reads_only_the_window_a_query_asks_for() {
        let dir = tempfile::tempdir().unwrap();
        let columns = vec![
            ("at".to_owned(), ColumnType::Timestamp),
            ("day".to_owned(), ColumnType::Date),
            ("n".to_owned(), ColumnType::Integer),
        ];
        let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let mut w = PartWriter::create(&dir.path().join(part_name_for_test()), &columns).unwrap();
        // written out of order, with a missing time
        let hours: Vec<i64> = (0..100).rev().collect();
        w.write(vec![
            Cells::Timestamp(
                hours
                    .iter()
                    .map(|h| (*h != 50).then(|| start + chrono::Duration::hours(*h)))
                    .collect(),
            ),
            Cells::Date(
                hours
                    .iter()
                    .map(|h| Some((start + chrono::Duration::hours(*h)).date()))
                    .collect(),
            ),
            Cells::Int(hours.iter().map(|h| Some(*h)).collect()),
        ])
        .unwrap();
        w.finish().unwrap();
        let copy = load(dir.path(), Some("at")).unwrap();
        assert_eq!(copy.time.as_deref(), Some("at"));
        let range = TimeRange::new(
            start + chrono::Duration::hours(10),
            start + chrono::Duration::hours(20),
        )
        .unwrap();
        let rows = copy.window("at", range).unwrap();
        assert_eq!(rows.height(), 10);
        let n: Vec<Option<i64>> = (0..rows.height())
            .map(|k| rows.column("n").unwrap().get(k).unwrap().extract::<i64>())
            .collect();
        assert_eq!(n, (10..20).map(Some).collect::<Vec<_>>());
        assert!(
            copy.window("day", range).is_none(),
            "not sorted by day: the query filters every row"
        );
        let empty = TimeRange::new(
            start - chrono::Duration::days(9),
            start - chrono::Duration::days(8),
        )
        .unwrap();
        assert_eq!(copy.window("at", empty).unwrap().height(), 0);
        let by_day = load(dir.path(), Some("day")).unwrap();
        let first_day = TimeRange::new(start, start + chrono::Duration::hours(1)).unwrap();
        assert_eq!(
            by_day.window("day", first_day).unwrap().height(),
            24,
            "a date keeps its whole day"
        );
    }

    #[test]
    fn a_window_answers_as_the_time_filter_over_every_row_does_by_either_engine() {
        use crate::aggregate::{aggregate_frame, aggregate_rows, IN_MEMORY_ROWS};
        use tessera_domain::chart::{Sort, TimeSpec};
        let dir = tempfile::tempdir().unwrap();
        let columns = vec![
            ("at".to_owned(), ColumnType::Timestamp),
            ("kind".to_owned(), ColumnType::Text),
            ("amount".to_owned(), ColumnType::Float),
        ];
        let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        // one row a minute, so that a window of a year holds more rows than the in-memory
        // engine is given and a window of a day fewer
        let n = IN_MEMORY_ROWS + 20_000;
        let mut w = PartWriter::create(&dir.path().join(part_name_for_test()), &columns).unwrap();
        w.write(vec![
            Cells::Timestamp(
                (0..n)
                    .map(|i| Some(start + chrono::Duration::minutes(i as i64)))
                    .collect(),
            ),
            Cells::Text((0..n).map(|i| Some(format!("k{}", i % 7))).collect()),
            Cells::Float((0..n).map(|i| Some((i % 101) as f64)).collect()),
        ])
        .unwrap();
        w.finish().unwrap();
        let copy = load(dir.path(), Some("at")).unwrap();
        for (from, to) in [(0, n - 10_000), (1_000, 2_440), (0, 1)] {
            // minutes, from included and to excluded
            let range = TimeRange::new(
                start + chrono::Duration::minutes(from as i64),
                start + chrono::Duration::minutes(to as i64),
            )
            .unwrap();
            let q = ChartQuery {
                table: "t".into(),
                measures: vec![
                    Measure {
                        agg: Aggregation::Sum,
                        column: Some("amount".into()),
                        alias: "total".into(),
                    },
                    Measure {
                        agg: Aggregation::Count,
                        column: None,
                        alias: "n".into(),
                    },
                ],
                dimensions: vec!["kind".into()],
                time: Some(TimeSpec {
                    column: "at".into(),
                    granularity: None,
                    period: None,
                    range: Some(range),
                }),
                filters: vec![],
                sort: vec![Sort {
                    by: "kind".into(),
                    desc: false,
                }],
                limit: 100,
                compare_previous: false,
            };
            let rows = copy.window("at", range).unwrap();
            assert_eq!(rows.height(), to - from);
            let windowed = aggregate_rows(rows, "t", &q, None, true).unwrap();
            let filtered =
                aggregate_frame(copy.frame.clone().lazy(), "t", &q, Some(range), true).unwrap();
            assert_eq!(windowed.rows, filtered.rows, "minutes {from}..{to}");
            let counted: i64 = windowed.rows.iter().map(|r| r["n"].as_i64().unwrap()).sum();
            assert_eq!(counted, (to - from) as i64);
        }
    }

    fn part_name_for_test() -> &'static str {
        "part-00001.parquet"
    }

    #[test]
    fn a_page_that_does_not_fit_the_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.parquet");
        let mut w = PartWriter::create(&path, &[("a".into(), ColumnType::Integer)]).unwrap();
        assert!(w
            .write(vec![Cells::Int(vec![Some(1)]), Cells::Int(vec![Some(2)])])
            .is_err());
        assert!(PartWriter::create(&path, &[("b".into(), ColumnType::Binary)]).is_err());
    }
}
