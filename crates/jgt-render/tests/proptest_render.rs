//! Property tests of rendering: the minijinja environment with dbt's
//! functions, project macros and dbt's way of printing values.
//!
//! What is generated:
//! - template text: arbitrary Unicode, a soup of Jinja tokens (delimiters
//!   with and without `-`, keywords, dbt's function names, literals,
//!   operators, filters), and templates built from a small grammar of
//!   statements (`{{ }}`, `if`, `for`, `set`, namespaces) and expressions
//!   calling `ref`, `source`, `config`, `var`, `env_var`, `return`,
//!   `exceptions.*` and the project's macros with odd arguments;
//! - macro files from the same grammar, with `{% macro %}` and dbt's
//!   `{% test %}` blocks whose bodies call each other (recursion included);
//! - text without any Jinja delimiter;
//! - `var()` names, project variables and default values (strings with
//!   quotes and backslashes, integers, booleans, none, lists);
//! - model names for `ref()`, and `materialized` values for `config()`.
//!
//! What is asserted:
//! - nothing panics or overflows the stack: loading macros, adding a
//!   template and rendering it each succeed or return an error whose message
//!   names a file;
//! - text without Jinja syntax renders unchanged, with no refs, sources,
//!   configs or macros recorded;
//! - `{{ var('x', d) }}` prints the project variable `x` when it is set and
//!   `d` otherwise, both as dbt prints values;
//! - `ref()` prints the quoted relation of a known name and records it, and
//!   names the unknown one in its error;
//! - `config(materialized=...)` records a valid materialization and rejects
//!   any other value with a message.
//!
//! The budget is fixed: a set number of cases per property, a fixed RNG
//! seed and no failure files, so every CI run tries the same inputs.
//! Crashes found this way are kept as plain `#[test]`s at the end.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use jgt_project::{Project, Relation, TemplateFile};
use jgt_render::{Catalog, RenderError, RenderOptions, Rendered, Renderer, Target};
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, RngSeed};
use serde_yaml::Value as Yaml;

/// A fixed budget: `cases` inputs from a fixed seed, nothing written to disk.
fn budget(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(0x6a67_7403),
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Rendering helpers

/// The model every property renders.
const MODEL: &str = "models/m.sql";

/// An empty project, loaded once from a temporary folder.
fn empty_project() -> Project {
    static PROJECT: OnceLock<Project> = OnceLock::new();
    PROJECT
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("project.yml"), "name: demo\n").unwrap();
            Project::load(dir.path()).unwrap()
        })
        .clone()
}

fn target() -> Target {
    Target {
        name: "dev".into(),
        adapter_type: "duckdb".into(),
        database: "jgt".into(),
        schema: "main".into(),
        path: "target/jgt.duckdb".into(),
        threads: 1,
        profile_name: "demo".into(),
    }
}

/// A catalog holding `users`, `events` and the source `raw.orders`.
fn catalog(names: &[&str]) -> Arc<Catalog> {
    let mut catalog = Catalog::default();
    for name in names.iter().copied().chain(["users", "events"]) {
        catalog
            .nodes
            .insert(name.to_string(), Relation::new("main", name));
    }
    catalog.sources.insert(
        ("raw".into(), "orders".into()),
        Relation::new("raw", "orders"),
    );
    Arc::new(catalog)
}

/// Where an attempt to render stopped.
#[derive(Debug)]
enum Outcome {
    /// `Renderer::new` refused the macro files.
    Macros(RenderError),
    /// `add_template` refused the model.
    Syntax(RenderError),
    /// Rendering failed.
    Render(RenderError),
    /// Rendering worked.
    Rendered(Rendered),
}

/// Loads `macros` as macro files, adds `text` as the model and renders it.
fn attempt(
    macros: &[String],
    vars: BTreeMap<String, Yaml>,
    text: &str,
    catalog: &Arc<Catalog>,
) -> Outcome {
    let mut project = empty_project();
    project.macros = macros
        .iter()
        .enumerate()
        .map(|(n, text)| TemplateFile {
            package: "demo".into(),
            name: format!("macros_{n}"),
            path: PathBuf::from(format!("macros/macros_{n}.sql")),
            folders: Vec::new(),
            text: text.clone(),
        })
        .collect();
    let options = RenderOptions {
        scoped_vars: Default::default(),
        package_vars: Default::default(),
        vars,
        target: target(),
        dialect: Arc::new(jgt_core::AnsiDialect {
            default_schema: "main".into(),
        }),
        run: jgt_render::RunInfo::default(),
    };
    let mut renderer = match Renderer::new(&project, options) {
        Ok(renderer) => renderer,
        Err(err) => return Outcome::Macros(err),
    };
    if let Err(err) = renderer.add_template(Path::new(MODEL), text) {
        return Outcome::Syntax(err);
    }
    let this = Relation::new("main", "m");
    match renderer.render(Path::new(MODEL), "m", catalog, Some(&this), Some("view")) {
        Ok(rendered) => Outcome::Rendered(rendered),
        Err(err) => Outcome::Render(err),
    }
}

/// Renders `text` as a model of a project without macros or vars.
fn render(text: &str) -> Result<Rendered, RenderError> {
    match attempt(&[], BTreeMap::new(), text, &catalog(&[])) {
        Outcome::Rendered(rendered) => Ok(rendered),
        Outcome::Macros(err) | Outcome::Syntax(err) | Outcome::Render(err) => Err(err),
    }
}

/// Checks that an error names a file of the project and says something.
fn check_error(err: &RenderError) -> Result<(), TestCaseError> {
    let shown = err.to_string();
    prop_assert!(!shown.trim().is_empty());
    match err {
        RenderError::Template { path, .. } => {
            let path = path.to_string_lossy();
            prop_assert!(
                path == MODEL || path.starts_with("macros/") || path.starts_with("jgt/"),
                "unexpected file in {}",
                shown
            );
        }
        RenderError::DuplicateMacro { first, second, .. } => {
            prop_assert!(first != second, "{}", shown);
        }
        _ => {}
    }
    Ok(())
}

/// Checks an outcome: any error must be well formed.
fn check_outcome(outcome: &Outcome) -> Result<(), TestCaseError> {
    match outcome {
        Outcome::Macros(err) => check_error(err),
        Outcome::Syntax(err) => {
            check_error(err)?;
            prop_assert!(err.to_string().starts_with(MODEL), "{}", err);
            Ok(())
        }
        Outcome::Render(err) => check_error(err),
        Outcome::Rendered(_) => Ok(()),
    }
}

/// Writes text as a single-quoted Jinja string literal.
fn jinja_string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

// ---------------------------------------------------------------------------
// Template text

/// Pieces of Jinja, dbt and plain SQL, glued together at random.
const TOKENS: &[&str] = &[
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "{{-",
    "-}}",
    "{%-",
    "-%}",
    "{%+",
    " ",
    " ",
    " ",
    "\n",
    "if",
    "elif",
    "else",
    "endif",
    "for",
    "in",
    "endfor",
    "set",
    "endset",
    "macro",
    "endmacro",
    "call",
    "endcall",
    "test",
    "endtest",
    "filter",
    "endfilter",
    "raw",
    "endraw",
    "with",
    "endwith",
    "block",
    "endblock",
    "extends",
    "include",
    "import",
    "from",
    "as",
    "'models/m.sql'",
    "ref",
    "source",
    "config",
    "var",
    "env_var",
    "is_incremental",
    "return",
    "log",
    "exceptions",
    ".",
    "raise_compiler_error",
    "warn",
    "this",
    "target",
    "model",
    "namespace",
    "range",
    "loop",
    "caller",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "=",
    "==",
    "|",
    "upper",
    "join",
    "tojson",
    "'users'",
    "'x'",
    "\"y\"",
    "'",
    "\"",
    "0",
    "1",
    "3",
    "-",
    "+",
    "*",
    "~",
    "not",
    "and",
    "or",
    "is",
    "none",
    "true",
    "false",
    "materialized",
    "'table'",
    "'tabel'",
    "x",
    "ns",
    "select",
    "\\",
    "m1",
    "m2",
    "test_t1",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|tokens| tokens.concat())
}

/// An expression: literals, variables and calls of dbt's functions.
///
/// `with_namespace` lets it name `ns` (or `x`, which may hold `ns`).
/// Expressions stored into `ns` never do: a namespace holding itself is printed safely by jgt (see
/// `self_holding_namespaces_fail_cleanly`) but overflows the stack inside
/// minijinja's own `~`, `|string` and `|tojson`, which jgt cannot change.
fn expression(with_namespace: bool) -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(
        &[
            "'users'",
            "'events'",
            "'nope'",
            "'raw'",
            "'orders'",
            "'x'",
            "'table'",
            "'incremental'",
            "'tabel'",
            "''",
            "'it''s'",
            "1",
            "-3",
            "none",
            "true",
            "[]",
            "['a', 1]",
            "{'a': 1}",
            "this",
            "this.schema",
            "target",
            "target.name",
            "model",
            "model.name",
            "ns",
            "ns.a",
            "x",
            "loop",
            "caller",
            "execute",
            "range(3)",
        ][..],
    )
    .prop_filter("no ns where a namespace is stored", move |leaf| {
        with_namespace || !(leaf.starts_with("ns") || *leaf == "x")
    })
    .prop_map(str::to_string);
    leaf.prop_recursive(3, 24, 3, |inner| {
        let function = prop::sample::select(
            &[
                "ref",
                "source",
                "config",
                "var",
                "env_var",
                "is_incremental",
                "return",
                "log",
                "exceptions.raise_compiler_error",
                "exceptions.warn",
                "exceptions.nope",
                "namespace",
                "m1",
                "m2",
                "test_t1",
                "test_unique",
                "adapter.dispatch",
            ][..],
        );
        let keyword = prop::sample::select(
            &[
                "materialized",
                "tags",
                "schema",
                "enabled",
                "alias",
                "severity",
                "x",
            ][..],
        );
        prop_oneof![
            (
                function,
                prop::collection::vec(inner.clone(), 0..3),
                prop::option::weighted(0.3, (keyword, inner.clone())),
            )
                .prop_map(|(function, args, kwarg)| {
                    let mut args = args;
                    if let Some((key, value)) = kwarg {
                        args.push(format!("{key}={value}"));
                    }
                    format!("{function}({})", args.join(", "))
                }),
            (
                inner.clone(),
                prop::sample::select(&["upper", "length", "join", "tojson", "list"][..])
            )
                .prop_map(|(value, filter)| format!("{value}|{filter}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} ~ {b}")),
            prop::collection::vec(inner, 0..3).prop_map(|items| format!("[{}]", items.join(", "))),
        ]
    })
}

/// A template: plain text and statements, nested a few levels deep.
fn statements() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        prop::sample::select(&["select 1", "\n", " from t ", "-- c\n", ""][..])
            .prop_map(str::to_string),
        expression(true).prop_map(|e| format!("{{{{ {e} }}}}")),
        expression(true).prop_map(|e| format!("{{%- set x = {e} -%}}")),
        Just("{% set ns = namespace() %}".to_string()),
        expression(false).prop_map(|e| format!("{{% set ns.a = {e} %}}")),
        expression(true).prop_map(|e| format!("{{{{ return({e}) }}}}")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|parts| parts.concat()),
            (expression(true), inner.clone(), inner.clone()).prop_map(|(e, yes, no)| {
                format!("{{% if {e} %}}{yes}{{% else %}}{no}{{% endif %}}")
            }),
            (expression(true), inner)
                .prop_map(|(e, body)| format!("{{% for x in {e} %}}{body}{{% endfor %}}")),
        ]
    })
}

/// Any template text.
fn template() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => statements(),
        2 => token_soup(),
        1 => any::<String>(),
    ]
}

/// A macro file: `m1`, `m2` and a generic test `t1`, whose bodies may call
/// each other, or any template text.
fn macro_file() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (statements(), statements(), statements()).prop_map(|(a, b, c)| {
            format!(
                "{{% macro m1(a, b=2) %}}{a}{{% endmacro %}}\n\
                 {{%- macro m2() -%}}{b}{{%- endmacro -%}}\n\
                 {{% test t1(model, column_name) %}}{c}{{% endtest %}}"
            )
        }),
        1 => template(),
    ]
}

/// Text without `{{`, `{%` or `{#`: a space goes after each `{` that would
/// start one.
fn plain_text() -> impl Strategy<Value = String> {
    let raw = prop_oneof![
        2 => "[{}%#a \n\r\t-]{0,24}",
        1 => any::<String>(),
    ];
    raw.prop_map(|text| {
        let mut out = String::with_capacity(text.len());
        let mut previous = None;
        for c in text.chars() {
            if previous == Some('{') && matches!(c, '{' | '%' | '#') {
                out.push(' ');
            }
            out.push(c);
            previous = Some(c);
        }
        out
    })
}

// ---------------------------------------------------------------------------
// Values as dbt prints them

/// A value with its Jinja literal, its YAML form and how it prints.
#[derive(Debug, Clone)]
enum Printable {
    Text(String),
    Int(i64),
    Bool(bool),
    None,
    List(Vec<Printable>),
}

impl Printable {
    fn jinja(&self) -> String {
        match self {
            Printable::Text(s) => jinja_string(s),
            Printable::Int(n) => format!("({n})"),
            Printable::Bool(b) => b.to_string(),
            Printable::None => "none".into(),
            Printable::List(items) => {
                let items: Vec<String> = items.iter().map(Printable::jinja).collect();
                format!("[{}]", items.join(", "))
            }
        }
    }

    fn yaml(&self) -> Yaml {
        match self {
            Printable::Text(s) => Yaml::String(s.clone()),
            Printable::Int(n) => Yaml::from(*n),
            Printable::Bool(b) => Yaml::Bool(*b),
            Printable::None => Yaml::Null,
            Printable::List(items) => Yaml::Sequence(items.iter().map(Printable::yaml).collect()),
        }
    }

    /// Printed on its own: strings plainly, the rest as Python would.
    fn printed(&self) -> String {
        match self {
            Printable::Text(s) => s.clone(),
            other => other.literal(),
        }
    }

    /// Printed inside a list: strings as SQL literals.
    fn literal(&self) -> String {
        match self {
            Printable::Text(s) => format!("'{}'", s.replace('\'', "''")),
            Printable::Int(n) => n.to_string(),
            Printable::Bool(true) => "True".into(),
            Printable::Bool(false) => "False".into(),
            Printable::None => "None".into(),
            Printable::List(items) => {
                let items: Vec<String> = items.iter().map(Printable::literal).collect();
                format!("({})", items.join(", "))
            }
        }
    }
}

fn printable() -> impl Strategy<Value = Printable> {
    let leaf = prop_oneof![
        "\\PC{0,12}".prop_map(Printable::Text),
        "['\\\\{}%]{0,6}".prop_map(Printable::Text),
        any::<i64>().prop_map(Printable::Int),
        any::<bool>().prop_map(Printable::Bool),
        Just(Printable::None),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop::collection::vec(inner, 0..3).prop_map(Printable::List)
    })
}

// ---------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(budget(256))]

    /// Any template, with any macro files, renders or fails cleanly.
    #[test]
    fn rendering_any_template_never_panics(
        macros in prop::collection::vec(macro_file(), 0..2),
        text in template(),
    ) {
        let outcome = attempt(&macros, BTreeMap::new(), &text, &catalog(&[]));
        check_outcome(&outcome)?;
    }

    /// Text with no Jinja syntax comes out as it went in.
    #[test]
    fn text_without_jinja_renders_unchanged(text in plain_text()) {
        let rendered = render(&text).map_err(|err| TestCaseError::fail(err.to_string()))?;
        prop_assert_eq!(&rendered.sql, &text);
        prop_assert!(rendered.refs.is_empty() && rendered.sources.is_empty());
        prop_assert!(rendered.config.is_empty() && rendered.macros.is_empty());
    }

    /// `var(name, d)` is the variable when set, else `d`, printed as dbt does.
    #[test]
    fn var_returns_the_variable_or_the_default(
        name in prop_oneof![Just("x".to_string()), "\\PC{1,6}"],
        vars in prop::collection::btree_map(
            prop_oneof![Just("x".to_string()), "[a-z]{1,3}"],
            printable(),
            0..3,
        ),
        default in printable(),
    ) {
        let text = format!("{{{{ var({}, {}) }}}}", jinja_string(&name), default.jinja());
        let yaml_vars = vars.iter().map(|(k, v)| (k.clone(), v.yaml())).collect();
        let outcome = attempt(&[], yaml_vars, &text, &catalog(&[]));
        let expected = vars.get(&name).unwrap_or(&default).printed();
        match outcome {
            Outcome::Rendered(rendered) => prop_assert_eq!(rendered.sql, expected, "{}", text),
            other => prop_assert!(false, "{} failed: {:?}", text, other),
        }
    }

    /// `ref()` prints known names as quoted relations and records them;
    /// unknown names are errors that quote the name.
    #[test]
    fn ref_prints_known_names_and_rejects_unknown_ones(
        name in "\\PC{1,10}",
        known in any::<bool>(),
    ) {
        let names: Vec<&str> = if known { vec![name.as_str()] } else { vec![] };
        let text = format!("select * from {{{{ ref({}) }}}}", jinja_string(&name));
        let outcome = attempt(&[], BTreeMap::new(), &text, &catalog(&names));
        let known = known || name == "users" || name == "events";
        match outcome {
            Outcome::Rendered(rendered) if known => {
                let relation = format!("\"jgt\".\"main\".\"{}\"", name.replace('"', "\"\""));
                prop_assert_eq!(rendered.sql, format!("select * from {relation}"));
                prop_assert_eq!(rendered.refs, vec![name]);
            }
            Outcome::Render(err) if !known => {
                let shown = err.to_string();
                prop_assert!(shown.starts_with(MODEL), "{}", shown);
                prop_assert!(shown.contains(&format!("ref('{name}')")), "{}", shown);
            }
            other => prop_assert!(false, "{} (known: {}): {:?}", text, known, other),
        }
    }

    /// `config(materialized=...)` keeps valid materializations only.
    #[test]
    fn config_checks_materializations(
        value in prop_oneof![
            prop::sample::select(&["view", "table", "incremental", "ephemeral"][..])
                .prop_map(str::to_string),
            "\\PC{0,10}",
        ],
    ) {
        let text = format!("{{{{ config(materialized={}) }}}}select 1", jinja_string(&value));
        let valid = ["view", "table", "incremental", "ephemeral"].contains(&value.as_str());
        match render(&text) {
            Ok(rendered) if valid => {
                prop_assert_eq!(rendered.sql, "select 1");
                prop_assert_eq!(
                    rendered.config,
                    vec![("materialized".to_string(), Yaml::String(value))]
                );
            }
            Err(err) if !valid => {
                let shown = err.to_string();
                prop_assert!(shown.contains("is not a materialization"), "{}", shown);
            }
            other => prop_assert!(false, "{} (valid: {}): {:?}", text, valid, other),
        }
    }
}

/// A namespace that holds itself, wrapped in lists, tuples and dicts, and
/// a way to use it that makes jgt walk it.
fn self_holding_namespace() -> impl Strategy<Value = String> {
    let wrapped = Just("ns".to_string()).prop_recursive(6, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|v| format!("[{v}]")),
            inner.clone().prop_map(|v| format!("({v}, {v})")),
            inner.clone().prop_map(|v| format!("{{'k': {v}, 'j': 1}}")),
        ]
    });
    let use_it = prop::sample::select(
        &[
            "{{ ns }}",
            "{{ ns.a }}",
            "{{ [ns] }}",
            "{{ {'k': ns} }}",
            "{{ config(meta=ns) }}",
            "{{ config(meta={'k': [ns.a]}) }}",
        ][..],
    );
    (
        wrapped,
        prop::option::of(Just("{% set ns.b = ns %}")),
        use_it,
    )
        .prop_map(|(wrapped, second, use_it)| {
            format!(
                "{{% set ns = namespace() %}}{{% set ns.a = {wrapped} %}}{}{use_it}",
                second.unwrap_or_default()
            )
        })
}

proptest! {
    #![proptest_config(budget(64))]

    /// Printing or storing a namespace that holds itself is an error, not
    /// a stack overflow (or an exponential walk).
    #[test]
    fn self_holding_namespaces_fail_cleanly(text in self_holding_namespace()) {
        match render(&text) {
            Err(err) => {
                let shown = err.to_string();
                prop_assert!(shown.contains("does a namespace hold itself?"), "{}: {}", text, shown);
            }
            Ok(rendered) => prop_assert!(false, "{} rendered: {:?}", text, rendered.sql),
        }
    }
}

// ---------------------------------------------------------------------------
// Regressions found by the properties above

/// `var('x', none)` used to fail with "var('x') is not set and has no
/// default": minijinja passes `none` to an `Option` argument as `None`.
#[test]
fn var_with_a_none_default_is_none() {
    let rendered = render("{{ var('x', none) }}|{{ var('x', none) is none }}").unwrap();
    assert_eq!(rendered.sql, "None|True");
    let err = render("{{ var('x') }}").unwrap_err().to_string();
    assert!(err.contains("is not set and has no default"), "{err}");
}

/// `{{ ns.a }}` for a namespace holding itself used to overflow the stack
/// in the SQL formatter (and `{{ ns }}` inside minijinja's own printing,
/// `config(x=ns)` in serialization), aborting the whole process.
#[test]
fn a_namespace_holding_itself_is_an_error_when_printed_or_stored() {
    for text in [
        "{% set ns = namespace() %}{% set ns.a = [ns] %}{{ ns.a }}",
        "{% set ns = namespace() %}{% set ns.a = ns %}{{ ns }}",
        "{% set ns = namespace() %}{% set ns.a = ns %}{{ config(meta=ns) }}",
    ] {
        let err = render(text).unwrap_err().to_string();
        assert!(
            err.starts_with("models/m.sql:1: ") && err.contains("does a namespace hold itself?"),
            "{text}: {err}"
        );
    }
}

/// Values nested deeply but finitely still print, as dbt prints them.
#[test]
fn deep_but_finite_values_still_print() {
    let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
    let rendered = render(&format!("{{{{ {deep} }}}}")).unwrap();
    assert_eq!(
        rendered.sql,
        format!("{}1{}", "(".repeat(40), ")".repeat(40))
    );
    let rendered = render("{% set ns = namespace(a=[1, 'x']) %}{{ ns.a }}").unwrap();
    assert_eq!(rendered.sql, "(1, 'x')");
}
