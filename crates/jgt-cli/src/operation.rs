//! SQL and macros run outside any node: `jgt run-operation` and the
//! project's `on-run-start` / `on-run-end` hooks. Both render with
//! `execute` true, over a connection of their own to the build's database.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use jgt_compile::artifacts::{unique_id, Invocation, Operation};
use jgt_compile::Compiled;
use jgt_core::{Introspect, NodeResult, PlannedNode};
use jgt_exec::{Adapter, AdapterIntrospect};

use crate::cli::{Common, OperationArgs, Selection};
use crate::error::CliError;

/// `run-operation MACRO --args '{...}'`: calls a project or package macro
/// with the database at hand; what it runs with `run_query` or
/// `statement` is committed.
pub fn run_operation(
    common: &Common,
    args: &OperationArgs,
    invocation: &Invocation,
) -> Result<bool> {
    let started = Instant::now();
    let macro_args = parse_args(args.args.as_deref())?;
    let project = crate::profile::load_project(common)?;
    let adapter = crate::profile::open(common, &project)?;
    let adapter = adapter.as_ref();
    let existing = jgt_core::Existing::known(adapter.tables()?.into_iter().collect());
    let database = crate::commands::project_database(common, &project);
    let run = invocation.run_info(jgt_render::Flags {
        which: "run-operation".into(),
        ..Default::default()
    });
    let (mut compiled, _) = crate::commands::load_with(
        common,
        &Selection::default(),
        project,
        database,
        existing,
        run,
    )?;
    compiled.load_graph();
    let db = connect(adapter)?;
    compiled
        .renderer
        .call_macro(&args.macro_name, &macro_args, &compiled.catalog, Some(db))?;
    outln!(
        "Ran {} in {:.2}s",
        args.macro_name,
        started.elapsed().as_secs_f64()
    );
    Ok(true)
}

/// `--args` as the macro's keyword arguments: a YAML mapping (JSON is YAML).
fn parse_args(text: Option<&str>) -> Result<BTreeMap<String, serde_yaml::Value>, CliError> {
    let Some(text) = text else {
        return Ok(BTreeMap::new());
    };
    let fail = |problem: String| CliError::OperationArgs {
        text: text.to_string(),
        problem,
    };
    match serde_yaml::from_str::<serde_yaml::Value>(text) {
        Ok(serde_yaml::Value::Mapping(map)) => map
            .into_iter()
            .map(|(key, value)| match key {
                serde_yaml::Value::String(key) => Ok((key, value)),
                other => Err(fail(format!("the key {other:?} is not a name"))),
            })
            .collect(),
        Ok(serde_yaml::Value::Null) => Ok(BTreeMap::new()),
        Ok(_) => Err(fail("it is not a mapping".into())),
        Err(err) => Err(fail(err.to_string())),
    }
}

/// A connection of its own to `adapter`'s database, for templates.
fn connect(adapter: &dyn Adapter) -> Result<Arc<dyn Introspect>, CliError> {
    AdapterIntrospect::connect(adapter).map_err(|message| CliError::Hook {
        label: "connecting to the database".into(),
        message,
    })
}

/// Which hooks of the project file to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// `on-run-start`, before the first node.
    Start,
    /// `on-run-end`, after the last.
    End,
}

impl When {
    fn key(self) -> &'static str {
        match self {
            When::Start => "on-run-start",
            When::End => "on-run-end",
        }
    }
}

/// Whether the project (or a package) has `on-run-start` or `on-run-end`
/// hooks.
pub fn has_run_hooks(compiled: &Compiled) -> bool {
    !hooks_in_order(compiled, When::Start).is_empty()
        || !hooks_in_order(compiled, When::End).is_empty()
}

/// Runs the project's `on-run-start` or `on-run-end` hooks, each rendered
/// then run statement by statement. `done` (for `on-run-end`) becomes the
/// hooks' `results` and `schemas`. The first failure stops the hooks.
///
/// Each hook that ran is pushed to `ran`, for the run results.
pub fn run_hooks(
    compiled: &Compiled,
    adapter: &dyn Adapter,
    when: When,
    done: Option<(&[PlannedNode], &[NodeResult])>,
    ran: &mut Vec<Operation>,
) -> Result<usize, CliError> {
    let hooks = hooks_in_order(compiled, when);
    if hooks.is_empty() {
        return Ok(0);
    }
    let db = connect(adapter)?;
    let extra = done.map(|(plan, results)| context_after(compiled, plan, results));
    let extra = extra.unwrap_or_default();
    for (hook_of, (label, hook)) in &hooks {
        let started_at = std::time::SystemTime::now();
        let started = Instant::now();
        let sql = compiled
            .renderer
            .render_hook(label, hook, &compiled.catalog, Arc::clone(&db), &extra)
            .map_err(|err| CliError::Hook {
                label: label.clone(),
                message: err.to_string(),
            })?;
        for statement in jgt_core::sql::statements(&sql) {
            db.query(statement).map_err(|message| CliError::Hook {
                label: label.clone(),
                message,
            })?;
        }
        outln!("{label} OK in {:.2}s", started.elapsed().as_secs_f64());
        ran.push(Operation {
            package: hook_of.0.clone(),
            when: when.key(),
            index: hook_of.1,
            started_at,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    Ok(hooks.len())
}

/// The hooks to run, each with its package and index and labelled
/// `<project file>: on-run-start[i]`, in dbt's order: each installed
/// package's (by package name), then the root project's.
fn hooks_in_order(compiled: &Compiled, when: When) -> Vec<((String, usize), (String, String))> {
    let project = &compiled.project;
    let root = (
        &project.config.name,
        &project.project_file,
        match when {
            When::Start => &project.config.on_run_start,
            When::End => &project.config.on_run_end,
        },
    );
    let packages = project.package_hooks.iter().map(|(package, hooks)| {
        let list = match when {
            When::Start => &hooks.on_run_start,
            When::End => &hooks.on_run_end,
        };
        (package, &hooks.file, list)
    });
    packages
        .chain(std::iter::once(root))
        .flat_map(|(package, file, list)| {
            list.iter().enumerate().map(move |(i, hook)| {
                let label = format!("{}: {}[{i}]", file.display(), when.key());
                ((package.clone(), i), (label, hook.clone()))
            })
        })
        .collect()
}

/// What `on-run-end` hooks see: `results` (one per node, with `status`,
/// `message`, `execution_time` and `node`), `schemas` and
/// `database_schemas` (the schemas the run built into).
fn context_after(
    compiled: &Compiled,
    plan: &[PlannedNode],
    results: &[NodeResult],
) -> BTreeMap<String, serde_json::Value> {
    let mut schemas = BTreeSet::new();
    let mut list = Vec::new();
    for result in results {
        let planned = &plan[result.index];
        let Some(id) = compiled.dag.find(&planned.name) else {
            continue;
        };
        let node = compiled.node(id);
        if !planned.relation.schema.is_empty() {
            schemas.insert(planned.relation.schema.clone());
        }
        list.push(serde_json::json!({
            "status": jgt_compile::artifacts::status_word(&planned.work, result.status),
            "message": result.message,
            "execution_time": result.seconds,
            "node": {
                "unique_id": unique_id(compiled, node),
                "name": node.name,
                "resource_type": node.kind.as_str(),
                "schema": node.relation.schema,
                "alias": node.relation.identifier,
                "package_name": node.package,
            },
        }));
    }
    let database = &compiled.target.database;
    let database_schemas: Vec<[&str; 2]> = schemas
        .iter()
        .map(|s| [database.as_str(), s.as_str()])
        .collect();
    BTreeMap::from([
        ("results".to_string(), serde_json::json!(list)),
        ("schemas".to_string(), serde_json::json!(schemas)),
        (
            "database_schemas".to_string(),
            serde_json::json!(database_schemas),
        ),
    ])
}
