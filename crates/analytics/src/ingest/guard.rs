//! Checks that run before a parser allocates anything: how deep a JSON document nests, how far a
//! ZIP (xlsx, ods) inflates, how many cells an OpenDocument sheet or a legacy `.xls` workbook
//! would materialise. A small hostile file (a deep bracket bomb, a deflate bomb, one cell at
//! A1 and one at XFD1048576) is refused here with a clear error instead of exhausting the stack
//! or the memory of the process.

use std::io::{BufRead, BufReader, Read, Seek};
use std::path::Path;

use crate::error::{AnalyticsError, Result};

/// What an upload may hold at most; each limit is checked before the data is built.
#[derive(Debug, Clone, Copy)]
pub struct IngestLimits {
    /// Data rows.
    pub max_rows: u64,
    /// Columns.
    pub max_columns: u64,
    /// Cells a sheet may materialise (rows x columns of its used range).
    pub max_cells: u64,
    /// Bytes the entries of a ZIP container (xlsx, ods) may inflate to, and bytes a Parquet file's
    /// columns may decode to.
    pub max_decompressed_bytes: u64,
    /// Nesting of JSON arrays and objects (an array of objects is 2).
    pub max_json_depth: usize,
}

impl Default for IngestLimits {
    fn default() -> Self {
        Self {
            max_rows: 10_000_000,
            max_columns: 2_000,
            max_cells: 10_000_000,
            max_decompressed_bytes: 1 << 30,
            max_json_depth: 16,
        }
    }
}

fn too_big(what: String) -> AnalyticsError {
    AnalyticsError::TooLarge(what)
}

/// Refuses JSON or NDJSON nested deeper than `max_depth`, reading the bytes once without
/// parsing them (strings and escapes are skipped, so brackets inside text do not count).
pub fn check_json_depth(path: &Path, max_depth: usize) -> Result<()> {
    let mut reader = BufReader::with_capacity(64 * 1024, std::fs::File::open(path)?);
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        for &b in buf {
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > max_depth {
                        return Err(AnalyticsError::Malformed(format!(
                            "the JSON nests deeper than {max_depth} levels; upload an array of flat objects (nested values are not supported)"
                        )));
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        let n = buf.len();
        reader.consume(n);
    }
}

/// Inflates every entry of a ZIP container, counting bytes and stopping past
/// `limits.max_decompressed_bytes` (declared sizes can lie; the count cannot). Answers the total.
pub fn check_zip_inflation(path: &Path, limits: &IngestLimits) -> Result<u64> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path)?)
        .map_err(|e| AnalyticsError::Malformed(format!("the workbook is not a valid ZIP: {e}")))?;
    let max = limits.max_decompressed_bytes;
    let declared: u64 = (0..zip.len())
        .filter_map(|i| zip.by_index_raw(i).ok().map(|f| f.size()))
        .fold(0u64, u64::saturating_add);
    if declared > max {
        return Err(too_big(format!(
            "the workbook unpacks to {} MiB; at most {} MiB are accepted",
            declared >> 20,
            max >> 20
        )));
    }
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| AnalyticsError::Malformed(format!("the workbook cannot be read: {e}")))?;
        loop {
            let n = entry.read(&mut buf).map_err(|e| {
                AnalyticsError::Malformed(format!("the workbook cannot be unpacked: {e}"))
            })?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > max {
                return Err(too_big(format!(
                    "the workbook unpacks to more than {} MiB; at most that is accepted",
                    max >> 20
                )));
            }
        }
    }
    Ok(total)
}

/// What a sheet would materialise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SheetSize {
    /// Rows of the used range.
    pub rows: u64,
    /// Columns of the used range.
    pub columns: u64,
    /// Cells the reader pushes while parsing (repeats expanded).
    pub parsed_cells: u64,
}

impl SheetSize {
    /// Cells of the used range.
    pub fn dense_cells(&self) -> u64 {
        self.rows.saturating_mul(self.columns)
    }

    /// Refuses a sheet past the limits.
    pub fn check(&self, limits: &IngestLimits, sheet: &str) -> Result<()> {
        if self.columns > limits.max_columns {
            return Err(too_big(format!(
                "sheet '{sheet}' spans {} columns; at most {} are supported",
                self.columns, limits.max_columns
            )));
        }
        if self.rows > limits.max_rows.saturating_add(1) {
            return Err(too_big(format!(
                "sheet '{sheet}' spans {} rows; at most {} are supported",
                self.rows, limits.max_rows
            )));
        }
        let cells = self.dense_cells().max(self.parsed_cells);
        if cells > limits.max_cells {
            return Err(too_big(format!(
                "sheet '{sheet}' spans {cells} cells (its used range from the first to the last filled cell); at most {} are supported",
                limits.max_cells
            )));
        }
        Ok(())
    }
}

/// The sheets of an OpenDocument spreadsheet as calamine would read them (repeated rows and
/// columns expanded up to the last filled ones), by streaming `content.xml`.
pub fn ods_sheets(path: &Path) -> Result<Vec<(String, SheetSize)>> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path)?)
        .map_err(|e| AnalyticsError::Malformed(format!("the workbook is not a valid ZIP: {e}")))?;
    let content = zip
        .by_name("content.xml")
        .map_err(|_| AnalyticsError::Malformed("the OpenDocument file has no content".into()))?;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(content));
    let mut scan = OdsScan::default();
    let mut buf = Vec::new();
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| AnalyticsError::Malformed(format!("the workbook cannot be read: {e}")))?;
        match &event {
            Event::Start(e) => scan.start(e, false),
            Event::Empty(e) => scan.start(e, true),
            Event::Text(t) if scan.in_cell && !t.is_empty() => scan.cell_filled = true,
            Event::End(e) => scan.end(e.name().as_ref()),
            Event::Eof => return Ok(scan.sheets),
            _ => {}
        }
        buf.clear();
    }
}

/// The state of one pass over an OpenDocument spreadsheet's `content.xml`.
#[derive(Default)]
struct OdsScan {
    /// Every sheet closed so far.
    sheets: Vec<(String, SheetSize)>,
    // per sheet: rows up to the last filled one, the widest filled row, cells pushed
    name: String,
    size: SheetSize,
    rows_seen: u64,
    row_repeat: u64,
    // per row: columns up to the last filled cell, pending empty columns, whether it has text
    width: u64,
    pending: u64,
    filled: bool,
    // per cell
    cell_repeat: u64,
    cell_filled: bool,
    in_cell: bool,
}

impl OdsScan {
    /// An opening (or, when `empty`, self-closing) element.
    fn start(&mut self, e: &quick_xml::events::BytesStart<'_>, empty: bool) {
        let attr = |key: &[u8]| -> Option<u64> {
            e.attributes()
                .flatten()
                .find(|a| a.key.as_ref() == key)
                .and_then(|a| std::str::from_utf8(&a.value).ok()?.trim().parse().ok())
        };
        match e.name().as_ref() {
            b"table:table" => {
                self.name = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == b"table:name")
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                    .unwrap_or_default();
                self.size = SheetSize::default();
                self.rows_seen = 0;
            }
            b"table:table-row" => {
                self.row_repeat = attr(b"table:number-rows-repeated").unwrap_or(1).max(1);
                (self.width, self.pending, self.filled) = (0, 0, false);
                if empty {
                    self.rows_seen = self.rows_seen.saturating_add(self.row_repeat);
                }
            }
            b"table:table-cell" | b"table:covered-table-cell" => {
                self.cell_repeat = attr(b"table:number-columns-repeated").unwrap_or(1).max(1);
                self.cell_filled = e.attributes().flatten().any(|a| {
                    matches!(
                        a.key.as_ref(),
                        b"office:value-type" | b"table:formula" | b"calcext:value-type"
                    )
                });
                self.in_cell = !empty;
                if empty {
                    self.close_cell();
                }
            }
            b"text:p" if self.in_cell => self.cell_filled = true,
            _ => {}
        }
    }

    /// A closing element.
    fn end(&mut self, name: &[u8]) {
        match name {
            b"table:table-cell" | b"table:covered-table-cell" => {
                self.in_cell = false;
                self.close_cell();
            }
            b"table:table-row" => {
                self.rows_seen = self.rows_seen.saturating_add(self.row_repeat);
                if self.filled {
                    self.size.rows = self.rows_seen;
                    self.size.columns = self.size.columns.max(self.width);
                    self.size.parsed_cells = self.size.parsed_cells.saturating_add(self.width);
                }
            }
            b"table:table" => self
                .sheets
                .push((std::mem::take(&mut self.name), self.size)),
            _ => {}
        }
    }

    fn close_cell(&mut self) {
        close_cell(
            self.cell_filled,
            self.cell_repeat,
            &mut self.width,
            &mut self.pending,
            &mut self.filled,
        );
    }
}

/// Counts one (possibly repeated) cell into its row the way calamine does: empty cells are
/// materialised only when a filled one follows them.
fn close_cell(
    filled_cell: bool,
    repeat: u64,
    width: &mut u64,
    pending: &mut u64,
    row_filled: &mut bool,
) {
    if filled_cell {
        *width = width.saturating_add(*pending).saturating_add(repeat);
        *pending = 0;
        *row_filled = true;
    } else {
        *pending = pending.saturating_add(repeat);
    }
}

/// The used range of every sheet of a legacy `.xls` workbook, from the positions of its cell
/// records (calamine allocates each sheet's whole range when it opens the file).
pub fn xls_sheets<R: Read + Seek>(reader: R) -> Result<Vec<SheetSize>> {
    let mut book = cfb::CompoundFile::open(reader)
        .map_err(|e| AnalyticsError::Malformed(format!("the workbook cannot be read: {e}")))?;
    let stream = ["/Workbook", "/Book"]
        .into_iter()
        .find(|s| book.is_stream(s))
        .ok_or_else(|| AnalyticsError::Malformed("the .xls file holds no workbook".into()))?;
    let mut data = BufReader::new(
        book.open_stream(stream)
            .map_err(|e| AnalyticsError::Malformed(format!("the workbook cannot be read: {e}")))?,
    );
    let mut sheets = Vec::new();
    let mut current: Option<(u64, u64)> = None;
    let (mut depth, mut substreams) = (0usize, 0usize);
    let mut header = [0u8; 4];
    let mut body = vec![0u8; 8224];
    loop {
        match data.read_exact(&mut header) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e.into()),
        }
        let kind = u16::from_le_bytes([header[0], header[1]]);
        let len = usize::from(u16::from_le_bytes([header[2], header[3]]));
        let body = &mut body[..len];
        data.read_exact(body)?;
        let u16_at = |i: usize| {
            body.get(i..i + 2)
                .map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])))
        };
        match kind {
            // BOF: a substream starts (the workbook globals first, then one per sheet; charts
            // may nest inside a sheet)
            0x0809 => {
                depth += 1;
                substreams += 1;
                if depth == 1 && substreams > 1 {
                    current = Some((0, 0));
                }
            }
            // EOF: a substream ends
            0x000A => {
                if depth == 1 {
                    if let Some((rows, cols)) = current.take() {
                        sheets.push(SheetSize {
                            rows,
                            columns: cols,
                            parsed_cells: rows.saturating_mul(cols),
                        });
                    }
                }
                depth = depth.saturating_sub(1);
            }
            // single cells: row, column first
            0x0203 | 0x027E | 0x00FD | 0x0205 | 0x0006 | 0x0204 | 0x0201 | 0x00D6 | 0x0004 => {
                if let (Some(cur), Some(row), Some(col)) = (current.as_mut(), u16_at(0), u16_at(2))
                {
                    cur.0 = cur.0.max(row + 1);
                    cur.1 = cur.1.max(col + 1);
                }
            }
            // MULRK, MULBLANK: row, first column, ..., last column
            0x00BD | 0x00BE => {
                if let (Some(cur), Some(row), Some(last)) = (
                    current.as_mut(),
                    u16_at(0),
                    len.checked_sub(2).and_then(u16_at),
                ) {
                    cur.0 = cur.0.max(row + 1);
                    cur.1 = cur.1.max(last + 1);
                }
            }
            _ => {}
        }
    }
    Ok(sheets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// An OpenDocument spreadsheet whose `content.xml` holds `tables`.
    fn ods(tables: &str) -> tempfile::NamedTempFile {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
        );
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut z = ::zip::ZipWriter::new(&mut out);
            let stored = ::zip::write::SimpleFileOptions::default()
                .compression_method(::zip::CompressionMethod::Stored);
            z.start_file("content.xml", stored).unwrap();
            z.write_all(content.as_bytes()).unwrap();
            z.finish().unwrap();
        }
        file(&out.into_inner())
    }

    #[test]
    fn ods_sheets_measure_the_used_range_with_repeats_expanded() {
        let f = ods(concat!(
            r#"<table:table table:name="A">"#,
            // a header of three cells, then two filled rows of which the second repeats 3 times
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell><table:table-cell table:number-columns-repeated="2" office:value-type="string"><text:p>y</text:p></table:table-cell></table:table-row>"#,
            r#"<table:table-row table:number-rows-repeated="3"><table:table-cell/><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>"#,
            // trailing empty rows and cells are not part of the used range
            r#"<table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="50"/></table:table-row>"#,
            r#"</table:table><table:table table:name="Empty"><table:table-row/></table:table>"#
        ));
        let sheets = ods_sheets(f.path()).unwrap();
        assert_eq!(
            sheets,
            vec![
                (
                    "A".to_owned(),
                    SheetSize {
                        rows: 4,
                        columns: 3,
                        parsed_cells: 3 + 2,
                    }
                ),
                ("Empty".to_owned(), SheetSize::default()),
            ]
        );
    }

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
        f.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
        f
    }

    #[test]
    fn deep_json_is_refused_without_parsing() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let f = file(deep.as_bytes());
        assert!(check_json_depth(f.path(), 16).is_err());
        let f = file(br#"[{"a": "[[[[[[[[[[[[[[[[[[[[[[", "b": {"c": [1, 2]}}]"#);
        assert!(
            check_json_depth(f.path(), 16).is_ok(),
            "brackets in strings do not count"
        );
        let f = file(br#"[{"a": "\"[[[[[[[[[[[[[[[[[[[[[[[["}]"#);
        assert!(
            check_json_depth(f.path(), 16).is_ok(),
            "escaped quotes stay in the string"
        );
    }

    #[test]
    fn zip_bombs_are_refused_by_what_they_inflate_to() {
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut out);
            z.start_file(
                "xl/sharedStrings.xml",
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let zeros = vec![b'x'; 1 << 20];
            for _ in 0..8 {
                z.write_all(&zeros).unwrap_or_else(|e| panic!("{e}"));
            }
            z.finish().unwrap_or_else(|e| panic!("{e}"));
        }
        let bytes = out.into_inner();
        assert!(bytes.len() < 100_000, "{}", bytes.len());
        let f = file(&bytes);
        let small = IngestLimits {
            max_decompressed_bytes: 4 << 20,
            ..IngestLimits::default()
        };
        assert!(matches!(
            check_zip_inflation(f.path(), &small),
            Err(AnalyticsError::TooLarge(_))
        ));
        assert_eq!(
            check_zip_inflation(f.path(), &IngestLimits::default()).unwrap_or_default(),
            8 << 20
        );
    }

    #[test]
    fn sheet_sizes_are_checked_against_the_limits() {
        let limits = IngestLimits::default();
        let corner = SheetSize {
            rows: 1_048_576,
            columns: 16_384,
            parsed_cells: 2,
        };
        assert!(corner.check(&limits, "s").is_err());
        let fine = SheetSize {
            rows: 1000,
            columns: 20,
            parsed_cells: 20_000,
        };
        assert!(fine.check(&limits, "s").is_ok());
    }
}
