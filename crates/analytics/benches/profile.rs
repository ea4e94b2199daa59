//! Profiling benchmarks on the generated mixed CSV (see `synthetic.rs`): reading and type
//! inference, profiling and HTML rendering together, as a report job does them.
//! Peak memory is measured by `examples/profile_csv.rs` (run by `make bench`).
#![allow(clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
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

criterion_group!(benches, bench);
criterion_main!(benches);
