//! Order analytics as pure code: rounding of the means and shares the Insights charts show.

/// `value` rounded to `decimals` places.
pub fn round_to(value: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (value * f).round() / f
}

/// Mean hours of `count` durations summing to `seconds`, to 0.1 (0 when there are none).
pub fn mean_hours(seconds: i64, count: i64) -> f64 {
    if count <= 0 {
        return 0.0;
    }
    round_to(seconds as f64 / count as f64 / 3600.0, 1)
}

/// `part` of `total` in percent to `decimals` places (0 when the total is 0).
pub fn percent(part: i64, total: i64, decimals: i32) -> f64 {
    if total <= 0 {
        return 0.0;
    }
    round_to(part as f64 * 100.0 / total as f64, decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_and_shares_round_as_the_charts_show_them() {
        assert_eq!(mean_hours(3 * 3600 + 180, 1), 3.1);
        assert_eq!(mean_hours(100, 0), 0.0);
        assert_eq!(percent(10, 18, 2), 55.56);
        assert_eq!(percent(22, 50, 1), 44.0);
        assert_eq!(percent(1, 0, 1), 0.0);
    }
}
