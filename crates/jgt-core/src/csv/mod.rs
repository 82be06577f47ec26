//! Checking a seed's CSV shape before any database reads it.
//!
//! A database's CSV sniffer guesses: given ragged rows it may decide the
//! header is on another line and load nothing, and report success. dbt's
//! reader refuses such a file. [`check`] reads the file once, as RFC 4180
//! does (`"` quotes, `""` inside quotes), and holds it to one rule: line 1
//! is the header, and every record has as many fields as the header. It
//! also notices a file whose rows end some in LF and some in CRLF (what a
//! spreadsheet or Python's `csv` module leaves when rows are appended),
//! which [`normalize_line_endings`] turns into a file any reader takes.
//! [`visit_records`] reads the values themselves, for seed type inference.

use std::fmt;
use std::path::Path;

mod fields;

pub use fields::{visit_body, visit_records, Field};

/// Why a CSV file cannot be loaded as a seed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsvError {
    /// The file could not be read.
    Read {
        /// What the operating system said.
        message: String,
    },
    /// The file is empty: no header line.
    NoHeader,
    /// A record with another number of fields than the header.
    Ragged {
        /// The 1-based line where the record starts.
        line: usize,
        /// Its number of fields.
        found: usize,
        /// The header's number of fields.
        expected: usize,
    },
    /// A quoted field that never closes.
    UnclosedQuote {
        /// The 1-based line where the field opens.
        line: usize,
    },
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvError::Read { message } => write!(f, "cannot read: {message}"),
            CsvError::NoHeader => write!(
                f,
                "is empty: a seed needs a header line naming its columns on line 1"
            ),
            CsvError::Ragged {
                found, expected, ..
            } => write!(
                f,
                "this row has {found} value{} but the header on line 1 names \
                 {expected} column{}: give every row one value per column \
                 (an empty value is written as nothing between two delimiters)",
                plural(*found),
                plural(*expected)
            ),
            CsvError::UnclosedQuote { .. } => write!(
                f,
                "a quoted value opens here and never closes: \
                 end it with '\"' (write a quote inside a value as '\"\"')"
            ),
        }
    }
}

impl std::error::Error for CsvError {}

impl CsvError {
    /// The 1-based line the problem is on, where there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            CsvError::Ragged { line, .. } | CsvError::UnclosedQuote { line } => Some(*line),
            CsvError::Read { .. } | CsvError::NoHeader => None,
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// What [`check`] learnt about a well-formed CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvShape {
    /// The header's column names, unquoted.
    pub columns: Vec<String>,
    /// Data records (blank lines are not records).
    pub rows: usize,
    /// Whether some records end in LF and others in CRLF.
    pub mixed_line_endings: bool,
}

/// Checks that the CSV file at `path` has its header on line 1 and as many
/// fields in every record as in the header. `delimiter` is the field
/// separator (`,` when `None`).
pub fn check(path: &Path, delimiter: Option<&str>) -> Result<CsvShape, CsvError> {
    let bytes = std::fs::read(path).map_err(|err| CsvError::Read {
        message: err.to_string(),
    })?;
    check_bytes(&bytes, delimiter.unwrap_or(","))
}

/// [`check`] on the file's bytes.
pub fn check_bytes(bytes: &[u8], delimiter: &str) -> Result<CsvShape, CsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut records = Records::new(bytes, delimiter.as_bytes());
    let header = match records.next_record(true)? {
        Some(record) if !record.blank => record,
        _ => return Err(CsvError::NoHeader),
    };
    let mut rows = 0;
    while let Some(record) = records.count_record()? {
        if record.blank {
            continue;
        }
        if record.count != header.count {
            return Err(CsvError::Ragged {
                line: record.line,
                found: record.count,
                expected: header.count,
            });
        }
        rows += 1;
    }
    Ok(CsvShape {
        columns: header.fields,
        rows,
        mixed_line_endings: records.saw_lf && records.saw_crlf,
    })
}

/// The file's bytes with every record ending in LF; line breaks inside
/// quoted values are kept as they are.
pub fn normalize_line_endings(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut quoted = false;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'"' {
            quoted = !quoted;
        }
        if !quoted && byte == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(byte);
        i += 1;
    }
    out
}

/// One record: its fields (when collected), their number, where it
/// starts, whether the line was empty.
struct Record {
    fields: Vec<String>,
    count: usize,
    line: usize,
    blank: bool,
}

/// Splits bytes into records, RFC 4180 style.
struct Records<'a> {
    bytes: &'a [u8],
    delimiter: &'a [u8],
    at: usize,
    line: usize,
    saw_lf: bool,
    saw_crlf: bool,
    /// Whether the record [`visit_records`] read last had a quoted value.
    last_quoted: bool,
}

impl<'a> Records<'a> {
    fn new(bytes: &'a [u8], delimiter: &'a [u8]) -> Self {
        Records {
            bytes,
            delimiter: if delimiter.is_empty() {
                b","
            } else {
                delimiter
            },
            at: 0,
            line: 1,
            saw_lf: false,
            saw_crlf: false,
            last_quoted: false,
        }
    }

    /// The next record with its fields' text (when `collect` is set): used
    /// for the header only; data rows go through [`Records::count_record`].
    fn next_record(&mut self, collect: bool) -> Result<Option<Record>, CsvError> {
        if self.at >= self.bytes.len() {
            return Ok(None);
        }
        let line = self.line;
        let mut fields = Vec::new();
        let mut count = 0;
        let mut field = Vec::new();
        let mut quoted = false;
        let mut opened_quote = false;
        let mut quote_line = line;
        while self.at < self.bytes.len() {
            let byte = self.bytes[self.at];
            if quoted {
                self.at += 1;
                match byte {
                    b'"' if self.bytes.get(self.at) == Some(&b'"') => {
                        field.push(b'"');
                        self.at += 1;
                    }
                    b'"' => quoted = false,
                    b'\n' => {
                        self.line += 1;
                        field.push(byte);
                    }
                    _ => field.push(byte),
                }
            } else if byte == b'"' && field.is_empty() {
                quoted = true;
                opened_quote = true;
                quote_line = self.line;
                self.at += 1;
            } else if self.bytes[self.at..].starts_with(self.delimiter) {
                if collect {
                    fields.push(text(&field));
                }
                count += 1;
                field.clear();
                self.at += self.delimiter.len();
            } else if byte == b'\n'
                || (byte == b'\r' && self.bytes.get(self.at + 1) == Some(&b'\n'))
            {
                let crlf = byte == b'\r';
                self.at += if crlf { 2 } else { 1 };
                self.line += 1;
                if crlf {
                    self.saw_crlf = true;
                } else {
                    self.saw_lf = true;
                }
                let blank = count == 0 && field.is_empty() && !opened_quote;
                if collect {
                    fields.push(text(&field));
                }
                return Ok(Some(Record {
                    fields,
                    count: count + 1,
                    line,
                    blank,
                }));
            } else {
                field.push(byte);
                self.at += 1;
            }
        }
        if quoted {
            return Err(CsvError::UnclosedQuote { line: quote_line });
        }
        let blank = count == 0 && field.is_empty() && !opened_quote;
        if collect {
            fields.push(text(&field));
        }
        Ok(Some(Record {
            fields,
            count: count + 1,
            line,
            blank,
        }))
    }
}

impl Records<'_> {
    /// The next record's shape (its fields counted, not copied), jumping
    /// from one special byte to the next: the check costs a fraction of
    /// the database's own load.
    fn count_record(&mut self) -> Result<Option<Record>, CsvError> {
        let bytes = self.bytes;
        if self.at >= bytes.len() {
            return Ok(None);
        }
        let line = self.line;
        let start = self.at;
        let first = self.delimiter[0];
        let mut count = 1;
        let mut field_start = self.at;
        loop {
            let Some(offset) = memchr::memchr3(first, b'\n', b'"', &bytes[self.at..]) else {
                self.at = bytes.len();
                break;
            };
            let at = self.at + offset;
            match bytes[at] {
                b'"' if at == field_start => {
                    self.at = at + 1;
                    self.skip_quoted()?;
                }
                b'\n' => {
                    let crlf = at > start && bytes[at - 1] == b'\r';
                    if crlf {
                        self.saw_crlf = true;
                    } else {
                        self.saw_lf = true;
                    }
                    self.at = at + 1;
                    self.line += 1;
                    let end = if crlf { at - 1 } else { at };
                    let blank = count == 1 && end == start;
                    return Ok(Some(record(count, line, blank)));
                }
                b'"' => self.at = at + 1,
                _ if bytes[at..].starts_with(self.delimiter) => {
                    count += 1;
                    self.at = at + self.delimiter.len();
                    field_start = self.at;
                }
                _ => self.at = at + 1,
            }
        }
        let blank = count == 1 && self.at == start;
        Ok(Some(record(count, line, blank)))
    }

    /// Skips a quoted value whose opening quote was just passed.
    fn skip_quoted(&mut self) -> Result<(), CsvError> {
        let opened = self.line;
        loop {
            let rest = &self.bytes[self.at..];
            let Some(offset) = memchr::memchr2(b'"', b'\n', rest) else {
                return Err(CsvError::UnclosedQuote { line: opened });
            };
            let at = self.at + offset;
            if self.bytes[at] == b'\n' {
                self.line += 1;
                self.at = at + 1;
            } else if self.bytes.get(at + 1) == Some(&b'"') {
                self.at = at + 2;
            } else {
                self.at = at + 1;
                return Ok(());
            }
        }
    }
}

fn record(count: usize, line: usize, blank: bool) -> Record {
    Record {
        fields: Vec::new(),
        count,
        line,
        blank,
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-byte reader's verdict on every record, for comparison.
    fn slow_shapes(bytes: &[u8]) -> Result<Vec<(usize, usize, bool)>, CsvError> {
        let mut records = Records::new(bytes, b",");
        let mut out = Vec::new();
        while let Some(r) = records.next_record(false)? {
            out.push((r.count, r.line, r.blank));
        }
        Ok(out)
    }

    fn fast_shapes(bytes: &[u8]) -> Result<Vec<(usize, usize, bool)>, CsvError> {
        let mut records = Records::new(bytes, b",");
        let mut out = Vec::new();
        while let Some(r) = records.count_record()? {
            out.push((r.count, r.line, r.blank));
        }
        Ok(out)
    }

    #[test]
    fn the_fast_reader_agrees_with_the_per_byte_reader() {
        let alphabet = [b'a', b',', b'"', b'\n', b'\r', b' '];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut text = Vec::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 24) as usize;
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            assert_eq!(
                fast_shapes(&text),
                slow_shapes(&text),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }

    #[test]
    fn a_ragged_row_is_named_by_its_line() {
        let err = check_bytes(b"a,b\n1,2\n3\n4,5,6\n", ",").unwrap_err();
        assert_eq!(
            err,
            CsvError::Ragged {
                line: 3,
                found: 1,
                expected: 2
            }
        );
    }

    #[test]
    fn quoted_delimiters_and_line_breaks_stay_in_their_field() {
        let shape = check_bytes(b"a,b\n\"x,y\",\"two\nlines\"\n\"q\"\"\",2\n", ",").unwrap();
        assert_eq!(shape.columns, ["a", "b"]);
        assert_eq!(shape.rows, 2);
    }

    #[test]
    fn a_later_ragged_row_counts_lines_inside_quotes() {
        let err = check_bytes(b"a,b\n\"1\n2\",3\n4\n", ",").unwrap_err();
        assert!(matches!(err, CsvError::Ragged { line: 4, .. }), "{err}");
    }

    #[test]
    fn mixed_line_endings_are_noticed_and_normalized() {
        let bytes = b"a,b\n1,2\n3,4\r\n\"x\r\ny\",5\r\n";
        let shape = check_bytes(bytes, ",").unwrap();
        assert!(shape.mixed_line_endings);
        assert_eq!(
            normalize_line_endings(bytes),
            b"a,b\n1,2\n3,4\n\"x\r\ny\",5\n".to_vec()
        );
    }

    #[test]
    fn blank_lines_and_a_bom_are_not_rows() {
        let shape = check_bytes(b"\xEF\xBB\xBFa;b\n1;2\n\n3;4\n\n", ";").unwrap();
        assert_eq!(shape.columns, ["a", "b"]);
        assert_eq!(shape.rows, 2);
        assert!(!shape.mixed_line_endings);
    }

    #[test]
    fn an_empty_file_or_unclosed_quote_is_refused() {
        assert_eq!(check_bytes(b"", ","), Err(CsvError::NoHeader));
        assert_eq!(
            check_bytes(b"a\n\"open\n", ","),
            Err(CsvError::UnclosedQuote { line: 2 })
        );
    }
}
