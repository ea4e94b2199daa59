//! A profile as one self-contained HTML page: inline CSS and SVG, no scripts, no fonts, no
//! external resources, readable offline. Plots are bounded by the profile's `max_plots`.

use std::fmt::Write;

use crate::profile::{
    BooleanStats, CategoricalStats, ColumnProfile, DatetimeStats, NumericStats, Profile,
};
use crate::svg::{self, esc, num};

/// Title and description shown at the top of a report.
#[derive(Debug, Clone, Default)]
pub struct ReportMeta {
    /// The report's title.
    pub title: String,
    /// What the report is about.
    pub description: Option<String>,
    /// The dataset's name.
    pub dataset: String,
    /// When the profile was made (shown as given).
    pub generated_at: String,
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f6f7f9;color:#1d2433}\
header{background:#1d2433;color:#fff;padding:24px 32px}header h1{margin:0 0 6px}header p{margin:2px 0;opacity:.85}\
main{padding:16px 32px;max-width:1200px}section{background:#fff;border-radius:8px;padding:16px 20px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}\
h2{margin-top:0}table{border-collapse:collapse;font-size:14px}td,th{padding:3px 12px 3px 0;text-align:left;vertical-align:top}th{color:#555;font-weight:500}\
.grid{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}.kind{display:inline-block;background:#e8eefc;color:#2b4fa8;border-radius:4px;padding:1px 8px;font-size:12px;margin-left:8px}\
.warn li{margin:3px 0}.tag{display:inline-block;min-width:120px;font-size:12px;font-weight:600;color:#a33}\
.note{background:#fff6e0;border-left:4px solid #e0a800;padding:8px 12px}nav a{margin-right:12px}";

/// Renders the report page.
pub fn render_html(profile: &Profile, meta: &ReportMeta) -> String {
    let mut budget = profile.max_plots as usize;
    let mut take_plot = || {
        if budget == 0 {
            false
        } else {
            budget -= 1;
            true
        }
    };
    let mut h = String::with_capacity(64 * 1024 + profile.columns.len() * 4096);
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><header><h1>{}</h1>",
        esc(&meta.title),
        esc(&meta.title)
    );
    if let Some(d) = &meta.description {
        let _ = write!(h, "<p>{}</p>", esc(d));
    }
    let _ = write!(
        h,
        "<p>Dataset <b>{}</b> · {} mode · generated {} · profiled in {} ms</p></header><main>\
         <nav><a href=\"#overview\">Overview</a><a href=\"#warnings\">Warnings</a><a href=\"#missing\">Missing values</a>\
         <a href=\"#correlations\">Correlations</a><a href=\"#columns\">Columns</a>{}</nav>",
        esc(&meta.dataset),
        if profile.mode == crate::AnalysisMode::All { "full" } else { "quick" },
        esc(&meta.generated_at),
        profile.duration_ms,
        if profile.target.is_some() { "<a href=\"#target\">Target</a>" } else { "" }
    );
    overview(&mut h, profile);
    warnings(&mut h, profile);
    missing(&mut h, profile, &mut take_plot);
    correlations(&mut h, profile, &mut take_plot);
    target(&mut h, profile, &mut take_plot);
    h.push_str("<section id=\"columns\"><h2>Columns</h2></section>");
    for c in &profile.columns {
        column(&mut h, c, &mut take_plot);
    }
    h.push_str("</main></body></html>");
    h
}

fn row(h: &mut String, k: &str, v: &str) {
    let _ = write!(h, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
}

fn overview(h: &mut String, p: &Profile) {
    let o = &p.overview;
    h.push_str("<section id=\"overview\"><h2>Overview</h2><div class=\"grid\"><table>");
    row(h, "Rows", &o.rows.to_string());
    row(h, "Columns", &o.columns.to_string());
    row(
        h,
        "Missing cells",
        &format!("{} ({:.2}%)", o.missing_cells, o.missing_cells_pct),
    );
    row(
        h,
        "Duplicate rows",
        &format!("{} ({:.2}%)", o.duplicate_rows, o.duplicate_rows_pct),
    );
    row(
        h,
        "Memory",
        &format!("{:.1} MiB", o.memory_bytes as f64 / 1_048_576.0),
    );
    h.push_str("</table><table>");
    for (kind, n) in &o.types {
        row(h, kind, &n.to_string());
    }
    h.push_str("</table></div>");
    if p.sample.method != "none" {
        let _ = write!(
            h,
            "<p class=\"note\">Profiled {} of {} rows ({} sample{}). {}</p>",
            p.sample.rows_profiled,
            p.sample.population_rows,
            esc(&p.sample.method),
            p.sample
                .seed
                .map(|s| format!(", seed {s}"))
                .unwrap_or_default(),
            esc(p.sample.reason.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</section>");
}

fn warnings(h: &mut String, p: &Profile) {
    let _ = write!(
        h,
        "<section id=\"warnings\"><h2>Warnings ({})</h2>",
        p.warnings.len()
    );
    if p.warnings.is_empty() {
        h.push_str("<p>None.</p>");
    } else {
        h.push_str("<ul class=\"warn\">");
        for w in &p.warnings {
            let kind = serde_json::to_value(w.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = write!(
                h,
                "<li><span class=\"tag\">{}</span>{}</li>",
                esc(&kind.to_uppercase()),
                esc(&w.message)
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("</section>");
}

fn missing(h: &mut String, p: &Profile, take_plot: &mut dyn FnMut() -> bool) {
    h.push_str("<section id=\"missing\"><h2>Missing values</h2>");
    let items: Vec<(String, f64, String)> = p
        .columns
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.missing_pct,
                format!("{} ({:.1}%)", c.missing, c.missing_pct),
            )
        })
        .collect();
    if p.overview.missing_cells == 0 {
        h.push_str("<p>No missing values.</p>");
    } else if take_plot() {
        h.push_str(&svg::bars(
            "Missing values per column (percent)",
            &items,
            100.0,
        ));
    } else {
        table_of(h, &items);
    }
    h.push_str("</section>");
}

fn table_of(h: &mut String, items: &[(String, f64, String)]) {
    h.push_str("<table>");
    for (k, _, v) in items {
        row(h, k, v);
    }
    h.push_str("</table>");
}

fn correlations(h: &mut String, p: &Profile, take_plot: &mut dyn FnMut() -> bool) {
    h.push_str("<section id=\"correlations\"><h2>Correlations</h2>");
    let Some(c) = &p.correlations else {
        h.push_str("<p>Not computed in quick mode.</p></section>");
        return;
    };
    let mut any = false;
    for (name, m) in [
        ("Pearson", &c.pearson),
        ("Spearman", &c.spearman),
        ("Cramér's V", &c.cramers_v),
    ] {
        let Some(m) = m else { continue };
        any = true;
        let _ = write!(h, "<h3>{}</h3>", esc(name));
        if take_plot() {
            h.push_str(&svg::heatmap(
                &format!("{name} correlation"),
                &m.columns,
                &m.values,
            ));
        } else {
            let _ = write!(
                h,
                "<p>{} columns (plot omitted: max_plots reached).</p>",
                m.columns.len()
            );
        }
    }
    if !any {
        h.push_str("<p>Fewer than two comparable columns.</p>");
    }
    h.push_str("</section>");
}

fn target(h: &mut String, p: &Profile, take_plot: &mut dyn FnMut() -> bool) {
    let Some(t) = &p.target else { return };
    let _ = write!(
        h,
        "<section id=\"target\"><h2>Target: {} ({})</h2>",
        esc(&t.column),
        esc(&t.task)
    );
    if let Some(classes) = &t.classes {
        let items: Vec<(String, f64, String)> = classes
            .iter()
            .map(|v| {
                (
                    v.value.clone(),
                    v.pct,
                    format!("{} ({:.1}%)", v.count, v.pct),
                )
            })
            .collect();
        if take_plot() {
            h.push_str(&svg::bars("Target classes", &items, 100.0));
        } else {
            table_of(h, &items);
        }
    } else if let Some(bins) = t.histogram.as_ref().filter(|b| !b.is_empty()) {
        if take_plot() {
            let counts: Vec<u64> = bins.iter().map(|b| b.count).collect();
            let edges = (bins[0].start, bins[bins.len() - 1].end);
            h.push_str(&svg::histogram("Target distribution", edges, &counts));
        }
    }
    if !t.associations.is_empty() {
        h.push_str("<h3>Association with the target</h3><table><tr><th>Feature</th><th>Method</th><th>Value</th></tr>");
        for a in &t.associations {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{:.3}</td></tr>",
                esc(&a.column),
                esc(&a.method),
                a.value
            );
        }
        h.push_str("</table>");
    }
    h.push_str("</section>");
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), num)
}

fn column(h: &mut String, c: &ColumnProfile, take_plot: &mut dyn FnMut() -> bool) {
    let _ = write!(
        h,
        "<section><h3>{}<span class=\"kind\">{}</span><span class=\"kind\">{}</span></h3><div class=\"grid\"><table>",
        esc(&c.name),
        c.kind.as_str(),
        esc(&c.dtype)
    );
    row(h, "Count", &c.count.to_string());
    row(
        h,
        "Missing",
        &format!("{} ({:.2}%)", c.missing, c.missing_pct),
    );
    row(
        h,
        "Distinct",
        &format!("{} ({:.2}%)", c.distinct, c.distinct_pct),
    );
    row(h, "Unique", if c.is_unique { "yes" } else { "no" });
    let plots = [
        c.numeric
            .as_ref()
            .and_then(|n| numeric_rows(h, &c.name, n, take_plot)),
        c.categorical
            .as_ref()
            .and_then(|s| categorical_rows(h, &c.name, s, take_plot)),
        c.datetime
            .as_ref()
            .and_then(|d| datetime_rows(h, &c.name, d, take_plot)),
        c.boolean
            .as_ref()
            .and_then(|b| boolean_rows(h, &c.name, b, take_plot)),
    ];
    // a column has one kind; were there several, the last plot drawn is shown
    let plot = plots.into_iter().flatten().last().unwrap_or_default();
    let _ = write!(h, "</table><div>{plot}</div></div></section>");
}

/// A numeric column's statistics rows and, when plots remain, its histogram.
fn numeric_rows(
    h: &mut String,
    name: &str,
    n: &NumericStats,
    take_plot: &mut dyn FnMut() -> bool,
) -> Option<String> {
    let mut plot = None;
    row(h, "Mean", &opt(n.mean));
    row(h, "Std", &opt(n.std));
    row(h, "Min", &opt(n.min));
    if let Some(q) = &n.quantiles {
        row(h, "5%", &num(q.p5));
        row(h, "25%", &num(q.p25));
        row(h, "Median", &num(q.p50));
        row(h, "75%", &num(q.p75));
        row(h, "95%", &num(q.p95));
    }
    row(h, "Max", &opt(n.max));
    row(h, "IQR", &opt(n.iqr));
    row(h, "Skewness", &opt(n.skewness));
    row(h, "Kurtosis", &opt(n.kurtosis));
    row(h, "Zeros", &format!("{} ({:.2}%)", n.zeros, n.zeros_pct));
    row(
        h,
        "Negatives",
        &format!("{} ({:.2}%)", n.negatives, n.negatives_pct),
    );
    row(h, "Outliers (IQR)", &n.outliers.to_string());
    if let Some(bins) = n.histogram.as_ref().filter(|b| !b.is_empty()) {
        if take_plot() {
            let counts: Vec<u64> = bins.iter().map(|b| b.count).collect();
            plot = Some(svg::histogram(
                &format!("Histogram of {}", name),
                (bins[0].start, bins[bins.len() - 1].end),
                &counts,
            ));
        }
    }
    plot
}

/// A text column's length and top values (a bar chart when plots remain, else a table).
fn categorical_rows(
    h: &mut String,
    name: &str,
    s: &CategoricalStats,
    take_plot: &mut dyn FnMut() -> bool,
) -> Option<String> {
    let mut plot = None;
    row(
        h,
        "Length min / mean / max",
        &format!("{} / {:.1} / {}", s.min_length, s.mean_length, s.max_length),
    );
    if let Some(i) = s.imbalance {
        row(h, "Imbalance", &format!("{i:.2}"));
    }
    if let Some(top) = s.top_values.as_ref().filter(|t| !t.is_empty()) {
        let items: Vec<(String, f64, String)> = top
            .iter()
            .map(|v| {
                (
                    v.value.clone(),
                    v.pct,
                    format!("{} ({:.1}%)", v.count, v.pct),
                )
            })
            .collect();
        if take_plot() {
            let scale = top.first().map_or(100.0, |v| v.pct);
            plot = Some(svg::bars(&format!("Top values of {}", name), &items, scale));
        } else {
            let mut t = String::new();
            table_of(&mut t, &items);
            plot = Some(t);
        }
    }
    plot
}

/// A date column's range and, when plots remain, its months and weekdays.
fn datetime_rows(
    h: &mut String,
    name: &str,
    d: &DatetimeStats,
    take_plot: &mut dyn FnMut() -> bool,
) -> Option<String> {
    let mut plot = None;
    row(h, "Min", d.min.as_deref().unwrap_or("–"));
    row(h, "Max", d.max.as_deref().unwrap_or("–"));
    row(
        h,
        "Range",
        &d.range_days
            .map_or_else(|| "–".into(), |r| format!("{r:.1} days")),
    );
    if let (Some(months), Some(days)) = (&d.by_month, &d.by_weekday) {
        if take_plot() {
            let m: Vec<(String, f64, String)> = months
                .iter()
                .map(|v| (v.value.clone(), v.pct, v.count.to_string()))
                .collect();
            let w: Vec<(String, f64, String)> = days
                .iter()
                .map(|v| (v.value.clone(), v.pct, v.count.to_string()))
                .collect();
            let scale = m.iter().chain(&w).map(|v| v.1).fold(0.0, f64::max);
            plot = Some(
                svg::bars(&format!("{} by month", name), &m, scale)
                    + &svg::bars(&format!("{} by weekday", name), &w, scale),
            );
        }
    }
    plot
}

/// A boolean column's counts and, when plots remain, their bars.
fn boolean_rows(
    h: &mut String,
    name: &str,
    b: &BooleanStats,
    take_plot: &mut dyn FnMut() -> bool,
) -> Option<String> {
    let mut plot = None;
    row(h, "True", &format!("{} ({:.1}%)", b.true_count, b.true_pct));
    row(h, "False", &b.false_count.to_string());
    if take_plot() {
        let n = (b.true_count + b.false_count).max(1) as f64;
        let items = vec![
            (
                "true".to_owned(),
                b.true_count as f64 * 100.0 / n,
                b.true_count.to_string(),
            ),
            (
                "false".to_owned(),
                b.false_count as f64 * 100.0 / n,
                b.false_count.to_string(),
            ),
        ];
        plot = Some(svg::bars(&format!("Values of {}", name), &items, 100.0));
    }
    plot
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{profile, ProfileOptions};
    use polars::prelude::*;

    #[test]
    fn report_is_self_contained_and_bounded() {
        let df = df!(
            "x" => [1.0, 2.0, 3.0, 4.0, 100.0],
            "y" => [2.0, 4.0, 6.0, 8.0, 10.0],
            "<b>name</b>" => ["a", "b", "a", "c", "a"],
            "flag" => [true, false, true, true, true]
        )
        .unwrap();
        let p = profile(
            &df,
            &ProfileOptions {
                max_plots: 2,
                ..Default::default()
            },
        )
        .unwrap();
        let meta = ReportMeta {
            title: "T <1>".into(),
            dataset: "d".into(),
            ..Default::default()
        };
        let html = render_html(&p, &meta);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(!html.contains("<script"), "no scripts");
        assert!(
            !html.contains("src=") && !html.contains("href=\"http") && !html.contains("@import"),
            "no external resources"
        );
        assert!(html.contains("&lt;b&gt;name&lt;/b&gt;"), "names escaped");
        assert_eq!(
            html.matches("<svg").count(),
            2,
            "max_plots bounds the plots"
        );
    }
}
