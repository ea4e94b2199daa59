//! Warnings as a mature profiler raises them, with the thresholds as named constants.

use serde::{Deserialize, Serialize};

use super::columns::{ColumnKind, ColumnProfile};
use super::correlations::{Correlations, Matrix};
use super::model::Overview;
use super::model::CARDINALITY_THRESHOLD;

/// Missing values above this percentage of rows are flagged.
pub const MISSING_PCT: f64 = 5.0;
/// Zeros above this percentage of rows are flagged.
pub const ZEROS_PCT: f64 = 10.0;
/// |skewness| above this is flagged.
pub const SKEWNESS: f64 = 2.0;
/// |coefficient| above this between two columns is flagged.
pub const CORRELATION: f64 = 0.9;
/// Imbalance (1 - normalised entropy) above this is flagged.
pub const IMBALANCE: f64 = 0.5;

/// The kind of a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// Every value is the same.
    Constant,
    /// Many values are missing.
    Missing,
    /// Rows repeat.
    Duplicates,
    /// Two columns move together.
    HighCorrelation,
    /// A categorical column has very many distinct values.
    HighCardinality,
    /// Every value is different (an identifier?).
    Unique,
    /// The distribution is strongly asymmetric.
    Skewed,
    /// Many values are zero.
    Zeros,
    /// One category dominates.
    Imbalance,
    /// Infinite values.
    Infinite,
}

/// One warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warning {
    /// What kind.
    pub kind: WarningKind,
    /// The column(s) concerned (none for dataset-level warnings).
    pub columns: Vec<String>,
    /// A sentence for people.
    pub message: String,
    /// The number behind it (percent, coefficient, skewness ...).
    pub value: Option<f64>,
}

fn warn(kind: WarningKind, columns: &[&str], value: Option<f64>, message: String) -> Warning {
    Warning {
        kind,
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        message,
        value,
    }
}

/// All warnings of a profile, by kind then column order.
pub fn collect(
    overview: &Overview,
    columns: &[ColumnProfile],
    correlations: Option<&Correlations>,
) -> Vec<Warning> {
    use WarningKind::*;
    let mut out = Vec::new();
    if overview.duplicate_rows > 0 {
        out.push(warn(
            Duplicates,
            &[],
            Some(overview.duplicate_rows_pct),
            format!(
                "{} rows ({:.1}%) repeat an earlier row",
                overview.duplicate_rows, overview.duplicate_rows_pct
            ),
        ));
    }
    for c in columns {
        column_warnings(c, &mut out);
    }
    if let Some(corr) = correlations {
        correlation_warnings(corr, &mut out);
    }
    out.sort_by_key(|w| w.kind);
    out
}

/// One column's warnings: constant, missing, unique, high cardinality, skewed, zeros, infinite,
/// imbalanced.
fn column_warnings(c: &ColumnProfile, out: &mut Vec<Warning>) {
    use WarningKind::*;
    let name = c.name.as_str();
    if c.count > 0 && c.distinct == 1 {
        out.push(warn(
            Constant,
            &[name],
            None,
            format!("{name} has one value only"),
        ));
    }
    if c.missing_pct > MISSING_PCT {
        out.push(warn(
            Missing,
            &[name],
            Some(c.missing_pct),
            format!("{name} is {:.1}% missing", c.missing_pct),
        ));
    }
    if c.is_unique && c.count > 1 {
        out.push(warn(
            Unique,
            &[name],
            Some(100.0),
            format!("every value of {name} is different"),
        ));
    }
    if matches!(c.kind, ColumnKind::Categorical | ColumnKind::Text)
        && c.distinct > CARDINALITY_THRESHOLD
        && !c.is_unique
    {
        out.push(warn(
            HighCardinality,
            &[name],
            Some(c.distinct as f64),
            format!("{name} has {} distinct values", c.distinct),
        ));
    }
    if let Some(n) = &c.numeric {
        if let Some(s) = n.skewness.filter(|s| s.abs() > SKEWNESS) {
            out.push(warn(
                Skewed,
                &[name],
                Some(s),
                format!("{name} is highly skewed (γ1 = {s:.2})"),
            ));
        }
        if n.zeros_pct > ZEROS_PCT {
            out.push(warn(
                Zeros,
                &[name],
                Some(n.zeros_pct),
                format!("{name} is {:.1}% zeros", n.zeros_pct),
            ));
        }
        if n.infinite > 0 {
            out.push(warn(
                Infinite,
                &[name],
                Some(n.infinite as f64),
                format!("{name} has {} infinite values", n.infinite),
            ));
        }
    }
    let imbalance = c
        .categorical
        .as_ref()
        .and_then(|s| s.imbalance)
        .or(c.boolean.as_ref().and_then(|b| b.imbalance));
    if let Some(i) = imbalance.filter(|i| *i > IMBALANCE && c.distinct > 1) {
        out.push(warn(
            Imbalance,
            &[name],
            Some(i),
            format!("{name} is highly imbalanced ({:.0}%)", i * 100.0),
        ));
    }
}

/// Pairs of columns correlated above the threshold (each pair once, by the first measure that
/// flags it).
fn correlation_warnings(corr: &Correlations, out: &mut Vec<Warning>) {
    use WarningKind::*;
    let mut seen = std::collections::HashSet::new();
    for (label, m) in [("Pearson", &corr.pearson), ("Cramér's V", &corr.cramers_v)] {
        let Some(Matrix { columns, values }) = m else {
            continue;
        };
        for i in 0..columns.len() {
            for j in i + 1..columns.len() {
                if let Some(v) = values[i][j].filter(|v| v.abs() > CORRELATION) {
                    if seen.insert((columns[i].clone(), columns[j].clone())) {
                        out.push(warn(
                            HighCorrelation,
                            &[&columns[i], &columns[j]],
                            Some(v),
                            format!(
                                "{} is highly correlated with {} ({label} {v:.2})",
                                columns[i], columns[j]
                            ),
                        ));
                    }
                }
            }
        }
    }
}
