//! Frames as JSON rows, for previews and chart answers.

use chrono::DateTime;
use polars::prelude::*;
use serde_json::{Map, Number, Value};

/// One cell as JSON: numbers stay numbers (NaN and infinities become null), dates ISO 8601.
pub fn cell(v: AnyValue<'_>) -> Value {
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(b),
        AnyValue::Int8(i) => i.into(),
        AnyValue::Int16(i) => i.into(),
        AnyValue::Int32(i) => i.into(),
        AnyValue::Int64(i) => i.into(),
        AnyValue::UInt8(i) => i.into(),
        AnyValue::UInt16(i) => i.into(),
        AnyValue::UInt32(i) => i.into(),
        AnyValue::UInt64(i) => i.into(),
        AnyValue::Float32(f) => Number::from_f64(f64::from(f)).map_or(Value::Null, Value::Number),
        AnyValue::Float64(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        AnyValue::String(s) => Value::String(s.to_owned()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Date(days) => DateTime::from_timestamp(i64::from(days) * 86_400, 0)
            .map_or(Value::Null, |d| Value::String(d.date_naive().to_string())),
        AnyValue::Datetime(v, unit, _) | AnyValue::DatetimeOwned(v, unit, _) => timestamp(v, unit),
        other => Value::String(other.to_string()),
    }
}

/// A timestamp in UTC as `YYYY-MM-DDTHH:MM:SS`, with a fraction only when there is one (as the
/// SQL engines' answers).
fn timestamp(v: i64, unit: TimeUnit) -> Value {
    let (seconds, nanos) = match unit {
        TimeUnit::Nanoseconds => (v.div_euclid(1_000_000_000), v.rem_euclid(1_000_000_000)),
        TimeUnit::Microseconds => (v.div_euclid(1_000_000), v.rem_euclid(1_000_000) * 1_000),
        TimeUnit::Milliseconds => (v.div_euclid(1_000), v.rem_euclid(1_000) * 1_000_000),
    };
    DateTime::from_timestamp(seconds, nanos as u32).map_or(Value::Null, |d| {
        Value::String(d.naive_utc().format("%Y-%m-%dT%H:%M:%S%.f").to_string())
    })
}

/// Every row of a frame as a JSON object keyed by column name.
pub fn rows(frame: &DataFrame) -> Vec<Map<String, Value>> {
    let columns = frame.columns();
    (0..frame.height())
        .map(|i| {
            columns
                .iter()
                .map(|c| (c.name().to_string(), c.get(i).map_or(Value::Null, cell)))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_their_fraction_only_when_there_is_one() {
        assert_eq!(timestamp(0, TimeUnit::Milliseconds), "1970-01-01T00:00:00");
        assert_eq!(
            timestamp(1_500, TimeUnit::Milliseconds),
            "1970-01-01T00:00:01.500"
        );
        assert_eq!(
            timestamp(-1, TimeUnit::Microseconds),
            "1969-12-31T23:59:59.999999"
        );
        assert_eq!(
            timestamp(7, TimeUnit::Nanoseconds),
            "1970-01-01T00:00:00.000000007"
        );
    }

    #[test]
    fn cells_become_json() {
        let df = df!("a" => [Some(1i64), None], "b" => [f64::NAN, 2.5], "s" => ["x", "y"]).unwrap();
        let rows = rows(&df);
        assert_eq!(
            Value::Object(rows[0].clone()),
            serde_json::json!({"a": 1, "b": null, "s": "x"})
        );
        assert_eq!(
            Value::Object(rows[1].clone()),
            serde_json::json!({"a": null, "b": 2.5, "s": "y"})
        );
    }
}
