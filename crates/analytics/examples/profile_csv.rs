//! Profiles a data file from Rust code and writes the HTML report:
//!
//! ```sh
//! cargo run --release -p tessera-analytics --example profile_csv -- data.csv [quick|all] [report.html]
//! ```
//!
//! `--generate N` first writes the benchmark's mixed CSV with N rows to the given path. Prints
//! the timings and the process's peak memory (Linux) as one JSON line.

use std::time::Instant;

use tessera_analytics::report::ReportMeta;
use tessera_analytics::{
    profile, read_file, render_html, AnalysisMode, IngestOptions, ProfileOptions,
};

#[path = "../benches/synthetic.rs"]
mod synthetic;

/// A memory figure of this process from /proc (Linux): `VmHWM` (peak) or `VmRSS` (now).
fn memory_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--generate") {
        let rows: usize = args.get(1).ok_or("--generate N PATH")?.parse()?;
        let path = args.get(2).ok_or("--generate N PATH")?;
        synthetic::write_mixed_csv(std::path::Path::new(path), rows, 7)?;
        args.drain(..2);
    }
    let path = args
        .first()
        .ok_or("usage: profile_csv FILE [quick|all] [report.html]")?;
    let mode = match args.get(1).map(String::as_str) {
        Some("quick") => AnalysisMode::Quick,
        _ => AnalysisMode::All,
    };
    let start = Instant::now();
    let read = read_file(std::path::Path::new(path), &IngestOptions::default())?;
    let parsed = start.elapsed();
    let read_peak = memory_mib("VmHWM:").unwrap_or(f64::NAN);
    let target = read
        .frame
        .column("target")
        .ok()
        .map(|_| "target".to_owned());
    let report = profile(
        &read.frame,
        &ProfileOptions {
            mode,
            target_column: target,
            ..Default::default()
        },
    )?;
    let profiled = start.elapsed();
    let html = render_html(
        &report,
        &ReportMeta {
            title: format!("Profile of {path}"),
            dataset: path.clone(),
            ..Default::default()
        },
    );
    if let Some(out) = args.get(2) {
        std::fs::write(out, &html)?;
    }
    let total = start.elapsed();
    println!(
        "{{\"rows\":{},\"columns\":{},\"mode\":\"{:?}\",\"read_ms\":{},\"profile_ms\":{},\"total_ms\":{},\"warnings\":{},\"html_bytes\":{},\"read_peak_rss_mib\":{:.0},\"peak_rss_mib\":{:.0}}}",
        report.overview.rows,
        report.overview.columns,
        mode,
        parsed.as_millis(),
        (profiled - parsed).as_millis(),
        total.as_millis(),
        report.warnings.len(),
        html.len(),
        read_peak,
        memory_mib("VmHWM:").unwrap_or(f64::NAN)
    );
    Ok(())
}
