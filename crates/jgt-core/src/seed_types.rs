//! The column types dbt-duckdb gives a seed, worked out from the CSV alone.
//!
//! dbt reads a seed with agate, whose type tester tries for each column, in
//! this order: a number, a date (`%Y-%m-%d`), a date-time
//! (`%Y-%m-%d %H:%M:%S`), an ISO 8601 date-time (`2024-01-05T10:00:00Z`),
//! a boolean (`true` / `false`, any case), and text; the column gets the
//! first type every value fits. An empty value fits every type. dbt-duckdb
//! then creates the table with these types and has DuckDB copy the file
//! into it:
//!
//! | agate's type                        | column      |
//! |-------------------------------------|-------------|
//! | number, no value with decimals      | `INTEGER`   |
//! | number, some value with decimals    | `DOUBLE`    |
//! | date                                | `DATE`      |
//! | date-time, ISO date-time            | `TIMESTAMP` |
//! | boolean                             | `BOOLEAN`   |
//! | text                                | `VARCHAR`   |
//!
//! So `00501` becomes the integer 501, `1.0` and `1e3` are integers (agate
//! counts decimals after dropping trailing zeros), `yes`/`no` and `1`/`0`
//! are not booleans, a column mixing `2024-01-05` and
//! `2024-01-05 10:00:00` is text, a column with no value at all is an
//! integer, and so is every column of a file with only a header.
//!
//! agate also reads `$40,000`, `1,234` and `50%` as numbers, `null` as a
//! null in any column, whole numbers beyond 32 bits as integers and `NaN`
//! as a number without decimals, but DuckDB cannot copy those into the
//! typed column dbt creates: dbt's seed then fails and leaves no table.
//! jgt loads such files instead. A value fits a type here only when agate
//! accepts it *and* DuckDB can read it as that type, so these columns get
//! the next type agate would have tried (usually `VARCHAR`, the text as
//! written); whole numbers beyond `INTEGER`'s range become `BIGINT` (then
//! `DOUBLE`), and whole-number columns holding `NaN` or `inf` `DOUBLE`.
//! Where dbt succeeds, both rules give the same type, with one exception
//! left on purpose: agate rounds a number to 28 significant digits before
//! counting its decimals, so `1.00000000000000000000000000001` is a whole
//! number to dbt and a decimal here.

use std::fmt;
use std::io::Read;
use std::path::Path;

use crate::csv::{visit_records, CsvError, Field};

/// A seed column's type, as dbt-duckdb would create it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedType {
    /// Whole numbers that fit in 32 bits.
    Integer,
    /// Whole numbers beyond 32 bits (where dbt's own load fails).
    BigInt,
    /// Numbers with decimals, `NaN` or infinities.
    Double,
    /// `YYYY-MM-DD` dates.
    Date,
    /// Date-times without a time zone.
    Timestamp,
    /// `true` and `false`.
    Boolean,
    /// Anything else, kept as written.
    Varchar,
}

impl SeedType {
    /// The type's name in DuckDB's SQL.
    pub fn sql_name(self) -> &'static str {
        match self {
            SeedType::Integer => "INTEGER",
            SeedType::BigInt => "BIGINT",
            SeedType::Double => "DOUBLE",
            SeedType::Date => "DATE",
            SeedType::Timestamp => "TIMESTAMP",
            SeedType::Boolean => "BOOLEAN",
            SeedType::Varchar => "VARCHAR",
        }
    }
}

impl fmt::Display for SeedType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sql_name())
    }
}

/// One column of a seed and the type dbt-duckdb gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedColumn {
    /// The header's name for it.
    pub name: String,
    /// Its type.
    pub seed_type: SeedType,
}

/// Each column with its database type: its `column_types` entry (a seed's
/// `column_types` config, names matched without regard to case) when it
/// has one, else `engine_type` of the inferred type.
pub fn with_column_types(
    inferred: Vec<SeedColumn>,
    column_types: &[(String, String)],
    engine_type: impl Fn(SeedType) -> &'static str,
) -> Vec<(String, String)> {
    inferred
        .into_iter()
        .map(|column| {
            let configured = column_types
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&column.name));
            let data_type = match configured {
                Some((_, data_type)) => data_type.clone(),
                None => engine_type(column.seed_type).to_string(),
            };
            (column.name, data_type)
        })
        .collect()
}

/// The type of every column of the CSV file at `path`, in header order.
/// `delimiter` is the field separator (`,` when `None`).
///
/// The file is read in pieces of whole records, so a seed of hundreds of
/// megabytes costs a few megabytes of memory, not its size. A file with
/// a malformed record is read again whole, to name the record's line.
pub fn infer(path: &Path, delimiter: Option<&str>) -> Result<Vec<SeedColumn>, CsvError> {
    let delimiter = delimiter.unwrap_or(",");
    let read_error = |err: std::io::Error| CsvError::Read {
        message: err.to_string(),
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    match infer_in_pieces(file, delimiter, PIECE).map_err(read_error)? {
        Some(columns) => Ok(columns),
        None => infer_bytes(&std::fs::read(path).map_err(read_error)?, delimiter),
    }
}

/// How much of a seed [`infer`] reads at a time.
const PIECE: usize = 8 << 20;

/// [`infer`] a piece at a time; `None` when some piece does not parse.
fn infer_in_pieces(
    mut file: impl std::io::Read,
    delimiter: &str,
    piece: usize,
) -> std::io::Result<Option<Vec<SeedColumn>>> {
    let mut columns: Vec<Candidates> = Vec::new();
    let mut header: Option<Vec<String>> = None;
    let mut buffer: Vec<u8> = Vec::with_capacity(piece);
    loop {
        let before = buffer.len();
        (&mut file).take(piece as u64).read_to_end(&mut buffer)?;
        let at_end = buffer.len() == before;
        let whole = match at_end {
            true => buffer.len(),
            false => records_end(&buffer),
        };
        let piece = &buffer[..whole];
        let mut see = |fields: &[Field<'_>]| {
            if columns.len() < fields.len() {
                columns.resize_with(fields.len(), Candidates::default);
            }
            for (column, value) in columns.iter_mut().zip(fields) {
                column.see(value);
            }
        };
        let parsed = match &header {
            None if !at_end && whole == 0 => Ok(()),
            None => visit_records(piece, delimiter, &mut see).map(|h| header = Some(h)),
            Some(_) => crate::csv::visit_body(piece, delimiter, &mut see),
        };
        if parsed.is_err() {
            return Ok(None);
        }
        buffer.drain(..whole);
        if at_end {
            break;
        }
    }
    let Some(header) = header else {
        return Ok(None);
    };
    Ok(Some(
        header
            .into_iter()
            .enumerate()
            .map(|(i, name)| SeedColumn {
                name,
                seed_type: columns.get(i).map_or(SeedType::Integer, Candidates::decide),
            })
            .collect(),
    ))
}

/// Where the last whole record in `bytes` ends: just after the last line
/// break outside quotes (0 when there is none). `bytes` starts at the
/// start of a record, so a quote's parity says whether one is open.
fn records_end(bytes: &[u8]) -> usize {
    let mut quoted = false;
    let mut end = 0;
    for at in memchr::memchr2_iter(b'"', b'\n', bytes) {
        match bytes[at] {
            b'"' => quoted = !quoted,
            _ if !quoted => end = at + 1,
            _ => {}
        }
    }
    end
}

/// [`infer`] on the file's bytes.
///
/// ```
/// use jgt_core::seed_types::{infer_bytes, SeedType};
///
/// let csv = b"id,price,zip,day,flag\n1,2.50,00501,2024-01-05,true\n2,3,10001,,false\n";
/// let types: Vec<SeedType> = infer_bytes(csv, ",").unwrap().iter().map(|c| c.seed_type).collect();
/// use SeedType::*;
/// assert_eq!(types, [Integer, Double, Integer, Date, Boolean]);
/// ```
pub fn infer_bytes(bytes: &[u8], delimiter: &str) -> Result<Vec<SeedColumn>, CsvError> {
    let mut columns: Vec<Candidates> = Vec::new();
    let header = visit_records(bytes, delimiter, |fields: &[Field<'_>]| {
        if columns.len() < fields.len() {
            columns.resize_with(fields.len(), Candidates::default);
        }
        for (column, value) in columns.iter_mut().zip(fields) {
            column.see(value);
        }
    })?;
    Ok(header
        .into_iter()
        .enumerate()
        .map(|(i, name)| SeedColumn {
            name,
            seed_type: columns.get(i).map_or(SeedType::Integer, Candidates::decide),
        })
        .collect())
}

/// The types a column may still have, narrowed value by value.
#[derive(Debug, Clone)]
struct Candidates {
    /// What its values say as numbers, while they all are numbers.
    number: Option<NumberFacts>,
    date: bool,
    timestamp: bool,
    iso_timestamp: bool,
    boolean: bool,
}

impl Default for Candidates {
    fn default() -> Self {
        Candidates {
            number: Some(NumberFacts::default()),
            date: true,
            timestamp: true,
            iso_timestamp: true,
            boolean: true,
        }
    }
}

impl Candidates {
    /// Narrows the candidates by one value; an empty value (null) fits all.
    fn see(&mut self, value: &[u8]) {
        if value.is_empty() || self.is_text() {
            return;
        }
        if let Some(facts) = &mut self.number {
            match parse_number(value) {
                Some(number) => facts.add(number),
                None => self.number = None,
            }
        }
        self.date = self.date && is_date(value);
        self.timestamp = self.timestamp && is_timestamp(value);
        self.iso_timestamp = self.iso_timestamp && is_iso_timestamp(value);
        self.boolean = self.boolean && is_boolean(value);
    }

    fn is_text(&self) -> bool {
        self.number.is_none()
            && !self.date
            && !self.timestamp
            && !self.iso_timestamp
            && !self.boolean
    }

    /// The first candidate left, in agate's order.
    fn decide(&self) -> SeedType {
        if let Some(facts) = &self.number {
            facts.seed_type()
        } else if self.date {
            SeedType::Date
        } else if self.timestamp || self.iso_timestamp {
            SeedType::Timestamp
        } else if self.boolean {
            SeedType::Boolean
        } else {
            SeedType::Varchar
        }
    }
}

/// What a column's numbers have shown so far.
#[derive(Debug, Clone, Copy, Default)]
struct NumberFacts {
    /// Some value has decimals (after dropping trailing zeros).
    fraction: bool,
    /// Some value is `NaN` or an infinity.
    special: bool,
    /// The widest whole number seen.
    width: Width,
}

impl NumberFacts {
    fn add(&mut self, number: Number) {
        match number {
            Number::Special => self.special = true,
            Number::Fraction => self.fraction = true,
            Number::Whole(width) => self.width = self.width.max(width),
        }
    }

    fn seed_type(&self) -> SeedType {
        match (self.fraction || self.special, self.width) {
            (true, _) | (false, Width::Wider) => SeedType::Double,
            (false, Width::I32) => SeedType::Integer,
            (false, Width::I64) => SeedType::BigInt,
        }
    }
}

/// How many bits a whole number needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
enum Width {
    #[default]
    I32,
    I64,
    Wider,
}

/// A value both agate and DuckDB read as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Number {
    /// A whole number (`7`, `-0.0`, `1.5e2`) and how wide it is.
    Whole(Width),
    /// A number with decimals.
    Fraction,
    /// `NaN`, `inf`, `-Infinity`, ...
    Special,
}

/// The value without the white space around it (spaces, tabs, line
/// breaks), which both agate and DuckDB's casts ignore.
fn trim(value: &[u8]) -> &[u8] {
    value.trim_ascii()
}

/// Reads `[+-] digits [. digits] [e [+-] digits]` (digits may hold single
/// underscores, as Python's `Decimal` and DuckDB allow), or `NaN`, `inf`,
/// `infinity` in any case.
fn parse_number(value: &[u8]) -> Option<Number> {
    let text = trim(value);
    let (negative, text) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let special = [&b"nan"[..], b"inf", b"infinity"];
    if special.iter().any(|word| text.eq_ignore_ascii_case(word)) {
        return Some(Number::Special);
    }
    let mut digits = Digits::default();
    let rest = digits.run(text, false)?;
    let rest = match rest.strip_prefix(b".") {
        Some(fraction) => digits.run(fraction, true)?,
        None => rest,
    };
    if digits.count == 0 {
        return None;
    }
    let exponent = match rest {
        [] => 0,
        [b'e' | b'E', exponent @ ..] => parse_exponent(exponent)?,
        _ => return None,
    };
    Some(digits.number(negative, exponent))
}

/// The digits of a number's mantissa, read into a value as far as it fits.
#[derive(Debug, Default)]
struct Digits {
    /// Digits read, leading zeros included.
    count: usize,
    /// The mantissa's digits as an integer, while it fits.
    value: u128,
    overflow: bool,
    /// Digits after the decimal point.
    fraction_digits: i64,
    /// Zeros at the end of the digits read so far.
    trailing_zeros: i64,
}

impl Digits {
    /// Reads a run of digits (single underscores between them allowed) at
    /// the start of `text`; returns what follows, or `None` when an
    /// underscore is misplaced.
    fn run<'a>(&mut self, text: &'a [u8], fraction: bool) -> Option<&'a [u8]> {
        let mut at = 0;
        while at < text.len() {
            match text[at] {
                digit @ b'0'..=b'9' => self.push(digit - b'0', fraction),
                b'_' if at > 0
                    && text[at - 1].is_ascii_digit()
                    && text.get(at + 1).is_some_and(u8::is_ascii_digit) => {}
                b'_' => return None,
                _ => break,
            }
            at += 1;
        }
        Some(&text[at..])
    }

    fn push(&mut self, digit: u8, fraction: bool) {
        self.count += 1;
        if fraction {
            self.fraction_digits += 1;
        }
        self.trailing_zeros = if digit == 0 {
            self.trailing_zeros + 1
        } else {
            0
        };
        match self
            .value
            .checked_mul(10)
            .and_then(|v| v.checked_add(digit.into()))
        {
            Some(value) => self.value = value,
            None => self.overflow = true,
        }
    }

    /// The number these digits make with `exponent`.
    fn number(&self, negative: bool, exponent: i64) -> Number {
        if self.value == 0 && !self.overflow {
            return Number::Whole(Width::I32);
        }
        let scale = exponent - self.fraction_digits;
        if scale + self.trailing_zeros < 0 {
            return Number::Fraction;
        }
        if self.overflow {
            return Number::Whole(Width::Wider);
        }
        let magnitude = if scale >= 0 {
            u32::try_from(scale)
                .ok()
                .and_then(|scale| 10u128.checked_pow(scale))
                .and_then(|power| self.value.checked_mul(power))
        } else {
            Some(self.value / 10u128.pow(scale.unsigned_abs() as u32))
        };
        Number::Whole(width(magnitude, negative))
    }
}

/// The width a whole number of this magnitude and sign needs.
fn width(magnitude: Option<u128>, negative: bool) -> Width {
    let Some(magnitude) = magnitude.and_then(|m| i128::try_from(m).ok()) else {
        return Width::Wider;
    };
    let value = if negative { -magnitude } else { magnitude };
    if i32::try_from(value).is_ok() {
        Width::I32
    } else if i64::try_from(value).is_ok() {
        Width::I64
    } else {
        Width::Wider
    }
}

/// An exponent's `[+-] digits`, capped far beyond any number's reach.
fn parse_exponent(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0i64, |v, d| (v * 10 + i64::from(d - b'0')).min(1_000_000));
    Some(if negative { -value } else { value })
}

/// `YYYY-M-D` with one or two digits for month and day, a real day (what
/// Python's `strptime('%Y-%m-%d')` and DuckDB both read).
fn is_date(value: &[u8]) -> bool {
    parse_date(trim(value)).is_some()
}

/// `YYYY-M-D H:M:S`, one or two digits for each time part.
fn is_timestamp(value: &[u8]) -> bool {
    let text = trim(value);
    let Some(space) = text.iter().position(|b| *b == b' ') else {
        return false;
    };
    let time = trim(&text[space..]);
    parse_date(&text[..space]).is_some()
        && parse_clock(time, Clock::Strptime).is_some_and(|rest| rest.is_empty())
}

/// ISO 8601 as Python's `isodate` reads it and DuckDB too:
/// `YYYY-MM-DDThh:mm[:ss[.fff]]` then `Z`, `±hh`, `±hhmm` or `±hh:mm`.
fn is_iso_timestamp(value: &[u8]) -> bool {
    let text = trim(value);
    if text.len() < 16 || text[10] != b'T' || text[4] != b'-' || text[7] != b'-' {
        return false;
    }
    if parse_date(&text[..10]).is_none() {
        return false;
    }
    let Some(rest) = parse_clock(&text[11..], Clock::Iso) else {
        return false;
    };
    match rest {
        [] | [b'Z'] => true,
        [b'+' | b'-', zone @ ..] => is_zone_offset(zone),
        _ => false,
    }
}

/// `true` or `false` in any case, nothing around them.
fn is_boolean(value: &[u8]) -> bool {
    value.eq_ignore_ascii_case(b"true") || value.eq_ignore_ascii_case(b"false")
}

/// `YYYY-M-D` (four-digit year, one or two digits for the others) naming
/// a day that exists.
fn parse_date(text: &[u8]) -> Option<()> {
    let mut parts = text.split(|b| *b == b'-');
    let year = number_of(parts.next()?, 4, 4)?;
    let month = number_of(parts.next()?, 1, 2)?;
    let day = number_of(parts.next()?, 1, 2)?;
    if parts.next().is_some() || year == 0 || !(1..=12).contains(&month) {
        return None;
    }
    (day >= 1 && day <= days_in_month(year, month)).then_some(())
}

/// How a time of day is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clock {
    /// strptime's `%H:%M:%S`: one or two digits each, seconds required.
    Strptime,
    /// ISO 8601's `hh:mm[:ss[.fff]]`: two digits each.
    Iso,
}

/// A time of day written as `clock` says, hours below 24, minutes and
/// seconds below 60; returns what follows it.
fn parse_clock(text: &[u8], clock: Clock) -> Option<&[u8]> {
    let min_digits = if clock == Clock::Iso { 2 } else { 1 };
    let (hour, rest) = leading_number(text, min_digits)?;
    let (minute, rest) = leading_number(rest.strip_prefix(b":")?, min_digits)?;
    let (second, rest) = match (rest.strip_prefix(b":"), clock) {
        (Some(after), Clock::Strptime) => leading_number(after, min_digits)?,
        (Some(after), Clock::Iso) => {
            let (second, rest) = leading_number(after, min_digits)?;
            (second, skip_fraction(rest)?)
        }
        (None, Clock::Iso) => (0, rest),
        (None, Clock::Strptime) => return None,
    };
    (hour < 24 && minute < 60 && second < 60).then_some(rest)
}

/// What follows a `.fff` fraction of a second (one digit at least), or
/// `text` itself when it does not start with `.`.
fn skip_fraction(text: &[u8]) -> Option<&[u8]> {
    let Some(fraction) = text.strip_prefix(b".") else {
        return Some(text);
    };
    let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
    (digits > 0).then_some(&fraction[digits..])
}

/// `hh`, `hhmm` or `hh:mm`: an offset from UTC. Any two digits will do
/// (`+99:99` too): neither isodate nor DuckDB checks the range.
fn is_zone_offset(text: &[u8]) -> bool {
    match text {
        [h1, h2] => [h1, h2].iter().all(|b| b.is_ascii_digit()),
        [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
            [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

/// The number at the start of `text`, `min` to 2 digits long, and what
/// follows it.
fn leading_number(text: &[u8], min: usize) -> Option<(u32, &[u8])> {
    let digits = text
        .iter()
        .take(2)
        .take_while(|b| b.is_ascii_digit())
        .count();
    let value = number_of(&text[..digits], min, 2)?;
    Some((value, &text[digits..]))
}

/// `text` as a number when it is `min` to `max` ASCII digits.
fn number_of(text: &[u8], min: usize, max: usize) -> Option<u32> {
    if text.len() < min || text.len() > max || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(text.iter().fold(0, |v, d| v * 10 + u32::from(d - b'0')))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod piece_tests {
    use super::*;

    #[test]
    fn a_malformed_piece_falls_back_to_reading_whole() {
        let csv = "a,b\n1,2\n\"open,3\n";
        assert_eq!(infer_in_pieces(csv.as_bytes(), ",", 4).unwrap(), None);
    }

    #[test]
    fn records_end_after_the_last_line_break_outside_quotes() {
        assert_eq!(records_end(b"a,b\n1,2\n3,"), 8);
        assert_eq!(records_end(b"a\n\"x\ny\"\n\"open\n"), 8);
        assert_eq!(records_end(b"no break"), 0);
    }

    #[test]
    fn reading_in_pieces_decides_as_reading_whole() {
        let mut csv = String::from("id,note,day\n");
        for i in 0..5000 {
            let day = i % 28 + 1;
            csv.push_str(&format!(
                "{i},\"line\nbreak, \"\"quoted\"\"\",2024-01-{day:02}\n"
            ));
        }
        csv.push_str("5000,x,not a date\n");
        let whole = infer_bytes(csv.as_bytes(), ",").unwrap();
        for piece in [7, 64, 1000] {
            let pieces = infer_in_pieces(csv.as_bytes(), ",", piece).unwrap();
            assert_eq!(
                pieces.as_deref(),
                Some(whole.as_slice()),
                "pieces of {piece}"
            );
        }
        assert_eq!(whole[2].seed_type, SeedType::Varchar);
    }
}

#[cfg(test)]
mod tests;
