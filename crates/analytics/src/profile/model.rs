//! What a profile is asked for (options, modes) and the dataset-level parts of its answer, plus
//! the rules shared by ingestion and profiling (what counts as free text). Below every other
//! module of the profile, so none of them imports another in a circle.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// How much to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AnalysisMode {
    /// Summaries only: no correlations, histograms, top values or per-period distributions.
    Quick,
    /// Everything.
    #[default]
    All,
}

/// What to profile and how.
#[derive(Debug, Clone)]
pub struct ProfileOptions {
    /// Quick or full.
    pub mode: AnalysisMode,
    /// A column to analyse the others against.
    pub target_column: Option<String>,
    /// Profile a random sample of this many rows (seeded, so repeatable).
    pub sample_size: Option<usize>,
    /// The seed of the sample.
    pub seed: u64,
    /// The most plots a rendered report shows.
    pub max_plots: usize,
    /// Bins of a histogram at most.
    pub max_bins: usize,
    /// Top values kept per categorical column.
    pub top_values: usize,
    /// Profile at most this many rows of a stored file (more are sampled systematically), so
    /// time and memory follow the rows really profiled.
    pub max_rows: Option<usize>,
    /// Give up (with [`AnalyticsError::TimedOut`]) once this instant has passed.
    pub deadline: Option<Instant>,
}

/// The analysis options stored with a report (as JSON) and read by the job that computes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Quick or full.
    pub analysis_mode: AnalysisMode,
    /// Target column.
    pub target_column: Option<String>,
    /// Rows of the random sample.
    pub sample_size: Option<u64>,
    /// Most plots.
    pub max_plots: u64,
}

/// The most plots a report shows unless its request says otherwise.
pub const DEFAULT_MAX_PLOTS: usize = 50;

impl Default for ProfileOptions {
    fn default() -> Self {
        Self {
            mode: AnalysisMode::All,
            target_column: None,
            sample_size: None,
            seed: 42,
            max_plots: DEFAULT_MAX_PLOTS,
            max_bins: 50,
            top_values: 10,
            max_rows: None,
            deadline: None,
        }
    }
}

/// How the profiled rows relate to the whole dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleInfo {
    /// `none` (every row), `random` (seeded random rows) or `systematic` (every k-th row, read
    /// by the streaming engine because the data would not fit the memory limit).
    pub method: String,
    /// Rows profiled.
    pub rows_profiled: u64,
    /// Rows in the dataset.
    pub population_rows: u64,
    /// The seed of a random sample.
    pub seed: Option<u64>,
    /// Why the rows were sampled.
    pub reason: Option<String>,
}

/// Dataset-level numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overview {
    /// Rows profiled.
    pub rows: u64,
    /// Columns.
    pub columns: u64,
    /// Missing cells.
    pub missing_cells: u64,
    /// Missing cells, percent of all cells.
    pub missing_cells_pct: f64,
    /// Rows equal to an earlier row (pandas' `duplicated().sum()`).
    pub duplicate_rows: u64,
    /// Duplicate rows, percent.
    pub duplicate_rows_pct: f64,
    /// Estimated in-memory size of the profiled frame, bytes.
    pub memory_bytes: u64,
    /// Columns per kind (numeric, categorical, text, boolean, datetime).
    pub types: BTreeMap<String, u64>,
}

/// Percentage with a guard for an empty whole.
pub(crate) fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// Categorical columns up to this many distinct values take part in Cramér's V and target
/// analysis; more is "high cardinality".
pub const CARDINALITY_THRESHOLD: u64 = 50;

/// Whether text with `distinct` values among `n`, `mean_length` characters long on average, is
/// free text rather than categories: many values that mostly differ, or long ones.
pub fn is_free_text(distinct: u64, n: u64, mean_length: f64) -> bool {
    distinct > CARDINALITY_THRESHOLD && (distinct * 2 > n || mean_length > 40.0)
}
