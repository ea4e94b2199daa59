//! One fast pass over a CSV file before polars parses it: every record must have as many fields
//! as the first, the text must be UTF-8, and quoted fields must close. polars pads short rows
//! with nulls silently; this pass is what turns them into a clear "line N" answer.
//!
//! The scan is a small state machine over bytes (RFC 4180 quoting: a field that starts with `"`
//! runs to the next lone `"`, `""` is a quote inside it, and it may span lines); UTF-8 is checked
//! by the standard library on the same buffer in parallel.

use std::io::Read;

use crate::error::{AnalyticsError, Result};

/// Bytes read per step.
const CHUNK: usize = 4 << 20;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    FieldStart,
    /// Inside an unquoted field.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a `"` inside a quoted field: the end of the quoting, or the first of `""`.
    QuoteInQuoted,
}

/// The scan's position: fields of the record being read, line numbers, the first width.
struct Scanner {
    delimiter: u8,
    state: State,
    /// Physical line being read (1-based).
    line: u64,
    /// Line on which the current record started.
    record_line: u64,
    /// Delimiters seen in the current record.
    fields: usize,
    /// Bytes of the current record other than line ends (0 = a blank line so far).
    content: usize,
    /// Width of the first record.
    width: Option<usize>,
    /// Records with content.
    records: usize,
    /// Bytes that end an unquoted run: the delimiter, `\n` and `\r`.
    special: [bool; 256],
}

impl Scanner {
    fn new(delimiter: u8) -> Self {
        let mut special = [false; 256];
        for b in [delimiter, b'\n', b'\r'] {
            special[usize::from(b)] = true;
        }
        Self {
            delimiter,
            state: State::FieldStart,
            line: 1,
            record_line: 1,
            fields: 1,
            content: 0,
            width: None,
            records: 0,
            special,
        }
    }

    fn end_record(&mut self) -> Result<()> {
        if self.content > 0 || self.fields > 1 {
            match self.width {
                None => self.width = Some(self.fields),
                Some(w) if w != self.fields => {
                    return Err(AnalyticsError::Malformed(format!(
                        "line {} has {} fields but the first row has {w} (ragged rows)",
                        self.record_line, self.fields
                    )))
                }
                Some(_) => {}
            }
            self.records += 1;
        }
        self.fields = 1;
        self.content = 0;
        self.state = State::FieldStart;
        self.record_line = self.line + 1;
        Ok(())
    }

    /// Handles a delimiter, line end or `\r` outside quotes.
    fn special(&mut self, b: u8) -> Result<()> {
        if b == self.delimiter {
            self.fields += 1;
            self.content += 1;
            self.state = State::FieldStart;
        } else if b == b'\n' {
            self.end_record()?;
            self.line += 1;
        }
        // `\r` is part of a line end
        Ok(())
    }

    fn scan(&mut self, buf: &[u8]) -> Result<()> {
        let mut i = 0;
        while i < buf.len() {
            match self.state {
                State::FieldStart | State::Unquoted => {
                    if self.state == State::FieldStart && buf[i] == b'"' {
                        self.state = State::Quoted;
                        self.content += 1;
                        i += 1;
                        continue;
                    }
                    // the hot loop: skip ordinary bytes
                    let start = i;
                    while i < buf.len() && !self.special[usize::from(buf[i])] {
                        i += 1;
                    }
                    if i > start {
                        self.content += i - start;
                        self.state = State::Unquoted;
                    }
                    if i < buf.len() {
                        self.special(buf[i])?;
                        i += 1;
                    }
                }
                State::Quoted => {
                    match memchr2(b'"', b'\n', &buf[i..]) {
                        Some(k) => {
                            i += k;
                            if buf[i] == b'"' {
                                self.state = State::QuoteInQuoted;
                            } else {
                                self.line += 1;
                            }
                            i += 1;
                        }
                        None => i = buf.len(),
                    }
                    self.content += 1;
                }
                State::QuoteInQuoted => {
                    let b = buf[i];
                    if b == b'"' {
                        self.state = State::Quoted;
                        i += 1;
                    } else if self.special[usize::from(b)] {
                        self.special(b)?;
                        if b == b'\r' {
                            self.state = State::Unquoted;
                        }
                        i += 1;
                    } else {
                        // text after a closing quote is kept as it is, as lenient readers do
                        self.state = State::Unquoted;
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<usize> {
        if self.state == State::Quoted {
            return Err(AnalyticsError::Malformed(format!(
                "the quoted field starting on line {} is never closed",
                self.record_line
            )));
        }
        self.end_record()?;
        Ok(self.records)
    }
}

/// Position of the first `a` or `b` in `hay`.
fn memchr2(a: u8, b: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&c| c == a || c == b)
}

/// Checks UTF-8 of `buf`, where `carry` is the start of a character cut by the previous buffer;
/// returns the cut tail to carry on, or the offset in `buf` of the first bad byte.
fn check_utf8(carry: &[u8], buf: &[u8]) -> std::result::Result<Vec<u8>, usize> {
    let mut start = 0;
    if !carry.is_empty() {
        // finish the carried character with the 1 to 3 bytes it still needs
        let mut joined = carry.to_vec();
        let mut done = false;
        for (k, &b) in buf.iter().take(4 - carry.len()).enumerate() {
            joined.push(b);
            match std::str::from_utf8(&joined) {
                Ok(_) => {
                    start = k + 1;
                    done = true;
                    break;
                }
                Err(e) if e.error_len().is_none() => {}
                Err(_) => return Err(k),
            }
        }
        if !done {
            return if buf.len() < 4 - carry.len() {
                Ok(joined)
            } else {
                Err(0)
            };
        }
    }
    match std::str::from_utf8(&buf[start..]) {
        Ok(_) => Ok(Vec::new()),
        Err(e) if e.error_len().is_none() => Ok(buf[start + e.valid_up_to()..].to_vec()),
        Err(e) => Err(start + e.valid_up_to()),
    }
}

/// Validates CSV text read from `input` with `delimiter`; returns the number of records with
/// content (the header included).
pub fn validate(mut input: impl Read, delimiter: u8) -> Result<usize> {
    validate_chunked(&mut input, delimiter, CHUNK)
}

fn validate_chunked(input: &mut impl Read, delimiter: u8, chunk: usize) -> Result<usize> {
    let mut scanner = Scanner::new(delimiter);
    let mut buf = vec![0u8; chunk];
    let mut carry = Vec::new();
    loop {
        let n = read_full(input, &mut buf)?;
        if n == 0 {
            break;
        }
        let data = &buf[..n];
        let line_before = scanner.line;
        let (utf8, scanned) = rayon::join(|| check_utf8(&carry, data), || scanner.scan(data));
        match utf8 {
            Ok(rest) => carry = rest,
            Err(offset) => {
                let line = line_before
                    + data[..offset.min(data.len())]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count() as u64;
                return Err(AnalyticsError::Malformed(format!(
                    "line {line} is not valid UTF-8; save the file as UTF-8 (it may be Latin-1 or Windows-1252)"
                )));
            }
        }
        scanned?;
    }
    if !carry.is_empty() {
        return Err(AnalyticsError::Malformed(format!(
            "line {} ends in a cut UTF-8 character; save the file as UTF-8",
            scanner.line
        )));
    }
    scanner.finish()
}

/// Fills `buf` as far as the input goes.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &[u8]) -> Result<usize> {
        // tiny chunks put every boundary case (quotes, CRLF, characters) across reads
        for chunk in [1, 2, 3, 5, 7, 64] {
            let small = validate_chunked(&mut &text[..], b',', chunk);
            let whole = validate(text, b',');
            assert_eq!(
                small.as_ref().map_err(ToString::to_string),
                whole.as_ref().map_err(ToString::to_string),
                "chunk {chunk}"
            );
        }
        validate(text, b',')
    }

    #[test]
    fn counts_records_and_skips_blank_lines() {
        assert_eq!(check(b"a,b\n1,2\n\n3,4\n").unwrap(), 3);
        assert_eq!(check(b"a,b\r\n1,2\r\n3,4").unwrap(), 3);
        assert_eq!(check(b"").unwrap(), 0);
        assert_eq!(check(b"\n\n").unwrap(), 0);
        // a row of empty fields is a record
        assert_eq!(check(b"a,b\n,\n").unwrap(), 2);
    }

    #[test]
    fn quoted_fields_may_hold_delimiters_quotes_and_line_breaks() {
        assert_eq!(
            check(b"a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",2\n").unwrap(),
            3
        );
        assert_eq!(check("a,b\n\"é, ü\",\"\"\n".as_bytes()).unwrap(), 2);
    }

    #[test]
    fn ragged_rows_name_the_line_where_the_record_starts() {
        let e = check(b"a,b\n1,2\n3,4,5\n").unwrap_err().to_string();
        assert!(
            e.contains("line 3 has 3 fields but the first row has 2"),
            "{e}"
        );
        let e = check(b"a,b\n\"1\n2\",3\n4\n").unwrap_err().to_string();
        assert!(e.contains("line 4 has 1 fields"), "{e}");
    }

    #[test]
    fn bad_utf8_and_open_quotes_are_refused() {
        let e = check(b"a,b\n1,2\ncaf\xe9,3\n").unwrap_err().to_string();
        assert!(e.contains("line 3 is not valid UTF-8"), "{e}");
        let e = check(b"a,b\n1,\xc3").unwrap_err().to_string();
        assert!(e.contains("UTF-8"), "{e}");
        let e = check(b"a,b\n\"1,2\n3,4\n").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("never closed"), "{e}");
    }
}
