//! A schedule (alert rules, extract refreshes): a cron expression of 5 fields (minutes first)
//! or 6 (seconds first), read in an IANA time zone, so "every day at 08:00" follows the zone's daylight-saving changes.
//! Checked on save: a malformed expression, an unknown zone, one that never fires or fires
//! more often than once a minute is refused naming its field.

use std::str::FromStr;

use crate::DomainError;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

/// The shortest time a schedule may leave between two runs.
pub const MIN_INTERVAL: Duration = Duration::seconds(60);

/// Runs looked at to check the interval (a pattern's gaps repeat within these).
const RUNS_CHECKED: usize = 64;

/// A checked schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    expression: String,
    zone: Tz,
}

impl Schedule {
    /// Checks `cron` (5 or 6 fields) in `timezone` (an IANA name such as `Europe/Berlin`);
    /// every invalid field is reported at once.
    pub fn parse(cron: &str, timezone: &str) -> Result<Self, DomainError> {
        let fields = cron.split_whitespace().count();
        let parsed = if !(5..=6).contains(&fields) {
            Err(DomainError::field(
                "schedule.cron",
                format!("must have 5 fields (minutes first) or 6 (seconds first), not {fields}"),
            ))
        } else {
            CronParser::builder()
                .seconds(Seconds::Optional)
                .year(Year::Disallowed)
                .build()
                .parse(cron)
                .map_err(|e| DomainError::field("schedule.cron", format!("is invalid: {e}")))
        };
        let zone = Tz::from_str(timezone.trim()).map_err(|_| {
            DomainError::field(
                "schedule.timezone",
                format!("'{timezone}' is not an IANA time zone (such as Europe/Berlin or UTC)"),
            )
        });
        let (cron_parsed, zone) = match (parsed, zone) {
            (Ok(c), Ok(z)) => (c, z),
            (Err(a), Err(b)) => {
                let (DomainError::Validation(mut x), DomainError::Validation(y)) = (a, b);
                x.extend(y);
                return Err(DomainError::Validation(x));
            }
            (Err(e), _) | (_, Err(e)) => return Err(e),
        };
        let schedule = Self {
            cron: cron_parsed,
            expression: cron.split_whitespace().collect::<Vec<_>>().join(" "),
            zone,
        };
        schedule.check_interval(Utc::now())?;
        Ok(schedule)
    }

    /// The expression, its fields separated by single spaces.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The time zone's IANA name.
    pub fn timezone(&self) -> &str {
        self.zone.name()
    }

    /// The first run strictly after `after`, if the expression ever fires again.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_next_occurrence(&after.with_timezone(&self.zone), false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The runs strictly after `after` up to `until` inclusive, at most `max`.
    pub fn runs_between(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
        max: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut t = after;
        while out.len() < max {
            match self.next_after(t) {
                Some(next) if next <= until => {
                    out.push(next);
                    t = next;
                }
                _ => break,
            }
        }
        out
    }

    /// Refuses a schedule that never fires, or fires twice within [`MIN_INTERVAL`].
    fn check_interval(&self, from: DateTime<Utc>) -> Result<(), DomainError> {
        let Some(first) = self.next_after(from) else {
            return Err(DomainError::field("schedule.cron", "never fires"));
        };
        let mut previous = first;
        for _ in 0..RUNS_CHECKED {
            let Some(next) = self.next_after(previous) else {
                break;
            };
            if next - previous < MIN_INTERVAL {
                return Err(DomainError::field(
                    "schedule.cron",
                    format!(
                        "fires more often than once every {} seconds",
                        MIN_INTERVAL.num_seconds()
                    ),
                ));
            }
            previous = next;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn fields(e: DomainError) -> Vec<String> {
        let DomainError::Validation(errors) = e;
        errors.into_iter().map(|f| f.field).collect()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn six_fields_have_seconds_first_and_five_fields_start_at_minutes() {
        let every_five = Schedule::parse("0 */5 * * * *", "UTC").unwrap();
        assert_eq!(
            every_five.next_after(utc(2026, 12, 4, 10, 2, 30)),
            Some(utc(2026, 12, 4, 10, 5, 0))
        );
        let hourly = Schedule::parse(" 30  *  * * * ", "UTC").unwrap();
        assert_eq!(hourly.expression(), "30 * * * *");
        assert_eq!(
            hourly.next_after(utc(2026, 12, 4, 10, 30, 0)),
            Some(utc(2026, 12, 4, 11, 30, 0)),
            "strictly after"
        );
        let runs =
            every_five.runs_between(utc(2026, 12, 4, 10, 0, 0), utc(2026, 12, 4, 11, 0, 0), 100);
        assert_eq!(runs.len(), 12);
        assert_eq!(runs.last(), Some(&utc(2026, 12, 4, 11, 0, 0)));
    }

    #[test]
    fn the_time_zone_moves_runs_with_daylight_saving() {
        let eight = Schedule::parse("0 8 * * *", "Europe/Berlin").unwrap();
        assert_eq!(eight.timezone(), "Europe/Berlin");
        // 08:00 in Berlin is 07:00 UTC in winter and 06:00 UTC in summer
        assert_eq!(
            eight.next_after(utc(2026, 12, 4, 12, 0, 0)),
            Some(utc(2026, 12, 5, 7, 0, 0))
        );
        assert_eq!(
            eight.next_after(utc(2026, 7, 1, 12, 0, 0)),
            Some(utc(2026, 7, 2, 6, 0, 0))
        );
    }

    #[test]
    fn bad_schedules_are_refused_naming_their_fields() {
        let e = Schedule::parse("0 */5 * * *  * 2026", "Mars/Olympus").unwrap_err();
        assert_eq!(fields(e), ["schedule.cron", "schedule.timezone"]);
        assert_eq!(
            fields(Schedule::parse("61 * * * *", "UTC").unwrap_err()),
            ["schedule.cron"]
        );
        assert_eq!(
            fields(Schedule::parse("* * * * * *", "UTC").unwrap_err()),
            ["schedule.cron"],
            "every second is too often"
        );
        assert_eq!(
            fields(Schedule::parse("0,30 * * * * *", "UTC").unwrap_err()),
            ["schedule.cron"],
            "twice a minute is too often"
        );
        assert_eq!(
            fields(Schedule::parse("0 0 30 2 *", "UTC").unwrap_err()),
            ["schedule.cron"],
            "the thirtieth of February never comes"
        );
        assert!(
            Schedule::parse("* * * * *", "UTC").is_ok(),
            "every minute is allowed"
        );
    }
}
