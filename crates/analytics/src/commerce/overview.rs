//! The sales series of the commerce overview (contract §4.1): anchored at the latest transaction
//! `L`, one point per hour from `L` floored to the hour back over the window, both ends included
//! (24h: 25 points, 7d: 169), or one per day for 30d and 90d (31 and 91 points), zero-filled and
//! ascending. The store sums amounts per hour; this module lays them on the axis.

use chrono::{Duration, NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};
use tessera_domain::commerce::{cents, OverviewWindow};

/// Sales of one hour as the store sums them: the hour's start, the amount and the count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HourSales {
    /// The hour (minutes and seconds zero).
    pub hour: NaiveDateTime,
    /// Σ price × quantity.
    pub total: f64,
    /// Transactions.
    pub count: u64,
}

/// One point of the overview's series (`sales.hourly_breakdown[]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SalesPoint {
    /// The hour (or the day at 00:00 for daily windows).
    pub hour: NaiveDateTime,
    /// Σ amount, to cents.
    pub total_sales: f64,
    /// Transactions.
    pub num_transactions: u64,
}

/// `at` floored to its hour.
pub fn floor_hour(at: NaiveDateTime) -> NaiveDateTime {
    at.with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(at)
}

/// The first instant the window counts: `L − window` (totals and counts use it too).
pub fn window_start(latest: NaiveDateTime, window: OverviewWindow) -> NaiveDateTime {
    latest - Duration::hours(window.hours())
}

/// The zero-filled series of `window` ending at the latest transaction `latest`, from `hours`
/// (any order; hours outside the axis are left out).
pub fn sales_series(
    latest: NaiveDateTime,
    window: OverviewWindow,
    hours: &[HourSales],
) -> Vec<SalesPoint> {
    let end = floor_hour(latest);
    let cutoff = end - Duration::hours(window.hours());
    let (step, first, last) = if window.daily() {
        let day = |t: NaiveDateTime| t.date().and_hms_opt(0, 0, 0).unwrap_or(t);
        (Duration::days(1), day(cutoff), day(end))
    } else {
        (Duration::hours(1), cutoff, end)
    };
    let mut points = Vec::new();
    let mut at = first;
    while at <= last {
        points.push(SalesPoint {
            hour: at,
            total_sales: 0.0,
            num_transactions: 0,
        });
        at += step;
    }
    for h in hours.iter().filter(|h| h.hour >= cutoff && h.hour <= end) {
        let slot = if window.daily() {
            (h.hour.date() - first.date()).num_days()
        } else {
            (h.hour - first).num_hours()
        };
        if let Some(p) = usize::try_from(slot).ok().and_then(|i| points.get_mut(i)) {
            p.total_sales += h.total;
            p.num_transactions += h.count;
        }
    }
    for p in &mut points {
        p.total_sales = cents(p.total_sales);
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(day: u32, h: u32, m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, day)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .unwrap()
    }

    #[test]
    fn hourly_windows_have_both_ends_and_daily_windows_one_point_a_day() {
        let latest = t(20, 14, 37);
        let count = |w| sales_series(latest, w, &[]).len();
        assert_eq!(count(OverviewWindow::Day), 25);
        assert_eq!(count(OverviewWindow::Week), 169);
        assert_eq!(count(OverviewWindow::Month), 31);
        assert_eq!(count(OverviewWindow::Quarter), 91);
        let day = sales_series(latest, OverviewWindow::Day, &[]);
        assert_eq!(day[0].hour, t(19, 14, 0));
        assert_eq!(day[24].hour, t(20, 14, 0));
        let month = sales_series(latest, OverviewWindow::Month, &[]);
        assert_eq!(month[0].hour, t(18, 0, 0) - Duration::days(28));
        assert_eq!(month[30].hour, t(20, 0, 0));
    }

    #[test]
    fn sales_land_in_their_bucket_and_the_rest_is_zero() {
        let latest = t(20, 14, 37);
        let hours = [
            HourSales {
                hour: t(20, 14, 0),
                total: 10.005,
                count: 1,
            },
            HourSales {
                hour: t(20, 9, 0),
                total: 5.0,
                count: 2,
            },
            HourSales {
                hour: t(20, 10, 0),
                total: 1.0,
                count: 1,
            },
            // before the window
            HourSales {
                hour: t(19, 13, 0),
                total: 99.0,
                count: 9,
            },
        ];
        let day = sales_series(latest, OverviewWindow::Day, &hours);
        assert_eq!(day[24].total_sales, 10.01);
        assert_eq!(day[19].num_transactions, 2);
        assert_eq!(day.iter().map(|p| p.num_transactions).sum::<u64>(), 4);
        let week = sales_series(latest, OverviewWindow::Month, &hours);
        let last = week[week.len() - 1];
        assert_eq!((last.total_sales, last.num_transactions), (16.01, 4));
        assert!(week.windows(2).all(|w| w[0].hour < w[1].hour));
    }

    #[test]
    fn the_window_starts_its_length_before_the_latest_transaction() {
        assert_eq!(
            window_start(t(20, 14, 37), OverviewWindow::Week),
            t(13, 14, 37)
        );
        assert_eq!(floor_hour(t(20, 14, 37)), t(20, 14, 0));
    }
}
