//! Reading uploaded files into typed frames: the format is sniffed from the content (the name
//! only has to agree with it), CSV delimiter and header are sniffed, every row is checked for
//! shape and encoding, and text columns holding booleans, dates or datetimes are converted.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::*;

use crate::error::{AnalyticsError, Result};

mod csv_check;
mod excel;
pub mod guard;

pub use guard::IngestLimits;

/// The file formats Tessera reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// Delimited text with or without a header.
    Csv,
    /// An Excel (.xlsx, .xls) or OpenDocument workbook.
    Excel,
    /// A JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Apache Parquet.
    Parquet,
}

impl FileFormat {
    /// The name used in APIs and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Excel => "excel",
            Self::Json => "json",
            Self::Ndjson => "ndjson",
            Self::Parquet => "parquet",
        }
    }

    fn from_extension(name: &str) -> Option<Self> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" | "tsv" | "txt" => Self::Csv,
            "xlsx" | "xlsm" | "xls" | "ods" => Self::Excel,
            "json" => Self::Json,
            "ndjson" | "jsonl" => Self::Ndjson,
            "parquet" | "pq" => Self::Parquet,
            _ => return None,
        })
    }
}

/// How to read a file.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// The client's file name; when its extension names a format, the content must agree.
    pub file_name: Option<String>,
    /// The workbook sheet to read (default: the first).
    pub sheet: Option<String>,
}

/// What was read and how.
#[derive(Debug)]
pub struct Ingested {
    /// The data, with inferred column types.
    pub frame: DataFrame,
    /// The detected format.
    pub format: FileFormat,
    /// The CSV delimiter, when the format is CSV.
    pub delimiter: Option<char>,
    /// Whether the first CSV row was taken as the header.
    pub has_header: Option<bool>,
}

const SNIFF_BYTES: usize = 64 * 1024;

/// A file checked against the limits before any of it is parsed: its format and the memory
/// reading it will take at most (for a caller that budgets memory between uploads).
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The detected format.
    pub format: FileFormat,
    /// Bytes of memory reading the file may take.
    pub estimated_bytes: u64,
    head: Vec<u8>,
    workbook: Option<excel::WorkbookKind>,
}

/// Sniffs a file's format, checks its name agrees, and measures it against the limits without
/// parsing it: JSON nesting, ZIP inflation, workbook ranges, a Parquet footer's rows, columns
/// and decoded size.
pub fn inspect(path: &Path, opts: &IngestOptions, limits: &IngestLimits) -> Result<Inspection> {
    let head = read_head(path, SNIFF_BYTES)?;
    let format = sniff(&head)?;
    if let Some(claimed) = opts
        .file_name
        .as_deref()
        .and_then(FileFormat::from_extension)
    {
        let compatible = claimed == format
            || matches!(
                (claimed, format),
                (FileFormat::Json, FileFormat::Ndjson) | (FileFormat::Ndjson, FileFormat::Json)
            );
        if !compatible {
            return Err(AnalyticsError::UnsupportedType(format!(
                "the file is named as {} but its content is {}",
                claimed.as_str(),
                describe(&head, format)
            )));
        }
    }
    let size = std::fs::metadata(path)?.len();
    let (workbook, estimated_bytes) = match format {
        // polars' frame plus the text columns' conversions
        FileFormat::Csv => (None, size.saturating_mul(4)),
        FileFormat::Json | FileFormat::Ndjson => {
            guard::check_json_depth(path, limits.max_json_depth)?;
            (None, size.saturating_mul(8))
        }
        FileFormat::Parquet => (None, check_parquet(path, limits)?.saturating_mul(2)),
        FileFormat::Excel => {
            let kind = excel::kind(&head)?;
            (Some(kind), excel::inspect(path, kind, limits)?)
        }
    };
    Ok(Inspection {
        format,
        estimated_bytes,
        head,
        workbook,
    })
}

/// Reads a Parquet file's footer only and refuses it past the limits on rows, columns and
/// decoded bytes (a 149-byte file may declare two billion rows); answers the decoded bytes.
fn check_parquet(path: &Path, limits: &IngestLimits) -> Result<u64> {
    let mut reader = ParquetReader::new(File::open(path)?);
    let meta = reader
        .get_metadata()
        .map_err(|e| AnalyticsError::Malformed(format!("the parquet file cannot be read: {e}")))?;
    let group_rows: u64 = meta.row_groups.iter().map(|g| g.num_rows() as u64).sum();
    let rows = (meta.num_rows as u64).max(group_rows);
    let columns = meta.schema().fields().len() as u64;
    // in memory, every value takes at least a fixed-width slot (a run-length encoded column of
    // one value decodes to all its rows), and text its bytes besides
    let encoded: u64 = meta
        .row_groups
        .iter()
        .map(|g| g.total_byte_size() as u64)
        .fold(0, u64::saturating_add);
    let decoded = rows
        .saturating_mul(columns)
        .saturating_mul(8)
        .saturating_add(encoded);
    if rows > limits.max_rows {
        return Err(AnalyticsError::TooLarge(format!(
            "the parquet file declares {rows} rows; at most {} are accepted",
            limits.max_rows
        )));
    }
    if columns > limits.max_columns {
        return Err(AnalyticsError::TooLarge(format!(
            "the parquet file has {columns} columns; at most {} are supported",
            limits.max_columns
        )));
    }
    if decoded > limits.max_decompressed_bytes {
        return Err(AnalyticsError::TooLarge(format!(
            "the parquet file decodes to {} MiB; at most {} MiB are accepted",
            decoded >> 20,
            limits.max_decompressed_bytes >> 20
        )));
    }
    Ok(decoded)
}

/// Reads a file of any supported format into a frame with inferred column types, within the
/// default limits.
pub fn read_file(path: &Path, opts: &IngestOptions) -> Result<Ingested> {
    read_file_with(path, opts, &IngestLimits::default())
}

/// [`inspect`], then [`read_inspected`].
pub fn read_file_with(
    path: &Path,
    opts: &IngestOptions,
    limits: &IngestLimits,
) -> Result<Ingested> {
    let inspection = inspect(path, opts, limits)?;
    read_inspected(path, opts, limits, &inspection)
}

/// Reads a file [`inspect`] accepted.
pub fn read_inspected(
    path: &Path,
    opts: &IngestOptions,
    limits: &IngestLimits,
    inspection: &Inspection,
) -> Result<Ingested> {
    let format = inspection.format;
    let mut ingested = match (format, inspection.workbook) {
        (FileFormat::Csv, _) => read_csv(path, &inspection.head)?,
        (FileFormat::Parquet, _) => plain(ParquetReader::new(File::open(path)?).finish(), format)?,
        (FileFormat::Json, _) => plain(read_json(path, JsonFormat::Json), format)?,
        (FileFormat::Ndjson, _) => plain(read_json(path, JsonFormat::JsonLines), format)?,
        (FileFormat::Excel, kind) => {
            let kind = kind.unwrap_or(excel::WorkbookKind::Xlsx);
            plain(
                Ok(excel::read(path, kind, opts.sheet.as_deref(), limits)?),
                format,
            )?
        }
    };
    check_shape(&ingested.frame, limits)?;
    ingested.frame = infer_types(ingested.frame)?;
    Ok(ingested)
}

fn plain(frame: PolarsResult<DataFrame>, format: FileFormat) -> Result<Ingested> {
    let frame = frame.map_err(|e| {
        AnalyticsError::Malformed(format!("the {} file cannot be read: {e}", format.as_str()))
    })?;
    Ok(Ingested {
        frame,
        format,
        delimiter: None,
        has_header: None,
    })
}

fn read_head(path: &Path, n: usize) -> Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    File::open(path)?.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Decides the format from the first bytes of a file.
pub fn sniff(head: &[u8]) -> Result<FileFormat> {
    if head.iter().all(u8::is_ascii_whitespace) {
        return Err(AnalyticsError::Empty);
    }
    if head.starts_with(b"PAR1") {
        return Ok(FileFormat::Parquet);
    }
    if head.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Ok(FileFormat::Excel);
    }
    if head.starts_with(b"PK\x03\x04") {
        let is_workbook = contains(head, b"[Content_Types].xml")
            || contains(head, b"xl/")
            || contains(
                head,
                b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
            );
        return if is_workbook {
            Ok(FileFormat::Excel)
        } else {
            Err(AnalyticsError::UnsupportedType(
                "the content is a ZIP archive, not a data file; upload the CSV, Excel, JSON or Parquet file itself".into(),
            ))
        };
    }
    if let Some(kind) = binary_kind(head) {
        return Err(AnalyticsError::UnsupportedType(format!(
            "the content is {kind}; supported are CSV, Excel, JSON, NDJSON and Parquet"
        )));
    }
    let text = strip_bom(head);
    let first = text.iter().find(|b| !b.is_ascii_whitespace()).copied();
    match first {
        Some(b'[') => Ok(FileFormat::Json),
        Some(b'{') => Ok(FileFormat::Ndjson),
        _ => Ok(FileFormat::Csv),
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn binary_kind(head: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x1F\x8B", "gzip-compressed data"),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"7z\xBC\xAF", "a 7-Zip archive"),
        (b"Rar!", "a RAR archive"),
        (b"BZh", "bzip2-compressed data"),
        (b"\x7FELF", "an executable"),
        (b"MZ", "an executable"),
        (b"SQLite format 3\0", "an SQLite database"),
        (b"ARROW1", "an Arrow IPC file"),
    ];
    if let Some((_, kind)) = MAGIC.iter().find(|(m, _)| head.starts_with(m)) {
        return Some(kind);
    }
    if head.contains(&0) {
        // UTF-16 text has NULs too; name it, since it is a common export mistake
        if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
            return Some("UTF-16 text (save it as UTF-8)");
        }
        return Some("binary data");
    }
    None
}

fn describe(head: &[u8], format: FileFormat) -> String {
    match format {
        FileFormat::Excel if head.starts_with(b"PK") => "an Excel/OpenDocument workbook".into(),
        FileFormat::Excel => "an Excel 97-2003 workbook".into(),
        other => other.as_str().to_owned(),
    }
}

fn read_json(path: &Path, format: JsonFormat) -> PolarsResult<DataFrame> {
    JsonReader::new(File::open(path)?)
        .with_json_format(format)
        .infer_schema_len(std::num::NonZeroUsize::new(10_000))
        .finish()
}

/// Rejects frames without columns or rows, past the limits, and columns of types a table
/// cannot show.
fn check_shape(frame: &DataFrame, limits: &IngestLimits) -> Result<()> {
    if frame.width() == 0 || frame.height() == 0 {
        return Err(AnalyticsError::Empty);
    }
    let max_columns = limits.max_columns;
    if frame.width() as u64 > max_columns {
        return Err(AnalyticsError::Malformed(format!(
            "the file has {} columns; at most {max_columns} are supported",
            frame.width()
        )));
    }
    if frame.height() as u64 > limits.max_rows {
        return Err(AnalyticsError::TooLarge(format!(
            "the file has {} rows; at most {} are accepted",
            frame.height(),
            limits.max_rows
        )));
    }
    for column in frame.columns() {
        if column.name().trim().is_empty() {
            return Err(AnalyticsError::Malformed(
                "a column has an empty name".into(),
            ));
        }
        if matches!(column.dtype(), DataType::List(_) | DataType::Struct(_)) {
            return Err(AnalyticsError::Malformed(format!(
                "column '{}' holds nested values (lists or objects); flatten them before uploading",
                column.name()
            )));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// CSV

const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

fn read_csv(path: &Path, head: &[u8]) -> Result<Ingested> {
    let sample = sample_lines(head);
    let delimiter = sniff_delimiter(&sample);
    let has_header = sniff_header(&sample, delimiter);
    let read = |infer: Option<usize>| {
        CsvReadOptions::default()
            .with_has_header(has_header)
            .with_infer_schema_length(infer)
            .with_parse_options(
                CsvParseOptions::default()
                    .with_separator(delimiter)
                    // dates are converted by `infer_types`, several times faster than polars'
                    // own inference
                    .with_try_parse_dates(false)
                    .with_missing_is_null(true),
            )
            .try_into_reader_with_file_path(Some(path.to_path_buf()))?
            .finish()
    };
    // The validating pass runs beside polars' parse (which leaves a core mostly idle); its
    // verdict comes first, so a bad file is answered by line whatever polars made of it.
    // A type guessed from the first rows may not hold further down; then polars scans every row.
    let (checked, parsed) = rayon::join(
        || validate_csv(path, delimiter),
        || read(Some(10_000)).or_else(|_| read(None)),
    );
    let data_rows = checked?.saturating_sub(usize::from(has_header));
    if data_rows == 0 {
        return Err(if has_header {
            AnalyticsError::HeaderOnly
        } else {
            AnalyticsError::Empty
        });
    }
    let frame = parsed
        .map_err(|e| AnalyticsError::Malformed(format!("the CSV file cannot be parsed: {e}")))?;
    Ok(Ingested {
        frame,
        format: FileFormat::Csv,
        delimiter: Some(char::from(delimiter)),
        has_header: Some(has_header),
    })
}

/// Whole lines of the sniffed head (a cut last line is dropped).
fn sample_lines(head: &[u8]) -> Vec<u8> {
    let text = strip_bom(head);
    if text.len() < SNIFF_BYTES - 3 {
        return text.to_vec();
    }
    match text.iter().rposition(|&b| b == b'\n') {
        Some(end) => text[..=end].to_vec(),
        None => text.to_vec(),
    }
}

fn records(sample: &[u8], delimiter: u8) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(sample)
        .records()
        .take(200)
        .map_while(|r| r.ok())
        .collect()
}

/// The delimiter that splits the sample into the most fields, the same number on every line.
fn sniff_delimiter(sample: &[u8]) -> u8 {
    let mut best = (b',', 0usize, false);
    for d in DELIMITERS {
        let recs = records(sample, d);
        let Some(first) = recs.first() else { continue };
        let width = first.len();
        let consistent = recs.iter().all(|r| r.len() == width);
        let better = match (consistent, best.2) {
            (true, false) => width > 1,
            (false, true) => false,
            _ => width > best.1,
        };
        if better && width > 1 {
            best = (d, width, consistent);
        }
    }
    best.0
}

#[derive(PartialEq, Clone, Copy)]
enum CellKind {
    Empty,
    Number,
    Text,
}

fn cell_kind(cell: &str) -> CellKind {
    let t = cell.trim();
    if t.is_empty() {
        CellKind::Empty
    } else if t.parse::<f64>().is_ok() || parse_date_any(t).is_some() || parse_bool(t).is_some() {
        CellKind::Number
    } else {
        CellKind::Text
    }
}

/// Like Python's `csv.Sniffer.has_header`: the first row is a header when, in columns whose
/// other values are numbers, dates or booleans, it holds text; columns of text vote on length.
fn sniff_header(sample: &[u8], delimiter: u8) -> bool {
    let recs = records(sample, delimiter);
    let Some((first, rest)) = recs.split_first() else {
        return true;
    };
    if rest.is_empty() {
        return true;
    }
    let names: Vec<&str> = first.iter().map(str::trim).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != names.len() || names.iter().any(|n| n.is_empty()) {
        return false;
    }
    let mut votes = 0i32;
    for (i, name) in names.iter().enumerate() {
        let kinds: Vec<CellKind> = rest
            .iter()
            .filter_map(|r| r.get(i))
            .map(cell_kind)
            .filter(|k| *k != CellKind::Empty)
            .collect();
        if kinds.is_empty() {
            continue;
        }
        let typed = kinds.iter().all(|k| *k == CellKind::Number);
        if typed {
            votes += if cell_kind(name) == CellKind::Text {
                1
            } else {
                -1
            };
        } else {
            let lengths: Vec<usize> = rest.iter().filter_map(|r| r.get(i)).map(str::len).collect();
            let fixed = lengths.windows(2).all(|w| w[0] == w[1]);
            if fixed && lengths.first().is_some_and(|&l| l != name.len()) {
                votes += 1;
            }
        }
    }
    // all-text tables give no evidence; a header is the common case then
    votes >= 0
}

/// Checks every record's width, UTF-8 and quoting; the number of records with content.
fn validate_csv(path: &Path, delimiter: u8) -> Result<usize> {
    csv_check::validate(File::open(path)?, delimiter)
}

// ---------------------------------------------------------------------------------------------
// Type inference for text columns

const DATE_FORMATS: [&str; 9] = [
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y%m%d",
    "%d %b %Y",
    "%b %d, %Y",
];
const DATETIME_FORMATS: [&str; 15] = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    // with a UTC offset: stored as the UTC time
    "%Y-%m-%dT%H:%M:%S%:z",
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%:z",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
];

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" => Some(true),
        "false" | "no" => Some(false),
        _ => None,
    }
}

fn parse_date_any(s: &str) -> Option<()> {
    let s = s.trim();
    if s.len() < 6 || s.parse::<f64>().is_ok() {
        return None;
    }
    DATE_FORMATS
        .iter()
        .any(|f| NaiveDate::parse_from_str(s, f).is_ok())
        .then_some(())
        .or_else(|| {
            DATETIME_FORMATS
                .iter()
                .any(|f| parse_datetime(s, f).is_some())
                .then_some(())
        })
}

/// Converts text columns whose every value is a boolean, a date or a datetime (in one of the
/// common formats) to that type; everything else is kept. Columns are converted in parallel.
pub fn infer_types(frame: DataFrame) -> Result<DataFrame> {
    use rayon::prelude::*;
    let height = frame.height();
    let columns = frame
        .columns()
        .par_iter()
        .map(|column| {
            let converted = match column.dtype() {
                DataType::String => convert_text(column.as_materialized_series())?,
                DataType::Null => Some(column.as_materialized_series().cast(&DataType::String)?),
                _ => None,
            };
            Ok(converted.map_or_else(|| column.clone(), Column::from))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(DataFrame::new(height, columns)?)
}

/// Two ASCII digits at `s[i..i + 2]`.
fn two_digits(s: &[u8], i: usize) -> Option<u32> {
    match (s.get(i), s.get(i + 1)) {
        (Some(a @ b'0'..=b'9'), Some(b @ b'0'..=b'9')) => {
            Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
        }
        _ => None,
    }
}

/// `YYYY-MM-DD` without chrono's format interpreter (the common case, parsed millions of times).
fn iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = two_digits(b, 0)? * 100 + two_digits(b, 2)?;
    NaiveDate::from_ymd_opt(year as i32, two_digits(b, 5)?, two_digits(b, 8)?)
}

/// `YYYY-MM-DD HH:MM:SS` or with `T`, without fractions.
fn iso_datetime(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() != 19 || !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    iso_date(&s[..10])?.and_hms_opt(two_digits(b, 11)?, two_digits(b, 14)?, two_digits(b, 17)?)
}

/// Parses a date in format `fmt`, through the fast path first when it is ISO.
fn parse_date(s: &str, fmt: &str) -> Option<NaiveDate> {
    let fast = if fmt == "%Y-%m-%d" { iso_date(s) } else { None };
    fast.or_else(|| NaiveDate::parse_from_str(s, fmt).ok())
}

/// Parses a datetime in format `fmt`, through the fast path first when it is ISO without
/// fractions.
fn parse_datetime(s: &str, fmt: &str) -> Option<NaiveDateTime> {
    let fast = if fmt == "%Y-%m-%d %H:%M:%S" || fmt == "%Y-%m-%dT%H:%M:%S" {
        iso_datetime(s)
    } else {
        None
    };
    fast.or_else(|| {
        if fmt.ends_with("%:z") {
            chrono::DateTime::parse_from_str(s, fmt)
                .ok()
                .map(|t| t.naive_utc())
        } else {
            NaiveDateTime::parse_from_str(s, fmt).ok()
        }
    })
}

fn convert_text(series: &Series) -> Result<Option<Series>> {
    let ca = series.str()?;
    let sample: Vec<&str> = ca
        .iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(1000)
        .collect();
    if sample.is_empty() {
        return Ok(None);
    }
    let name = series.name().clone();
    if sample.iter().all(|s| parse_bool(s).is_some()) {
        let values: Option<Vec<Option<bool>>> = ca
            .iter()
            .map(|v| match v.map(str::trim) {
                None | Some("") => Some(None),
                Some(s) => parse_bool(s).map(Some),
            })
            .collect();
        return Ok(values.map(|v| Series::new(name, v)));
    }
    if let Some(fmt) = DATE_FORMATS
        .iter()
        .find(|f| sample.iter().all(|s| parse_date(s, f).is_some()))
    {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let values: Option<Vec<Option<i32>>> = ca
            .iter()
            .map(|v| match v.map(str::trim) {
                None | Some("") => Some(None),
                Some(s) => parse_date(s, fmt)
                    .and_then(|d| i32::try_from((d - epoch).num_days()).ok())
                    .map(Some),
            })
            .collect();
        return values
            .map(|v| {
                Series::new(name, v)
                    .cast(&DataType::Date)
                    .map_err(Into::into)
            })
            .transpose();
    }
    if let Some(fmt) = DATETIME_FORMATS
        .iter()
        .find(|f| sample.iter().all(|s| parse_datetime(s, f).is_some()))
    {
        let values: Option<Vec<Option<i64>>> = ca
            .iter()
            .map(|v| match v.map(str::trim) {
                None | Some("") => Some(None),
                Some(s) => parse_datetime(s, fmt).map(|d| Some(d.and_utc().timestamp_millis())),
            })
            .collect();
        return values
            .map(|v| {
                Series::new(name, v)
                    .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                    .map_err(Into::into)
            })
            .transpose();
    }
    Ok(None)
}

/// A column of a read frame: name, storage type, inferred kind and missing values.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ColumnInfo {
    /// Name.
    pub name: String,
    /// polars dtype.
    pub dtype: String,
    /// integer, float, boolean, date, datetime, categorical or text.
    pub kind: &'static str,
    /// Missing values.
    pub nulls: u64,
}

/// Names, types and inferred kinds of a frame's columns (text columns with few distinct values
/// are categorical, as in the profiler).
pub fn describe_columns(frame: &DataFrame) -> Vec<ColumnInfo> {
    frame
        .columns()
        .iter()
        .map(|c| {
            let dtype = c.dtype();
            let kind = match dtype {
                d if d.is_integer() => "integer",
                d if d.is_float() => "float",
                DataType::Boolean => "boolean",
                DataType::Date => "date",
                DataType::Datetime(_, _) => "datetime",
                _ => {
                    let distinct = c.n_unique().unwrap_or(usize::MAX) as u64;
                    let n = (c.len() - c.null_count()) as u64;
                    let mean_len = c.str().ok().map_or(0.0, |s| {
                        let (total, count) = s
                            .iter()
                            .flatten()
                            .fold((0usize, 0usize), |(t, k), v| (t + v.len(), k + 1));
                        total as f64 / count.max(1) as f64
                    });
                    if crate::profile::model::is_free_text(distinct, n, mean_len) {
                        "text"
                    } else {
                        "categorical"
                    }
                }
            };
            ColumnInfo {
                name: c.name().to_string(),
                dtype: dtype.to_string(),
                kind,
                nulls: c.null_count() as u64,
            }
        })
        .collect()
}

/// Rows `offset..offset + limit` of a Parquet file as JSON objects, read lazily.
pub fn preview(
    path: &Path,
    offset: u64,
    limit: u32,
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let frame = LazyFrame::scan_parquet(
        PlRefPath::new(path.to_string_lossy().as_ref()),
        ScanArgsParquet::default(),
    )?
    .slice(i64::try_from(offset).unwrap_or(i64::MAX), limit as IdxSize)
    .collect()?;
    Ok(crate::values::rows(&frame))
}

/// Writes a frame as zstd-compressed Parquet; returns the bytes written.
pub fn write_parquet(frame: &mut DataFrame, path: &Path) -> Result<u64> {
    let file = File::create(path)?;
    let n = ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(frame)?;
    Ok(n)
}

/// Reads a Parquet file written by [`write_parquet`].
pub fn read_parquet(path: &Path) -> Result<DataFrame> {
    Ok(ParquetReader::new(File::open(path)?).finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(content: &[u8], suffix: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
        f.write_all(content).unwrap();
        f
    }

    fn read(content: &[u8], name: &str) -> Result<Ingested> {
        let f = file(content, name);
        read_file(
            f.path(),
            &IngestOptions {
                file_name: Some(name.into()),
                sheet: None,
            },
        )
    }

    #[test]
    fn sniffs_semicolons_and_header_and_types() {
        let got = read(
            b"id;price;ok;day\n1;2.5;true;2024-01-31\n2;3.5;false;2024-02-29\n",
            "a.csv",
        )
        .unwrap();
        assert_eq!(got.delimiter, Some(';'));
        assert_eq!(got.has_header, Some(true));
        let df = got.frame;
        assert_eq!(df.height(), 2);
        assert_eq!(df.column("id").unwrap().dtype(), &DataType::Int64);
        assert_eq!(df.column("price").unwrap().dtype(), &DataType::Float64);
        assert_eq!(df.column("ok").unwrap().dtype(), &DataType::Boolean);
        assert_eq!(df.column("day").unwrap().dtype(), &DataType::Date);
    }

    #[test]
    fn headerless_numeric_csv_is_detected() {
        let got = read(b"1,2\n3,4\n5,6\n", "n.csv").unwrap();
        assert_eq!(got.has_header, Some(false));
        assert_eq!(got.frame.height(), 3);
    }

    #[test]
    fn us_dates_and_datetimes_are_converted() {
        let got = read(
            b"d,t\n12/31/2023,2024-01-01 10:00:00\n01/02/2024,2024-01-02 11:30:00\n",
            "d.csv",
        )
        .unwrap();
        assert_eq!(got.frame.column("d").unwrap().dtype(), &DataType::Date);
        assert!(matches!(
            got.frame.column("t").unwrap().dtype(),
            DataType::Datetime(_, _)
        ));
    }

    #[test]
    fn iso_fast_paths_agree_with_chrono_and_fall_back_to_it() {
        for s in ["2024-02-29", "1999-12-31", "0999-01-01"] {
            assert_eq!(
                parse_date(s, "%Y-%m-%d"),
                NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
                "{s}"
            );
        }
        assert_eq!(iso_date("2023-02-29"), None);
        assert_eq!(iso_date("2024-2-9"), None);
        // not zero-padded: chrono still reads it
        assert_eq!(
            parse_date("2024-2-9", "%Y-%m-%d"),
            NaiveDate::from_ymd_opt(2024, 2, 9)
        );
        let t = parse_datetime("2024-01-02T03:04:05", "%Y-%m-%dT%H:%M:%S").unwrap();
        assert_eq!(t.to_string(), "2024-01-02 03:04:05");
        assert_eq!(iso_datetime("2024-01-02 24:00:00"), None);
        let got = read(
            b"z,f,o\n2024-01-01T10:00:00Z,2024-01-01 10:00:00.250,2024-01-01T10:00:00+02:00\n2024-01-02T11:00:00Z,2024-01-02 11:00:00.5,2024-01-02T11:00:00-05:30\n",
            "z.csv",
        )
        .unwrap();
        let offsets = crate::values::rows(&got.frame.select(["o"]).unwrap());
        assert_eq!(offsets[0]["o"], "2024-01-01T08:00:00");
        assert_eq!(offsets[1]["o"], "2024-01-02T16:30:00");
        for c in ["z", "f", "o"] {
            assert!(
                matches!(
                    got.frame.column(c).unwrap().dtype(),
                    DataType::Datetime(_, _)
                ),
                "{c}"
            );
        }
    }

    #[test]
    fn bad_csvs_are_client_errors() {
        assert!(matches!(read(b"", "e.csv"), Err(AnalyticsError::Empty)));
        assert!(matches!(
            read(b"a,b,c\n", "h.csv"),
            Err(AnalyticsError::HeaderOnly)
        ));
        let ragged = read(b"a,b\n1,2\n3,4,5\n", "r.csv").unwrap_err();
        assert!(ragged.to_string().contains("line 3"), "{ragged}");
        let latin1 = read(b"name,city\nJos\xe9,K\xf6ln\n", "l.csv").unwrap_err();
        assert!(latin1.to_string().contains("UTF-8"), "{latin1}");
        let zip = read(b"PK\x03\x04\x14\x00\x00\x00secret.txt", "z.csv").unwrap_err();
        assert!(matches!(zip, AnalyticsError::UnsupportedType(_)), "{zip}");
    }

    #[test]
    fn json_array_and_lines_are_read() {
        let arr = read(br#"[{"a":1,"b":"x"},{"a":2,"b":null}]"#, "a.json").unwrap();
        assert_eq!(arr.format, FileFormat::Json);
        assert_eq!(arr.frame.shape(), (2, 2));
        let lines = read(b"{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n", "a.ndjson").unwrap();
        assert_eq!(lines.format, FileFormat::Ndjson);
        assert_eq!(lines.frame.height(), 3);
        assert!(matches!(read(b"[]", "e.json"), Err(AnalyticsError::Empty)));
        let nested = read(br#"[{"a":[1,2]}]"#, "n.json").unwrap_err();
        assert!(nested.to_string().contains("nested"), "{nested}");
    }

    #[test]
    fn parquet_round_trips_and_name_must_agree() {
        let mut df = df!("x" => [1i64, 2, 3], "y" => ["a", "b", "c"]).unwrap();
        let f = tempfile::Builder::new()
            .suffix(".parquet")
            .tempfile()
            .unwrap();
        write_parquet(&mut df, f.path()).unwrap();
        let got = read_file(f.path(), &IngestOptions::default()).unwrap();
        assert_eq!(got.format, FileFormat::Parquet);
        assert_eq!(got.frame.shape(), (3, 2));
        let bytes = std::fs::read(f.path()).unwrap();
        let err = read(&bytes, "data.csv").unwrap_err();
        assert!(err.to_string().contains("parquet"), "{err}");
    }
}

#[cfg(test)]
mod hostile {
    //! The hostile files of the outside audit: each is refused as the client's mistake, before
    //! the parser allocates what it declares.
    use super::*;
    use std::io::Write;

    fn refused(bytes: &[u8], name: &str, limits: &IngestLimits) -> AnalyticsError {
        let mut f = tempfile::Builder::new().suffix(name).tempfile().unwrap();
        f.write_all(bytes).unwrap();
        let opts = IngestOptions {
            file_name: Some(name.into()),
            sheet: None,
        };
        let err = read_file_with(f.path(), &opts, limits).unwrap_err();
        assert!(err.is_client_error(), "{name}: {err}");
        err
    }

    #[test]
    fn json_nested_100000_deep_is_refused() {
        for depth in [1_000usize, 100_000] {
            let bomb = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let e = refused(bomb.as_bytes(), "deep.json", &IngestLimits::default());
            assert!(e.to_string().contains("nests deeper"), "{e}");
            let lines = format!("{}1{}\n", "{\"a\":".repeat(depth), "}".repeat(depth));
            refused(lines.as_bytes(), "deep.ndjson", &IngestLimits::default());
        }
    }

    #[test]
    fn an_xlsx_spanning_the_whole_sheet_is_refused_while_streaming() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "a").unwrap();
        sheet.write_number(1_048_575, 16_383, 1.0).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert!(bytes.len() < 10_000, "{}", bytes.len());
        let e = refused(&bytes, "corner.xlsx", &IngestLimits::default());
        assert!(matches!(e, AnalyticsError::TooLarge(_)), "{e}");
    }

    #[test]
    fn an_xlsx_of_repeated_rows_is_refused_by_its_size() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for r in 0..20_000u32 {
            for c in 0..10u16 {
                sheet
                    .write_string(r, c, "the same text in every cell")
                    .unwrap();
            }
        }
        let bytes = book.save_to_buffer().unwrap();
        let small = IngestLimits {
            max_decompressed_bytes: 1 << 20,
            ..IngestLimits::default()
        };
        let e = refused(&bytes, "rows.xlsx", &small);
        assert!(e.to_string().contains("unpacks"), "{e}");
        let few_cells = IngestLimits {
            max_cells: 1000,
            ..IngestLimits::default()
        };
        refused(&bytes, "rows.xlsx", &few_cells);
    }

    #[test]
    fn an_ods_repeating_one_cell_a_billion_times_is_refused() {
        let content = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="1000000" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut z = ::zip::ZipWriter::new(&mut out);
            let stored = ::zip::write::SimpleFileOptions::default()
                .compression_method(::zip::CompressionMethod::Stored);
            z.start_file("mimetype", stored).unwrap();
            z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
                .unwrap();
            z.start_file("content.xml", stored).unwrap();
            z.write_all(content.as_bytes()).unwrap();
            z.finish().unwrap();
        }
        let e = refused(&out.into_inner(), "bomb.ods", &IngestLimits::default());
        assert!(matches!(e, AnalyticsError::TooLarge(_)), "{e}");
    }

    #[test]
    fn xls_sheets_spanning_their_whole_range_are_refused() {
        // a compound file with a workbook stream: globals, then ten sheets with cells at A1 and
        // IV65536 (calamine would allocate every sheet's range when opening the file)
        let mut bytes = std::io::Cursor::new(Vec::new());
        {
            let mut cf = cfb::CompoundFile::create(&mut bytes).unwrap();
            let mut s = cf.create_stream("/Workbook").unwrap();
            let record = |kind: u16, body: &[u8]| {
                let mut r = kind.to_le_bytes().to_vec();
                r.extend_from_slice(&(body.len() as u16).to_le_bytes());
                r.extend_from_slice(body);
                r
            };
            let number = |row: u16, col: u16| {
                let mut b = row.to_le_bytes().to_vec();
                b.extend_from_slice(&col.to_le_bytes());
                b.extend_from_slice(&[0, 0]);
                b.extend_from_slice(&1.0f64.to_le_bytes());
                record(0x0203, &b)
            };
            let bof = record(0x0809, &[0, 6, 0x10, 0, 0, 0, 0, 0]);
            let eof = record(0x000A, &[]);
            let mut w = Vec::new();
            w.extend(&bof);
            w.extend(&eof);
            for _ in 0..10 {
                w.extend(&bof);
                w.extend(number(0, 0));
                w.extend(number(65_535, 255));
                w.extend(&eof);
            }
            s.write_all(&w).unwrap();
            drop(s);
            cf.flush().unwrap();
        }
        let e = refused(&bytes.into_inner(), "wide.xls", &IngestLimits::default());
        assert!(matches!(e, AnalyticsError::TooLarge(_)), "{e}");
    }

    #[test]
    fn a_parquet_footer_declaring_too_many_rows_is_refused_before_decoding() {
        let mut df = df!("x" => vec![7i64; 5000]).unwrap();
        let f = tempfile::Builder::new()
            .suffix(".parquet")
            .tempfile()
            .unwrap();
        write_parquet(&mut df, f.path()).unwrap();
        let bytes = std::fs::read(f.path()).unwrap();
        let few = IngestLimits {
            max_rows: 1000,
            ..IngestLimits::default()
        };
        let e = refused(&bytes, "many.parquet", &few);
        assert!(e.to_string().contains("5000 rows"), "{e}");
        let tiny = IngestLimits {
            max_decompressed_bytes: 1,
            ..IngestLimits::default()
        };
        let e = refused(&bytes, "many.parquet", &tiny);
        assert!(e.to_string().contains("decodes to"), "{e}");
    }
}
