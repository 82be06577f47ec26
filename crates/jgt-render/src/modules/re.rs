//! `modules.re`: Python's regular expressions, on Rust's `regex` crate.
//!
//! `match`, `fullmatch`, `search`, `sub`, `findall`, `split`, `compile`
//! and the flags `IGNORECASE`/`I`, `MULTILINE`/`M`, `DOTALL`/`S`,
//! `VERBOSE`/`X` behave as in Python. The syntax is the `regex` crate's,
//! which is Python's without look-around (`(?=`, `(?!`, `(?<=`, `(?<!`)
//! and without back-references (`\1` inside a pattern); a pattern using
//! them is an error naming the pattern. In `sub`'s replacement, Python's
//! `\1` and `\g<name>` work as in Python.

use std::sync::Arc;

use minijinja::value::{from_args, Kwargs, Object, Value};
use minijinja::{Error, ErrorKind, State};
use regex::{Captures, Regex, RegexBuilder};

const IGNORECASE: i64 = 2;
const MULTILINE: i64 = 8;
const DOTALL: i64 = 16;
const VERBOSE: i64 = 64;

fn fail(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// `modules.re`.
#[derive(Debug)]
pub(crate) struct ReModule;

/// A compiled pattern (`re.compile(...)`).
#[derive(Debug)]
pub(crate) struct Pattern {
    source: String,
    regex: Regex,
}

/// A successful match: `group()`, `groups()`, `start()`, `end()`, `span()`.
#[derive(Debug)]
struct Match {
    groups: Vec<Option<(usize, usize, String)>>,
    names: Vec<Option<String>>,
}

fn compile(pattern: &str, flags: i64) -> Result<Pattern, Error> {
    let regex = RegexBuilder::new(pattern)
        .case_insensitive(flags & IGNORECASE != 0)
        .multi_line(flags & MULTILINE != 0)
        .dot_matches_new_line(flags & DOTALL != 0)
        .ignore_whitespace(flags & VERBOSE != 0)
        .build()
        .map_err(|err| {
            fail(format!(
                "modules.re: the pattern '{pattern}' is not valid (jgt's regular expressions have no look-around or back-references): {err}"
            ))
        })?;
    Ok(Pattern {
        source: pattern.to_string(),
        regex,
    })
}

/// Python's replacement syntax (`\1`, `\g<name>`) in the `regex` crate's.
fn replacement(python: &str) -> String {
    let mut out = String::new();
    let mut chars = python.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    let mut group = String::new();
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        group.push(d);
                        chars.next();
                    }
                    out.push_str(&format!("${{{group}}}"));
                }
                Some('g') => {
                    chars.next();
                    let name: String = chars.by_ref().skip(1).take_while(|c| *c != '>').collect();
                    out.push_str(&format!("${{{name}}}"));
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

impl Match {
    fn value(captures: &Captures, regex: &Regex) -> Value {
        Value::from_object(Match {
            groups: captures
                .iter()
                .map(|g| g.map(|m| (m.start(), m.end(), m.as_str().to_string())))
                .collect(),
            names: regex
                .capture_names()
                .map(|n| n.map(str::to_string))
                .collect(),
        })
    }

    fn group_index(&self, key: &Value) -> Result<usize, Error> {
        if let Some(name) = key.as_str() {
            return self
                .names
                .iter()
                .position(|n| n.as_deref() == Some(name))
                .ok_or_else(|| fail(format!("no group named '{name}'")));
        }
        let index = usize::try_from(key.clone())?;
        (index < self.groups.len())
            .then_some(index)
            .ok_or_else(|| fail(format!("no group {index}")))
    }

    fn group(&self, key: &Value) -> Result<Value, Error> {
        let index = self.group_index(key)?;
        Ok(self.groups[index]
            .as_ref()
            .map(|g| Value::from(g.2.clone()))
            .unwrap_or(Value::from(())))
    }
}

impl Object for Match {
    fn call_method(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let key = args.first().cloned().unwrap_or(Value::from(0));
        let span = || -> Result<(usize, usize), Error> {
            let index = self.group_index(&key)?;
            Ok(self.groups[index]
                .as_ref()
                .map(|g| (g.0, g.1))
                .unwrap_or((usize::MAX, usize::MAX)))
        };
        match method {
            "group" if args.len() > 1 => {
                let groups: Result<Vec<Value>, Error> =
                    args.iter().map(|a| self.group(a)).collect();
                Ok(Value::from(groups?))
            }
            "group" => self.group(&key),
            "groups" => Ok(Value::from(
                self.groups[1..]
                    .iter()
                    .map(|g| {
                        g.as_ref()
                            .map(|g| Value::from(g.2.clone()))
                            .unwrap_or(Value::from(()))
                    })
                    .collect::<Vec<_>>(),
            )),
            "groupdict" => Ok(Value::from_iter(self.names.iter().enumerate().filter_map(
                |(n, name)| {
                    let value = self.groups[n]
                        .as_ref()
                        .map(|g| Value::from(g.2.clone()))
                        .unwrap_or(Value::from(()));
                    name.clone().map(|name| (name, value))
                },
            ))),
            "start" => Ok(Value::from(span()?.0)),
            "end" => Ok(Value::from(span()?.1)),
            "span" => Ok(Value::from(vec![span()?.0, span()?.1])),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (start, end, text) = self.groups[0].clone().unwrap_or_default();
        write!(
            f,
            "<re.Match object; span=({start}, {end}), match='{text}'>"
        )
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        // `m[1]` is `m.group(1)`, as in Python.
        self.group(key).ok()
    }
}

impl Pattern {
    /// Runs `method` with this pattern on `args` (the text first).
    fn apply(&self, method: &str, args: &[Value]) -> Result<Value, Error> {
        let text = |n: usize| -> Result<String, Error> {
            args.get(n)
                .map(|v| v.to_string())
                .ok_or_else(|| fail(format!("re.{method}() needs a string")))
        };
        let regex = &self.regex;
        match method {
            "match" | "fullmatch" | "search" => {
                let subject = text(0)?;
                let found = regex.captures_iter(&subject).find(|c| {
                    let whole = c.get(0).expect("group 0 always matches");
                    match method {
                        "match" => whole.start() == 0,
                        "fullmatch" => whole.start() == 0 && whole.end() == subject.len(),
                        _ => true,
                    }
                });
                Ok(found
                    .map(|c| Match::value(&c, regex))
                    .unwrap_or(Value::from(())))
            }
            "sub" => {
                let (repl, subject) = (text(0)?, text(1)?);
                let count = args
                    .get(2)
                    .map(|c| usize::try_from(c.clone()))
                    .transpose()?
                    .unwrap_or(0);
                Ok(Value::from(
                    regex
                        .replacen(&subject, count, replacement(&repl).as_str())
                        .into_owned(),
                ))
            }
            "findall" => {
                let subject = text(0)?;
                let found = regex.captures_iter(&subject).map(|c| {
                    let text =
                        |g: Option<regex::Match>| Value::from(g.map(|m| m.as_str()).unwrap_or(""));
                    match c.len() {
                        1 => text(c.get(0)),
                        2 => text(c.get(1)),
                        _ => Value::from(c.iter().skip(1).map(text).collect::<Vec<_>>()),
                    }
                });
                Ok(Value::from(found.collect::<Vec<_>>()))
            }
            "split" => {
                let subject = text(0)?;
                let limit = args
                    .get(1)
                    .map(|c| usize::try_from(c.clone()))
                    .transpose()?
                    .unwrap_or(0);
                let parts: Vec<Value> = match limit {
                    0 => regex.split(&subject).map(Value::from).collect(),
                    limit => regex.splitn(&subject, limit + 1).map(Value::from).collect(),
                };
                Ok(Value::from(parts))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

impl Object for Pattern {
    fn call_method(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        self.apply(method, args)
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        (key.as_str()? == "pattern").then(|| Value::from(self.source.clone()))
    }
}

impl Object for ReModule {
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<module 're'>")
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let flag = match key.as_str()? {
            "IGNORECASE" | "I" => IGNORECASE,
            "MULTILINE" | "M" => MULTILINE,
            "DOTALL" | "S" => DOTALL,
            "VERBOSE" | "X" => VERBOSE,
            _ => return None,
        };
        Some(Value::from(flag))
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let (positional, kwargs): (&[Value], Kwargs) = from_args(args)?;
        // The flags come last, positionally or as `flags=`.
        let arity = match method {
            "compile" => 1,
            "sub" => 4,
            "split" => 3,
            _ => 2,
        };
        let flags = kwargs.get::<Option<i64>>("flags")?;
        let count = kwargs
            .get::<Option<Value>>("count")?
            .or(kwargs.get::<Option<Value>>("maxsplit")?);
        kwargs.assert_all_used()?;
        let mut rest: Vec<Value> = positional.iter().skip(1).take(arity - 1).cloned().collect();
        let flags = match positional.get(arity) {
            Some(flag) => i64::try_from(flag.clone())?,
            None => flags.unwrap_or(0),
        };
        if matches!(method, "sub" | "split") && rest.len() < arity - 1 {
            rest.extend(count);
        }
        let pattern = positional
            .first()
            .map(|p| p.to_string())
            .ok_or_else(|| fail(format!("re.{method}() needs a pattern")))?;
        let compiled = compile(&pattern, flags)?;
        if method == "compile" {
            return Ok(Value::from_object(compiled));
        }
        compiled.apply(method, &rest)
    }
}
