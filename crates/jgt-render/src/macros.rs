//! Project macros, callable from every model and every other macro.
//!
//! Each macro file is its own template (so errors inside a macro name the
//! macro's file and line). Every macro becomes a global function that
//! evaluates its file and calls the macro there; the wrapper also gives
//! macros dbt's `{{ return(value) }}`, which hands a value back to the
//! caller instead of text.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jgt_project::TemplateFile;
use minijinja::value::{Rest, Value};
use minijinja::{context, Environment, Error, ErrorKind, State};

use crate::error::RenderError;
use crate::functions::{node_state, NODE_KEY, RETURN_SIGNAL};

/// The built-in generic tests, as a macro file of their own.
const BUILTIN_TESTS: (&str, &str) = (
    "jgt/generic_tests.sql",
    include_str!("builtin/generic_tests.sql"),
);

/// Adds the built-in macros and every project macro file to `env` and
/// registers each macro they define. A project macro may replace a
/// built-in one; two project macros with one name are an error.
pub(crate) fn register(
    env: &mut Environment<'static>,
    files: &[TemplateFile],
) -> Result<BTreeMap<String, PathBuf>, RenderError> {
    let builtin = TemplateFile {
        package: "jgt".into(),
        name: "generic_tests".into(),
        path: PathBuf::from(BUILTIN_TESTS.0),
        text: BUILTIN_TESTS.1.into(),
    };
    let mut defined: BTreeMap<String, PathBuf> = BTreeMap::new();
    for file in std::iter::once(&builtin).chain(files) {
        let template = crate::template_name(&file.path);
        let text = rewrite_test_blocks(&file.text);
        env.add_template_owned(template.clone(), text.clone())
            .map_err(|err| RenderError::from_jinja(err, &template, None))?;
        for name in macro_names(&text) {
            let replaces_builtin = defined
                .get(&name)
                .is_some_and(|first| first.as_path() == std::path::Path::new(BUILTIN_TESTS.0));
            if let Some(first) = defined.get(&name).filter(|_| !replaces_builtin) {
                return Err(RenderError::DuplicateMacro {
                    name,
                    first: first.clone(),
                    second: file.path.clone(),
                });
            }
            defined.insert(name.clone(), file.path.clone());
            let template = template.clone();
            let macro_name = name.clone();
            env.add_function(name, move |state: &State, args: Rest<Value>| {
                call_macro(state, &template, &macro_name, &args.0)
            });
        }
    }
    Ok(defined)
}

/// Calls `name` from the macro file `template` with the caller's context.
fn call_macro(state: &State, template: &str, name: &str, args: &[Value]) -> Result<Value, Error> {
    let node = node_state(state)?;
    let file = state.env().get_template(template)?;
    let captured = file.render_captured(context! {
        __jgt_node__ => state.lookup(NODE_KEY),
        this => state.lookup("this"),
        model => state.lookup("model"),
    })?;
    let macro_state = captured.state();
    let callable = macro_state.lookup(name).ok_or_else(|| {
        Error::new(
            ErrorKind::UnknownFunction,
            format!("macro {name} not found in {template}"),
        )
    })?;
    node.macros
        .lock()
        .expect("macros lock")
        .push(name.to_string());
    node.returns.lock().expect("returns lock").push(None);
    let result = callable.call(macro_state, args);
    let returned = node.returns.lock().expect("returns lock").pop().flatten();
    match (returned, result) {
        (Some(value), _) => Ok(value),
        (None, Err(err)) if err.detail() == Some(RETURN_SIGNAL) => Ok(Value::from(())),
        (None, result) => result,
    }
}

/// Turns dbt's `{% test name(args) %}...{% endtest %}` blocks into
/// `{% macro test_name(args) %}...{% endmacro %}`, which minijinja knows,
/// keeping every line where it was so errors point at the right line.
pub(crate) fn rewrite_test_blocks(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(start) = rest.find("{%") {
        out.push_str(&rest[..start + 2]);
        rest = &rest[start + 2..];
        // Keep whitespace control markers and spaces, look at the tag's word.
        let tag = rest.trim_start_matches(['-', '+']).trim_start();
        out.push_str(&rest[..rest.len() - tag.len()]);
        rest = tag;
        if let Some(after) = tag.strip_prefix("test") {
            let name = after.trim_start();
            if name.len() < after.len() {
                out.push_str("macro test_");
                rest = name;
            }
        } else if let Some(after) = tag.strip_prefix("endtest") {
            if !after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                out.push_str("endmacro");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The names of the macros a file defines: every `{% macro name(` in it.
pub fn macro_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{%") {
        rest = &rest[start + 2..];
        let tag = rest.trim_start_matches(['-', '+']).trim_start();
        if let Some(after) = tag.strip_prefix("macro") {
            if after.starts_with(char::is_whitespace) {
                let name: String = after
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    names.push(name);
                }
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::macro_names;

    #[test]
    fn finds_every_macro_definition() {
        let text =
            "{% macro a(x) %}{% endmacro %}\n{%- macro  b_2() -%}{%- endmacro %}{{ macro_c() }}";
        assert_eq!(macro_names(text), ["a", "b_2"]);
    }

    #[test]
    fn test_blocks_become_test_macros_on_the_same_lines() {
        let text = "{% test is_even(model, column_name) %}\nselect 1\n{%- endtest %}";
        let rewritten = super::rewrite_test_blocks(text);
        assert_eq!(
            rewritten,
            "{% macro test_is_even(model, column_name) %}\nselect 1\n{%- endmacro %}"
        );
        assert_eq!(macro_names(&rewritten), ["test_is_even"]);
    }
}
