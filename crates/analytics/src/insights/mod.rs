//! Insights a person can read, computed from a measure: summary statistics; a trend (the
//! least-squares slope with its p-value, confirmed by Mann-Kendall, so only a significant
//! monotonic trend is reported); anomalies (robust z-scores on the median and MAD, a daily
//! series first adjusted by its weekday pattern); top and bottom performers by a dimension with
//! their shares; and the change against the previous period, with the dimension that drove it.
//! Each insight has a type, a severity and a sentence.

pub mod stats;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::{json, Value as Json};

use crate::svg::num;

/// How much an insight matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Context.
    Info,
    /// Worth a look.
    Notice,
    /// Needs attention.
    Warning,
    /// Needs action.
    Critical,
}

/// One insight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Insight {
    /// summary, trend, anomaly, top_performers, bottom_performers or period_change.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// How much it matters.
    pub severity: Severity,
    /// A short headline.
    pub title: String,
    /// A sentence a person can read.
    pub message: String,
    /// The numbers behind it.
    pub data: Json,
}

/// One point of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// As shown (`2026-11-27`).
    pub label: String,
    /// The day, for daily series (weekday adjustment).
    pub date: Option<NaiveDate>,
    /// The value.
    pub value: f64,
}

/// What insights are computed from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subject {
    /// The measure's name as people read it (`revenue`).
    pub measure: String,
    /// The measure over time, in order (may be empty).
    pub series: Vec<Point>,
    /// Whether the series is daily (weekday adjustment, week-over-week change).
    pub daily: bool,
    /// The dimension the breakdown is by (`category`).
    pub dimension: Option<String>,
    /// The measure by the dimension's values (may be empty).
    pub breakdown: Vec<(String, f64)>,
    /// The same breakdown over the previous period (may be empty).
    pub previous_breakdown: Vec<(String, f64)>,
    /// The current and previous period's totals, when the query compared them.
    pub totals: Option<(f64, f64)>,
    /// Raw values when there is neither a series nor a breakdown (a dataset's column).
    pub values: Vec<f64>,
}

/// Points flagged as anomalies beyond this robust z.
pub const ANOMALY_Z: f64 = 3.5;
/// A trend is reported when both tests agree below this p-value.
pub const TREND_P: f64 = 0.01;

fn pct(part: f64, whole: f64) -> f64 {
    if whole == 0.0 {
        0.0
    } else {
        part / whole * 100.0
    }
}

fn pct_text(v: f64) -> String {
    format!("{}%", num((v * 10.0).round() / 10.0))
}

fn summary(measure: &str, values: &[f64], what: &str) -> Option<Insight> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let sum: f64 = values.iter().sum();
    let mean = sum / n as f64;
    let median = stats::median(values).unwrap_or(mean);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    Some(Insight {
        kind: "summary",
        severity: Severity::Info,
        title: format!("{measure} at a glance"),
        message: format!(
            "{} totals {} over {n} {what}; a typical one is {} (median), from {} to {}.",
            capitalise(measure),
            num(sum),
            num(median),
            num(min),
            num(max)
        ),
        data: json!({"count": n, "sum": sum, "mean": mean, "median": median, "min": min, "max": max, "std_dev": sd}),
    })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn trend(s: &Subject) -> Option<Insight> {
    let values: Vec<f64> = s.series.iter().map(|p| p.value).collect();
    if values.len() < 6 {
        return None;
    }
    let line = stats::least_squares(&values)?;
    let mk = stats::mann_kendall(&values)?;
    let agree = line.slope.signum() == mk.z.signum() && line.slope != 0.0;
    if !(line.p_value < TREND_P && mk.p_value < TREND_P && agree) {
        return None;
    }
    let step = if s.daily { "day" } else { "period" };
    let start = line.intercept;
    let end = line.intercept + line.slope * (values.len() - 1) as f64;
    let change = if start.abs() > f64::EPSILON {
        Some(pct(end - start, start.abs()))
    } else {
        None
    };
    let rising = line.slope > 0.0;
    let message = format!(
        "{} is {}: about {}{} per {step} (p {}), {}.",
        capitalise(&s.measure),
        if rising { "rising" } else { "falling" },
        if rising { "+" } else { "" },
        num(line.slope),
        if line.p_value < 0.001 {
            "< 0.001".to_owned()
        } else {
            format!("= {}", num((line.p_value * 1000.0).round() / 1000.0))
        },
        match change {
            Some(c) => format!(
                "{} {} over the {} shown",
                if rising { "up" } else { "down" },
                pct_text(c.abs()),
                if s.daily { "days" } else { "periods" }
            ),
            None => "a steady change".to_owned(),
        }
    );
    Some(Insight {
        kind: "trend",
        severity: if rising {
            Severity::Notice
        } else {
            Severity::Warning
        },
        title: format!(
            "{} {}",
            capitalise(&s.measure),
            if rising { "rising" } else { "falling" }
        ),
        message,
        data: json!({"direction": if rising { "up" } else { "down" }, "slope": line.slope, "intercept": line.intercept,
            "r2": line.r2, "p_value": line.p_value, "mann_kendall": {"s": mk.s, "tau": mk.tau, "z": mk.z, "p_value": mk.p_value},
            "change_pct": change}),
    })
}

/// Residuals of a daily series from its weekday pattern (each weekday's median), around the
/// overall median, so a Monday is compared with Mondays.
fn weekday_adjusted(points: &[Point]) -> Option<(Vec<f64>, Vec<f64>)> {
    if points.len() < 21 || points.iter().any(|p| p.date.is_none()) {
        return None;
    }
    let mut by_day: [Vec<f64>; 7] = Default::default();
    for p in points {
        if let Some(d) = p.date {
            by_day[d.weekday().num_days_from_monday() as usize].push(p.value);
        }
    }
    let medians: Vec<f64> = by_day
        .iter()
        .map(|v| stats::median(v).unwrap_or(0.0))
        .collect();
    let all: Vec<f64> = points.iter().map(|p| p.value).collect();
    let overall = stats::median(&all)?;
    let expected: Vec<f64> = points
        .iter()
        .map(|p| {
            p.date
                .map(|d| medians[d.weekday().num_days_from_monday() as usize])
                .unwrap_or(overall)
        })
        .collect();
    let residuals = all
        .iter()
        .zip(&expected)
        .map(|(v, e)| v - e + overall)
        .collect();
    Some((residuals, expected))
}

fn anomalies(s: &Subject) -> Vec<Insight> {
    let (labels, values, expected, adjusted): (Vec<String>, Vec<f64>, Vec<f64>, bool) =
        if !s.series.is_empty() {
            let values: Vec<f64> = s.series.iter().map(|p| p.value).collect();
            let labels: Vec<String> = s.series.iter().map(|p| p.label.clone()).collect();
            // the weekday pattern is used only where there is one: its weekdays' medians must
            // differ by at least three times the series' spread (noise alone would otherwise be
            // adjusted into anomalies)
            let spread = |v: &[f64]| {
                let m = stats::median(v).unwrap_or(0.0);
                stats::median(&v.iter().map(|x| (x - m).abs()).collect::<Vec<_>>()).unwrap_or(0.0)
            };
            let seasonal = s
                .daily
                .then(|| weekday_adjusted(&s.series))
                .flatten()
                .filter(|(_, expected)| {
                    let hi = expected.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let lo = expected.iter().copied().fold(f64::INFINITY, f64::min);
                    hi - lo >= 3.0 * spread(&values)
                });
            match seasonal {
                Some((residuals, expected)) => {
                    let z = stats::robust_z(&residuals);
                    return flag(s, &labels, &values, &expected, &z, true);
                }
                None => {
                    let med = stats::median(&values).unwrap_or(0.0);
                    (labels, values.clone(), vec![med; values.len()], false)
                }
            }
        } else if !s.values.is_empty() {
            let med = stats::median(&s.values).unwrap_or(0.0);
            let labels = (1..=s.values.len()).map(|i| format!("row {i}")).collect();
            (labels, s.values.clone(), vec![med; s.values.len()], false)
        } else {
            return Vec::new();
        };
    if values.len() < 8 {
        return Vec::new();
    }
    let z = stats::robust_z(&values);
    flag(s, &labels, &values, &expected, &z, adjusted)
}

fn flag(
    s: &Subject,
    labels: &[String],
    values: &[f64],
    expected: &[f64],
    z: &[f64],
    by_weekday: bool,
) -> Vec<Insight> {
    let mut flagged: Vec<usize> = (0..z.len()).filter(|i| z[*i].abs() > ANOMALY_Z).collect();
    flagged.sort_by(|a, b| z[*b].abs().total_cmp(&z[*a].abs()));
    flagged
        .into_iter()
        .take(5)
        .map(|i| {
            let above = z[i] > 0.0;
            let usual = if by_weekday {
                let day = s.series.get(i).and_then(|p| p.date).map(|d| d.format("%A").to_string());
                format!("the usual {} for a {}", num(expected[i]), day.unwrap_or_default())
            } else {
                format!("the usual {}", num(expected[i]))
            };
            Insight {
                kind: "anomaly",
                severity: if z[i].abs() > 2.0 * ANOMALY_Z {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                title: format!("Unusual {} at {}", s.measure, labels[i]),
                message: format!(
                    "At {} {} was {}, far {} {} (robust z {}).",
                    labels[i],
                    s.measure,
                    num(values[i]),
                    if above { "above" } else { "below" },
                    usual,
                    num((z[i] * 10.0).round() / 10.0)
                ),
                data: json!({"at": labels[i], "value": values[i], "expected": expected[i], "robust_z": z[i], "weekday_adjusted": by_weekday}),
            }
        })
        .collect()
}

fn performers(s: &Subject) -> Vec<Insight> {
    let mut items: Vec<(String, f64)> = s
        .breakdown
        .iter()
        .filter(|(_, v)| v.is_finite())
        .cloned()
        .collect();
    if items.len() < 2 {
        return Vec::new();
    }
    items.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total: f64 = items.iter().map(|(_, v)| v).sum();
    let dim = s.dimension.clone().unwrap_or_else(|| "group".into());
    let share = |v: f64| pct(v, total);
    let top: Vec<&(String, f64)> = items.iter().take(3).collect();
    let mut message = format!(
        "{} leads {} with {} of {} ({})",
        top[0].0,
        dim,
        pct_text(share(top[0].1)),
        s.measure,
        num(top[0].1)
    );
    let rest: Vec<String> = top[1..]
        .iter()
        .map(|(l, v)| format!("{l} ({})", pct_text(share(*v))))
        .collect();
    if !rest.is_empty() {
        message.push_str(&format!(", followed by {}", rest.join(" and ")));
    }
    message.push('.');
    let mut out = vec![Insight {
        kind: "top_performers",
        severity: Severity::Info,
        title: format!("Top {dim} by {}", s.measure),
        message,
        data: json!({"dimension": dim, "total": total, "items": top.iter().map(|(l, v)| json!({"label": l, "value": v, "share_pct": share(*v)})).collect::<Vec<_>>()}),
    }];
    if items.len() >= 4 {
        let bottom: Vec<&(String, f64)> = items.iter().rev().take(2).collect();
        out.push(Insight {
            kind: "bottom_performers",
            severity: Severity::Info,
            title: format!("Smallest {dim} by {}", s.measure),
            message: format!(
                "{} contributes least: {} of {} ({}).",
                bottom[0].0,
                pct_text(share(bottom[0].1)),
                s.measure,
                num(bottom[0].1)
            ),
            data: json!({"dimension": dim, "total": total, "items": bottom.iter().map(|(l, v)| json!({"label": l, "value": v, "share_pct": share(*v)})).collect::<Vec<_>>()}),
        });
    }
    out
}

fn period_change(s: &Subject) -> Option<Insight> {
    let (current, previous, span) = match s.totals {
        Some((c, p)) => (c, p, "over the previous period".to_owned()),
        None if s.daily && s.series.len() >= 14 => {
            let n = s.series.len();
            let sum = |r: std::ops::Range<usize>| s.series[r].iter().map(|p| p.value).sum::<f64>();
            (
                sum(n - 7..n),
                sum(n - 14..n - 7),
                "week over week".to_owned(),
            )
        }
        None if s.series.len() >= 2 => {
            let n = s.series.len();
            (
                s.series[n - 1].value,
                s.series[n - 2].value,
                format!(
                    "from {} to {}",
                    s.series[n - 2].label,
                    s.series[n - 1].label
                ),
            )
        }
        None => return None,
    };
    if previous == 0.0 && current == 0.0 {
        return None;
    }
    let change = current - previous;
    let change_pct = (previous != 0.0).then(|| pct(change, previous.abs()));
    let verb = if change >= 0.0 { "grew" } else { "fell" };
    let mut message = match change_pct {
        Some(p) => format!(
            "{} {verb} {} {span} (from {} to {})",
            capitalise(&s.measure),
            pct_text(p.abs()),
            num(previous),
            num(current)
        ),
        None => format!(
            "{} {verb} from 0 to {} {span}",
            capitalise(&s.measure),
            num(current)
        ),
    };
    // which value of the dimension drove the change
    let mut driver = Json::Null;
    if !s.previous_breakdown.is_empty() && change != 0.0 {
        let before: std::collections::HashMap<&str, f64> = s
            .previous_breakdown
            .iter()
            .map(|(l, v)| (l.as_str(), *v))
            .collect();
        let best = s
            .breakdown
            .iter()
            .map(|(l, v)| (l, v - before.get(l.as_str()).copied().unwrap_or(0.0)))
            .filter(|(_, d)| d.signum() == change.signum())
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
        if let Some((label, delta)) = best {
            let share = pct(delta, change);
            message.push_str(&format!("; {label} drove {} of it", pct_text(share)));
            driver = json!({"label": label, "change": delta, "share_pct": share});
        }
    }
    message.push('.');
    let big = change_pct.is_some_and(|p| p.abs() >= 20.0);
    Some(Insight {
        kind: "period_change",
        severity: match (big, change < 0.0) {
            (true, true) => Severity::Warning,
            (true, false) => Severity::Notice,
            _ => Severity::Info,
        },
        title: format!("{} {verb} {span}", capitalise(&s.measure)),
        message,
        data: json!({"current": current, "previous": previous, "change": change, "change_pct": change_pct, "driver": driver}),
    })
}

/// Up to `max_rows` numeric values of `column` of the Parquet file at `path`, in file order,
/// missing ones left out; an unknown or non-numeric column is the caller's mistake.
pub fn column_values(
    path: &std::path::Path,
    column: &str,
    max_rows: u32,
) -> crate::error::Result<Vec<f64>> {
    use polars::prelude::*;
    let lf = LazyFrame::scan_parquet(
        PlRefPath::new(path.to_string_lossy().as_ref()),
        ScanArgsParquet::default(),
    )?;
    let mut lf = lf;
    let schema = lf.collect_schema()?;
    let Some(dtype) = schema.get(column) else {
        return Err(crate::error::AnalyticsError::InvalidRequest(format!(
            "the dataset has no column '{column}'"
        )));
    };
    if !dtype.is_primitive_numeric() {
        return Err(crate::error::AnalyticsError::InvalidRequest(format!(
            "column '{column}' is {dtype}, not a number"
        )));
    }
    let frame = lf
        .select([Expr::Column(column.into()).cast(DataType::Float64)])
        .limit(max_rows)
        .collect()?;
    let values = frame.column(column)?.f64()?;
    Ok(values.iter().flatten().filter(|v| v.is_finite()).collect())
}

/// Every insight the subject supports, most important kinds first.
pub fn insights(s: &Subject) -> Vec<Insight> {
    let mut out = Vec::new();
    let (values, what): (Vec<f64>, &str) = if !s.series.is_empty() {
        (
            s.series.iter().map(|p| p.value).collect(),
            if s.daily { "days" } else { "periods" },
        )
    } else if !s.breakdown.is_empty() {
        (s.breakdown.iter().map(|(_, v)| *v).collect(), "groups")
    } else {
        (s.values.clone(), "rows")
    };
    out.extend(period_change(s));
    out.extend(trend(s));
    out.extend(anomalies(s));
    out.extend(performers(s));
    out.extend(summary(&s.measure, &values, what));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn daily(values: &[f64]) -> Subject {
        let start = NaiveDate::from_ymd_opt(2026, 10, 5).unwrap_or_default();
        Subject {
            measure: "revenue".into(),
            daily: true,
            series: values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let d = start + chrono::Duration::days(i as i64);
                    Point {
                        label: d.to_string(),
                        date: Some(d),
                        value: *v,
                    }
                })
                .collect(),
            ..Subject::default()
        }
    }

    /// Independent uniform noise in [-1, 1), the same for a seed.
    fn noise(n: usize, seed: u64) -> Vec<f64> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect()
    }

    fn kinds(i: &[Insight]) -> Vec<&'static str> {
        i.iter().map(|x| x.kind).collect()
    }

    #[test]
    fn a_known_slope_is_found_with_its_sign() {
        let e = noise(60, 7);
        let up: Vec<f64> = (0..60)
            .map(|i| 100.0 + 3.0 * i as f64 + 10.0 * e[i])
            .collect();
        let found = insights(&daily(&up));
        let t = found.iter().find(|i| i.kind == "trend").expect("a trend");
        assert_eq!(t.data["direction"], "up");
        assert!(
            (t.data["slope"].as_f64().unwrap() - 3.0).abs() < 0.3,
            "{t:?}"
        );
        assert!(
            t.message.starts_with("Revenue is rising: about +3"),
            "{}",
            t.message
        );
        let down: Vec<f64> = up.iter().rev().copied().collect();
        let t = insights(&daily(&down))
            .into_iter()
            .find(|i| i.kind == "trend")
            .unwrap();
        assert_eq!(
            (t.data["direction"].as_str(), t.severity),
            (Some("down"), Severity::Warning)
        );
    }

    #[test]
    fn pure_noise_reports_no_trend_and_no_anomaly() {
        // a test at 1% reports a trend in about one noise series of a hundred: over 200 series,
        // no anomaly ever, and a trend in at most 2% of them
        let mut trends = 0;
        for seed in 0..200 {
            let v: Vec<f64> = noise(90, seed).iter().map(|e| 500.0 + 50.0 * e).collect();
            let found = insights(&daily(&v));
            assert!(
                !kinds(&found).contains(&"anomaly"),
                "seed {seed}: {found:?}"
            );
            trends += usize::from(kinds(&found).contains(&"trend"));
        }
        assert!(trends <= 4, "{trends} of 200 noise series reported a trend");
        // and these do not
        for seed in [1, 2, 3] {
            let v: Vec<f64> = noise(90, seed).iter().map(|e| 500.0 + 50.0 * e).collect();
            assert!(
                !kinds(&insights(&daily(&v))).contains(&"trend"),
                "seed {seed}"
            );
        }
    }

    #[test]
    fn a_planted_anomaly_is_flagged_against_its_weekday() {
        // weekends are three times weekdays; a Tuesday as high as a Saturday is the anomaly,
        // though a Saturday of that size is not
        let e = noise(56, 3);
        let mut v: Vec<f64> = (0..56)
            .map(|i| {
                let weekend = matches!(i % 7, 5 | 6);
                (if weekend { 300.0 } else { 100.0 }) + 5.0 * e[i]
            })
            .collect();
        v[29] = 300.0; // 2026-11-03, a Tuesday
        let found = insights(&daily(&v));
        let a: Vec<&Insight> = found.iter().filter(|i| i.kind == "anomaly").collect();
        assert_eq!(a.len(), 1, "{found:?}");
        assert_eq!(a[0].data["at"], "2026-11-03");
        assert!(a[0].message.contains("for a Tuesday"), "{}", a[0].message);
    }

    #[test]
    fn the_top_performer_and_the_driver_of_a_change_are_named() {
        let s = Subject {
            measure: "revenue".into(),
            dimension: Some("category".into()),
            breakdown: vec![
                ("books".into(), 200.0),
                ("electronics".into(), 600.0),
                ("toys".into(), 150.0),
                ("garden".into(), 50.0),
            ],
            previous_breakdown: vec![
                ("books".into(), 180.0),
                ("electronics".into(), 480.0),
                ("toys".into(), 150.0),
                ("garden".into(), 40.0),
            ],
            totals: Some((1000.0, 850.0)),
            ..Subject::default()
        };
        let found = insights(&s);
        let top = found.iter().find(|i| i.kind == "top_performers").unwrap();
        assert!(
            top.message
                .starts_with("electronics leads category with 60% of revenue"),
            "{}",
            top.message
        );
        let bottom = found
            .iter()
            .find(|i| i.kind == "bottom_performers")
            .unwrap();
        assert!(
            bottom.message.starts_with("garden contributes least: 5%"),
            "{}",
            bottom.message
        );
        let change = found.iter().find(|i| i.kind == "period_change").unwrap();
        assert_eq!(change.message, "Revenue grew 17.6% over the previous period (from 850 to 1000); electronics drove 80% of it.");
        assert_eq!(found[0].kind, "period_change");
        assert_eq!(found.last().unwrap().kind, "summary");
    }

    #[test]
    fn a_daily_series_compares_week_over_week() {
        let mut v = vec![100.0; 14];
        for x in v.iter_mut().skip(7) {
            *x = 112.0;
        }
        let c = insights(&daily(&v))
            .into_iter()
            .find(|i| i.kind == "period_change")
            .unwrap();
        assert!(
            c.message.starts_with("Revenue grew 12% week over week"),
            "{}",
            c.message
        );
    }
}
