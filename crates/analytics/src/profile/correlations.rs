//! Correlation matrices (Pearson and Spearman between numeric columns, Cramér's V between
//! categorical ones) and the target analysis.

use polars::prelude::PlHashMap;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::columns::{ColumnData, ColumnKind, ColumnProfile, ValueCount};
use super::model::{pct, AnalysisMode, ProfileOptions};
use super::stats::{self, Bin, MISSING_CODE};
use crate::error::Result;

/// A square matrix over named columns; `None` where a coefficient is undefined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Matrix {
    /// Row and column names.
    pub columns: Vec<String>,
    /// Coefficients, row-major.
    pub values: Vec<Vec<Option<f64>>>,
}

/// The correlation matrices of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Correlations {
    /// Pearson's r between numeric columns (pairwise complete rows).
    pub pearson: Option<Matrix>,
    /// Spearman's ρ between numeric columns (Pearson of average ranks).
    pub spearman: Option<Matrix>,
    /// Bias-corrected Cramér's V between categorical and boolean columns of at most 50 values.
    pub cramers_v: Option<Matrix>,
}

/// One feature's association with the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Association {
    /// The feature.
    pub column: String,
    /// `pearson`, `correlation_ratio` or `cramers_v`.
    pub method: String,
    /// The coefficient (Pearson's r is signed, the others are 0..1).
    pub value: f64,
}

/// The target column's distribution and what goes with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetAnalysis {
    /// The target column.
    pub column: String,
    /// `classification` (few distinct values) or `regression`.
    pub task: String,
    /// Class counts (classification).
    pub classes: Option<Vec<ValueCount>>,
    /// Histogram (regression).
    pub histogram: Option<Vec<Bin>>,
    /// Features by strength of association, strongest first (full mode).
    pub associations: Vec<Association>,
}

/// At most this many numeric columns enter the correlation matrices (the first ones).
const MAX_MATRIX_COLUMNS: usize = 60;
/// A numeric target with at most this many distinct values is treated as classes.
const MAX_CLASSES: u64 = 10;

fn matrix(
    names: Vec<String>,
    coefficient: impl Fn(usize, usize) -> Option<f64> + Sync,
) -> Option<Matrix> {
    let n = names.len();
    if n < 2 {
        return None;
    }
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .collect();
    let found: Vec<Option<f64>> = pairs.par_iter().map(|&(i, j)| coefficient(i, j)).collect();
    let mut values = vec![vec![None; n]; n];
    for (i, row) in values.iter_mut().enumerate() {
        row[i] = Some(1.0);
    }
    for (&(i, j), v) in pairs.iter().zip(found) {
        values[i][j] = v;
        values[j][i] = v;
    }
    Some(Matrix {
        columns: names,
        values,
    })
}

/// All three matrices.
pub fn matrices(columns: &[ColumnProfile], data: &[ColumnData]) -> Correlations {
    type Numeric<'a> = (
        usize,
        &'a Vec<f64>,
        Option<&'a Vec<u32>>,
        Option<&'a Vec<f64>>,
    );
    let numeric: Vec<Numeric<'_>> = data
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match d {
            ColumnData::Numeric {
                values,
                order,
                ranks,
            } if columns[i].distinct > 1 => Some((i, values, order.as_ref(), ranks.as_ref())),
            _ => None,
        })
        .take(MAX_MATRIX_COLUMNS)
        .collect();
    let names = |idx: &mut dyn Iterator<Item = usize>| {
        idx.map(|i| columns[i].name.clone()).collect::<Vec<_>>()
    };
    let pearson = matrix(names(&mut numeric.iter().map(|n| n.0)), |a, b| {
        stats::pearson(numeric[a].1, numeric[b].1)
    });
    let spearman = matrix(names(&mut numeric.iter().map(|n| n.0)), |a, b| {
        let (x, y) = (&numeric[a], &numeric[b]);
        let complete = |i: usize| columns[i].missing == 0;
        match (x.2, x.3, y.2, y.3) {
            (_, Some(rx), _, Some(ry)) if complete(x.0) && complete(y.0) => stats::pearson(rx, ry),
            // as pandas: rank again over the rows where both are present
            (Some(ox), _, Some(oy), _) => {
                let keep = |order: &Vec<u32>, values: &[f64], other: &[f64]| -> Vec<f64> {
                    let kept: Vec<u32> = order
                        .iter()
                        .copied()
                        .filter(|&r| !other[r as usize].is_nan())
                        .collect();
                    stats::ranks_from_order(&kept, values)
                };
                stats::pearson(&keep(ox, x.1, y.1), &keep(oy, y.1, x.1))
            }
            _ => None,
        }
    });
    let coded: Vec<(usize, &Vec<u32>, usize)> = data
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match d {
            ColumnData::Codes { codes, labels } if columns[i].distinct > 1 => {
                Some((i, codes, labels.len()))
            }
            _ => None,
        })
        .take(MAX_MATRIX_COLUMNS)
        .collect();
    let cramers_v = matrix(names(&mut coded.iter().map(|c| c.0)), |a, b| {
        stats::cramers_v(coded[a].1, coded[a].2, coded[b].1, coded[b].2)
    });
    Correlations {
        pearson,
        spearman,
        cramers_v,
    }
}

/// Codes for a numeric column with few distinct values (a 0/1 target, a rating).
fn numeric_classes(values: &[f64]) -> (Vec<u32>, Vec<String>) {
    let mut index: PlHashMap<u64, u32> = PlHashMap::default();
    let mut labels = Vec::new();
    let codes = values
        .iter()
        .map(|v| {
            if v.is_nan() {
                return MISSING_CODE;
            }
            *index.entry(v.to_bits()).or_insert_with(|| {
                labels.push(v.to_string());
                (labels.len() - 1) as u32
            })
        })
        .collect();
    (codes, labels)
}

/// The target analysis of column `name`.
pub fn target(
    name: &str,
    columns: &[ColumnProfile],
    data: &[ColumnData],
    opts: &ProfileOptions,
) -> Result<TargetAnalysis> {
    let Some(t) = columns.iter().position(|c| c.name == name) else {
        return Err(crate::AnalyticsError::InvalidRequest(format!(
            "target_column '{name}' is not a column"
        )));
    };
    let profile = &columns[t];
    let full = opts.mode == AnalysisMode::All;
    // classes: codes plus labels (from top values or the numeric values themselves)
    let classes: Option<(Vec<u32>, usize, Vec<ValueCount>)> = match (&data[t], profile.kind) {
        (ColumnData::Codes { codes, labels }, _) => {
            Some(class_counts(codes.clone(), labels.clone()))
        }
        (ColumnData::Numeric { values, .. }, ColumnKind::Numeric)
            if profile.distinct <= MAX_CLASSES =>
        {
            let (codes, labels) = numeric_classes(values);
            Some(class_counts(codes, labels))
        }
        _ => None,
    };
    let mut associations = Vec::new();
    if full {
        for (i, (col, d)) in columns.iter().zip(data).enumerate() {
            if i == t || col.distinct < 2 {
                continue;
            }
            let found = match (&classes, &data[t], d) {
                (Some((tc, tk, _)), _, ColumnData::Codes { codes, labels }) => {
                    stats::cramers_v(tc, *tk, codes, labels.len()).map(|v| ("cramers_v", v))
                }
                (Some((tc, tk, _)), _, ColumnData::Numeric { values, .. }) => {
                    stats::correlation_ratio(tc, *tk, values).map(|v| ("correlation_ratio", v))
                }
                (
                    None,
                    ColumnData::Numeric { values: tv, .. },
                    ColumnData::Numeric { values, .. },
                ) => stats::pearson(values, tv).map(|v| ("pearson", v)),
                (
                    None,
                    ColumnData::Numeric { values: tv, .. },
                    ColumnData::Codes { codes, labels },
                ) => stats::correlation_ratio(codes, labels.len(), tv)
                    .map(|v| ("correlation_ratio", v)),
                _ => None,
            };
            if let Some((method, value)) = found {
                associations.push(Association {
                    column: col.name.clone(),
                    method: method.into(),
                    value,
                });
            }
        }
        associations.sort_by(|a, b| b.value.abs().total_cmp(&a.value.abs()));
    }
    let histogram = match (&classes, profile.numeric.as_ref()) {
        (None, Some(n)) => n.histogram.clone(),
        _ => None,
    };
    Ok(TargetAnalysis {
        column: name.to_owned(),
        task: if classes.is_some() {
            "classification"
        } else {
            "regression"
        }
        .into(),
        classes: classes.map(|c| c.2),
        histogram,
        associations,
    })
}

/// Codes, their number and the class distribution, most frequent first.
fn class_counts(codes: Vec<u32>, labels: Vec<String>) -> (Vec<u32>, usize, Vec<ValueCount>) {
    let mut counts = vec![0u64; labels.len()];
    for &c in codes.iter().filter(|&&c| c != MISSING_CODE) {
        counts[c as usize] += 1;
    }
    let n = counts.iter().sum();
    let k = labels.len();
    let mut dist: Vec<ValueCount> = labels
        .into_iter()
        .zip(&counts)
        .map(|(value, &count)| ValueCount {
            value,
            count,
            pct: pct(count, n),
        })
        .collect();
    dist.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    (codes, k, dist)
}
