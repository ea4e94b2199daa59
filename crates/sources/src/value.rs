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
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Text(_) => "text",
            Value::Date(_) => "date",
            Value::Timestamp(_) => "timestamp",
            Value::Bytes(_) => "binary",
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

impl FromSql<Any, diesel::mysql::Mysql> for Value {
    fn from_sql(value: diesel::mysql::MysqlValue<'_>) -> deserialize::Result<Self> {
        use diesel::mysql::{Mysql, MysqlType};
        Ok(match value.value_type() {
            MysqlType::Tiny | MysqlType::Short | MysqlType::Long | MysqlType::LongLong => {
                Value::Int(<i64 as FromSql<sql_types::BigInt, Mysql>>::from_sql(value)?)
            }
            MysqlType::UnsignedTiny | MysqlType::UnsignedShort | MysqlType::UnsignedLong => {
                Value::Int(<i64 as FromSql<sql_types::BigInt, Mysql>>::from_sql(value)?)
            }
            MysqlType::UnsignedLongLong => {
                let v = <u64 as FromSql<sql_types::Unsigned<sql_types::BigInt>, Mysql>>::from_sql(
                    value,
                )?;
                i64::try_from(v)
                    .map(Value::Int)
                    .unwrap_or(Value::Float(v as f64))
            }
            MysqlType::Float | MysqlType::Double => {
                Value::Float(<f64 as FromSql<sql_types::Double, Mysql>>::from_sql(value)?)
            }
            MysqlType::Numeric => {
                let s = String::from_utf8_lossy(value.as_bytes()).into_owned();
                s.trim()
                    .parse::<f64>()
                    .map(Value::Float)
                    .unwrap_or(Value::Text(s))
            }
            MysqlType::Date => Value::Date(
                <NaiveDate as FromSql<sql_types::Date, Mysql>>::from_sql(value)?,
            ),
            MysqlType::DateTime | MysqlType::Timestamp => Value::Timestamp(
                <NaiveDateTime as FromSql<sql_types::Timestamp, Mysql>>::from_sql(value)?,
            ),
            MysqlType::Time => Value::Text(
                <chrono::NaiveTime as FromSql<sql_types::Time, Mysql>>::from_sql(value)?
                    .to_string(),
            ),
            MysqlType::Bit => {
                let v = value
                    .as_bytes()
                    .iter()
                    .fold(0i64, |acc, b| (acc << 8) | i64::from(*b));
                Value::Int(v)
            }
            MysqlType::Blob => text_or_bytes(value.as_bytes().to_vec()),
            _ => text_or_bytes(value.as_bytes().to_vec()),
        })
    }
}

impl FromSql<Any, diesel::sqlite::Sqlite> for Value {
    fn from_sql(value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        use diesel::sqlite::{Sqlite, SqliteType};
        Ok(match value.value_type() {
            Some(SqliteType::Long | SqliteType::Integer | SqliteType::SmallInt) => Value::Int(
                <i64 as FromSql<sql_types::BigInt, Sqlite>>::from_sql(value)?,
            ),
            Some(SqliteType::Double | SqliteType::Float) => {
                Value::Float(<f64 as FromSql<sql_types::Double, Sqlite>>::from_sql(
                    value,
                )?)
            }
            Some(SqliteType::Binary) => text_or_bytes(<Vec<u8> as FromSql<
                sql_types::Binary,
                Sqlite,
            >>::from_sql(value)?),
            _ => Value::Text(<String as FromSql<sql_types::Text, Sqlite>>::from_sql(
                value,
            )?),
        })
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
