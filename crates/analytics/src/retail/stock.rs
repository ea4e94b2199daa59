//! Inventory figures as pure code: the level at the end of each day walked back from today's
//! level through the changes recorded since, each category's share of the value, and the
//! turnover (how many times the stock's value is shipped in a year at the window's pace).

/// The level (cases, value in cents) at the end of each day of `from_day..=to_day`, from the
/// level now (`current`, at the end of `to_day`) and the changes per day (`(day, cases,
/// cents)`, any order; days outside the window after `to_day` are ignored).
pub fn levels_by_day(
    current: (i64, i64),
    changes: &[(i64, i64, i64)],
    from_day: i64,
    to_day: i64,
) -> Vec<(i64, i64, i64)> {
    let mut per_day = std::collections::BTreeMap::new();
    for (day, cases, cents) in changes {
        let e = per_day.entry(*day).or_insert((0i64, 0i64));
        e.0 += cases;
        e.1 += cents;
    }
    let mut out = Vec::with_capacity((to_day - from_day + 1).max(0) as usize);
    let (mut cases, mut cents) = current;
    for day in (from_day..=to_day).rev() {
        out.push((day, cases, cents));
        // the level at the end of the day before is this one without this day's changes
        if let Some((c, v)) = per_day.get(&day) {
            cases -= c;
            cents -= v;
        }
    }
    out.reverse();
    out
}

/// Each `(name, value)`'s share of the total in percent, rounded to 2 decimals (0 when the
/// total is 0), highest value first.
pub fn shares(mut values: Vec<(String, f64)>) -> Vec<(String, f64, f64)> {
    values.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total: f64 = values.iter().map(|v| v.1).sum();
    values
        .into_iter()
        .map(|(name, v)| {
            let pct = if total > 0.0 {
                (v * 10_000.0 / total).round() / 100.0
            } else {
                0.0
            };
            (name, v, pct)
        })
        .collect()
}

/// Annual inventory turnover: the value shipped in `window_days` over the average value held,
/// scaled to a year; 0 when nothing was held.
pub fn turnover(shipped_value: f64, average_value: f64, window_days: i64) -> f64 {
    if average_value <= 0.0 || window_days <= 0 {
        return 0.0;
    }
    let annual = shipped_value / average_value * 365.0 / window_days as f64;
    (annual * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_walk_back_from_today_through_the_changes() {
        // today (day 12) 100 cases worth 1000; +30 on day 12, -10 on day 11, +5 on day 9
        let changes = [(12, 30, 300), (11, -10, -100), (9, 5, 50), (20, 99, 99)];
        let levels = levels_by_day((100, 1000), &changes, 8, 12);
        assert_eq!(
            levels,
            [
                (8, 75, 750),
                (9, 80, 800),
                (10, 80, 800),
                (11, 70, 700),
                (12, 100, 1000)
            ]
        );
        assert_eq!(levels_by_day((5, 5), &[], 3, 3), [(3, 5, 5)]);
        assert!(levels_by_day((5, 5), &[], 4, 3).is_empty());
    }

    #[test]
    fn shares_are_percent_to_two_decimals_highest_first() {
        let s = shares(vec![
            ("Tea".into(), 1.0),
            ("Cola".into(), 2.0),
            ("Juice".into(), 3.0),
        ]);
        assert_eq!(s[0], ("Juice".to_owned(), 3.0, 50.0));
        assert_eq!(s[1].2, 33.33);
        assert_eq!(s[2].2, 16.67);
        assert_eq!(shares(vec![("x".into(), 0.0)])[0].2, 0.0);
    }

    #[test]
    fn turnover_is_annualised() {
        // 30 days shipping a quarter of the average value: about three turns a year
        assert_eq!(turnover(250.0, 1000.0, 30), 3.0);
        assert_eq!(turnover(10.0, 0.0, 30), 0.0);
    }
}
