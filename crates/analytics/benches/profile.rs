//! Benchmarks on the generated mixed CSV (see `synthetic.rs`): reading and type inference,
//! profiling and HTML rendering together, as a report job does them; and chart queries over the
//! same data stored as Parquet, as `POST /charts/query` with a `dataset_id` runs them.
//! Peak memory is measured by `examples/profile_csv.rs` (run by `make bench`).
#![allow(clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use tessera_analytics::aggregate::aggregate;
use tessera_analytics::report::ReportMeta;
use tessera_analytics::{
    profile, read_file, render_html, AnalysisMode, IngestOptions, ProfileOptions,
};

#[path = "synthetic.rs"]
mod synthetic;

fn data(rows: usize) -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let path = dir.join(format!("tessera-bench-mixed-{rows}.csv"));
    if !path.exists() {
        synthetic::write_mixed_csv(&path, rows, 7).expect("write the benchmark CSV");
    }
    path
}

fn run(path: &std::path::Path, mode: AnalysisMode) -> usize {
    let read = read_file(path, &IngestOptions::default()).expect("read");
    let opts = ProfileOptions {
        mode,
        target_column: Some("target".into()),
        ..Default::default()
    };
    let p = profile(&read.frame, &opts).expect("profile");
    render_html(
        &p,
        &ReportMeta {
            title: "bench".into(),
            ..Default::default()
        },
    )
    .len()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("profile_csv");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    let big = data(1_000_000);
    let small = data(100_000);
    g.bench_function("1m_rows_all", |b| b.iter(|| run(&big, AnalysisMode::All)));
    g.bench_function("1m_rows_quick", |b| {
        b.iter(|| run(&big, AnalysisMode::Quick))
    });
    g.bench_function("100k_rows_all", |b| {
        b.iter(|| run(&small, AnalysisMode::All))
    });
    g.finish();
}

fn charts(c: &mut Criterion) {
    use tessera_domain::chart::{
        Aggregation, ChartQuery, Filter, FilterOp, Granularity, Measure, Scalar, TimeSpec,
    };
    let csv = data(1_000_000);
    let parquet = csv.with_extension("parquet");
    if !parquet.exists() {
        let mut frame = read_file(&csv, &IngestOptions::default())
            .expect("read")
            .frame;
        tessera_analytics::ingest::write_parquet(&mut frame, &parquet).expect("write parquet");
    }
    let measure = |agg, column: Option<&str>, alias: &str| Measure {
        agg,
        column: column.map(str::to_owned),
        alias: alias.into(),
    };
    let by_region = ChartQuery {
        table: "mixed".into(),
        measures: vec![
            measure(Aggregation::Count, None, "rows"),
            measure(Aggregation::Sum, Some("spend"), "spend"),
            measure(Aggregation::Avg, Some("income"), "income"),
        ],
        dimensions: vec!["region".into(), "channel".into()],
        time: None,
        filters: vec![Filter {
            column: "is_active".into(),
            op: FilterOp::Eq,
            values: vec![Scalar::Bool(true)],
        }],
        sort: Vec::new(),
        limit: 1000,
        compare_previous: false,
    };
    let monthly = ChartQuery {
        dimensions: vec!["segment".into()],
        time: Some(TimeSpec {
            column: "last_seen".into(),
            granularity: Some(Granularity::Month),
            period: None,
            range: None,
        }),
        filters: Vec::new(),
        ..by_region.clone()
    };
    let mut g = c.benchmark_group("dataset_chart_1m_rows");
    g.sample_size(20);
    g.bench_function("by_two_dimensions_filtered", |b| {
        b.iter(|| aggregate(&parquet, "mixed", &by_region, None, true).expect("aggregate"))
    });
    g.bench_function("monthly_by_segment", |b| {
        b.iter(|| aggregate(&parquet, "mixed", &monthly, None, true).expect("aggregate"))
    });
    g.finish();
}

criterion_group!(benches, bench, charts);
criterion_main!(benches);
