//! Demand forecast of stock-transfer orders: a linear trend fitted by least squares on the
//! daily series with its weekday pattern taken out, times that weekday pattern (classical
//! multiplicative decomposition). The original service's rule (`original_rule`) is kept to
//! measure against on a held-back week.

use serde::Serialize;

/// One day of orders: how many, the cases they move and their value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Day {
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    /// Orders placed that day.
    pub orders: f64,
    /// Cases ordered.
    pub cases: f64,
    /// Value ordered, in dollars.
    pub value: f64,
}

/// Weekday of a day number: 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
pub fn weekday(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

/// `history` from `first` to `last` inclusive, one entry a day, days without orders as zeros.
pub fn zero_filled(history: &[Day], first: i64, last: i64) -> Vec<Day> {
    let mut out: Vec<Day> = (first..=last)
        .map(|day| Day {
            day,
            orders: 0.0,
            cases: 0.0,
            value: 0.0,
        })
        .collect();
    for d in history {
        if (first..=last).contains(&d.day) {
            let slot = &mut out[(d.day - first) as usize];
            slot.orders += d.orders;
            slot.cases += d.cases;
            slot.value += d.value;
        }
    }
    out
}

/// A fitted series: level and slope per day after the pattern is taken out, and the pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Value of the trend at day 0 of the series.
    pub intercept: f64,
    /// Change of the trend per day.
    pub slope: f64,
    /// Multiplier of each weekday (Monday first), 1.0 on average.
    pub weekday: [f64; 7],
    /// Day number of the series' first day.
    pub first_day: i64,
}

impl Fit {
    /// The fitted value on `day`, never negative.
    pub fn at(&self, day: i64) -> f64 {
        let t = (day - self.first_day) as f64;
        ((self.intercept + self.slope * t) * self.weekday[weekday(day)]).max(0.0)
    }
}

/// Fits trend and weekday pattern to consecutive daily `values` starting at `first_day`: a
/// first line through the raw values, each weekday's mean ratio to that line (with two weeks
/// or more), then the line again through the values with the pattern taken out.
pub fn fit(first_day: i64, values: &[f64]) -> Fit {
    let raw: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64, *v))
        .collect();
    let (slope0, intercept0) = least_squares(&raw);
    let mut weekday = [1.0; 7];
    if values.len() >= 14 {
        let mut sums = [0.0; 7];
        let mut counts = [0.0; 7];
        for (i, v) in values.iter().enumerate() {
            let line = intercept0 + slope0 * i as f64;
            if line > 0.0 {
                let w = weekday_of(first_day, i);
                sums[w] += v / line;
                counts[w] += 1.0;
            }
        }
        if counts.iter().all(|c| *c > 0.0) {
            for w in 0..7 {
                weekday[w] = sums[w] / counts[w];
            }
            let avg = weekday.iter().sum::<f64>() / 7.0;
            if avg > 0.0 {
                for f in &mut weekday {
                    *f /= avg;
                }
            } else {
                weekday = [1.0; 7];
            }
        }
    }
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let f = weekday[weekday_of(first_day, i)];
            (i as f64, if f > 0.0 { v / f } else { *v })
        })
        .collect();
    let (slope, intercept) = least_squares(&points);
    Fit {
        intercept,
        slope,
        weekday,
        first_day,
    }
}

fn weekday_of(first_day: i64, i: usize) -> usize {
    weekday(first_day + i as i64)
}

/// Slope and intercept of the least-squares line through `points` (flat at the mean when the
/// points do not determine one).
fn least_squares(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    if points.is_empty() {
        return (0.0, 0.0);
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx == 0.0 {
        return (0.0, my);
    }
    let slope = sxy / sxx;
    (slope, my - slope * mx)
}

/// A forecast day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Forecast {
    /// Days since 1970-01-01.
    pub day: i64,
    /// Orders expected.
    pub orders: f64,
    /// Cases expected.
    pub cases: f64,
    /// Value expected, in dollars.
    pub value: f64,
}

/// The `ahead` days after the last of `series` (consecutive, zero-filled), forecast from it;
/// empty when it has fewer than 7 days.
pub fn forecast(series: &[Day], ahead: usize) -> Vec<Forecast> {
    let (Some(first), Some(last)) = (series.first(), series.last()) else {
        return Vec::new();
    };
    if series.len() < 7 {
        return Vec::new();
    }
    let column = |f: fn(&Day) -> f64| series.iter().map(f).collect::<Vec<f64>>();
    let orders = fit(first.day, &column(|d| d.orders));
    let cases = fit(first.day, &column(|d| d.cases));
    let value = fit(first.day, &column(|d| d.value));
    (1..=ahead as i64)
        .map(|h| {
            let day = last.day + h;
            Forecast {
                day,
                orders: orders.at(day),
                cases: cases.at(day),
                value: value.at(day),
            }
        })
        .collect()
}

/// The original service's forecast of order counts, for comparison: the mean of the last 7
/// days that had orders, grown by the change against the 7 before (capped to ±20 %) as
/// `1 + growth × i / 7`, times fixed weekday factors (Sun 0.7, Sat 0.8, Tue–Thu 1.1, else 1).
pub fn original_rule(days_with_orders: &[Day], ahead: usize) -> Vec<Forecast> {
    let n = days_with_orders.len();
    if n < 7 {
        return Vec::new();
    }
    let last7 = &days_with_orders[n - 7..];
    let mean = |s: &[Day]| s.iter().map(|d| d.orders).sum::<f64>() / s.len() as f64;
    let recent = mean(last7);
    let growth = if n >= 14 {
        let before = mean(&days_with_orders[n - 14..n - 7]);
        if before > 0.0 {
            ((recent - before) / before).clamp(-0.2, 0.2)
        } else {
            0.0
        }
    } else {
        0.0
    };
    let last = days_with_orders[n - 1].day;
    (1..=ahead as i64)
        .map(|i| {
            let day = last + i;
            let factor = match weekday(day) {
                6 => 0.7,
                5 => 0.8,
                1..=3 => 1.1,
                _ => 1.0,
            };
            let orders = (recent * (1.0 + growth * i as f64 / 7.0) * factor)
                .max(1.0)
                .floor();
            Forecast {
                day,
                orders,
                cases: 0.0,
                value: 0.0,
            }
        })
        .collect()
}

/// Mean absolute error of forecast order counts against what happened.
pub fn mean_absolute_error(forecast: &[Forecast], actual: &[Day]) -> f64 {
    let pairs: Vec<(f64, f64)> = forecast
        .iter()
        .filter_map(|f| {
            actual
                .iter()
                .find(|a| a.day == f.day)
                .map(|a| (f.orders, a.orders))
        })
        .collect();
    if pairs.is_empty() {
        return 0.0;
    }
    pairs.iter().map(|(f, a)| (f - a).abs()).sum::<f64>() / pairs.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 12 weeks of a weekly rhythm (busy midweek, quiet Sunday) on a rising trend, with noise.
    fn demo(first: i64, days: usize) -> Vec<Day> {
        let pattern = [1.0, 1.2, 1.3, 1.2, 1.0, 0.6, 0.3];
        (0..days)
            .map(|i| {
                let day = first + i as i64;
                let trend = 40.0 + 0.2 * i as f64;
                let noise = ((i * 7919) % 11) as f64 - 5.0;
                let orders = (trend * pattern[weekday(day)] + noise).max(0.0).round();
                Day {
                    day,
                    orders,
                    cases: orders * 10.0,
                    value: orders * 250.0,
                }
            })
            .collect()
    }

    #[test]
    fn weekdays_count_from_monday() {
        assert_eq!(weekday(0), 3, "1970-01-01 was a Thursday");
        assert_eq!(weekday(20_458), 0, "2026-01-05 is a Monday");
    }

    #[test]
    fn an_exact_weekly_pattern_on_a_line_is_recovered() {
        let pattern = [1.0, 1.2, 1.3, 1.2, 1.0, 0.6, 0.7];
        let avg: f64 = pattern.iter().sum::<f64>() / 7.0;
        let first = 20_458; // a Monday
        let values: Vec<f64> = (0..56)
            .map(|i| (100.0 + 2.0 * i as f64) * pattern[i % 7] / avg)
            .collect();
        let f = fit(first, &values);
        assert!((f.slope - 2.0).abs() < 0.2, "{f:?}");
        for (w, p) in pattern.iter().enumerate() {
            assert!((f.weekday[w] - p / avg).abs() < 0.05, "{w}: {f:?}");
        }
        let next = first + 56;
        assert!((f.at(next) - (100.0 + 2.0 * 56.0) * pattern[0] / avg).abs() < 5.0);
    }

    #[test]
    fn it_beats_the_original_rule_on_a_held_back_week() {
        let first = 20_458;
        let all = demo(first, 91);
        let (train, held) = all.split_at(84);
        let ours = forecast(train, 7);
        let with_orders: Vec<Day> = train.iter().copied().filter(|d| d.orders > 0.0).collect();
        let theirs = original_rule(&with_orders, 7);
        let (a, b) = (
            mean_absolute_error(&ours, held),
            mean_absolute_error(&theirs, held),
        );
        assert!(a < b, "ours {a:.2} vs original {b:.2}");
    }

    #[test]
    fn short_or_empty_histories_forecast_nothing_and_gaps_are_zeros() {
        assert!(forecast(&[], 30).is_empty());
        assert!(forecast(&demo(0, 6), 30).is_empty());
        let filled = zero_filled(
            &[Day {
                day: 12,
                orders: 3.0,
                cases: 4.0,
                value: 5.0,
            }],
            10,
            14,
        );
        assert_eq!(filled.len(), 5);
        assert_eq!(filled[2].orders, 3.0);
        assert_eq!(filled[0].orders + filled[4].orders, 0.0);
        let f = forecast(&zero_filled(&[], 0, 20), 3);
        assert!(f.iter().all(|d| d.orders == 0.0 && d.value == 0.0));
    }
}
