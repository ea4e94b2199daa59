//! Workbooks (.xlsx, .xls, .ods) through calamine: the first row of the used range is the
//! header, each column becomes the narrowest type that holds all its cells.
//!
//! Nothing is allocated before it is known to fit: an .xlsx sheet is read as a stream of cells
//! (calamine's range would span the bounding box of the first and last cell, 512 GiB for A1 and
//! XFD1048576) and refused as soon as a cell lies past the limits; .xls and .ods, which calamine
//! materialises whole when it opens them, are measured first ([`super::guard`]); ZIP containers
//! are inflated once, counting, before calamine reads them.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{Data, DataType as _, Ods, Reader, Xls, Xlsx};
use polars::prelude::*;

use super::guard::{self, IngestLimits, SheetSize};
use crate::error::{AnalyticsError, Result};

/// Bytes one materialised cell costs in calamine (a `Data` and a formula `String`).
const CELL_BYTES: u64 = 64;

/// The workbook formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkbookKind {
    /// Office Open XML (.xlsx, .xlsm).
    Xlsx,
    /// Excel 97-2003 (.xls).
    Xls,
    /// OpenDocument (.ods).
    Ods,
}

/// The workbook format from a file's first bytes (binary .xlsb is refused).
pub fn kind(head: &[u8]) -> Result<WorkbookKind> {
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if head.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Ok(WorkbookKind::Xls);
    }
    if has(b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet") {
        return Ok(WorkbookKind::Ods);
    }
    if has(b"xl/workbook.bin") {
        return Err(AnalyticsError::UnsupportedType(
            "binary Excel workbooks (.xlsb) are not supported; save it as .xlsx".into(),
        ));
    }
    Ok(WorkbookKind::Xlsx)
}

fn unreadable(e: impl std::fmt::Display) -> AnalyticsError {
    AnalyticsError::Malformed(format!("the workbook cannot be read: {e}"))
}

fn pick_sheet(names: &[String], wanted: Option<&str>) -> Result<String> {
    match wanted {
        Some(w) => names
            .iter()
            .find(|n| n.as_str() == w)
            .cloned()
            .ok_or_else(|| {
                AnalyticsError::InvalidRequest(format!(
                    "the workbook has no sheet '{w}'; it has: {}",
                    names.join(", ")
                ))
            }),
        None => names.first().cloned().ok_or(AnalyticsError::Empty),
    }
}

/// Checks a workbook against the limits without building its data; answers the bytes reading
/// it will take at most.
pub fn inspect(path: &Path, kind: WorkbookKind, limits: &IngestLimits) -> Result<u64> {
    match kind {
        WorkbookKind::Xlsx => {
            // the sheet itself is streamed under the cell limits; what calamine holds whole is
            // the shared strings, within the inflated size
            let inflated = guard::check_zip_inflation(path, limits)?;
            Ok(inflated
                .saturating_mul(2)
                .saturating_add(limits.max_cells.min(inflated).saturating_mul(CELL_BYTES)))
        }
        WorkbookKind::Ods => {
            let inflated = guard::check_zip_inflation(path, limits)?;
            let sheets = guard::ods_sheets(path)?;
            materialised(sheets, limits).map(|cells| {
                cells
                    .saturating_mul(CELL_BYTES)
                    .saturating_add(inflated.saturating_mul(2))
            })
        }
        WorkbookKind::Xls => {
            let sheets = guard::xls_sheets(BufReader::new(File::open(path)?))?;
            let cells = materialised(
                sheets
                    .into_iter()
                    .enumerate()
                    .map(|(i, s)| (format!("#{}", i + 1), s))
                    .collect(),
                limits,
            )?;
            Ok(cells.saturating_mul(CELL_BYTES))
        }
    }
}

/// Every sheet is materialised when calamine opens the workbook: each must fit, and all together.
fn materialised(sheets: Vec<(String, SheetSize)>, limits: &IngestLimits) -> Result<u64> {
    let mut total = 0u64;
    for (name, size) in &sheets {
        size.check(limits, name)?;
        total = total.saturating_add(size.dense_cells().max(size.parsed_cells));
    }
    if total > limits.max_cells {
        return Err(AnalyticsError::TooLarge(format!(
            "the workbook's sheets span {total} cells together; at most {} are supported",
            limits.max_cells
        )));
    }
    Ok(total)
}

/// Reads one sheet (the named one, or the first) into a frame. Call [`inspect`] first.
pub fn read(
    path: &Path,
    kind: WorkbookKind,
    sheet: Option<&str>,
    limits: &IngestLimits,
) -> Result<DataFrame> {
    let grid = match kind {
        WorkbookKind::Xlsx => {
            let mut book: Xlsx<_> =
                Xlsx::new(BufReader::new(File::open(path)?)).map_err(unreadable)?;
            let name = pick_sheet(&book.sheet_names(), sheet)?;
            stream_xlsx(&mut book, &name, limits)?
        }
        WorkbookKind::Xls => {
            let mut book: Xls<_> =
                Xls::new(BufReader::new(File::open(path)?)).map_err(unreadable)?;
            let name = pick_sheet(&book.sheet_names(), sheet)?;
            Grid::from_range(&book.worksheet_range(&name).map_err(unreadable)?)
        }
        WorkbookKind::Ods => {
            let mut book: Ods<_> =
                Ods::new(BufReader::new(File::open(path)?)).map_err(unreadable)?;
            let name = pick_sheet(&book.sheet_names(), sheet)?;
            Grid::from_range(&book.worksheet_range(&name).map_err(unreadable)?)
        }
    };
    grid.into_frame()
}

/// The filled cells of a sheet's used range, positions relative to its first row and column.
struct Grid {
    rows: usize,
    columns: usize,
    cells: Vec<(usize, usize, Data)>,
}

impl Grid {
    fn from_range(range: &calamine::Range<Data>) -> Self {
        let (rows, columns) = range.get_size();
        let cells = range
            .rows()
            .enumerate()
            .flat_map(|(r, row)| {
                row.iter()
                    .enumerate()
                    .filter(|(_, d)| !matches!(d, Data::Empty))
                    .map(move |(c, d)| (r, c, d.clone()))
            })
            .collect();
        Self {
            rows,
            columns,
            cells,
        }
    }

    /// Header from the first row, one typed column per grid column.
    fn into_frame(self) -> Result<DataFrame> {
        if self.rows == 0 || self.columns == 0 {
            return Err(AnalyticsError::Empty);
        }
        let body_rows = self.rows - 1;
        if body_rows == 0 {
            return Err(AnalyticsError::HeaderOnly);
        }
        let mut header: Vec<Option<Data>> = vec![None; self.columns];
        let mut columns: Vec<Vec<Data>> = vec![vec![Data::Empty; body_rows]; self.columns];
        for (r, c, d) in self.cells {
            if r == 0 {
                header[c] = Some(d);
            } else {
                columns[c][r - 1] = d;
            }
        }
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::with_capacity(self.columns);
        for (i, (title, cells)) in header.into_iter().zip(columns).enumerate() {
            let mut title = title
                .as_ref()
                .and_then(cell_text)
                .unwrap_or_default()
                .trim()
                .to_owned();
            if title.is_empty() {
                title = format!("column_{}", i + 1);
            }
            if !seen.insert(title.clone()) {
                return Err(AnalyticsError::Malformed(format!(
                    "the header names column '{title}' twice"
                )));
            }
            let refs: Vec<&Data> = cells.iter().collect();
            out.push(Column::from(column(&title, &refs)?));
        }
        Ok(DataFrame::new(body_rows, out)?)
    }
}

/// Reads an .xlsx sheet cell by cell, refusing it at the first cell past the limits.
fn stream_xlsx(
    book: &mut Xlsx<BufReader<File>>,
    name: &str,
    limits: &IngestLimits,
) -> Result<Grid> {
    let mut reader = book.worksheet_cells_reader(name).map_err(unreadable)?;
    let mut cells: Vec<(u32, u32, Data)> = Vec::new();
    let (mut min_r, mut min_c, mut max_r, mut max_c) = (u32::MAX, u32::MAX, 0u32, 0u32);
    let too_big = |what: String| Err(AnalyticsError::TooLarge(what));
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        let value = Data::from(cell.get_value().clone());
        if matches!(value, Data::Empty) {
            continue;
        }
        if u64::from(c) >= limits.max_columns {
            return too_big(format!(
                "sheet '{name}' has a cell in column {}; at most {} columns are supported",
                u64::from(c) + 1,
                limits.max_columns
            ));
        }
        if u64::from(r) > limits.max_rows {
            return too_big(format!(
                "sheet '{name}' has a cell in row {}; at most {} rows are supported",
                u64::from(r) + 1,
                limits.max_rows
            ));
        }
        (min_r, min_c) = (min_r.min(r), min_c.min(c));
        (max_r, max_c) = (max_r.max(r), max_c.max(c));
        let span = u64::from(max_r - min_r + 1).saturating_mul(u64::from(max_c - min_c + 1));
        if cells.len() as u64 >= limits.max_cells || span > limits.max_cells {
            return too_big(format!(
                "sheet '{name}' spans more than {} cells; at most that many are supported",
                limits.max_cells
            ));
        }
        cells.push((r, c, value));
    }
    if cells.is_empty() {
        return Err(AnalyticsError::Empty);
    }
    Ok(Grid {
        rows: (max_r - min_r + 1) as usize,
        columns: (max_c - min_c + 1) as usize,
        cells: cells
            .into_iter()
            .map(|(r, c, d)| ((r - min_r) as usize, (c - min_c) as usize, d))
            .collect(),
    })
}

fn cell_text(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty => None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) => Some(f.to_string()),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|d| d.to_string())
            .or_else(|| Some(d.as_f64().to_string())),
        Data::Error(e) => Some(format!("#{e:?}")),
    }
}

fn column(name: &str, cells: &[&Data]) -> Result<Series> {
    let filled = || cells.iter().filter(|c| !matches!(c, Data::Empty));
    let name = PlSmallStr::from(name);
    if filled().all(|c| matches!(c, Data::Int(_))) {
        let v: Vec<Option<i64>> = cells
            .iter()
            .map(|c| if let Data::Int(i) = c { Some(*i) } else { None })
            .collect();
        return Ok(Series::new(name, v));
    }
    if filled().all(|c| matches!(c, Data::Int(_) | Data::Float(_))) {
        let v: Vec<Option<f64>> = cells
            .iter()
            .map(|c| c.get_float().or_else(|| c.get_int().map(|i| i as f64)))
            .collect();
        // whole numbers stored as floats (Excel's only number type) become integers
        if v.iter()
            .flatten()
            .all(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
        {
            let ints: Vec<Option<i64>> = v.iter().map(|f| f.map(|f| f as i64)).collect();
            return Ok(Series::new(name, ints));
        }
        return Ok(Series::new(name, v));
    }
    if filled().all(|c| matches!(c, Data::Bool(_))) {
        let v: Vec<Option<bool>> = cells.iter().map(|c| c.get_bool()).collect();
        return Ok(Series::new(name, v));
    }
    if filled().all(|c| matches!(c, Data::DateTime(_))) {
        let v: Vec<Option<i64>> = cells
            .iter()
            .map(|c| match c {
                Data::DateTime(d) => d.as_datetime().map(|d| d.and_utc().timestamp_millis()),
                _ => None,
            })
            .collect();
        return Ok(Series::new(name, v).cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?);
    }
    let v: Vec<Option<String>> = cells.iter().map(|c| cell_text(c)).collect();
    Ok(Series::new(name, v))
}
