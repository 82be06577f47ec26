//! Reading a CSV file's values, record by record, for whoever needs more
//! than its shape (seed type inference, say).
//!
//! [`visit_records`] reads as [`check`](super::check) does (RFC 4180, the
//! header on line 1, blank lines are not records) and hands each record's
//! values to a closure. Values are borrowed from the file's bytes; only a
//! quoted value holding `""` is copied.

use std::borrow::Cow;

use super::{CsvError, Records};

/// One value of a record: its text with the quotes removed and `""` read
/// as `"`. Empty when the field is empty, quoted or not.
pub type Field<'a> = Cow<'a, [u8]>;

/// Calls `visit` with the values of every data record of `bytes`, in
/// order, and returns the header's column names. `delimiter` is the field
/// separator (`,` when empty). A record may have another number of values
/// than the header: [`check`](super::check) is what refuses that.
///
/// ```
/// use jgt_core::csv::visit_records;
///
/// let mut rows = Vec::new();
/// let header = visit_records(b"a,b\n1,\"x, \"\"y\"\"\"\n\n2,\n", ",", |fields| {
///     rows.push(fields.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect::<Vec<_>>());
/// })
/// .unwrap();
/// assert_eq!(header, ["a", "b"]);
/// assert_eq!(rows, [vec!["1", "x, \"y\""], vec!["2", ""]]);
/// ```
pub fn visit_records(
    bytes: &[u8],
    delimiter: &str,
    mut visit: impl FnMut(&[Field<'_>]),
) -> Result<Vec<String>, CsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut records = Records::new(bytes, delimiter.as_bytes());
    let header = match records.next_record(true)? {
        Some(record) if !record.blank => record.fields,
        _ => return Err(CsvError::NoHeader),
    };
    let mut fields = Vec::with_capacity(header.len());
    while records.fields_record(&mut fields)? {
        let blank = fields.len() == 1 && fields[0].is_empty() && !records.last_quoted;
        if !blank {
            visit(&fields);
        }
    }
    Ok(header)
}

/// Calls `visit` with the values of each record of `bytes`, which holds
/// whole records and no header: a later piece of a file whose header
/// [`visit_records`] read.
pub fn visit_body(
    bytes: &[u8],
    delimiter: &str,
    mut visit: impl FnMut(&[Field<'_>]),
) -> Result<(), CsvError> {
    let mut records = Records::new(bytes, delimiter.as_bytes());
    let mut fields = Vec::new();
    while records.fields_record(&mut fields)? {
        let blank = fields.len() == 1 && fields[0].is_empty() && !records.last_quoted;
        if !blank {
            visit(&fields);
        }
    }
    Ok(())
}

impl<'a> Records<'a> {
    /// Reads the next record's values into `fields` (cleared first);
    /// `false` at the end of the file.
    fn fields_record(&mut self, fields: &mut Vec<Field<'a>>) -> Result<bool, CsvError> {
        fields.clear();
        self.last_quoted = false;
        if self.at >= self.bytes.len() {
            return Ok(false);
        }
        loop {
            let field = if self.bytes[self.at..].starts_with(b"\"") {
                self.last_quoted = true;
                self.quoted_field()?
            } else {
                let start = self.at;
                self.at = self.field_end(self.at);
                let mut value = &self.bytes[start..self.at];
                // A record ending in CRLF: the CR is not part of the value.
                if self.bytes.get(self.at) == Some(&b'\n') {
                    value = value.strip_suffix(b"\r").unwrap_or(value);
                }
                Cow::Borrowed(value)
            };
            fields.push(field);
            match self.bytes.get(self.at) {
                None => break,
                Some(b'\n') => {
                    self.at += 1;
                    self.line += 1;
                    break;
                }
                Some(_) => self.at += self.delimiter.len(),
            }
        }
        Ok(true)
    }

    /// Where the field starting at `from` ends: at the next delimiter, line
    /// break or the end of the file.
    fn field_end(&self, from: usize) -> usize {
        let first = self.delimiter[0];
        let mut at = from;
        loop {
            match memchr::memchr2(first, b'\n', &self.bytes[at..]) {
                None => return self.bytes.len(),
                Some(offset) => {
                    let found = at + offset;
                    if self.bytes[found] == b'\n' || self.bytes[found..].starts_with(self.delimiter)
                    {
                        return found;
                    }
                    at = found + 1;
                }
            }
        }
    }

    /// A quoted value whose opening quote is at `self.at`. Text after the
    /// closing quote, up to the next delimiter, is kept as part of the
    /// value (as the per-byte reader does).
    fn quoted_field(&mut self) -> Result<Field<'a>, CsvError> {
        let bytes = self.bytes;
        let opened = self.line;
        self.at += 1;
        let start = self.at;
        let mut owned: Option<Vec<u8>> = None;
        let mut segment = start;
        let close = loop {
            let Some(offset) = memchr::memchr2(b'"', b'\n', &bytes[self.at..]) else {
                return Err(CsvError::UnclosedQuote { line: opened });
            };
            let at = self.at + offset;
            if bytes[at] == b'\n' {
                self.line += 1;
                self.at = at + 1;
            } else if bytes.get(at + 1) == Some(&b'"') {
                let buffer = owned.get_or_insert_with(Vec::new);
                buffer.extend_from_slice(&bytes[segment..=at]);
                segment = at + 2;
                self.at = at + 2;
            } else {
                break at;
            }
        };
        self.at = close + 1;
        let end = self.field_end(self.at);
        let mut rest = &bytes[self.at..end];
        if end < bytes.len() && bytes[end] == b'\n' {
            rest = rest.strip_suffix(b"\r").unwrap_or(rest);
        }
        self.at = end;
        Ok(match (owned, rest.is_empty()) {
            (None, true) => Cow::Borrowed(&bytes[start..close]),
            (owned, _) => {
                let mut buffer = owned.unwrap_or_default();
                buffer.extend_from_slice(&bytes[segment..close]);
                buffer.extend_from_slice(rest);
                Cow::Owned(buffer)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(bytes: &[u8]) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        visit_records(bytes, ",", |fields| {
            out.push(
                fields
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            );
        })
        .unwrap();
        out
    }

    #[test]
    fn values_are_unquoted_and_line_endings_dropped() {
        assert_eq!(
            records(b"a,b\r\n1,\"two\r\nlines\"\r\n\"q\"\"\",\"\"\r\n"),
            [vec!["1", "two\r\nlines"], vec!["q\"", ""]]
        );
    }

    #[test]
    fn blank_lines_are_skipped_but_a_quoted_empty_value_is_a_record() {
        assert_eq!(
            records(b"a\n\n1\n\r\n\"\"\n2"),
            [vec!["1"], vec![""], vec!["2"]]
        );
    }

    #[test]
    fn a_longer_delimiter_and_text_after_a_closing_quote() {
        let mut out = Vec::new();
        visit_records(b"a||b\n\"x\"y||z\n", "||", |fields| {
            out.push(fields.iter().map(|f| f.to_vec()).collect::<Vec<_>>());
        })
        .unwrap();
        assert_eq!(out, [vec![b"xy".to_vec(), b"z".to_vec()]]);
    }

    #[test]
    fn the_values_agree_with_the_per_byte_reader() {
        let alphabet = [b'a', b',', b'"', b'\n', b'\r', b' '];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut text = b"h\n".to_vec();
            for _ in 0..(state % 16) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let mut slow = Records::new(&text, b",");
            let mut expected = Vec::new();
            let slow_result = (|| {
                slow.next_record(true)?;
                while let Some(record) = slow.next_record(true)? {
                    if !record.blank {
                        expected.push(record.fields);
                    }
                }
                Ok::<_, CsvError>(())
            })();
            let mut found = Vec::new();
            let fast_result = visit_records(&text, ",", |fields| {
                found.push(
                    fields
                        .iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect::<Vec<_>>(),
                );
            });
            let shown = String::from_utf8_lossy(&text);
            assert_eq!(fast_result.is_ok(), slow_result.is_ok(), "{shown:?}");
            if fast_result.is_ok() {
                assert_eq!(found, expected, "{shown:?}");
            }
        }
    }
}
