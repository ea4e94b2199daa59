//! Exploratory profiling of a frame, in the spirit of ydata-profiling: an overview, a summary per
//! column by kind, correlations, warnings and an optional target analysis. Columns are profiled
//! in parallel; the numbers follow pandas' conventions (see [`stats`]).

mod columns;
mod correlations;
pub mod model;
pub mod stats;
mod warnings;

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::path::Path;
use std::time::Instant;

use polars::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use columns::{
    BooleanStats, CategoricalStats, ColumnKind, ColumnProfile, DatetimeStats, NumericStats,
    Quantiles, ValueCount,
};
pub use correlations::{Association, Correlations, Matrix, TargetAnalysis};
pub(crate) use model::pct;
pub use model::{
    is_free_text, AnalysisMode, Overview, ProfileOptions, ReportOptions, SampleInfo,
    CARDINALITY_THRESHOLD, DEFAULT_MAX_PLOTS,
};
pub use stats::Bin;
pub use warnings::{Warning, WarningKind};

use crate::error::{AnalyticsError, Result};

/// A whole profile; the JSON of `GET /reports/{id}/results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Profile {
    /// Quick or full.
    pub mode: AnalysisMode,
    /// Dataset-level numbers.
    pub overview: Overview,
    /// Whether and how rows were sampled.
    pub sample: SampleInfo,
    /// One summary per column, in the frame's order.
    pub columns: Vec<ColumnProfile>,
    /// Correlation matrices (full mode).
    pub correlations: Option<Correlations>,
    /// Things worth a look, most severe kinds first.
    pub warnings: Vec<Warning>,
    /// Analysis against the target column, when one was given.
    pub target: Option<TargetAnalysis>,
    /// The most plots a rendered report shows.
    pub max_plots: u64,
    /// Time spent profiling, milliseconds.
    pub duration_ms: u64,
}

/// Profiles a frame; `progress` hears percentages as columns finish.
pub fn profile(frame: &DataFrame, opts: &ProfileOptions) -> Result<Profile> {
    profile_with_progress(frame, opts, &|_| {})
}

/// [`profile`] with a progress callback (0-100).
pub fn profile_with_progress(
    frame: &DataFrame,
    opts: &ProfileOptions,
    progress: &(dyn Fn(u8) + Sync),
) -> Result<Profile> {
    let population = frame.height() as u64;
    let sample = match opts.sample_size {
        Some(0) => {
            return Err(AnalyticsError::InvalidRequest(
                "sample_size must be positive".into(),
            ))
        }
        Some(n) if n < frame.height() => Some(n),
        _ => None,
    };
    let sampled;
    let (frame, info) = match sample {
        Some(n) => {
            sampled = random_rows(frame, n, opts.seed)?;
            let info = SampleInfo {
                method: "random".into(),
                rows_profiled: n as u64,
                population_rows: population,
                seed: Some(opts.seed),
                reason: Some(format!("sample_size {n} requested")),
            };
            (&sampled, info)
        }
        None => (
            frame,
            SampleInfo {
                method: "none".into(),
                rows_profiled: population,
                population_rows: population,
                seed: None,
                reason: None,
            },
        ),
    };
    profile_frame(frame, opts, info, progress)
}

/// `n` rows drawn without replacement with a seeded generator, in their original order.
fn random_rows(frame: &DataFrame, n: usize, seed: u64) -> Result<DataFrame> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut idx: Vec<IdxSize> = rand::seq::index::sample(&mut rng, frame.height(), n)
        .into_iter()
        .map(|i| i as IdxSize)
        .collect();
    idx.sort_unstable();
    Ok(frame.take(&IdxCa::from_vec(PlSmallStr::from("idx"), idx))?)
}

fn profile_frame(
    frame: &DataFrame,
    opts: &ProfileOptions,
    sample: SampleInfo,
    progress: &(dyn Fn(u8) + Sync),
) -> Result<Profile> {
    let started = Instant::now();
    if let Some(target) = &opts.target_column {
        if frame.column(target).is_err() {
            return Err(AnalyticsError::InvalidRequest(format!(
                "target_column '{target}' is not a column of the dataset"
            )));
        }
    }
    let rows = frame.height();
    let total = frame.width().max(1);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let in_time = || match opts.deadline {
        Some(d) if Instant::now() >= d => Err(AnalyticsError::TimedOut(
            "profiling ran past its time limit; profile a sample (sample_size) or use quick mode"
                .into(),
        )),
        _ => Ok(()),
    };
    let profiled: Vec<(ColumnProfile, columns::ColumnData)> = frame
        .columns()
        .par_iter()
        .map(|c| {
            in_time()?;
            let out = columns::profile_column(c.as_materialized_series(), rows, opts);
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress((n * 80 / total) as u8);
            out
        })
        .collect::<Result<_>>()?;
    let (columns, data): (Vec<ColumnProfile>, Vec<columns::ColumnData>) =
        profiled.into_iter().unzip();

    in_time()?;
    let duplicate_rows = duplicate_rows(frame, &data)?;
    progress(85);
    in_time()?;
    let correlations =
        (opts.mode == AnalysisMode::All).then(|| correlations::matrices(&columns, &data));
    progress(95);
    in_time()?;
    let target = match &opts.target_column {
        Some(name) => Some(correlations::target(name, &columns, &data, opts)?),
        None => None,
    };
    let missing_cells: u64 = columns.iter().map(|c| c.missing).sum();
    let cells = (rows * frame.width()) as u64;
    let mut types = BTreeMap::new();
    for c in &columns {
        *types.entry(c.kind.as_str().to_owned()).or_insert(0) += 1;
    }
    let overview = Overview {
        rows: rows as u64,
        columns: frame.width() as u64,
        missing_cells,
        missing_cells_pct: pct(missing_cells, cells),
        duplicate_rows,
        duplicate_rows_pct: pct(duplicate_rows, rows as u64),
        memory_bytes: frame.estimated_size() as u64,
        types,
    };
    let warnings = warnings::collect(&overview, &columns, correlations.as_ref());
    progress(100);
    Ok(Profile {
        mode: opts.mode,
        overview,
        sample,
        columns,
        correlations,
        warnings,
        target,
        max_plots: opts.max_plots as u64,
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

/// Rows equal to an earlier row. Each row gets a 64-bit hash of its values (8 bytes a row,
/// built column by column over row blocks in parallel, instead of a group-by over every
/// column); rows sharing a hash are then compared value by value, so a collision never counts
/// as a duplicate.
fn duplicate_rows(frame: &DataFrame, data: &[columns::ColumnData]) -> Result<u64> {
    if frame.height() < 2 || frame.width() == 0 {
        return Ok(0);
    }
    let hashes = row_hashes(frame, data)?;
    let mut order: Vec<(u64, IdxSize)> = hashes.into_iter().zip(0 as IdxSize..).collect();
    order.par_sort_unstable();
    // runs of rows sharing a hash; their rows are gathered into one small contiguous frame, so
    // that comparing values is a direct lookup however many chunks the data came in
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    let mut rows: Vec<IdxSize> = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && order[j].0 == order[i].0 {
            j += 1;
        }
        if j > i + 1 {
            let start = rows.len();
            // in row order: each row equals an earlier distinct one or starts a group
            let mut run: Vec<IdxSize> = order[i..j].iter().map(|&(_, r)| r).collect();
            run.sort_unstable();
            rows.extend(run);
            runs.push(start..rows.len());
        }
        i = j;
    }
    if rows.is_empty() {
        return Ok(0);
    }
    let candidates = frame.take(&IdxCa::from_vec(PlSmallStr::from("rows"), rows))?;
    // physical views (dates as integers) are Arc clones, not copies
    let physical: Vec<Series> = candidates
        .columns()
        .iter()
        .map(|c| c.as_materialized_series().to_physical_repr().into_owned())
        .collect();
    let same = |a: usize, b: usize| physical.iter().all(|s| equal_at(s, a, b));
    let mut duplicates = 0u64;
    let mut distinct: Vec<usize> = Vec::new();
    for run in runs {
        distinct.clear();
        for row in run {
            if distinct.iter().any(|&d| same(d, row)) {
                duplicates += 1;
            } else {
                distinct.push(row);
            }
        }
    }
    Ok(duplicates)
}

/// Rows hashed per block of this many, in parallel.
const HASH_BLOCK: usize = 1 << 16;

/// A well-mixed 64-bit value (the splitmix64 finaliser).
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// One hash per row over every column's value (missing values hash alike). Text and boolean
/// columns use the value codes their profiles already assigned instead of hashing again.
fn row_hashes(frame: &DataFrame, data: &[columns::ColumnData]) -> Result<Vec<u64>> {
    const MISSING: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut hashes = vec![0u64; frame.height()];
    let text_hasher = PlRandomState::default();
    let fold = |h: &mut u64, key: u64| *h = mix(h.rotate_left(5) ^ key);
    for (i, column) in frame.columns().iter().enumerate() {
        if let Some(
            columns::ColumnData::Codes { codes, .. } | columns::ColumnData::Text { codes },
        ) = data.get(i)
        {
            hashes
                .par_chunks_mut(HASH_BLOCK)
                .zip(codes.par_chunks(HASH_BLOCK))
                .for_each(|(out, codes)| {
                    for (h, &c) in out.iter_mut().zip(codes) {
                        fold(h, mix(u64::from(c)));
                    }
                });
            continue;
        }
        let series = column.as_materialized_series();
        // every column as integers, floats or text
        let series = match series.dtype() {
            DataType::String => series.clone(),
            d if d.is_float() => series.cast(&DataType::Float64)?,
            d if d.is_primitive_numeric() || d.is_temporal() || d.is_bool() => {
                series.to_physical_repr().cast(&DataType::Int64)?
            }
            _ => series.cast(&DataType::String)?,
        };
        hashes.par_chunks_mut(HASH_BLOCK).enumerate().try_for_each(
            |(block, out)| -> Result<()> {
                let part = series.slice((block * HASH_BLOCK) as i64, out.len());
                match part.dtype() {
                    DataType::String => {
                        for (h, v) in out.iter_mut().zip(part.str()?.iter()) {
                            let key = v.map_or(MISSING, |s| text_hasher.hash_one(s));
                            fold(h, key);
                        }
                    }
                    DataType::Float64 => {
                        for (h, v) in out.iter_mut().zip(part.f64()?.iter()) {
                            // -0.0 equals 0.0 and every NaN equals NaN
                            let key = v.map_or(MISSING, |f| {
                                if f.is_nan() {
                                    f64::NAN.to_bits()
                                } else {
                                    (f + 0.0).to_bits()
                                }
                            });
                            fold(h, key);
                        }
                    }
                    _ => {
                        for (h, v) in out.iter_mut().zip(part.i64()?.iter()) {
                            fold(h, v.map_or(MISSING, |i| mix(i as u64)));
                        }
                    }
                }
                Ok(())
            },
        )?;
    }
    Ok(hashes)
}

/// Whether rows `a` and `b` of a physical series hold the same value (missing equals missing,
/// NaN equals NaN).
fn equal_at(s: &Series, a: usize, b: usize) -> bool {
    fn same<T: PartialEq>(x: Option<T>, y: Option<T>) -> bool {
        x == y
    }
    fn same_float(x: Option<f64>, y: Option<f64>) -> bool {
        match (x, y) {
            (Some(x), Some(y)) => x == y || (x.is_nan() && y.is_nan()),
            (x, y) => x.is_none() && y.is_none(),
        }
    }
    let typed = match s.dtype() {
        DataType::Int8 => s.i8().map(|c| same(c.get(a), c.get(b))),
        DataType::Int16 => s.i16().map(|c| same(c.get(a), c.get(b))),
        DataType::Int32 => s.i32().map(|c| same(c.get(a), c.get(b))),
        DataType::Int64 => s.i64().map(|c| same(c.get(a), c.get(b))),
        DataType::UInt8 => s.u8().map(|c| same(c.get(a), c.get(b))),
        DataType::UInt16 => s.u16().map(|c| same(c.get(a), c.get(b))),
        DataType::UInt32 => s.u32().map(|c| same(c.get(a), c.get(b))),
        DataType::UInt64 => s.u64().map(|c| same(c.get(a), c.get(b))),
        DataType::Float32 => s
            .f32()
            .map(|c| same_float(c.get(a).map(f64::from), c.get(b).map(f64::from))),
        DataType::Float64 => s.f64().map(|c| same_float(c.get(a), c.get(b))),
        DataType::Boolean => s.bool().map(|c| same(c.get(a), c.get(b))),
        DataType::String => s.str().map(|c| same(c.get(a), c.get(b))),
        _ => match (s.get(a), s.get(b)) {
            (Ok(x), Ok(y)) => Ok(x == y),
            _ => Ok(false),
        },
    };
    typed.unwrap_or(false)
}

/// Profiles a Parquet file, staying under `memory_limit` bytes for the data: a file whose frame
/// would not fit is read through polars' streaming engine keeping every k-th row, and the
/// profile's [`SampleInfo`] says so.
pub fn profile_parquet(
    path: &Path,
    opts: &ProfileOptions,
    memory_limit: u64,
    progress: &(dyn Fn(u8) + Sync),
) -> Result<Profile> {
    let scan = || {
        LazyFrame::scan_parquet(
            PlRefPath::new(path.to_string_lossy().as_ref()),
            ScanArgsParquet::default(),
        )
    };
    let count = scan()?.select([len().alias("n")]).collect()?;
    let population = count.column("n")?.get(0)?.extract::<u64>().unwrap_or(0);
    let probe = scan()?.limit(1000).collect()?;
    let per_row = (probe.estimated_size() as u64 / probe.height().max(1) as u64).max(1);
    let estimate = per_row.saturating_mul(population);
    // Profiling needs working memory beside the frame (sorted copies, codes, hashes): the frame
    // may take a third of the limit, and its rows are the real count (a tiny file can decode
    // to a hundred million rows)
    let row_cap = opts.max_rows.map_or(u64::MAX, |m| m.max(1) as u64);
    if estimate.saturating_mul(3) <= memory_limit && population <= row_cap {
        let frame = crate::ingest::read_parquet(path)?;
        return profile_with_progress(&frame, opts, progress);
    }
    let fits = (memory_limit / 3 / per_row).max(1).min(row_cap);
    let step = population.div_ceil(fits).max(2);
    let names: Vec<Expr> = probe
        .get_column_names()
        .into_iter()
        .map(|n| col(n.clone()))
        .collect();
    let frame = scan()?
        .with_row_index("__tessera_row", None)
        .filter((col("__tessera_row") % lit(step as IdxSize)).eq(lit(0 as IdxSize)))
        .select(names)
        .collect_with_engine(Engine::Streaming)?
        .unwrap_single();
    let info = SampleInfo {
        method: "systematic".into(),
        rows_profiled: frame.height() as u64,
        population_rows: population,
        seed: None,
        reason: Some(
            if population > row_cap && estimate.saturating_mul(3) <= memory_limit {
                format!(
                "the data has {population} rows, more than the {row_cap} profiled at most; every {step}th row was streamed"
            )
            } else {
                format!(
                "the data (about {} MiB in memory, and profiling needs three times that) exceeds the {} MiB memory limit; every {step}th row was streamed",
                estimate >> 20,
                memory_limit >> 20
            )
            },
        ),
    };
    let opts = ProfileOptions {
        sample_size: None,
        ..opts.clone()
    };
    profile_frame(&frame, &opts, info, progress)
}

#[cfg(test)]
mod tests;
