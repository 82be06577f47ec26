//! `jgt debug`: checks, one line each, that jgt can work here: its
//! version, the project file, the project as a whole, the target in use
//! and a connection to the database. Exits non-zero when a check fails.

use std::path::Path;

use anyhow::Result;
use console::style;
use jgt_duckdb::DuckDbAdapter;

use crate::cli::{Common, Selection};

/// Runs every check it can; `Ok(false)` when one failed.
pub fn debug(common: &Common) -> Result<bool> {
    outln!("jgt version: {}", env!("CARGO_PKG_VERSION"));
    outln!(
        "os info: {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    outln!(
        "Using {} file at {}",
        project_file_name(common),
        common.project_dir.display()
    );
    outln!("Configuration:");
    let project = match crate::profile::load_project(common) {
        Ok(project) => {
            check(
                &format!("{} file", project.project_file.display()),
                Ok("found and valid".into()),
            );
            match &project.profile {
                Some(profile) => check(
                    "profiles.yml file",
                    Ok(format!(
                        "{}: profile '{}', target '{}'",
                        profile.file.display(),
                        profile.profile_name,
                        profile.target_name
                    )),
                ),
                None => outln!("  profiles.yml file [none: jgt's default database]"),
            }
            project
        }
        Err(err) => {
            check(
                &format!("{} file", project_file_name(common)),
                Err(format!("{err:#}")),
            );
            return finish(false);
        }
    };
    let database = crate::commands::project_database(common, &project);
    let loaded = crate::commands::load_with(
        common,
        &Selection::default(),
        project,
        database.clone(),
        jgt_core::Existing::default(),
        jgt_render::RunInfo::default(),
    );
    let compiled = match loaded {
        Ok((compiled, _)) => {
            check(
                "project compiles",
                Ok(format!("{} nodes rendered", compiled.nodes.len())),
            );
            compiled
        }
        Err(err) => {
            check("project compiles", Err(format!("{err:#}")));
            return finish(false);
        }
    };
    let target = &compiled.target;
    outln!("Connection:");
    outln!("  adapter type: {}", target.adapter_type);
    outln!("  target: {}", target.name);
    outln!("  database: {}", target.database);
    outln!("  schema: {}", target.schema);
    match server_address(&compiled.project) {
        Some(address) => outln!("  server: {address}"),
        None => outln!("  path: {}", database.display()),
    }
    outln!("  threads: {}", target.threads);
    let connected = connection_test(&database, &compiled.project);
    let ok = connected.is_ok();
    check("Connection test:", connected);
    finish(ok)
}

/// The project file's name in the folder: dbt's, else jgt's own.
fn project_file_name(common: &Common) -> &'static str {
    if common
        .project_dir
        .join(jgt_project::DBT_PROJECT_FILE)
        .is_file()
    {
        jgt_project::DBT_PROJECT_FILE
    } else {
        jgt_project::PROJECT_FILE
    }
}

/// Where a server target listens (`host:port`); `None` for DuckDB.
fn server_address(project: &jgt_project::Project) -> Option<String> {
    match &project.profile.as_ref()?.connection {
        jgt_project::Connection::DuckDb => None,
        jgt_project::Connection::Postgres(pg) => Some(format!("{}:{}", pg.host, pg.port)),
        jgt_project::Connection::Spark(spark) => Some(format!("{}:{}", spark.host, spark.port)),
    }
}

/// Opens the database (read-only when it exists; a server is connected
/// to) and runs `select 1`.
fn connection_test(database: &Path, project: &jgt_project::Project) -> Result<String, String> {
    let adapter = if crate::profile::is_server(project) {
        crate::servers::connect(project).map_err(|err| format!("{err:#}"))?
    } else if database.is_file() {
        let adapter = DuckDbAdapter::open_read_only(database).map_err(|err| err.to_string())?;
        Box::new(adapter)
    } else {
        Box::new(DuckDbAdapter::open(database).map_err(|err| err.to_string())?)
    };
    adapter
        .query("select 1", None)
        .map(|_| "connection ok".to_string())
        .map_err(|err| err.to_string())
}

/// One check's line: `  what [OK detail]` or `  what [ERROR detail]`.
fn check(what: &str, outcome: Result<String, String>) {
    match outcome {
        Ok(detail) => outln!("  {what} [{}]", style(format!("OK {detail}")).green()),
        Err(detail) => outln!("  {what} [{}]", style(format!("ERROR {detail}")).red()),
    }
}

fn finish(ok: bool) -> Result<bool> {
    if ok {
        outln!("{}", style("All checks passed!").green());
    } else {
        outln!("{}", style("1 check failed: see the ERROR above").red());
    }
    Ok(ok)
}
