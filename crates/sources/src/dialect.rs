//! What differs between engines in the SQL Tessera generates: identifier quoting,
//! placeholders, time buckets, median, case-insensitive matching.

use tessera_domain::chart::Granularity;
use tessera_domain::SourceKind;

/// Quotes one identifier (quotes inside are doubled).
pub fn quote(kind: SourceKind, ident: &str) -> String {
    match kind {
        SourceKind::Mysql => format!("`{}`", ident.replace('`', "``")),
        _ => format!("\"{}\"", ident.replace('"', "\"\"")),
    }
}

/// Quotes a possibly schema-qualified table name (`schema.table`).
pub fn quote_table(kind: SourceKind, schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) if kind == SourceKind::Postgres && s != "public" => {
            format!("{}.{}", quote(kind, s), quote(kind, name))
        }
        _ => quote(kind, name),
    }
}

/// The n-th (1-based) bind placeholder.
pub fn placeholder(kind: SourceKind, n: usize) -> String {
    match kind {
        SourceKind::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// An expression giving the start of `column`'s time bucket as text: `YYYY-MM-DD` for days and
/// longer, `YYYY-MM-DDTHH:00:00` for hours. Weeks start on Monday everywhere.
pub fn time_bucket(kind: SourceKind, column: &str, g: Granularity) -> String {
    use Granularity as G;
    match kind {
        SourceKind::Postgres => {
            let unit = match g {
                G::Hour => "hour",
                G::Day => "day",
                G::Week => "week",
                G::Month => "month",
                G::Quarter => "quarter",
                G::Year => "year",
            };
            let fmt = if g == G::Hour { "YYYY-MM-DD\"T\"HH24:00:00" } else { "YYYY-MM-DD" };
            format!("to_char(date_trunc('{unit}', {column}), '{fmt}')")
        }
        SourceKind::Mysql => match g {
            G::Hour => format!("DATE_FORMAT({column}, '%Y-%m-%dT%H:00:00')"),
            G::Day => format!("DATE_FORMAT({column}, '%Y-%m-%d')"),
            G::Week => format!("DATE_FORMAT(DATE_SUB(DATE({column}), INTERVAL WEEKDAY({column}) DAY), '%Y-%m-%d')"),
            G::Month => format!("DATE_FORMAT({column}, '%Y-%m-01')"),
            G::Quarter => format!("CONCAT(YEAR({column}), '-', LPAD((QUARTER({column}) - 1) * 3 + 1, 2, '0'), '-01')"),
            G::Year => format!("DATE_FORMAT({column}, '%Y-01-01')"),
        },
        SourceKind::Sqlite => match g {
            G::Hour => format!("strftime('%Y-%m-%dT%H:00:00', {column})"),
            // date() gives the same text as strftime('%Y-%m-%d') at about two thirds of the cost
            G::Day => format!("date({column})"),
            G::Week => format!("date({column}, 'weekday 0', '-6 days')"),
            G::Month => format!("date({column}, 'start of month')"),
            G::Quarter => format!(
                "printf('%s-%02d-01', strftime('%Y', {column}), ((CAST(strftime('%m', {column}) AS INTEGER) - 1) / 3) * 3 + 1)"
            ),
            G::Year => format!("date({column}, 'start of year')"),
        },
    }
}

/// The median of a column, where the engine has one.
pub fn median(kind: SourceKind, column: &str) -> Option<String> {
    match kind {
        SourceKind::Postgres => Some(format!(
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY {column})"
        )),
        SourceKind::Mysql | SourceKind::Sqlite => None,
    }
}

/// A numeric aggregate as a double, so every engine answers the same type.
pub fn as_double(kind: SourceKind, expr: &str) -> String {
    match kind {
        SourceKind::Postgres => format!("CAST({expr} AS DOUBLE PRECISION)"),
        SourceKind::Mysql => format!("CAST({expr} AS DOUBLE)"),
        SourceKind::Sqlite => format!("CAST({expr} AS REAL)"),
    }
}

/// Case-insensitive "contains" against a bound pattern escaped with `!`.
pub fn contains(kind: SourceKind, column: &str, placeholder: &str) -> String {
    match kind {
        SourceKind::Postgres => format!("CAST({column} AS TEXT) ILIKE {placeholder} ESCAPE '!'"),
        SourceKind::Mysql => format!("LOWER({column}) LIKE LOWER({placeholder}) ESCAPE '!'"),
        SourceKind::Sqlite => format!("{column} LIKE {placeholder} ESCAPE '!'"),
    }
}

/// Escapes `%`, `_` and `!` for a LIKE pattern using `!` as the escape character.
pub fn like_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_with_inner_quotes_doubled() {
        assert_eq!(quote(SourceKind::Postgres, "a\"b"), "\"a\"\"b\"");
        assert_eq!(quote(SourceKind::Mysql, "a`b"), "`a``b`");
        assert_eq!(
            quote_table(SourceKind::Postgres, Some("sales"), "t"),
            "\"sales\".\"t\""
        );
        assert_eq!(
            quote_table(SourceKind::Postgres, Some("public"), "t"),
            "\"t\""
        );
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_escape("50%_off!"), "50!%!_off!!");
    }
}
