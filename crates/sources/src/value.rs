//! Dynamically typed values read from any source, and the parameters bound into statements.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::deserialize::{self, FromSql};
use diesel::sql_types;
use diesel_dynamic_schema::dynamic_value::Any;
use serde::ser::{Serialize, Serializer};

/// One cell of a result.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// Any integer type.
    Int(i64),
    /// Floating point and decimal types.
    Float(f64),
    /// Text and everything rendered as text (uuid, json, time, enums).
    Text(String),
    /// A calendar date.
    Date(NaiveDate),
    /// A timestamp (UTC for zoned types).
    Timestamp(NaiveDateTime),
    /// Binary data.
    Bytes(Vec<u8>),
}

impl Value {
    /// The value's type family, as reported in `metadata.columns`.
    pub fn type_name(&self) -> &'static str {
        self.column_type().as_str()
    }

    /// The value's column type.
    pub fn column_type(&self) -> tessera_domain::chart::ColumnType {
        use tessera_domain::chart::ColumnType as T;
        match self {
            Value::Null => T::Null,
            Value::Bool(_) => T::Boolean,
            Value::Int(_) => T::Integer,
            Value::Float(_) => T::Float,
            Value::Text(_) => T::Text,
            Value::Date(_) => T::Date,
            Value::Timestamp(_) => T::Timestamp,
            Value::Bytes(_) => T::Binary,
        }
    }

    /// The value as f64 when numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as text for CSV and keys.
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Text(s) => s.clone(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Timestamp(t) => t.format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
            Value::Bytes(b) => hex(b),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("\\x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) if f.is_finite() => s.serialize_f64(*f),
            Value::Float(_) => s.serialize_none(),
            other => s.serialize_str(&other.to_text()),
        }
    }
}

/// A parameter bound into a statement (never interpolated into SQL text).
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A timestamp.
    Timestamp(NaiveDateTime),
    /// A date.
    Date(NaiveDate),
}

fn text_or_bytes(bytes: Vec<u8>) -> Value {
    match String::from_utf8(bytes) {
        Ok(s) => Value::Text(s),
        Err(e) => Value::Bytes(e.into_bytes()),
    }
}

impl FromSql<Any, diesel::pg::Pg> for Value {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        use diesel::pg::Pg;
        let oid = value.get_oid().get();
        Ok(match oid {
            16 => Value::Bool(<bool as FromSql<sql_types::Bool, Pg>>::from_sql(value)?),
            20 => Value::Int(<i64 as FromSql<sql_types::BigInt, Pg>>::from_sql(value)?),
            21 => Value::Int(<i16 as FromSql<sql_types::SmallInt, Pg>>::from_sql(value)?.into()),
            23 => Value::Int(<i32 as FromSql<sql_types::Integer, Pg>>::from_sql(value)?.into()),
            26 => Value::Int(<u32 as FromSql<sql_types::Oid, Pg>>::from_sql(value)?.into()),
            700 => Value::Float(<f32 as FromSql<sql_types::Float, Pg>>::from_sql(value)?.into()),
            701 => Value::Float(<f64 as FromSql<sql_types::Double, Pg>>::from_sql(value)?),
            1700 => Value::Float(pg_numeric_to_f64(
                &<diesel::pg::data_types::PgNumeric as FromSql<sql_types::Numeric, Pg>>::from_sql(
                    value,
                )?,
            )),
            1082 => Value::Date(<NaiveDate as FromSql<sql_types::Date, Pg>>::from_sql(
                value,
            )?),
            1114 => Value::Timestamp(
                <NaiveDateTime as FromSql<sql_types::Timestamp, Pg>>::from_sql(value)?,
            ),
            1184 => Value::Timestamp(
                <chrono::DateTime<chrono::Utc> as FromSql<sql_types::Timestamptz, Pg>>::from_sql(
                    value,
                )?
                .naive_utc(),
            ),
            1083 => Value::Text(
                <chrono::NaiveTime as FromSql<sql_types::Time, Pg>>::from_sql(value)?.to_string(),
            ),
            2950 => {
                let b = value.as_bytes();
                if b.len() == 16 {
                    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
                    Value::Text(format!(
                        "{}-{}-{}-{}-{}",
                        &h[0..8],
                        &h[8..12],
                        &h[12..16],
                        &h[16..20],
                        &h[20..32]
                    ))
                } else {
                    Value::Bytes(b.to_vec())
                }
            }
            3802 => {
                // jsonb's binary form is a version byte followed by the JSON text
                let b = value.as_bytes();
                text_or_bytes(b.get(1..).unwrap_or_default().to_vec())
            }
            17 => Value::Bytes(value.as_bytes().to_vec()),
            // text-like (text, varchar, bpchar, name, char, json, enums, citext) and anything else
            _ => text_or_bytes(value.as_bytes().to_vec()),
        })
    }
}

/// Converts PostgreSQL's base-10000 NUMERIC to f64.
fn pg_numeric_to_f64(n: &diesel::pg::data_types::PgNumeric) -> f64 {
    use diesel::pg::data_types::PgNumeric;
    let (sign, weight, digits) = match n {
        PgNumeric::Positive { weight, digits, .. } => (1.0, *weight, digits),
        PgNumeric::Negative { weight, digits, .. } => (-1.0, *weight, digits),
        PgNumeric::NaN => return f64::NAN,
    };
    let mut acc = 0.0f64;
    for (i, d) in digits.iter().enumerate() {
        acc += f64::from(*d) * 10000f64.powi(i32::from(weight) - i as i32);
    }
    sign * acc
}

/// A MySQL cell as a value: typed by the binary protocol, or parsed from the text protocol's
/// bytes by the column's type.
pub(crate) fn from_mysql(v: mysql::Value, t: mysql::consts::ColumnType) -> Value {
    use mysql::consts::ColumnType as T;
    match v {
        mysql::Value::NULL => Value::Null,
        mysql::Value::Int(i) => Value::Int(i),
        mysql::Value::UInt(u) => i64::try_from(u)
            .map(Value::Int)
            .unwrap_or(Value::Float(u as f64)),
        mysql::Value::Float(f) => Value::Float(f.into()),
        mysql::Value::Double(f) => Value::Float(f),
        mysql::Value::Date(y, m, d, h, mi, s, us) => {
            let date = NaiveDate::from_ymd_opt(y.into(), m.into(), d.into());
            match (t, date) {
                (T::MYSQL_TYPE_DATE | T::MYSQL_TYPE_NEWDATE, Some(date)) => Value::Date(date),
                (_, Some(date)) => date
                    .and_hms_micro_opt(h.into(), mi.into(), s.into(), us)
                    .map_or(Value::Null, Value::Timestamp),
                // zero dates (0000-00-00) have no calendar day
                (_, None) => Value::Null,
            }
        }
        mysql::Value::Time(neg, d, h, mi, s, us) => {
            let hours = u64::from(d) * 24 + u64::from(h);
            let sign = if neg { "-" } else { "" };
            let frac = if us > 0 {
                format!(".{us:06}")
            } else {
                String::new()
            };
            Value::Text(format!("{sign}{hours:02}:{mi:02}:{s:02}{frac}"))
        }
        mysql::Value::Bytes(b) => from_mysql_text(b, t),
    }
}

/// A text-protocol cell by its column's type.
fn from_mysql_text(b: Vec<u8>, t: mysql::consts::ColumnType) -> Value {
    use mysql::consts::ColumnType as T;
    let text = || String::from_utf8_lossy(&b).trim().to_owned();
    match t {
        T::MYSQL_TYPE_TINY
        | T::MYSQL_TYPE_SHORT
        | T::MYSQL_TYPE_LONG
        | T::MYSQL_TYPE_INT24
        | T::MYSQL_TYPE_LONGLONG
        | T::MYSQL_TYPE_YEAR => {
            let s = text();
            s.parse::<i64>()
                .map(Value::Int)
                .or_else(|_| s.parse::<f64>().map(Value::Float))
                .unwrap_or(Value::Text(s))
        }
        T::MYSQL_TYPE_FLOAT
        | T::MYSQL_TYPE_DOUBLE
        | T::MYSQL_TYPE_DECIMAL
        | T::MYSQL_TYPE_NEWDECIMAL => {
            let s = text();
            s.parse::<f64>().map(Value::Float).unwrap_or(Value::Text(s))
        }
        T::MYSQL_TYPE_DATE | T::MYSQL_TYPE_NEWDATE => {
            NaiveDate::parse_from_str(&text(), "%Y-%m-%d").map_or(Value::Null, Value::Date)
        }
        T::MYSQL_TYPE_DATETIME
        | T::MYSQL_TYPE_TIMESTAMP
        | T::MYSQL_TYPE_DATETIME2
        | T::MYSQL_TYPE_TIMESTAMP2 => {
            NaiveDateTime::parse_from_str(&text(), "%Y-%m-%d %H:%M:%S%.f")
                .map_or(Value::Null, Value::Timestamp)
        }
        T::MYSQL_TYPE_BIT => Value::Int(b.iter().fold(0i64, |acc, x| (acc << 8) | i64::from(*x))),
        _ => text_or_bytes(b),
    }
}

/// A parameter for the mysql client.
pub(crate) fn to_mysql(p: &Param) -> mysql::Value {
    match p {
        Param::Text(v) => mysql::Value::Bytes(v.as_bytes().to_vec()),
        Param::Int(v) => mysql::Value::Int(*v),
        Param::Float(v) => mysql::Value::Double(*v),
        Param::Bool(v) => mysql::Value::Int(i64::from(*v)),
        Param::Timestamp(t) => {
            use chrono::{Datelike, Timelike};
            mysql::Value::Date(
                u16::try_from(t.year()).unwrap_or(0),
                t.month() as u8,
                t.day() as u8,
                t.hour() as u8,
                t.minute() as u8,
                t.second() as u8,
                t.nanosecond() / 1000 % 1_000_000,
            )
        }
        Param::Date(d) => {
            use chrono::Datelike;
            mysql::Value::Date(
                u16::try_from(d.year()).unwrap_or(0),
                d.month() as u8,
                d.day() as u8,
                0,
                0,
                0,
                0,
            )
        }
    }
}

/// A SQLite cell as a value, text and blobs read only up to `max` bytes (the flag says a cell
/// was cut); storage classes map as diesel's did.
pub(crate) fn from_sqlite(v: rusqlite::types::ValueRef<'_>, max: usize) -> (Value, bool) {
    use rusqlite::types::ValueRef as V;
    let cut = |b: &[u8]| -> (Vec<u8>, bool) {
        if b.len() > max {
            (b[..max].to_vec(), true)
        } else {
            (b.to_vec(), false)
        }
    };
    match v {
        V::Null => (Value::Null, false),
        V::Integer(i) => (Value::Int(i), false),
        V::Real(f) => (Value::Float(f), false),
        V::Text(t) => {
            let (mut bytes, was_cut) = cut(t);
            // a cut may land inside a character
            while was_cut && !bytes.is_empty() && std::str::from_utf8(&bytes).is_err() {
                bytes.pop();
            }
            (
                Value::Text(String::from_utf8_lossy(&bytes).into_owned()),
                was_cut,
            )
        }
        V::Blob(b) => {
            let (bytes, was_cut) = cut(b);
            (text_or_bytes(bytes), was_cut)
        }
    }
}

/// A parameter for SQLite, written as diesel wrote it (timestamps `%F %T%.f`, dates `%F`,
/// booleans 0/1), so generated SQL compares the same way.
pub(crate) fn to_sqlite(p: &Param) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match p {
        Param::Text(v) => V::Text(v.clone()),
        Param::Int(v) => V::Integer(*v),
        Param::Float(v) => V::Real(*v),
        Param::Bool(v) => V::Integer(i64::from(*v)),
        Param::Timestamp(t) => V::Text(t.format("%F %T%.f").to_string()),
        Param::Date(d) => V::Text(d.format("%F").to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_decodes_base_10000_digits() {
        use diesel::pg::data_types::PgNumeric;
        // 12345.6789 = [1, 2345, 6789] with weight 1
        let n = PgNumeric::Positive {
            weight: 1,
            scale: 4,
            digits: vec![1, 2345, 6789],
        };
        assert!((pg_numeric_to_f64(&n) - 12345.6789).abs() < 1e-9);
        let n = PgNumeric::Negative {
            weight: -1,
            scale: 2,
            digits: vec![5000],
        };
        assert!((pg_numeric_to_f64(&n) + 0.5).abs() < 1e-12);
    }

    #[test]
    fn mysql_cells_decode_by_column_type() {
        use mysql::consts::ColumnType as T;
        assert_eq!(
            from_mysql(mysql::Value::Bytes(b"42".to_vec()), T::MYSQL_TYPE_LONG),
            Value::Int(42)
        );
        assert_eq!(
            from_mysql(
                mysql::Value::Bytes(b"1.50".to_vec()),
                T::MYSQL_TYPE_NEWDECIMAL
            ),
            Value::Float(1.5)
        );
        assert_eq!(
            from_mysql(
                mysql::Value::Bytes(b"2026-01-02 03:04:05".to_vec()),
                T::MYSQL_TYPE_DATETIME
            ),
            Value::Timestamp(
                NaiveDate::from_ymd_opt(2026, 1, 2)
                    .and_then(|d| d.and_hms_opt(3, 4, 5))
                    .unwrap_or_default()
            )
        );
        assert_eq!(
            from_mysql(
                mysql::Value::Date(2026, 1, 2, 0, 0, 0, 0),
                T::MYSQL_TYPE_DATE
            ),
            Value::Date(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap_or_default())
        );
        assert_eq!(
            from_mysql(mysql::Value::UInt(u64::MAX), T::MYSQL_TYPE_LONGLONG),
            Value::Float(u64::MAX as f64)
        );
        assert_eq!(
            from_mysql(mysql::Value::Time(true, 1, 2, 3, 4, 0), T::MYSQL_TYPE_TIME),
            Value::Text("-26:03:04".into())
        );
        assert_eq!(
            from_mysql(
                mysql::Value::Bytes(b"txt".to_vec()),
                T::MYSQL_TYPE_VAR_STRING
            ),
            Value::Text("txt".into())
        );
    }

    #[test]
    fn sqlite_text_is_cut_on_a_character() {
        use rusqlite::types::ValueRef;
        let (v, cut) = from_sqlite(ValueRef::Text("aé".as_bytes()), 2);
        assert_eq!((v, cut), (Value::Text("a".into()), true));
        let (v, cut) = from_sqlite(ValueRef::Text(b"abc"), 10);
        assert_eq!((v, cut), (Value::Text("abc".into()), false));
    }

    #[test]
    fn values_serialise_as_plain_json() {
        let v = vec![
            Value::Null,
            Value::Int(3),
            Value::Float(f64::NAN),
            Value::Text("a".into()),
            Value::Bool(true),
        ];
        assert_eq!(
            serde_json::to_string(&v).ok().as_deref(),
            Some(r#"[null,3,null,"a",true]"#)
        );
        let d = NaiveDate::from_ymd_opt(2026, 1, 2).map(Value::Date);
        assert_eq!(d.map(|d| d.to_text()).as_deref(), Some("2026-01-02"));
    }
}
