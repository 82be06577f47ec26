//! From the command line to a loaded project and an open database: the
//! profile flags, the database path, schema, settings and threads, and
//! which engine the target names (the embedded DuckDB, or a PostgreSQL or
//! Spark Connect server when jgt is built with that engine's feature).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;
use jgt_core::Dialect;
use jgt_duckdb::{Attach, DuckDbAdapter, DuckDbDialect, OpenOptions};
use jgt_exec::Adapter;
use jgt_project::{Connection, LoadOptions, ProfileRequest, Project};

use crate::cli::Common;

/// Loads the project with `--vars`, the environment and the profile flags,
/// printing the profile's warnings.
pub fn load_project(common: &Common) -> Result<Project> {
    let project = load_with(common, false)?;
    for warning in project.profile.iter().flat_map(|p| &p.warnings) {
        crate::commands::print_warning(warning);
    }
    Ok(project)
}

/// Loads only what rendering a known model needs (the project file, the
/// profile, packages and macros; see [`LoadOptions::templates_only`]),
/// printing nothing.
pub fn load_templates(common: &Common) -> Result<Project> {
    load_with(common, true)
}

/// Loads the project, all of it or its templates only.
fn load_with(common: &Common, templates_only: bool) -> Result<Project> {
    let env: BTreeMap<String, String> = std::env::vars().collect();
    // A malformed --vars is reported (with its text) when the project compiles.
    let vars = common
        .vars
        .as_deref()
        .and_then(|text| serde_yaml::from_str(text).ok())
        .unwrap_or_default();
    let options = LoadOptions {
        vars,
        profiles: ProfileRequest {
            profiles_dir: common.profiles_dir.clone(),
            profile: common.profile.clone(),
            target: common.target.clone(),
            home: env.get("HOME").map(PathBuf::from),
        },
        env,
        templates_only,
    };
    let mut project = Project::load_with(&common.project_dir, &options)?;
    if let Some(path) = &common.target_path {
        project.config.target_path = path.to_string_lossy().into_owned();
    }
    Ok(project)
}

/// The database file: `--db`/`JGT_DB`, else the profile's `path` (relative
/// to the project folder), else the project's `database:`.
pub fn database(common: &Common, project: &Project) -> PathBuf {
    let profiled = project.profile.as_ref().and_then(|p| p.path.as_deref());
    match (&common.db, profiled) {
        (Some(flag), _) => flag.clone(),
        (None, Some(path)) => common.project_dir.join(path),
        (None, None) => common.project_dir.join(&project.config.database),
    }
}

/// The target's connection: DuckDB when there is no profile.
fn connection(project: &Project) -> &Connection {
    project
        .profile
        .as_ref()
        .map_or(&Connection::DuckDb, |p| &p.connection)
}

/// True when the target is a server, not a DuckDB file.
pub fn is_server(project: &Project) -> bool {
    !matches!(connection(project), Connection::DuckDb)
}

/// The dialect of the target's engine, building into the profile's schema.
pub fn dialect(project: &Project) -> Arc<dyn Dialect> {
    let schema = project.profile.as_ref().map(|p| p.schema.as_str());
    match connection(project) {
        Connection::DuckDb => match schema {
            Some(schema) => Arc::new(DuckDbDialect::new(schema)),
            None => Arc::new(DuckDbDialect::default()),
        },
        Connection::Postgres(_) => Arc::new(jgt_postgres::PostgresDialect::new(
            schema.unwrap_or("public"),
        )),
        Connection::Spark(_) => Arc::new(jgt_spark::SparkDialect::new(schema.unwrap_or("default"))),
    }
}

/// Whether the target has been built into: the DuckDB file exists, or
/// the target is a server (asked when it is opened).
pub fn is_built(path: &Path, project: &Project) -> bool {
    is_server(project) || path.is_file()
}

/// Threads: `--threads`, else the profile's, else the number of cores.
pub fn threads(common: &Common, project: &Project) -> usize {
    common
        .threads
        .or_else(|| project.profile.as_ref().and_then(|p| p.threads))
        .unwrap_or_else(jgt_core::parallel::cores)
}

/// The profile's options for opening the database; paths of attached
/// databases are relative to `project_dir`.
fn open_options(project_dir: &Path, project: &Project) -> OpenOptions {
    let mut options = OpenOptions::default();
    if let Some(profile) = &project.profile {
        options.schema = profile.schema.clone();
        options.settings = profile.settings.clone();
        options.extensions = profile.extensions.clone();
        options.attach = profile
            .attach
            .iter()
            .map(|a| Attach {
                path: project_dir.join(&a.path),
                alias: a.alias.clone(),
                kind: a.kind.clone(),
                read_only: a.read_only,
            })
            .collect();
    }
    // Relative file paths in SQL (dbt-duckdb's file-backed sources) are
    // the project folder's, wherever jgt runs from.
    let searched = options
        .settings
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("file_search_path"));
    if !searched {
        let dir = std::path::absolute(project_dir).unwrap_or_else(|_| project_dir.to_path_buf());
        options.settings.push((
            "file_search_path".into(),
            dir.to_string_lossy().into_owned(),
        ));
    }
    options
}

/// Opens the database for a build with the profile's options: the DuckDB
/// file, or a connection to the target's server.
pub fn open(common: &Common, project: &Project) -> Result<Box<dyn Adapter + Send>> {
    if is_server(project) {
        refuse_db_flag(common, project)?;
        return crate::servers::connect(project);
    }
    let options = open_options(&common.project_dir, project);
    Ok(Box::new(DuckDbAdapter::open_with(
        &database(common, project),
        &options,
    )?))
}

/// Opening a DuckDB file, made ready on this thread to run on another:
/// it owns the path and options it needs from the project.
pub struct Opener {
    path: PathBuf,
    options: OpenOptions,
    read_only: bool,
}

impl Opener {
    /// How [`open`] (or, with `read_only`, [`open_read_only`] of `path`)
    /// would open the target's DuckDB file; `None` for a server target.
    pub fn duckdb(common: &Common, project: &Project, read_only: Option<&Path>) -> Option<Opener> {
        if is_server(project) {
            return None;
        }
        Some(match read_only {
            Some(path) => Opener {
                path: path.to_path_buf(),
                options: open_options(&project.root, project),
                read_only: true,
            },
            None => Opener {
                path: database(common, project),
                options: open_options(&common.project_dir, project),
                read_only: false,
            },
        })
    }

    /// Opens the file.
    pub fn open(self) -> Result<Box<dyn Adapter + Send>> {
        Ok(Box::new(match self.read_only {
            true => DuckDbAdapter::open_read_only_with(&self.path, &self.options)?,
            false => DuckDbAdapter::open_with(&self.path, &self.options)?,
        }))
    }
}

/// Opens the built database `path` read-only with the profile's options
/// (attachments read-only too), for `show` and `compile`; a server target
/// is connected to as for a build (servers have no read-only mode here,
/// and these commands only read).
pub fn open_read_only(path: &Path, project: &Project) -> Result<Box<dyn Adapter + Send>> {
    if is_server(project) {
        return crate::servers::connect(project);
    }
    let options = open_options(&project.root, project);
    Ok(Box::new(DuckDbAdapter::open_read_only_with(
        path, &options,
    )?))
}

/// `--db` names a DuckDB file: with a server target it would be ignored,
/// so it is refused.
fn refuse_db_flag(common: &Common, project: &Project) -> Result<()> {
    match (&common.db, &project.profile) {
        (Some(db), Some(profile)) => Err(crate::error::CliError::DbFlagWithServer {
            db: db.clone(),
            target: profile.target_name.clone(),
            kind: profile.connection.adapter_type(),
        }
        .into()),
        _ => Ok(()),
    }
}
