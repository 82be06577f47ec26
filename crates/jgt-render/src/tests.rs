//! Rendering examples, each a small project in a temporary folder.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use jgt_project::{Project, Relation};

use crate::{Catalog, RenderError, RenderOptions, Renderer, Target};

pub(crate) fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("project.yml"),
        "name: demo\nvars:\n  limit: 5\n",
    )
    .unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let project = Project::load(dir.path()).unwrap();
    (dir, project)
}

/// Standard SQL in the `main` schema.
fn ansi() -> Arc<dyn jgt_core::Dialect> {
    Arc::new(jgt_core::AnsiDialect {
        default_schema: "main".into(),
    })
}

pub(crate) fn renderer(project: &Project) -> Result<Renderer, RenderError> {
    let target = Target {
        name: "dev".into(),
        adapter_type: "duckdb".into(),
        database: "jgt".into(),
        schema: "main".into(),
        path: "target/jgt.duckdb".into(),
        threads: 1,
        profile_name: "demo".into(),
    };
    Renderer::new(
        project,
        RenderOptions {
            scoped_vars: Default::default(),
            package_vars: Default::default(),
            vars: BTreeMap::new(),
            target,
            dialect: ansi(),
            run: crate::RunInfo::default(),
        },
    )
}

pub(crate) fn catalog(names: &[&str]) -> Arc<Catalog> {
    let mut catalog = Catalog::default();
    for name in names {
        catalog
            .nodes
            .insert(name.to_string(), Relation::new("main", *name));
    }
    Arc::new(catalog)
}

pub(crate) fn render(files: &[(&str, &str)], model: &str) -> Result<crate::Rendered, RenderError> {
    let (_dir, project) = project(files);
    let renderer = renderer(&project)?;
    let path = format!("models/{model}.sql");
    renderer.render(
        Path::new(&path),
        model,
        &catalog(&["users", "events"]),
        None,
        None,
    )
}

#[test]
fn ref_prints_the_relation_and_is_recorded() {
    let out = render(&[("models/m.sql", "select * from {{ ref('users') }}")], "m").unwrap();
    assert_eq!(out.sql, r#"select * from "jgt"."main"."users""#);
    assert_eq!(out.refs, ["users"]);
}

#[test]
fn unknown_refs_name_line_and_nearest_model() {
    let err = render(&[("models/m.sql", "select 1\nfrom {{ ref('user') }}")], "m").unwrap_err();
    assert_eq!(
        err.to_string(),
        "models/m.sql:2: ref('user') names no model or seed in this project. Did you mean 'users'?"
    );
}

#[test]
fn macros_from_other_files_are_callable_and_can_return_values() {
    let files = [
        (
            "macros/domains.sql",
            "{% macro personal() %}{{ return(('gmail.com', 'icloud.com')) }}{% endmacro %}",
        ),
        (
            "macros/domain.sql",
            "{% macro domain(col) %}lower({{ col }}){% endmacro %}",
        ),
        (
            "models/m.sql",
            "{% set p = personal() %}select {{ domain('email') }} in {{ p }}",
        ),
    ];
    let out = render(&files, "m").unwrap();
    assert_eq!(
        out.sql,
        "select lower(email) in ('gmail.com', 'icloud.com')"
    );
}

#[test]
fn macros_call_macros_in_other_files() {
    let files = [
        (
            "macros/a.sql",
            "{% macro outer() %}[{{ inner() }}]{% endmacro %}",
        ),
        (
            "macros/b.sql",
            "{% macro inner() %}{{ ref('users') }}{% endmacro %}",
        ),
        ("models/m.sql", "{{ outer() }}"),
    ];
    let out = render(&files, "m").unwrap();
    assert_eq!(out.sql, r#"["jgt"."main"."users"]"#);
    assert_eq!(
        out.refs,
        ["users"],
        "a ref inside a macro is the model's dependency"
    );
}

#[test]
fn config_and_var_work_like_dbt() {
    let files = [(
        "models/m.sql",
        "{{ config(materialized='table', tags=['a']) }}select {{ var('limit') }}, {{ var('x', 7) }}",
    )];
    let (_dir, project) = project(&files);
    let mut vars = BTreeMap::new();
    vars.insert("limit".to_string(), serde_yaml::Value::from(9));
    let target = renderer(&project).unwrap().target.clone();
    let renderer = Renderer::new(
        &project,
        RenderOptions {
            scoped_vars: Default::default(),
            package_vars: Default::default(),
            vars,
            target,
            dialect: ansi(),
            run: crate::RunInfo::default(),
        },
    )
    .unwrap();
    let out = renderer
        .render(Path::new("models/m.sql"), "m", &catalog(&[]), None, None)
        .unwrap();
    assert_eq!(out.sql, "select 9, 7");
    assert_eq!(out.config[0].0, "materialized");
}

#[test]
fn a_bad_materialization_in_config_points_at_its_line() {
    let err = render(
        &[("models/m.sql", "\n{{ config(materialized='tabel') }}")],
        "m",
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("models/m.sql:2: config materialized: 'tabel'"),
        "{message}"
    );
}

#[test]
fn syntax_errors_name_file_and_line() {
    let err = render(&[("models/m.sql", "select 1\n{% if %}\n")], "m").unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("models/m.sql:2: syntax error"),
        "{message}"
    );
}

#[test]
fn errors_inside_macros_name_the_macro_file() {
    let files = [
        (
            "macros/bad.sql",
            "{% macro bad() %}\n{{ ref('nope') }}\n{% endmacro %}",
        ),
        ("models/m.sql", "{{ bad() }}"),
    ];
    let err = render(&files, "m").unwrap_err().to_string();
    assert!(err.starts_with("macros/bad.sql:2: ref('nope')"), "{err}");
    assert!(err.ends_with("(while rendering m)"), "{err}");
}

#[test]
fn duplicate_macros_name_both_files() {
    let files = [
        ("macros/a.sql", "{% macro m() %}{% endmacro %}"),
        ("macros/b.sql", "{% macro m() %}{% endmacro %}"),
    ];
    let (_dir, project) = project(&files);
    let err = renderer(&project).err().unwrap().to_string();
    assert!(
        err.contains("macros/a.sql") && err.contains("macros/b.sql"),
        "{err}"
    );
}

fn generic(
    files: &[(&str, &str)],
    test_name: &str,
    yaml_args: &str,
) -> Result<crate::Rendered, RenderError> {
    let (_dir, project) = project(files);
    let renderer = renderer(&project)?;
    let args: BTreeMap<String, serde_yaml::Value> = serde_yaml::from_str(yaml_args).unwrap();
    let test = crate::GenericTest {
        node: "the_test",
        test_name,
        model: r#""main"."users""#.into(),
        relation: None,
        column: Some("id"),
        args: &args,
        path: Path::new("models/schema.yml"),
        store_failures: None,
    };
    renderer.render_generic_test(&test, &catalog(&["users", "events"]))
}

#[test]
fn built_in_generic_tests_render_their_failing_rows_query() {
    let out = generic(&[], "accepted_values", "{values: [a, \"o'k\"]}").unwrap();
    assert!(
        out.sql.contains("where value_field not in ('a', 'o''k')"),
        "{}",
        out.sql
    );
    let out = generic(
        &[],
        "relationships",
        "{to: \"ref('events')\", field: user_id}",
    )
    .unwrap();
    assert!(
        out.sql.contains(r#"from "jgt"."main"."events""#),
        "{}",
        out.sql
    );
    assert_eq!(
        out.refs,
        ["events"],
        "the referenced model becomes a dependency"
    );
}

#[test]
fn custom_generic_tests_work_like_built_in_ones() {
    let files = [(
        "tests/generic/is_positive.sql",
        "{% test is_positive(model, column_name) %}select * from {{ model }} where {{ column_name }} <= 0{% endtest %}",
    )];
    let out = generic(&files, "is_positive", "{}").unwrap();
    assert_eq!(out.sql, r#"select * from "main"."users" where id <= 0"#);
}

#[test]
fn tests_of_one_shape_share_a_call_but_not_their_values() {
    // Both calls are `test_not_null(model=..., column_name=...)`: the second
    // reuses the first's compiled call with its own model and column.
    let (_dir, project) = project(&[]);
    let renderer = renderer(&project).unwrap();
    let args = BTreeMap::new();
    let render = |model: &str, column: &'static str| {
        let test = crate::GenericTest {
            node: "the_test",
            test_name: "not_null",
            model: model.into(),
            relation: None,
            column: Some(column),
            args: &args,
            path: Path::new("models/schema.yml"),
            store_failures: None,
        };
        let catalog = catalog(&["users", "events"]);
        renderer.render_generic_test(&test, &catalog).unwrap().sql
    };
    let users = render(r#""main"."users""#, "id");
    let events = render(r#""main"."events""#, "user_id");
    assert!(
        users.contains(r#""main"."users""#) && users.contains("where id is null"),
        "{users}"
    );
    assert!(
        events.contains(r#""main"."events""#) && events.contains("where user_id is null"),
        "{events}"
    );
}

#[test]
fn an_error_in_a_test_call_names_its_properties_file() {
    let files = [(
        "tests/generic/fails.sql",
        "{% test fails(model, column_name, limit) %}{{ limit.missing.deeper }}{% endtest %}",
    )];
    let err = generic(&files, "fails", "{limit: 3}").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("tests/generic/fails.sql"), "{text}");
    // An argument the macro does not take fails at the call itself.
    let err = generic(&[], "not_null", "{bogus: 1}").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("models/schema.yml"), "{text}");
    assert!(!text.contains("generic test call"), "{text}");
}

#[test]
fn unknown_generic_tests_suggest_the_nearest() {
    let err = generic(&[], "uniqe", "{}").unwrap_err().to_string();
    assert!(
        err.contains("unknown generic test 'uniqe'. Did you mean 'unique'?"),
        "{err}"
    );
}

#[test]
fn is_incremental_needs_an_existing_incremental_relation() {
    let files = [(
        "models/m.sql",
        "{{ config(materialized='incremental') }}{% if is_incremental() %}new{% else %}all{% endif %}",
    )];
    let (_dir, project) = project(&files);
    let renderer = renderer(&project).unwrap();
    let this = Relation::new("main", "m");
    let render = |catalog: Catalog| {
        renderer
            .render(
                Path::new("models/m.sql"),
                "m",
                &Arc::new(catalog),
                Some(&this),
                None,
            )
            .unwrap()
            .sql
    };
    assert_eq!(render(Catalog::default()), "all", "first run: no table yet");
    let mut existing = Catalog {
        existing: jgt_core::Existing::known([this.clone()].into_iter().collect()),
        ..Catalog::default()
    };
    assert_eq!(render(existing.clone()), "new");
    existing.full_refresh = true;
    assert_eq!(render(existing), "all", "--full-refresh");
}

mod context_examples;
mod db_examples;

#[test]
fn plain_tests_are_written_as_their_macros_write_them() {
    // `not_null` and `unique` skip the template engine unless replaced;
    // the text must be what the built-in macro renders, byte for byte.
    let (_dir, project) = project(&[]);
    let renderer = renderer(&project).unwrap();
    let args = BTreeMap::new();
    let users = jgt_project::Relation::new("main", "users");
    let catalog = catalog(&["users"]);
    for test_name in ["not_null", "unique"] {
        for (relation, model) in [
            (Some(&users), String::new()),
            (
                None,
                r#"(select * from "main"."users" where id > 0) dbt_subquery"#.into(),
            ),
        ] {
            for column in ["id", r#""Mixed Case""#] {
                let test = crate::GenericTest {
                    node: "the_test",
                    test_name,
                    model: model.clone(),
                    relation,
                    column: Some(column),
                    args: &args,
                    path: Path::new("models/schema.yml"),
                    store_failures: None,
                };
                let plain = renderer.plain_test(&test).expect("written straight");
                let jinja = renderer.generic_test_jinja(&test, &catalog, None).unwrap();
                assert_eq!(plain, jinja.sql, "{test_name} {column}");
            }
        }
    }
}

#[test]
fn a_replaced_built_in_test_renders_the_project_macro() {
    let files = [(
        "macros/not_null.sql",
        "{% test not_null(model, column_name) %}select 1 from {{ model }}{% endtest %}",
    )];
    let out = generic(&files, "not_null", "{}").unwrap();
    assert_eq!(out.sql, r#"select 1 from "main"."users""#);
}
