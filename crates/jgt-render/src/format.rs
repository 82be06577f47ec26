//! How values print into SQL: the way dbt (Python) prints them.
//!
//! minijinja prints a list as `["a", "b"]`; dbt prints a tuple as
//! `('a', 'b')`, and models rely on that in `x in {{ domains }}`. Every
//! sequence therefore prints as a parenthesised, comma separated list of SQL
//! literals, strings single-quoted with embedded quotes doubled. `none`,
//! `true` and `false` print as Python does: `None`, `True`, `False`.
//!
//! A namespace can hold itself (`{% set ns.a = [ns] %}`), and printing such
//! a value would recurse until the stack overflows. Printing therefore walks
//! at most [`MAX_DEPTH`] levels and [`MAX_VISITS`] values, and refuses
//! anything larger with an error.

use std::fmt::Write;

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind, Output, State};

use crate::context::RelationValue;

/// How many levels a printed value may nest. Real values nest a few.
pub(crate) const MAX_DEPTH: usize = 64;

/// How many values one print may visit, so that a value holding itself
/// several times over fails at once instead of after exponential time.
pub(crate) const MAX_VISITS: usize = 1_000_000;

/// The formatter installed on the environment.
pub fn sql_formatter(out: &mut Output, state: &State, value: &Value) -> Result<(), Error> {
    match value.kind() {
        ValueKind::Seq | ValueKind::None | ValueKind::Bool => {
            let text = literal(value, &mut Walk::default())?;
            out.write_str(&text).map_err(Error::from)
        }
        // A relation prints its SQL name and holds nothing that could
        // nest: the check is for maps that might hold themselves.
        ValueKind::Map if value.downcast_object_ref::<RelationValue>().is_some() => {
            minijinja::escape_formatter(out, state, value)
        }
        ValueKind::Map => {
            check_nesting(value)?;
            minijinja::escape_formatter(out, state, value)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Checks that `value` stays within [`MAX_DEPTH`] and [`MAX_VISITS`], so it
/// can be printed or serialized without running away.
pub(crate) fn check_nesting(value: &Value) -> Result<(), Error> {
    fn visit(value: &Value, walk: &mut Walk) -> Result<(), Error> {
        walk.enter()?;
        match value.kind() {
            ValueKind::Seq => {
                for item in value.try_iter()? {
                    visit(&item, walk)?;
                }
            }
            ValueKind::Map => {
                for key in value.try_iter()? {
                    visit(&value.get_item(&key)?, walk)?;
                }
            }
            _ => {}
        }
        walk.leave();
        Ok(())
    }
    visit(value, &mut Walk::default())
}

/// Where a walk through a value is: how deep, and how many values it saw.
#[derive(Debug, Default)]
struct Walk {
    depth: usize,
    visits: usize,
}

impl Walk {
    /// Steps into a value, failing past the limits.
    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        self.visits += 1;
        if self.depth > MAX_DEPTH || self.visits > MAX_VISITS {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "this value is nested more than {MAX_DEPTH} levels deep or holds more than \
                     {MAX_VISITS} values, and cannot be printed or stored; does a namespace hold itself?"
                ),
            ));
        }
        Ok(())
    }

    /// Steps back out of a value.
    fn leave(&mut self) {
        self.depth -= 1;
    }
}

/// One value as the literal that stands for it inside a printed sequence.
fn literal(value: &Value, walk: &mut Walk) -> Result<String, Error> {
    walk.enter()?;
    let text = match value.kind() {
        ValueKind::String => format!("'{}'", value.as_str().unwrap_or("").replace('\'', "''")),
        ValueKind::None | ValueKind::Undefined => "None".to_string(),
        ValueKind::Bool => if value.is_true() { "True" } else { "False" }.to_string(),
        ValueKind::Seq => {
            let items = match value.try_iter() {
                Ok(iter) => iter
                    .map(|item| literal(&item, walk))
                    .collect::<Result<Vec<String>, Error>>()?,
                Err(_) => Vec::new(),
            };
            format!("({})", items.join(", "))
        }
        ValueKind::Map => {
            let mut text = String::from("{");
            if let Ok(keys) = value.try_iter() {
                for (n, key) in keys.enumerate() {
                    let item = value.get_item(&key).unwrap_or_default();
                    if n > 0 {
                        text.push_str(", ");
                    }
                    let key = literal(&key, walk)?;
                    let item = literal(&item, walk)?;
                    let _ = write!(text, "{key}: {item}");
                }
            }
            text.push('}');
            text
        }
        _ => value.to_string(),
    };
    walk.leave();
    Ok(text)
}

#[cfg(test)]
mod tests {
    use minijinja::Environment;

    fn render(source: &str) -> String {
        let mut env = Environment::new();
        env.set_formatter(super::sql_formatter);
        env.render_str(source, ()).unwrap()
    }

    #[test]
    fn tuples_of_strings_print_as_sql_lists() {
        assert_eq!(
            render("{{ ('gmail.com', 'outlook.com') }}"),
            "('gmail.com', 'outlook.com')"
        );
        assert_eq!(render(r#"{{ ["it's"] }}"#), "('it''s')");
        assert_eq!(render("{{ [1, 2] }}"), "(1, 2)");
    }

    #[test]
    fn none_and_booleans_print_like_python() {
        assert_eq!(
            render("{{ none }} {{ true }} {{ false }}"),
            "None True False"
        );
    }

    #[test]
    fn strings_and_numbers_print_plainly() {
        assert_eq!(render("{{ 'a' }}{{ 3 }}"), "a3");
    }
}
