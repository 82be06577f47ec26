//! How values print into SQL: the way dbt (Python) prints them.
//!
//! minijinja prints a list as `["a", "b"]`; dbt prints a tuple as
//! `('a', 'b')`, and models rely on that in `x in {{ domains }}`. Every
//! sequence therefore prints as a parenthesised, comma separated list of SQL
//! literals, strings single-quoted with embedded quotes doubled. `none`,
//! `true` and `false` print as Python does: `None`, `True`, `False`.

use std::fmt::Write;

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, Output, State};

/// The formatter installed on the environment.
pub fn sql_formatter(out: &mut Output, state: &State, value: &Value) -> Result<(), Error> {
    match value.kind() {
        ValueKind::Seq | ValueKind::None | ValueKind::Bool => {
            out.write_str(&literal(value)).map_err(Error::from)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// One value as the literal that stands for it inside a printed sequence.
fn literal(value: &Value) -> String {
    match value.kind() {
        ValueKind::String => format!("'{}'", value.as_str().unwrap_or("").replace('\'', "''")),
        ValueKind::None | ValueKind::Undefined => "None".to_string(),
        ValueKind::Bool => if value.is_true() { "True" } else { "False" }.to_string(),
        ValueKind::Seq => {
            let items: Vec<String> = value
                .try_iter()
                .map(|iter| iter.map(|item| literal(&item)).collect())
                .unwrap_or_default();
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
                    let _ = write!(text, "{}: {}", literal(&key), literal(&item));
                }
            }
            text.push('}');
            text
        }
        _ => value.to_string(),
    }
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
