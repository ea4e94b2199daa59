use serde_json::json;
use tessera_domain::chart::{parse_datetime, Measure, Sort, TimeSpec};

use super::*;

/// Eight orders over three months: day, region, amount (one missing), paid, note.
fn orders() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.parquet");
    let days = [
        "2026-01-05",
        "2026-01-20",
        "2026-02-02",
        "2026-02-03",
        "2026-02-28",
        "2026-03-01",
        "2026-03-15",
        "2026-03-31",
    ];
    let at: Vec<NaiveDateTime> = days
        .iter()
        .enumerate()
        .map(|(i, d)| parse_datetime(d).unwrap() + chrono::Duration::hours(i as i64 * 3))
        .collect();
    let mut df = df!(
        "day" => days.iter().map(|d| parse_datetime(d).unwrap().date()).collect::<Vec<_>>(),
        "at" => at,
        "region" => ["north", "south", "north", "east", "south", "north", "east", "north"],
        "amount" => [Some(10i64), Some(20), Some(30), None, Some(50), Some(60), Some(70), Some(80)],
        "price" => [1.5f64, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5],
        "paid" => [true, false, true, true, false, true, true, false],
        "note" => ["Rush order", "", "rush", "normal", "RUSHED", "x", "y", "z"],
    )
    .unwrap();
    crate::ingest::write_parquet(&mut df, &path).unwrap();
    (dir, path)
}

fn measure(agg: Aggregation, column: Option<&str>, alias: &str) -> Measure {
    Measure {
        agg,
        column: column.map(str::to_owned),
        alias: alias.into(),
    }
}

fn query(measures: Vec<Measure>, dimensions: &[&str]) -> ChartQuery {
    ChartQuery {
        table: "orders".into(),
        measures,
        dimensions: dimensions.iter().map(|d| (*d).to_owned()).collect(),
        time: None,
        filters: Vec::new(),
        sort: Vec::new(),
        limit: 1000,
        compare_previous: false,
    }
}

fn run(path: &Path, q: &ChartQuery) -> Vec<Json> {
    let range = q.time.as_ref().and_then(|t| t.range);
    aggregate(path, "orders", q, range, true)
        .unwrap()
        .rows
        .into_iter()
        .map(Json::Object)
        .collect()
}

fn by(column: &str, op: FilterOp, values: Vec<Scalar>) -> Filter {
    Filter {
        column: column.into(),
        op,
        values,
    }
}

fn sort(by: &str, desc: bool) -> Sort {
    Sort {
        by: by.into(),
        desc,
    }
}

#[test]
fn groups_by_a_dimension_with_sql_semantics() {
    let (_dir, path) = orders();
    let mut q = query(
        vec![
            measure(Aggregation::Sum, Some("amount"), "total"),
            measure(Aggregation::Count, None, "orders"),
            measure(Aggregation::Count, Some("amount"), "with_amount"),
            measure(Aggregation::Avg, Some("price"), "avg_price"),
            measure(Aggregation::Median, Some("amount"), "median"),
            measure(Aggregation::CountDistinct, Some("paid"), "paid_values"),
        ],
        &["region"],
    );
    q.sort = vec![sort("total", true), sort("region", false)];
    assert_eq!(
        run(&path, &q),
        vec![
            json!({"region": "north", "total": 180.0, "orders": 4, "with_amount": 4,
                   "avg_price": 5.0, "median": 45.0, "paid_values": 2}),
            json!({"region": "east", "total": 70.0, "orders": 2, "with_amount": 1,
                   "avg_price": 6.0, "median": 70.0, "paid_values": 1}),
            json!({"region": "south", "total": 70.0, "orders": 2, "with_amount": 2,
                   "avg_price": 4.0, "median": 35.0, "paid_values": 1}),
        ]
    );
}

#[test]
fn ties_are_ordered_by_the_group_keys() {
    let (_dir, path) = orders();
    let mut q = query(
        vec![measure(Aggregation::Count, None, "n")],
        &["paid", "region"],
    );
    q.time = Some(TimeSpec {
        column: "day".into(),
        granularity: Some(Granularity::Year),
        period: None,
        range: None,
    });
    let keys: Vec<(bool, String)> = run(&path, &q)
        .iter()
        .map(|r| {
            (
                r["paid"].as_bool().unwrap(),
                r["region"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(keys.len(), 4);
}

#[test]
fn the_default_order_is_the_first_measure_descending_and_limit_cuts() {
    let (_dir, path) = orders();
    let mut q = query(vec![measure(Aggregation::Count, None, "n")], &["region"]);
    q.limit = 1;
    assert_eq!(run(&path, &q), vec![json!({"region": "north", "n": 4})]);
}

#[test]
fn sum_of_only_missing_values_is_null_like_sql() {
    let (_dir, path) = orders();
    let mut q = query(
        vec![measure(Aggregation::Sum, Some("amount"), "total")],
        &["region"],
    );
    q.filters = vec![by(
        "note",
        FilterOp::Eq,
        vec![Scalar::Text("normal".into())],
    )];
    assert_eq!(
        run(&path, &q),
        vec![json!({"region": "east", "total": null})]
    );
}

#[test]
fn time_buckets_are_formatted_like_the_sql_engines() {
    let (_dir, path) = orders();
    let mut q = query(vec![measure(Aggregation::Count, None, "n")], &[]);
    for (column, granularity, expected) in [
        (
            "day",
            Granularity::Month,
            vec![("2026-01-01", 2), ("2026-02-01", 3), ("2026-03-01", 3)],
        ),
        ("at", Granularity::Quarter, vec![("2026-01-01", 8)]),
        (
            // weeks start on Monday: 2026-01-05 and 2026-02-02 are Mondays
            "day",
            Granularity::Week,
            vec![
                ("2026-01-05", 1),
                ("2026-01-19", 1),
                ("2026-02-02", 2),
                ("2026-02-23", 2),
                ("2026-03-09", 1),
                ("2026-03-30", 1),
            ],
        ),
    ] {
        q.time = Some(TimeSpec {
            column: column.into(),
            granularity: Some(granularity),
            period: None,
            range: None,
        });
        let rows = run(&path, &q);
        let got: Vec<(String, i64)> = rows
            .iter()
            .map(|r| {
                (
                    r[column].as_str().unwrap().to_owned(),
                    r["n"].as_i64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(String, i64)> = expected
            .iter()
            .map(|(k, n)| ((*k).to_owned(), *n))
            .collect();
        assert_eq!(got, want, "{column} by {granularity}");
    }
    q.time = Some(TimeSpec {
        column: "at".into(),
        granularity: Some(Granularity::Hour),
        period: None,
        range: None,
    });
    let first = &run(&path, &q)[0];
    assert_eq!(first["at"], json!("2026-01-05T00:00:00"));
}

#[test]
fn ranges_on_date_columns_keep_the_days_they_touch() {
    let (_dir, path) = orders();
    let mut q = query(vec![measure(Aggregation::Count, None, "n")], &[]);
    // from mid-day on 1 Feb to just after midnight on 3 Mar: February's three orders and 1 March
    let range = TimeRange::new(
        parse_datetime("2026-02-01T12:00:00").unwrap(),
        parse_datetime("2026-03-01T00:00:01").unwrap(),
    )
    .unwrap();
    q.time = Some(TimeSpec {
        column: "day".into(),
        granularity: None,
        period: None,
        range: Some(range),
    });
    assert_eq!(run(&path, &q), vec![json!({"n": 4})]);
    // on the timestamp column the same window is exact: 2026-03-01 15:00 is outside it
    q.time.as_mut().unwrap().column = "at".into();
    assert_eq!(run(&path, &q), vec![json!({"n": 3})]);
}

#[test]
fn filters_convert_their_values_to_the_column_type() {
    let (_dir, path) = orders();
    let count = |filters: Vec<Filter>| {
        let mut q = query(vec![measure(Aggregation::Count, None, "n")], &[]);
        q.filters = filters;
        run(&path, &q)[0]["n"].as_i64().unwrap()
    };
    use Scalar::{Bool, Float, Int, Text};
    assert_eq!(count(vec![by("amount", FilterOp::Gt, vec![Int(50)])]), 3);
    assert_eq!(
        count(vec![by("amount", FilterOp::Gte, vec![Text("50".into())])]),
        4
    );
    assert_eq!(count(vec![by("price", FilterOp::Lt, vec![Int(3)])]), 2);
    assert_eq!(
        count(vec![by(
            "price",
            FilterOp::Between,
            vec![Float(2.5), Float(4.5)]
        )]),
        3
    );
    assert_eq!(count(vec![by("paid", FilterOp::Eq, vec![Bool(true)])]), 5);
    assert_eq!(
        count(vec![by("paid", FilterOp::Ne, vec![Text("true".into())])]),
        3
    );
    assert_eq!(
        count(vec![by("amount", FilterOp::IsNull, vec![Bool(true)])]),
        1
    );
    assert_eq!(
        count(vec![by("amount", FilterOp::IsNull, vec![Bool(false)])]),
        7
    );
    assert_eq!(
        count(vec![by(
            "note",
            FilterOp::Contains,
            vec![Text("RUSH".into())]
        )]),
        3
    );
    assert_eq!(
        count(vec![by(
            "region",
            FilterOp::In,
            vec![Text("east".into()), Text("south".into())]
        )]),
        4
    );
    assert_eq!(
        count(vec![by(
            "region",
            FilterOp::NotIn,
            vec![Text("north".into())]
        )]),
        4
    );
    assert_eq!(
        count(vec![by(
            "amount",
            FilterOp::In,
            vec![Int(10), Float(20.0), Int(99)]
        )]),
        2
    );
    assert_eq!(
        count(vec![by(
            "day",
            FilterOp::In,
            vec![Text("2026-02-02".into()), Text("2026-03-31".into())]
        )]),
        2
    );
    assert_eq!(
        count(vec![by(
            "day",
            FilterOp::Gte,
            vec![Text("2026-03-01".into())]
        )]),
        3
    );
    assert_eq!(
        count(vec![by(
            "at",
            FilterOp::Lt,
            vec![Text("2026-01-20T03:00:00".into())]
        )]),
        1
    );
    // all filters hold together
    assert_eq!(
        count(vec![
            by("region", FilterOp::Eq, vec![Text("north".into())]),
            by("paid", FilterOp::Eq, vec![Bool(true)]),
        ]),
        3
    );
}

#[test]
fn min_and_max_keep_dates_and_totals_ignore_grouping() {
    let (_dir, path) = orders();
    let mut q = query(
        vec![
            measure(Aggregation::Min, Some("day"), "first"),
            measure(Aggregation::Max, Some("amount"), "largest"),
            measure(Aggregation::Max, Some("at"), "latest"),
        ],
        &["region"],
    );
    let totals = aggregate(&path, "orders", &q, None, false).unwrap();
    assert_eq!(
        totals
            .rows
            .into_iter()
            .map(Json::Object)
            .collect::<Vec<_>>(),
        vec![json!({"first": "2026-01-05", "largest": 80.0, "latest": "2026-03-31T21:00:00"})]
    );
    assert_eq!(totals.columns[0].data_type, "date");
    assert_eq!(totals.columns[1].data_type, "float");
    q.dimensions.clear();
    assert_eq!(run(&path, &q).len(), 1);
}

#[test]
fn mistakes_are_invalid_requests_that_name_the_problem() {
    let (_dir, path) = orders();
    let fails = |q: ChartQuery| match aggregate(&path, "orders", &q, None, true) {
        Err(AnalyticsError::InvalidRequest(m)) => m,
        other => panic!("expected an invalid request, got {other:?}"),
    };
    let m = fails(query(
        vec![measure(Aggregation::Count, None, "n")],
        &["nope"],
    ));
    assert!(
        m.contains("unknown column 'nope'") && m.contains("region"),
        "{m}"
    );
    let m = fails(query(
        vec![measure(Aggregation::Sum, Some("region"), "s")],
        &[],
    ));
    assert!(m.contains("sum needs a numeric column"), "{m}");
    let mut q = query(vec![measure(Aggregation::Count, None, "n")], &[]);
    q.filters = vec![by("amount", FilterOp::Eq, vec![Scalar::Text("ten".into())])];
    assert!(fails(q).contains("'amount' needs a number"));
    let mut q = query(vec![measure(Aggregation::Count, None, "n")], &[]);
    q.time = Some(TimeSpec {
        column: "region".into(),
        granularity: Some(Granularity::Day),
        period: None,
        range: None,
    });
    assert!(fails(q).contains("not a date or timestamp"));
}

#[test]
fn time_zone_aware_timestamps_bucket_and_filter_in_utc() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tz.parquet");
    let at: Vec<NaiveDateTime> = [
        "2026-01-01T23:30:00",
        "2026-01-02T00:30:00",
        "2026-01-03T12:00:00",
    ]
    .iter()
    .map(|s| parse_datetime(s).unwrap())
    .collect();
    let mut df = df!("at" => at).unwrap();
    let utc = df
        .column("at")
        .unwrap()
        .cast(&DataType::Datetime(
            TimeUnit::Microseconds,
            Some(TimeZone::UTC),
        ))
        .unwrap();
    df.replace("at", utc).unwrap();
    crate::ingest::write_parquet(&mut df, &path).unwrap();
    let mut q = query(vec![measure(Aggregation::Count, None, "n")], &[]);
    q.time = Some(TimeSpec {
        column: "at".into(),
        granularity: Some(Granularity::Day),
        period: None,
        range: Some(
            TimeRange::new(
                parse_datetime("2026-01-01T12:00:00").unwrap(),
                parse_datetime("2026-01-03T00:00:00").unwrap(),
            )
            .unwrap(),
        ),
    });
    q.filters = vec![by(
        "at",
        FilterOp::Gte,
        vec![Scalar::Text("2026-01-01".into())],
    )];
    assert_eq!(
        run(&path, &q),
        vec![
            json!({"at": "2026-01-01", "n": 1}),
            json!({"at": "2026-01-02", "n": 1})
        ]
    );
}

#[test]
fn hours_of_a_date_column_are_its_midnights() {
    let (_dir, path) = orders();
    let mut q = query(vec![measure(Aggregation::Count, None, "n")], &[]);
    q.time = Some(TimeSpec {
        column: "day".into(),
        granularity: Some(Granularity::Hour),
        period: None,
        range: None,
    });
    q.limit = 2;
    assert_eq!(
        run(&path, &q),
        vec![
            json!({"day": "2026-01-05T00:00:00", "n": 1}),
            json!({"day": "2026-01-20T00:00:00", "n": 1})
        ]
    );
}
