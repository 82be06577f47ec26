//! The one error type of rendering.

use std::path::PathBuf;

/// Everything that can go wrong while rendering templates.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// A template failed to parse or to render: a syntax error, an unknown
    /// `ref`, a missing `var`, an error raised by a macro, ...
    #[error("{}: {message}{}", at_line(.path, *.line), while_rendering(.node))]
    Template {
        /// The file where the problem is (a macro file when it is inside a macro).
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What went wrong, and how to fix it where that is known.
        message: String,
        /// The model or test being rendered, when it differs from `path`.
        node: Option<String>,
    },
    /// The database refused a query a template made while rendering at
    /// execution time (`run_query`, `statement`, `adapter.get_relation`, ...).
    #[error("{}: {message}{}", at_line(.path, *.line), while_rendering(.node))]
    Query {
        /// The file whose line made the query.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// The call and the database's message.
        message: String,
        /// The model or operation being rendered, when it differs from `path`.
        node: Option<String>,
    },
    /// `call_macro` (`jgt run-operation`) names no macro of the project.
    #[error("{name}: no macro named '{name}' in this project.{suggestion} Define it with {{% macro {name}() %}} under macros/")]
    UnknownMacro {
        /// The name asked for.
        name: String,
        /// ` Did you mean 'x'?`, or empty.
        suggestion: String,
    },
    /// Two macro files define a macro with one name.
    #[error("macro '{name}' is defined twice: in {first} and in {second}; rename or remove one")]
    DuplicateMacro {
        /// The macro name.
        name: String,
        /// The first file defining it.
        first: PathBuf,
        /// The second file defining it.
        second: PathBuf,
    },
    /// `adapter.dispatch` found no implementation, or a package namespace
    /// has no macro of the name called (`dbt_utils.nope()`).
    #[error("{}: {message}{}", at_line(.path, *.line), while_rendering(.node))]
    MacroNotFound {
        /// The file making the call.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What was looked for, and where.
        message: String,
        /// The model or test being rendered, when it differs from `path`.
        node: Option<String>,
    },
    /// A `ref()` or `source()` names a node that `enabled: false` left
    /// out of the project (dbt: "depends on a node named 'x' which is
    /// disabled").
    #[error("{}: {message}{}", at_line(.path, *.line), while_rendering(.node))]
    DisabledNode {
        /// The file making the call.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// Which node depends on which disabled node.
        message: String,
        /// The model or test being rendered, when it differs from `path`.
        node: Option<String>,
    },
    /// A `ref()` to a model whose `access` does not let this node use it:
    /// a `private` model of another group, a `protected` one of another
    /// package.
    #[error("{}: {message}{}", at_line(.path, *.line), while_rendering(.node))]
    AccessDenied {
        /// The file making the call.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// Both nodes, the access and the group.
        message: String,
        /// The model or test being rendered, when it differs from `path`.
        node: Option<String>,
    },
    /// `ref('m', v=N)` names a version the model does not declare.
    #[error("{}: {message}{}", at_line(.path, *.line), while_rendering(.node))]
    UnknownVersion {
        /// The file making the call.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// The version asked for and the ones declared.
        message: String,
        /// The model or test being rendered, when it differs from `path`.
        node: Option<String>,
    },
    /// A naming macro (`generate_schema_name`, ...) gave an empty name.
    #[error("{}: {name} gave an empty name for {node}; make it return a schema, alias or database name", .path.display())]
    EmptyName {
        /// The macro file.
        path: PathBuf,
        /// The macro (`generate_schema_name`).
        name: String,
        /// The node being named.
        node: String,
    },
}

impl RenderError {
    /// Turns a minijinja error into a positioned error. `fallback` is the
    /// file rendered when the error carries no file of its own.
    pub(crate) fn from_jinja(err: minijinja::Error, fallback: &str, node: Option<&str>) -> Self {
        let path = err
            .name()
            .filter(|name| !name.starts_with(crate::TEST_CALL))
            .unwrap_or(fallback)
            .to_string();
        let message = match err.detail() {
            Some(detail) if is_plain(err.kind()) => detail.to_string(),
            Some(detail) => format!("{}: {detail}", err.kind()),
            None => err.kind().to_string(),
        };
        let message = match undefined_name(&err) {
            Some(name) => format!(
                "'{name}' is undefined: no variable, macro or function of that name exists here \
                 (for a project variable write var('{name}'); define macros under macros/)"
            ),
            None => message,
        };
        // Name the node only when the error sits in another file (a macro).
        let node = node.filter(|_| path != fallback).map(str::to_string);
        let missing = err
            .detail()
            .and_then(|detail| detail.strip_prefix(crate::macros::MISSING_MACRO));
        if let Some(message) = missing {
            return RenderError::MacroNotFound {
                line: err.line().unwrap_or(0),
                path: PathBuf::from(path),
                message: message.to_string(),
                node,
            };
        }
        if let Some(found) = refused(&err, PathBuf::from(&path), node.clone()) {
            return found;
        }
        if message.contains(crate::introspection::DATABASE_REFUSED) {
            return RenderError::Query {
                line: err.line().unwrap_or(0),
                path: PathBuf::from(path),
                message,
                node,
            };
        }
        RenderError::Template {
            line: err.line().unwrap_or(0),
            path: PathBuf::from(path),
            message,
            node,
        }
    }
}

/// Prefixes `ref()` and `source()` put in front of their refusals, so the
/// error keeps its own code once minijinja has carried it out.
pub(crate) const DISABLED: &str = "JGT2012 ";
/// See [`DISABLED`].
pub(crate) const ACCESS: &str = "JGT2013 ";
/// See [`DISABLED`].
pub(crate) const VERSION: &str = "JGT2014 ";

/// The refusal a `ref()` or `source()` raised, with its own variant.
fn refused(err: &minijinja::Error, path: PathBuf, node: Option<String>) -> Option<RenderError> {
    let detail = err.detail()?;
    let line = err.line().unwrap_or(0);
    if let Some(message) = detail.strip_prefix(DISABLED) {
        let message = message.to_string();
        return Some(RenderError::DisabledNode {
            path,
            line,
            message,
            node,
        });
    }
    if let Some(message) = detail.strip_prefix(ACCESS) {
        let message = message.to_string();
        return Some(RenderError::AccessDenied {
            path,
            line,
            message,
            node,
        });
    }
    let message = detail.strip_prefix(VERSION)?.to_string();
    Some(RenderError::UnknownVersion {
        path,
        line,
        message,
        node,
    })
}

/// The expression an "undefined value" error is about, read from the
/// template's source at the error's position.
fn undefined_name(err: &minijinja::Error) -> Option<String> {
    if err.kind() != minijinja::ErrorKind::UndefinedError {
        return None;
    }
    let source = err.template_source()?;
    let text = source.get(err.range()?)?.trim();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    plain.then(|| text.to_string())
}

/// Kinds whose detail already says everything (our own messages).
fn is_plain(kind: minijinja::ErrorKind) -> bool {
    matches!(kind, minijinja::ErrorKind::InvalidOperation)
}

/// `path:line`, or the path alone when the line is unknown (never `:0`).
fn at_line(path: &std::path::Path, line: usize) -> String {
    match line {
        0 => path.display().to_string(),
        line => format!("{}:{line}", path.display()),
    }
}

fn while_rendering(node: &Option<String>) -> String {
    match node {
        Some(node) => format!(" (while rendering {node})"),
        None => String::new(),
    }
}

impl RenderError {
    /// The error's stable code, as the README's table lists it.
    pub fn code(&self) -> &'static str {
        match self {
            RenderError::Template { .. } => "JGT2001",
            RenderError::DuplicateMacro { .. } => "JGT2002",
            RenderError::MacroNotFound { .. } => "JGT2010",
            RenderError::EmptyName { .. } => "JGT2011",
            RenderError::DisabledNode { .. } => "JGT2012",
            RenderError::AccessDenied { .. } => "JGT2013",
            RenderError::UnknownVersion { .. } => "JGT2014",
            RenderError::Query { .. } => "JGT2030",
            RenderError::UnknownMacro { .. } => "JGT2031",
        }
    }
}
