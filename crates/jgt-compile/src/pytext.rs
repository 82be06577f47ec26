//! YAML values written as Python writes them, `str()` and `repr()`.
//!
//! dbt-core builds a generic test's name from `str()` of its arguments
//! and ends the test's unique id with the MD5 of a `repr()`; matching its
//! ids means writing values exactly as Python does.

use std::fmt::Write;

use serde_yaml::Value;

/// A YAML value as Python's `str()` writes it: `True`, `None`, `1.5`,
/// `['a', 'b']`, `{'k': 1}`; a string as it is.
pub fn str_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => repr_of(other),
    }
}

/// A YAML value as Python's `repr()` writes it: `'a'`, `"it's"`, `2.5`,
/// `[1, None]`, `{'k': True}` (mappings in the order written).
pub fn repr_of(value: &Value) -> String {
    let mut out = String::new();
    write_repr(value, &mut out, false);
    out
}

/// Writes `value` as Python's `repr()` writes it; when `hashable`, as
/// dbt's hashable form of it: mapping keys sorted, scalars `str()`-ed.
fn write_repr(value: &Value, out: &mut String, hashable: bool) {
    match value {
        Value::Sequence(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(item, out, hashable);
            }
            out.push(']');
        }
        Value::Mapping(map) => {
            let mut entries: Vec<(&Value, &Value)> = map.iter().collect();
            if hashable {
                // Keys sort by their text, as Python sorts string keys.
                entries.sort_by_cached_key(|(key, _)| str_of(key));
            }
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(key, out, false);
                out.push_str(": ");
                write_repr(item, out, hashable);
            }
            out.push('}');
        }
        Value::Tagged(tagged) => write_repr(&tagged.value, out, hashable),
        scalar if hashable => out.push_str(&repr_str(&str_of(scalar))),
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => out.push_str(&repr_str(s)),
    }
}

/// A YAML number as Python writes an `int` or a `float`.
fn number(n: &serde_yaml::Number) -> String {
    if n.is_f64() {
        n.as_f64().map(float).unwrap_or_default()
    } else {
        n.to_string()
    }
}

/// A float as Python's `repr()` writes it: the shortest digits that read
/// back the same, fixed between 1e-4 and 1e16 (`1.0`, `0.0001`), else
/// with an exponent of at least two digits (`1e+16`, `1.5e-05`).
pub fn float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    // Rust's `{:e}` gives the same shortest digits: `2.5e0`, `1e20`.
    let scientific = format!("{x:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let text = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            let (whole, fraction) = digits.split_at(point as usize);
            format!("{whole}.{fraction}")
        };
        format!("{sign}{text}")
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{sign}{first}{fraction}e{exp_sign}{:02}",
            exponent.unsigned_abs()
        )
    }
}

/// A string as Python's `repr()` writes it: in single quotes unless it
/// holds a single quote and no double one; backslashes, the quote and
/// characters Python does not print escaped.
pub fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !printable(c) => {
                let code = u32::from(c);
                let _ = match code {
                    0..=0xff => write!(out, "\\x{code:02x}"),
                    0x100..=0xffff => write!(out, "\\u{code:04x}"),
                    _ => write!(out, "\\U{code:08x}"),
                };
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `str.isprintable()` for the characters YAML text holds:
/// control characters, separators other than the space, and format
/// characters are not printed as they are.
fn printable(c: char) -> bool {
    !matches!(c,
        '\0'..='\x1f'
        | '\x7f'..='\u{a0}'
        | '\u{ad}'
        | '\u{1680}'
        | '\u{2000}'..='\u{200f}'
        | '\u{2028}'..='\u{202f}'
        | '\u{205f}'..='\u{2064}'
        | '\u{3000}'
        | '\u{feff}'
        | '\u{e000}'..='\u{f8ff}'
    )
}

/// dbt's hashable form of a value, written as Python's `repr()` writes
/// it: mappings with their keys sorted, sequences kept, and every scalar
/// made a string by `str()` first (`1` is `'1'`, `None` is `'None'`).
pub fn hashable_repr(value: &Value, out: &mut String) {
    write_repr(value, out, true);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    #[test]
    fn floats_are_written_as_python_writes_them() {
        let cases = [
            (1.0, "1.0"),
            (2.5, "2.5"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (-3.25, "-3.25"),
            (1e100, "1e+100"),
        ];
        for (x, python) in cases {
            assert_eq!(float(x), python, "{x}");
        }
    }

    #[test]
    fn strings_take_the_quote_python_takes() {
        assert_eq!(repr_str("a"), "'a'");
        assert_eq!(repr_str("x's"), "\"x's\"");
        assert_eq!(repr_str("say \"hi\"\n"), "'say \"hi\"\\n'");
        assert_eq!(repr_str("both ' and \""), "'both \\' and \"'");
        assert_eq!(
            repr_str("tab\there \\ é \u{a0}"),
            "'tab\\there \\\\ é \\xa0'"
        );
    }

    #[test]
    fn the_hashable_form_sorts_keys_and_makes_scalars_strings() {
        let value = yaml("{z: 1, a: [1, 2.5, \"x's\", null, true], m: \"say \\\"hi\\\"\\n\"}");
        let mut out = String::new();
        hashable_repr(&value, &mut out);
        // Python: repr(get_hashable_md(...)) in dbt-core's generic test parser.
        assert_eq!(
            out,
            "{'a': ['1', '2.5', \"x's\", 'None', 'True'], 'm': 'say \"hi\"\\n', 'z': '1'}"
        );
        assert_eq!(
            repr_of(&yaml("[1, 'a', null, {k: false}]")),
            "[1, 'a', None, {'k': False}]"
        );
    }
}
