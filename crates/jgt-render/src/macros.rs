//! Project macros, callable from every model and every other macro.
//!
//! Each macro file is its own template (so errors inside a macro name the
//! macro's file and line). Macros are registered per package: the root
//! project, every installed package, and `dbt`, which holds jgt's built-in
//! macros (generic tests, dbt's cross-database macros, `generate_*_name`).
//! Every package is a global object (`dbt_utils.star(...)`, `dbt.dateadd(...)`)
//! and every macro is also callable by its bare name. A bare name resolves
//! as close to dbt as one global table allows: the root project's macro
//! wins, then `dbt`'s, then other packages' in package-name order. (dbt
//! looks in the rendered node's package, then the root project, then its
//! internal macros; every node jgt renders belongs to the root project, and
//! dbt would not find another package's macro by its bare name at all: jgt
//! does, as a last resort.) The wrapper also gives macros dbt's
//! `{{ return(value) }}`, which hands a value back instead of text.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use jgt_project::TemplateFile;
use minijinja::value::{Enumerator, Object, Value};
use minijinja::{context, Environment, Error, ErrorKind, State};

use crate::error::RenderError;
use crate::functions::{node_state, NODE_KEY, RETURN_SIGNAL};

/// The namespace of jgt's built-in macros, named as dbt names its own.
pub(crate) const BUILTIN_PACKAGE: &str = "dbt";

/// The global holding the [`MacroTable`].
const TABLE_KEY: &str = "__jgt_macros__";

/// The built-in macro files: template name and text.
const BUILTIN_FILES: [(&str, &str); 3] = [
    (
        "jgt/generic_tests.sql",
        include_str!("builtin/generic_tests.sql"),
    ),
    ("jgt/cross_db.sql", include_str!("builtin/cross_db.sql")),
    ("jgt/naming.sql", include_str!("builtin/naming.sql")),
];

/// One macro: where it is defined and the package it belongs to.
#[derive(Debug)]
pub(crate) struct MacroRef {
    /// The package (`dbt`, the root project's name, an installed package).
    pub package: String,
    /// The macro's name.
    pub name: String,
    /// The template (macro file) defining it.
    pub template: String,
    /// The file, as the project names it.
    pub path: PathBuf,
}

/// Every macro of the run, by package.
#[derive(Debug, Default)]
pub(crate) struct MacroTable {
    /// The root project's name.
    pub root: String,
    /// Macros by package, then by name.
    pub packages: BTreeMap<String, BTreeMap<String, Arc<MacroRef>>>,
}

impl Object for MacroTable {}

impl MacroTable {
    /// The macro `name` of `package`, if it defines one.
    pub fn get(&self, package: &str, name: &str) -> Option<&Arc<MacroRef>> {
        self.packages.get(package)?.get(name)
    }

    /// What a bare `name` calls: the root project's macro, else `dbt`'s,
    /// else the first package (by name) defining it.
    pub fn resolve(&self, name: &str) -> Option<&Arc<MacroRef>> {
        self.get(&self.root, name)
            .or_else(|| self.get(BUILTIN_PACKAGE, name))
            .or_else(|| self.packages.values().find_map(|macros| macros.get(name)))
    }

    /// What dbt's own lookup finds for a bare `name` from a root-project
    /// node: the root project's macro, else `dbt`'s.
    pub fn resolve_dbt(&self, name: &str) -> Option<&Arc<MacroRef>> {
        self.get(&self.root, name)
            .or_else(|| self.get(BUILTIN_PACKAGE, name))
    }

    /// Whether `package` is an installed package (neither root nor `dbt`).
    pub fn is_installed(&self, package: &str) -> bool {
        package != self.root && package != BUILTIN_PACKAGE && self.packages.contains_key(package)
    }

    /// The table stored in the environment's globals.
    pub fn of(state: &State) -> Result<Arc<MacroTable>, Error> {
        state
            .lookup(TABLE_KEY)
            .and_then(|value| value.downcast_object::<MacroTable>())
            .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "macros are not loaded"))
    }
}

/// A macro as a template value: calling it runs the macro.
#[derive(Debug)]
pub(crate) struct MacroFn(pub Arc<MacroRef>);

impl MacroFn {
    /// The macro as a callable value.
    pub fn value(macro_ref: &Arc<MacroRef>) -> Value {
        Value::from_object(MacroFn(Arc::clone(macro_ref)))
    }
}

impl Object for MacroFn {
    fn call(self: &Arc<Self>, state: &State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        call_macro(state, &self.0, args)
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<macro {}.{}>", self.0.package, self.0.name)
    }
}

/// A package as a template value: `dbt_utils.star(...)`.
#[derive(Debug)]
struct Namespace {
    package: String,
    macros: BTreeMap<String, Value>,
}

impl Object for Namespace {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.macros.get(key.as_str()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.macros
                .keys()
                .map(|k| Value::from(k.as_str()))
                .collect(),
        )
    }

    fn call_method(
        self: &Arc<Self>,
        state: &State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match self.macros.get(method) {
            Some(callable) => callable.call(state, args),
            None => Err(self.missing(method)),
        }
    }
}

impl Namespace {
    /// The error for `package.method(...)` naming no macro of the package.
    fn missing(&self, method: &str) -> Error {
        let suggestion =
            jgt_project::suggest::nearest(method, self.macros.keys().map(String::as_str));
        Error::new(
            ErrorKind::UnknownMethod,
            format!(
                "{MISSING_MACRO}package '{}' has no macro named '{method}'.{}",
                self.package,
                jgt_project::suggest::did_you_mean(&suggestion)
            ),
        )
    }
}

/// When `value` is a package, the error for its missing macro `method`
/// (minijinja hands unknown methods to the environment's fallback, which
/// must not replace this message with a generic one).
pub(crate) fn missing_package_macro(value: &Value, method: &str) -> Option<Error> {
    value
        .downcast_object_ref::<Namespace>()
        .map(|namespace| namespace.missing(method))
}

/// The start of an error's detail that makes it a [`RenderError::MacroNotFound`].
pub(crate) const MISSING_MACRO: &str = "JGT2010 ";

/// Adds the built-in macros and every macro file of the project and its
/// packages to `env`, and registers each macro they define. Returns the
/// table of every macro. Two macros of one name in one package are an error;
/// one name in different packages is fine.
pub(crate) fn register(
    env: &mut Environment<'static>,
    root: &str,
    files: &[TemplateFile],
) -> Result<Arc<MacroTable>, RenderError> {
    let builtin: Vec<TemplateFile> = BUILTIN_FILES
        .iter()
        .map(|(path, text)| TemplateFile {
            package: BUILTIN_PACKAGE.into(),
            name: path.to_string(),
            path: PathBuf::from(path),
            folders: Vec::new(),
            text: text.to_string(),
        })
        .collect();
    let mut table = MacroTable {
        root: root.to_string(),
        ..MacroTable::default()
    };
    for file in builtin.iter().chain(files) {
        let template = crate::template_name(&file.path);
        let text = crate::python::rewrite_literals(&rewrite_test_blocks(&file.text));
        env.add_template_owned(template.clone(), text.clone())
            .map_err(|err| RenderError::from_jinja(err, &template, None))?;
        let package = table.packages.entry(file.package.clone()).or_default();
        for name in macro_names(&text) {
            if let Some(first) = package.get(&name) {
                return Err(RenderError::DuplicateMacro {
                    name,
                    first: first.path.clone(),
                    second: file.path.clone(),
                });
            }
            let macro_ref = MacroRef {
                package: file.package.clone(),
                name: name.clone(),
                template: template.clone(),
                path: file.path.clone(),
            };
            package.insert(name, Arc::new(macro_ref));
        }
    }
    for (package, macros) in &table.packages {
        let values: BTreeMap<String, Value> = macros
            .iter()
            .map(|(name, macro_ref)| (name.clone(), MacroFn::value(macro_ref)))
            .collect();
        let namespace = Namespace {
            package: package.clone(),
            macros: values,
        };
        env.add_global(package.clone(), Value::from_object(namespace));
    }
    let names: Vec<&String> = table.packages.values().flat_map(|m| m.keys()).collect();
    for name in names {
        if let Some(winner) = table.resolve(name) {
            env.add_global(name.clone(), MacroFn::value(winner));
        }
    }
    let table = Arc::new(table);
    env.add_global(TABLE_KEY, Value::from_dyn_object(Arc::clone(&table)));
    Ok(table)
}

/// Runs `macro_ref` with the caller's context and `args` (keyword
/// arguments included, as the caller passed them).
pub(crate) fn call_macro(
    state: &State,
    macro_ref: &MacroRef,
    args: &[Value],
) -> Result<Value, Error> {
    let node = node_state(state)?;
    let file = state.env().get_template(&macro_ref.template)?;
    let captured = file.render_captured(context! {
        __jgt_node__ => state.lookup(NODE_KEY),
        this => state.lookup("this"),
        model => state.lookup("model"),
    })?;
    let macro_state = captured.state();
    let name = &macro_ref.name;
    let callable = macro_state.lookup(name).ok_or_else(|| {
        Error::new(
            ErrorKind::UnknownFunction,
            format!("macro {name} not found in {}", macro_ref.template),
        )
    })?;
    node.macros.lock().expect("macros lock").push(name.clone());
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
