//! Examples of macro packages: namespaced calls, keyword arguments,
//! `adapter.dispatch` and the naming macros.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jgt_project::{Project, TemplateFile};

use crate::{Catalog, NodeInfo, RenderError, RenderOptions, Renderer, Target};

/// A project named `demo` with `files`, plus macro files of installed
/// packages given as `(package, path, text)`. The dialect is standard SQL,
/// so dispatch looks for `ansi__` then `default__` implementations.
fn renderer_for(
    project_yml: &str,
    files: &[(&str, &str)],
    packages: &[(&str, &str, &str)],
) -> Result<(tempfile::TempDir, Renderer), RenderError> {
    let dialect = Arc::new(jgt_core::AnsiDialect {
        default_schema: "main".into(),
    });
    renderer_on(project_yml, files, packages, dialect)
}

/// A stand-in for the Spark dialect: adapter type `spark`, backtick quotes.
#[derive(Debug)]
struct SparkLike;

impl jgt_core::Dialect for SparkLike {
    fn adapter_type(&self) -> &'static str {
        "spark"
    }

    fn quote(&self, identifier: &str) -> String {
        format!("`{}`", identifier.replace('`', "``"))
    }

    fn default_schema(&self) -> &str {
        "main"
    }

    fn capabilities(&self) -> jgt_core::Capabilities {
        jgt_core::Capabilities {
            merge: false,
            insert_overwrite: false,
            transactional_ddl: false,
            reads_local_files: false,
            snapshots: false,
            contracts: false,
        }
    }
}

/// Like [`renderer_for`], on `dialect`.
fn renderer_on(
    project_yml: &str,
    files: &[(&str, &str)],
    packages: &[(&str, &str, &str)],
    dialect: Arc<dyn jgt_core::Dialect>,
) -> Result<(tempfile::TempDir, Renderer), RenderError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("project.yml"), project_yml).unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let mut project = Project::load(dir.path()).unwrap();
    for (package, path, text) in packages {
        project.macros.push(TemplateFile {
            package: package.to_string(),
            name: package.to_string(),
            path: PathBuf::from(path),
            folders: Vec::new(),
            text: text.to_string(),
        });
    }
    let target = Target {
        name: "dev".into(),
        adapter_type: "duckdb".into(),
        database: "jgt".into(),
        schema: "main".into(),
        path: "target/jgt.duckdb".into(),
        threads: 1,
        profile_name: String::new(),
    };
    let renderer = Renderer::new(
        &project,
        RenderOptions {
            scoped_vars: Default::default(),
            package_vars: Default::default(),
            vars: BTreeMap::new(),
            target,
            dialect,
            run: crate::RunInfo::default(),
        },
    )?;
    Ok((dir, renderer))
}

fn render_model(renderer: &Renderer) -> Result<String, RenderError> {
    let catalog = Arc::new(Catalog::default());
    let out = renderer.render(Path::new("models/m.sql"), "m", &catalog, None, None)?;
    Ok(out.sql)
}

const UTILS: (&str, &str, &str) = (
    "utils",
    "dbt_packages/utils/macros/star.sql",
    "{% macro star(from, except=[]) %}{{ from }} minus {{ except | join('+') }}{% endmacro %}\n\
     {% macro shout(x) %}{{ return(x | upper) }}{% endmacro %}\n\
     {% macro pick() %}{{ return(adapter.dispatch('pick', 'utils')()) }}{% endmacro %}\n\
     {% macro default__pick() %}utils default{% endmacro %}\n\
     {% macro ansi__pick() %}utils ansi{% endmacro %}",
);

#[test]
fn package_macros_are_callable_by_namespace_with_keyword_arguments() {
    let model = "select {{ utils.star(from='t', except=['a', 'b']) }}, {{ utils.shout('hi') }}";
    let (_dir, renderer) =
        renderer_for("name: demo\n", &[("models/m.sql", model)], &[UTILS]).unwrap();
    assert_eq!(render_model(&renderer).unwrap(), "select t minus a+b, HI");
}

#[test]
fn bare_names_prefer_the_root_project_then_dbt_then_packages() {
    let root = "{% macro shout(x) %}root {{ x }}{% endmacro %}";
    let model = "{{ shout('a') }} | {{ utils.shout('a') }} | {{ star('t') }} | {{ dbt.concat(['x', 'y']) }}";
    let (_dir, renderer) = renderer_for(
        "name: demo\n",
        &[("macros/shout.sql", root), ("models/m.sql", model)],
        &[UTILS],
    )
    .unwrap();
    assert_eq!(
        render_model(&renderer).unwrap(),
        "root a | A | t minus  | x || y"
    );
}

#[test]
fn one_macro_name_in_two_packages_is_fine_but_twice_in_one_is_an_error() {
    let root = "{% macro star(x) %}{% endmacro %}";
    let ok = renderer_for("name: demo\n", &[("macros/star.sql", root)], &[UTILS]);
    assert!(ok.is_ok());
    let twice = (
        "utils",
        "dbt_packages/utils/macros/again.sql",
        "{% macro shout(x) %}{% endmacro %}",
    );
    let err = renderer_for("name: demo\n", &[], &[UTILS, twice])
        .err()
        .unwrap();
    assert_eq!(err.code(), "JGT2002");
}

#[test]
fn dispatch_tries_the_root_project_then_the_package_adapter_first() {
    let model = "{{ utils.pick() }}";
    let (_dir, renderer) =
        renderer_for("name: demo\n", &[("models/m.sql", model)], &[UTILS]).unwrap();
    assert_eq!(render_model(&renderer).unwrap(), "utils ansi");
    // The root project's default__ comes before the package's duckdb__.
    let root = "{% macro default__pick() %}root default{% endmacro %}";
    let (_dir, renderer) = renderer_for(
        "name: demo\n",
        &[("macros/pick.sql", root), ("models/m.sql", model)],
        &[UTILS],
    )
    .unwrap();
    assert_eq!(render_model(&renderer).unwrap(), "root default");
}

#[test]
fn a_dispatch_config_sets_the_search_order() {
    let shim = (
        "shim",
        "dbt_packages/shim/macros/pick.sql",
        "{% macro default__pick() %}shim{% endmacro %}",
    );
    let root = "{% macro ansi__pick() %}root{% endmacro %}";
    let yml =
        "name: demo\ndispatch:\n  - macro_namespace: utils\n    search_order: [shim, utils]\n";
    let (_dir, renderer) = renderer_for(
        yml,
        &[
            ("macros/pick.sql", root),
            ("models/m.sql", "{{ utils.pick() }}"),
        ],
        &[UTILS, shim],
    )
    .unwrap();
    // The root project is not in the search order, and shim comes first.
    assert_eq!(render_model(&renderer).unwrap(), "shim");
}

#[test]
fn a_missing_implementation_names_every_macro_searched() {
    let model = "{{ adapter.dispatch('nothing', 'utils')() }}";
    let (_dir, renderer) =
        renderer_for("name: demo\n", &[("models/m.sql", model)], &[UTILS]).unwrap();
    let err = render_model(&renderer).unwrap_err();
    assert_eq!(err.code(), "JGT2010");
    assert!(
        err.to_string().contains(
            "searched for demo.ansi__nothing, demo.default__nothing, utils.ansi__nothing, utils.default__nothing"
        ),
        "{err}"
    );
}

#[test]
fn an_unknown_package_macro_is_named_with_the_nearest() {
    let model = "{{ utils.shoot('x') }}";
    let (_dir, renderer) =
        renderer_for("name: demo\n", &[("models/m.sql", model)], &[UTILS]).unwrap();
    let err = render_model(&renderer).unwrap_err();
    assert_eq!(err.code(), "JGT2010");
    assert!(err.to_string().contains("Did you mean 'shout'?"), "{err}");
}

#[test]
fn adapter_quote_uses_the_dialect() {
    let model = "{{ adapter.quote('my col') }} {{ adapter.type() }}";
    let (_dir, renderer) = renderer_for("name: demo\n", &[("models/m.sql", model)], &[]).unwrap();
    assert_eq!(render_model(&renderer).unwrap(), "\"my col\" ansi");
}

fn node(name: &str) -> NodeInfo<'_> {
    NodeInfo {
        name,
        resource_type: "model",
        path: Path::new("models/orders.sql"),
        package_name: "demo",
        materialized: Some("view"),
        tags: &[],
    }
}

#[test]
fn naming_defaults_follow_dbt() {
    let (_dir, renderer) = renderer_for("name: demo\n", &[], &[]).unwrap();
    assert_eq!(renderer.schema_name(None, &node("orders")).unwrap(), "main");
    assert_eq!(
        renderer
            .schema_name(Some(" stg "), &node("orders"))
            .unwrap(),
        "main_stg"
    );
    assert_eq!(
        renderer.alias_name(None, &node("orders")).unwrap(),
        "orders"
    );
    assert_eq!(
        renderer.alias_name(Some("o"), &node("orders")).unwrap(),
        "o"
    );
    assert_eq!(
        renderer.database_name(None, &node("orders")).unwrap(),
        "jgt"
    );
}

#[test]
fn naming_macros_of_the_root_project_replace_the_defaults() {
    let schema = "{% macro generate_schema_name(custom_schema_name, node) %}\
                  {{ custom_schema_name or target.schema }}_{{ node.resource_type }}{% endmacro %}";
    let alias = "{% macro default__generate_alias_name(custom_alias_name, node) %}\
                 x_{{ node.name }}{% endmacro %}";
    let (_dir, renderer) = renderer_for(
        "name: demo\n",
        &[("macros/schema.sql", schema), ("macros/alias.sql", alias)],
        &[],
    )
    .unwrap();
    assert_eq!(
        renderer.schema_name(Some("stg"), &node("orders")).unwrap(),
        "stg_model"
    );
    assert_eq!(
        renderer.schema_name(None, &node("orders")).unwrap(),
        "main_model"
    );
    assert_eq!(
        renderer.alias_name(None, &node("orders")).unwrap(),
        "x_orders"
    );
}

#[test]
fn an_empty_generated_name_is_an_error() {
    let schema = "{% macro generate_schema_name(custom_schema_name, node) %} {% endmacro %}";
    let (_dir, renderer) =
        renderer_for("name: demo\n", &[("macros/schema.sql", schema)], &[]).unwrap();
    let err = renderer.schema_name(None, &node("orders")).unwrap_err();
    assert_eq!(err.code(), "JGT2011");
    assert!(err.to_string().contains("macros/schema.sql"), "{err}");
}

#[test]
fn type_string_and_quote_follow_the_target_type() {
    let model = "select cast(x as {{ dbt.type_string() }}) as {{ adapter.quote('timestamp') }}";
    let files = [("models/m.sql", model)];
    let (_dir, ansi) = renderer_for("name: demo\n", &files, &[]).unwrap();
    assert_eq!(
        render_model(&ansi).unwrap(),
        "select cast(x as TEXT) as \"timestamp\""
    );
    // Spark SQL rejects TEXT and a VARCHAR without a length.
    let (_dir, spark) = renderer_on("name: demo\n", &files, &[], Arc::new(SparkLike)).unwrap();
    assert_eq!(
        render_model(&spark).unwrap(),
        "select cast(x as string) as `timestamp`"
    );
}
