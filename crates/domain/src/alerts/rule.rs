//! Alert rules' conditions and their state machine: what a value (and the value it is compared
//! against) means for a rule (`Condition::breached`), and how a rule moves ok → firing → ok,
//! notifying on entering firing and on resolving but never again inside its cooldown, with
//! evaluation errors shown without forgetting whether the condition held (`RuleStatus::step`).
//! Pure: the time is an argument, so tests move it without waiting.

use chrono::{Duration, NaiveDateTime};

use crate::error::Validator;
use crate::DomainError;

named_enum!(
    /// What a condition compares.
    Op, "condition.op" {
        /// The value is above `value`.
        Above = "above",
        /// The value is below `value`.
        Below = "below",
        /// The value is outside `low..=high`.
        Outside = "outside",
        /// The value is inside `low..=high`.
        Inside = "inside",
        /// The value changed by more than `value` percent against `against`.
        ChangePct = "change_pct",
    }
);

named_enum!(
    /// What a `change_pct` condition compares the value with.
    Against, "condition.against" {
        /// The value of the rule's previous evaluation.
        PreviousEvaluation = "previous_evaluation",
        /// The target's value over the period before the current one.
        PreviousPeriod = "previous_period",
    }
);

named_enum!(
    /// Where a rule stands, as shown.
    RuleState, "state" {
        /// The condition does not hold.
        Ok = "ok",
        /// The condition holds.
        Firing = "firing",
        /// The last evaluation failed (the condition's last known state is kept).
        Error = "error",
    }
);

/// A rule's condition, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Condition {
    /// Above a threshold.
    Above(f64),
    /// Below a threshold.
    Below(f64),
    /// Outside a range (its ends inside).
    Outside {
        /// Low end.
        low: f64,
        /// High end, at least `low`.
        high: f64,
    },
    /// Inside a range (its ends included).
    Inside {
        /// Low end.
        low: f64,
        /// High end, at least `low`.
        high: f64,
    },
    /// A change of more than `pct` percent either way.
    ChangePct {
        /// Percent, above 0.
        pct: f64,
        /// Against what.
        against: Against,
    },
}

fn number(field: &str, v: Option<f64>) -> Result<f64, DomainError> {
    match v {
        Some(x) if x.is_finite() => Ok(x),
        Some(_) => Err(DomainError::field(field, "must be a finite number")),
        None => Err(DomainError::field(field, "is required for this op")),
    }
}

impl Condition {
    /// Checks a condition as written (`op`, `value`, `low`, `high`, `against`); every invalid
    /// field is reported at once.
    pub fn parse(
        op: &str,
        value: Option<f64>,
        low: Option<f64>,
        high: Option<f64>,
        against: Option<&str>,
    ) -> Result<Self, DomainError> {
        let op: Op = op.parse()?;
        let mut v = Validator::new();
        let condition = match op {
            Op::Above => v
                .check(number("condition.value", value))
                .map(Condition::Above),
            Op::Below => v
                .check(number("condition.value", value))
                .map(Condition::Below),
            Op::Outside | Op::Inside => {
                let low = v.check(number("condition.low", low));
                let high = v.check(number("condition.high", high));
                match (low, high) {
                    (Some(l), Some(h)) if l > h => {
                        v.check::<()>(Err(DomainError::field(
                            "condition.low",
                            "must not be above condition.high",
                        )));
                        None
                    }
                    (Some(low), Some(high)) if op == Op::Outside => {
                        Some(Condition::Outside { low, high })
                    }
                    (Some(low), Some(high)) => Some(Condition::Inside { low, high }),
                    _ => None,
                }
            }
            Op::ChangePct => {
                let pct = v.check(number("condition.value", value).and_then(|p| {
                    if p > 0.0 {
                        Ok(p)
                    } else {
                        Err(DomainError::field("condition.value", "must be above 0"))
                    }
                }));
                let against = v.check(
                    against
                        .unwrap_or(Against::PreviousEvaluation.as_str())
                        .parse::<Against>(),
                );
                pct.zip(against)
                    .map(|(pct, against)| Condition::ChangePct { pct, against })
            }
        };
        v.finish()?;
        condition.ok_or_else(|| DomainError::field("condition", "is invalid"))
    }

    /// Its op.
    pub fn op(&self) -> Op {
        match self {
            Condition::Above(_) => Op::Above,
            Condition::Below(_) => Op::Below,
            Condition::Outside { .. } => Op::Outside,
            Condition::Inside { .. } => Op::Inside,
            Condition::ChangePct { .. } => Op::ChangePct,
        }
    }

    /// Whether `value` breaches the condition; `reference` is what a change is measured
    /// against. `None` when it cannot be judged yet: a change with nothing to compare with.
    /// A change from 0 is a breach whenever the value is not 0.
    pub fn breached(&self, value: f64, reference: Option<f64>) -> Option<bool> {
        Some(match *self {
            Condition::Above(t) => value > t,
            Condition::Below(t) => value < t,
            Condition::Outside { low, high } => value < low || value > high,
            Condition::Inside { low, high } => (low..=high).contains(&value),
            Condition::ChangePct { pct, .. } => {
                let before = reference?;
                if before == 0.0 {
                    value != 0.0
                } else {
                    ((value - before) / before.abs()).abs() * 100.0 > pct
                }
            }
        })
    }
}

/// What one evaluation found.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A value and its verdict (`None`: not judged yet, see [`Condition::breached`]).
    Judged(Option<bool>),
    /// The evaluation failed (source down, query failure, a non-numeric result).
    Failed(String),
}

/// What a rule remembers between evaluations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleStatus {
    /// Whether the condition held at the last judged evaluation.
    pub firing: bool,
    /// The last evaluation's error, while the next has not succeeded.
    pub error: Option<String>,
    /// When a notification was last sent.
    pub last_notified_at: Option<NaiveDateTime>,
}

/// What a notification says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The condition started to hold.
    Firing,
    /// The condition stopped holding.
    Resolved,
}

impl Notice {
    /// Its name on the wire: `firing` or `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            Notice::Firing => "firing",
            Notice::Resolved => "resolved",
        }
    }
}

/// The result of one evaluation for a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What the rule remembers now.
    pub status: RuleStatus,
    /// The shown state before and after.
    pub from: RuleState,
    /// The shown state after.
    pub to: RuleState,
    /// The notification to send now, if any.
    pub notify: Option<Notice>,
    /// A notification that was due but fell inside the cooldown.
    pub suppressed: Option<Notice>,
    /// Whether the evaluation is recorded as an event: the shown state changed, or it failed.
    pub record: bool,
}

impl RuleStatus {
    /// The state shown for it.
    pub fn state(&self) -> RuleState {
        match (&self.error, self.firing) {
            (Some(_), _) => RuleState::Error,
            (None, true) => RuleState::Firing,
            (None, false) => RuleState::Ok,
        }
    }

    /// Moves the rule by `outcome` at `now`: notifies on entering firing and on resolving, but
    /// not within `cooldown` of the last notification; an error keeps whether the condition held,
    /// so a rule that fails and recovers while firing does not notify again.
    pub fn step(&self, outcome: &Outcome, cooldown: Duration, now: NaiveDateTime) -> Step {
        let from = self.state();
        let mut next = self.clone();
        let mut due = None;
        match outcome {
            Outcome::Failed(why) => next.error = Some(why.clone()),
            Outcome::Judged(verdict) => {
                next.error = None;
                if let Some(firing) = *verdict {
                    if firing != self.firing {
                        due = Some(if firing {
                            Notice::Firing
                        } else {
                            Notice::Resolved
                        });
                    }
                    next.firing = firing;
                }
            }
        }
        let cooling = self.last_notified_at.is_some_and(|t| now < t + cooldown);
        let (notify, suppressed) = match due {
            Some(n) if cooling => (None, Some(n)),
            Some(n) => {
                next.last_notified_at = Some(now);
                (Some(n), None)
            }
            None => (None, None),
        };
        let to = next.state();
        Step {
            record: from != to || matches!(outcome, Outcome::Failed(_)),
            status: next,
            from,
            to,
            notify,
            suppressed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute(m: i64) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 4)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .unwrap()
            + Duration::minutes(m)
    }

    fn fields(e: DomainError) -> Vec<String> {
        let DomainError::Validation(errors) = e;
        errors.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn conditions_are_checked_and_judge_values() {
        let above = Condition::parse("above", Some(1000.0), None, None, None).unwrap();
        assert_eq!(above.breached(1000.5, None), Some(true));
        assert_eq!(above.breached(1000.0, None), Some(false));
        let below = Condition::parse("below", Some(5.0), None, None, None).unwrap();
        assert_eq!(below.breached(4.0, None), Some(true));
        let outside = Condition::parse("outside", None, Some(10.0), Some(20.0), None).unwrap();
        assert_eq!(
            [9.0, 10.0, 20.0, 21.0].map(|v| outside.breached(v, None)),
            [Some(true), Some(false), Some(false), Some(true)]
        );
        let inside = Condition::parse("inside", None, Some(10.0), Some(20.0), None).unwrap();
        assert_eq!(inside.breached(10.0, None), Some(true));
        let change = Condition::parse("change_pct", Some(10.0), None, None, None).unwrap();
        assert_eq!(
            change,
            Condition::ChangePct {
                pct: 10.0,
                against: Against::PreviousEvaluation
            }
        );
        assert_eq!(change.breached(111.0, Some(100.0)), Some(true));
        assert_eq!(change.breached(89.0, Some(100.0)), Some(true));
        assert_eq!(change.breached(109.0, Some(100.0)), Some(false));
        assert_eq!(change.breached(-11.0, Some(-10.0)), Some(false));
        assert_eq!(change.breached(5.0, Some(0.0)), Some(true));
        assert_eq!(
            change.breached(5.0, None),
            None,
            "nothing to compare with yet"
        );
    }

    #[test]
    fn invalid_conditions_name_their_fields() {
        let e = Condition::parse("outside", None, Some(30.0), Some(20.0), None).unwrap_err();
        assert_eq!(fields(e), ["condition.low"]);
        let e = Condition::parse("inside", None, None, Some(f64::NAN), None).unwrap_err();
        assert_eq!(fields(e), ["condition.low", "condition.high"]);
        let e = Condition::parse("above", None, None, None, None).unwrap_err();
        assert_eq!(fields(e), ["condition.value"]);
        let e =
            Condition::parse("change_pct", Some(0.0), None, None, Some("yesterday")).unwrap_err();
        assert_eq!(fields(e), ["condition.value", "condition.against"]);
        let e = Condition::parse("between", Some(1.0), None, None, None).unwrap_err();
        assert_eq!(fields(e), ["condition.op"]);
    }

    #[test]
    fn a_rule_fires_cools_down_resolves_and_fires_again() {
        let hour = Duration::hours(1);
        let judged = |b| Outcome::Judged(Some(b));
        let s0 = RuleStatus::default();
        // ok stays ok: nothing recorded
        let s = s0.step(&judged(false), hour, minute(0));
        assert_eq!((s.record, s.notify), (false, None));
        // entering firing notifies
        let s = s.status.step(&judged(true), hour, minute(5));
        assert_eq!(
            (s.from, s.to, s.notify, s.record),
            (RuleState::Ok, RuleState::Firing, Some(Notice::Firing), true)
        );
        assert_eq!(s.status.last_notified_at, Some(minute(5)));
        // still firing: nothing new
        let s = s.status.step(&judged(true), hour, minute(10));
        assert_eq!((s.record, s.notify), (false, None));
        // resolved inside the cooldown: recorded, not sent
        let s = s.status.step(&judged(false), hour, minute(20));
        assert_eq!(
            (s.to, s.notify, s.suppressed, s.record),
            (RuleState::Ok, None, Some(Notice::Resolved), true)
        );
        assert_eq!(s.status.last_notified_at, Some(minute(5)));
        // firing again after the cooldown: sent
        let s = s.status.step(&judged(true), hour, minute(70));
        assert_eq!((s.to, s.notify), (RuleState::Firing, Some(Notice::Firing)));
        // resolved after another hour: sent
        let s = s.status.step(&judged(false), hour, minute(131));
        assert_eq!((s.to, s.notify), (RuleState::Ok, Some(Notice::Resolved)));
        // a verdict that cannot be given yet changes nothing
        let s = s.status.step(&Outcome::Judged(None), hour, minute(200));
        assert_eq!((s.to, s.record, s.notify), (RuleState::Ok, false, None));
    }

    #[test]
    fn errors_are_shown_and_recorded_without_forgetting_the_condition() {
        let hour = Duration::hours(1);
        let firing = RuleStatus::default()
            .step(&Outcome::Judged(Some(true)), hour, minute(0))
            .status;
        // each failure is recorded; the state shows the error
        let s = firing.step(&Outcome::Failed("source down".into()), hour, minute(5));
        assert_eq!(
            (s.from, s.to, s.record, s.notify),
            (RuleState::Firing, RuleState::Error, true, None)
        );
        let s = s
            .status
            .step(&Outcome::Failed("source down".into()), hour, minute(6));
        assert!(s.record, "every error is an event");
        assert_eq!(s.status.error.as_deref(), Some("source down"));
        // recovering while the condition still holds: firing again, no second notice
        let s = s
            .status
            .step(&Outcome::Judged(Some(true)), hour, minute(120));
        assert_eq!(
            (s.from, s.to, s.record, s.notify),
            (RuleState::Error, RuleState::Firing, true, None)
        );
        // and an error on a rule that never judged shows as an error from ok
        let s = RuleStatus::default().step(&Outcome::Failed("bad".into()), hour, minute(0));
        assert_eq!((s.from, s.to), (RuleState::Ok, RuleState::Error));
    }
}
