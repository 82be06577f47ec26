//! `profiles.yml`: where dbt finds it, which profile and target it picks,
//! and the output's options: DuckDB's here, a server's (PostgreSQL, Spark
//! Connect) in [`servers`]. Pure parsing: opening the database is the
//! adapter's work.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use crate::config::line_of_key;
use crate::error::position;
use crate::node_config::scalar;
use crate::render::{render_tree, RenderInputs};

mod servers;

pub use servers::{Connection, PostgresOutput, Secret, SparkOutput};

/// The profiles file name.
pub const PROFILES_FILE: &str = "profiles.yml";

/// Keys of a DuckDB output that jgt reads.
const DUCKDB_KEYS: [&str; 9] = [
    "type",
    "path",
    "schema",
    "database",
    "threads",
    "settings",
    "extensions",
    "attach",
    "external_root",
];

/// dbt-duckdb keys that change what a build reads or writes, which jgt
/// does not implement: refused rather than ignored.
const RESULT_CHANGING_KEYS: [&str; 4] = ["plugins", "filesystems", "secrets", "remote"];

/// Where to look for `profiles.yml` and what to pick from it.
#[derive(Debug, Clone, Default)]
pub struct ProfileRequest {
    /// `--profiles-dir`.
    pub profiles_dir: Option<PathBuf>,
    /// `--profile`, over the project's `profile:`.
    pub profile: Option<String>,
    /// `--target`.
    pub target: Option<String>,
    /// The home folder, for `~/.dbt/`.
    pub home: Option<PathBuf>,
}

/// One database to attach next to the main one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file (relative paths are relative to the project folder).
    pub path: String,
    /// The name SQL uses for it.
    pub alias: String,
    /// The database type (`sqlite`, ...), when not DuckDB.
    pub kind: Option<String>,
    /// Whether to attach read-only.
    pub read_only: bool,
}

/// The chosen output of a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileTarget {
    /// The `profiles.yml` it came from.
    pub file: PathBuf,
    /// The profile's name.
    pub profile_name: String,
    /// The target's name (`dev`).
    pub target_name: String,
    /// The database file as written (`None`: jgt's default file).
    pub path: Option<String>,
    /// The default schema (`main` unless set).
    pub schema: String,
    /// The database name, when set.
    pub database: Option<String>,
    /// Threads, when set.
    pub threads: Option<usize>,
    /// `settings:`, run as `SET key = value` when the database opens.
    pub settings: Vec<(String, String)>,
    /// `extensions:` to load.
    pub extensions: Vec<String>,
    /// `attach:` entries.
    pub attach: Vec<Attachment>,
    /// `external_root`: the folder `external` models write to when they
    /// name no `location` (relative to the project folder; `.` unless set).
    pub external_root: Option<String>,
    /// How to reach the database: DuckDB's file, or a server.
    pub connection: Connection,
    /// Things worth a warning (unknown keys, a missing path).
    pub warnings: Vec<String>,
}

/// Everything that can be wrong with a profile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// `profiles.yml` is not valid YAML or has the wrong shape.
    #[error("{}: {message}", position(.path, *.line, 0))]
    Invalid {
        /// The profiles file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The profile the project asks for is not in the file.
    #[error("{path}: no profile named '{profile}' (profiles here: {available}); fix `profile:` in the project file or pass --profile")]
    NoSuchProfile {
        /// The profiles file.
        path: PathBuf,
        /// The missing profile.
        profile: String,
        /// The profiles the file has.
        available: String,
    },
    /// The target is not among the profile's outputs.
    #[error("{}: profile '{profile}' has no target '{target}' (outputs: {available}); pass --target with one of them", position(.path, *.line, 0))]
    NoSuchTarget {
        /// The profiles file.
        path: PathBuf,
        /// 1-based line of the profile (0 when unknown).
        line: usize,
        /// The profile.
        profile: String,
        /// The missing target.
        target: String,
        /// The outputs the profile has.
        available: String,
    },
    /// The output's type is not one jgt builds into.
    #[error("{}: target '{target}' has type '{kind}': jgt builds into duckdb, postgres and spark (method: connect)", position(.path, *.line, 0))]
    UnsupportedType {
        /// The profiles file.
        path: PathBuf,
        /// 1-based line of `type:` (0 when unknown).
        line: usize,
        /// The target.
        target: String,
        /// The type as written.
        kind: String,
    },
    /// `path: ':memory:'`: nothing would be kept.
    #[error("{}: path ':memory:' would keep nothing after the run; jgt builds into a file: set path to a file such as target/dev.duckdb", position(.path, *.line, 0))]
    InMemory {
        /// The profiles file.
        path: PathBuf,
        /// 1-based line of `path:` (0 when unknown).
        line: usize,
    },
    /// `--profiles-dir` or `DBT_PROFILES_DIR` names a folder without the file.
    #[error("no profiles.yml in {dir} (from {from})")]
    Missing {
        /// The folder named.
        dir: PathBuf,
        /// Which flag or variable named it.
        from: String,
    },
}

impl ProfileError {
    /// The error's stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ProfileError::Invalid { .. } => "JGT1201",
            ProfileError::NoSuchProfile { .. } => "JGT1202",
            ProfileError::NoSuchTarget { .. } => "JGT1203",
            ProfileError::UnsupportedType { .. } => "JGT1204",
            ProfileError::InMemory { .. } => "JGT1205",
            ProfileError::Missing { .. } => "JGT1206",
        }
    }
}

/// Finds `profiles.yml` as dbt does: `--profiles-dir`, else
/// `DBT_PROFILES_DIR`, else the project folder, else `~/.dbt/`.
/// `None` when there is none anywhere.
pub fn find_profiles_file(
    request: &ProfileRequest,
    env: &BTreeMap<String, String>,
    project_dir: &Path,
) -> Result<Option<PathBuf>, ProfileError> {
    let named = request
        .profiles_dir
        .clone()
        .map(|dir| (dir, "--profiles-dir"))
        .or_else(|| {
            env.get("DBT_PROFILES_DIR")
                .filter(|dir| !dir.is_empty())
                .map(|dir| (PathBuf::from(dir), "DBT_PROFILES_DIR"))
        });
    if let Some((dir, from)) = named {
        let file = dir.join(PROFILES_FILE);
        return match file.is_file() {
            true => Ok(Some(file)),
            false => Err(ProfileError::Missing {
                dir,
                from: from.into(),
            }),
        };
    }
    let candidates = [
        Some(project_dir.join(PROFILES_FILE)),
        request
            .home
            .as_ref()
            .map(|home| home.join(".dbt").join(PROFILES_FILE)),
    ];
    Ok(candidates.into_iter().flatten().find(|file| file.is_file()))
}

/// Reads the target `request` (or the profile's `target:`) picks from
/// profile `profile` of the file at `path`, rendering `env_var()`.
pub fn read_target(
    path: &Path,
    text: &str,
    profile: &str,
    request: &ProfileRequest,
    inputs: &RenderInputs,
) -> Result<ProfileTarget, ProfileError> {
    let invalid = |line: usize, message: String| ProfileError::Invalid {
        path: path.into(),
        line,
        message,
    };
    let file: Value = serde_yaml::from_str(text).map_err(|err| {
        invalid(
            err.location().map_or(0, |l| l.line()),
            strip_at(&err.to_string()),
        )
    })?;
    let Some(chosen) = file.get(profile) else {
        let available = profile_names(&file);
        return Err(ProfileError::NoSuchProfile {
            path: path.into(),
            profile: profile.into(),
            available,
        });
    };
    let profile_line = line_of_key(text, profile, 0);
    let mut inputs = inputs.clone();
    inputs.allow_secrets = true;
    inputs.target = None;
    // As dbt does, only the `target:` key and the chosen output are
    // rendered: another output's `env_var()` need not be set.
    let render = |mut value: Value| {
        render_tree(&mut value, &inputs, path, text)
            .map(|()| value)
            .map_err(|err| match err {
                crate::ProjectError::Render {
                    line,
                    template,
                    message,
                    ..
                } => invalid(line, format!("cannot render '{template}': {message}")),
                other => invalid(0, other.to_string()),
            })
    };
    let target_name = match (&request.target, chosen.get("target")) {
        (Some(flag), _) => flag.clone(),
        (None, Some(value)) => match render(value.clone())? {
            Value::String(name) => name,
            _ => "default".into(),
        },
        (None, None) => "default".into(),
    };
    let outputs = chosen
        .get("outputs")
        .and_then(Value::as_mapping)
        .ok_or_else(|| invalid(profile_line, format!("profile '{profile}' has no outputs:")))?;
    let Some(Value::Mapping(output)) = outputs.get(target_name.as_str()) else {
        return Err(ProfileError::NoSuchTarget {
            path: path.into(),
            line: profile_line,
            profile: profile.into(),
            target: target_name,
            available: keys_of(outputs),
        });
    };
    let output = render(Value::Mapping(output.clone()))?
        .as_mapping()
        .cloned()
        .unwrap_or_default();
    let output = &output;
    let output_line = line_of_key(text, &target_name, profile_line.saturating_sub(1));
    let key_line = |key: &str| line_of_key(text, key, output_line.saturating_sub(1));
    let kind = text_of(output, "type").unwrap_or_default();
    let (known, refused): (&[&str], &[&str]) = match kind.as_str() {
        "duckdb" => (&DUCKDB_KEYS, &RESULT_CHANGING_KEYS),
        "postgres" => (&servers::POSTGRES_KEYS, &servers::POSTGRES_REFUSED),
        "spark" => (&servers::SPARK_KEYS, &servers::SPARK_REFUSED),
        _ => {
            return Err(ProfileError::UnsupportedType {
                path: path.into(),
                line: key_line("type"),
                target: target_name,
                kind,
            })
        }
    };
    let mut warnings = Vec::new();
    for key in output.keys().filter_map(Value::as_str) {
        // sslmode is read (plain modes pass) before it can be refused.
        if refused.contains(&key) && key != "sslmode" {
            return Err(invalid(
                key_line(key),
                format!("'{key}' is not supported by jgt yet (it changes what a build reads or writes, or how jgt connects); remove it from target '{target_name}'"),
            ));
        }
        if !known.contains(&key) && key != "sslmode" && key != "threads" {
            warnings.push(format!(
                "{}: '{key}' of target '{target_name}' is ignored by jgt",
                position(path, key_line(key), 0)
            ));
        }
    }
    let threads = match output.get("threads") {
        None => None,
        Some(value) => Some(
            value
                .as_u64()
                .filter(|n| *n > 0)
                .map(|n| n as usize)
                .ok_or_else(|| {
                    invalid(
                        key_line("threads"),
                        "threads must be a whole number above 0".into(),
                    )
                })?,
        ),
    };
    let server = |parsed: Result<Connection, (&str, String)>| {
        parsed.map_err(|(key, message)| {
            invalid(key_line(key), format!("target '{target_name}': {message}"))
        })
    };
    let connection = match kind.as_str() {
        "postgres" => server(servers::postgres(output).map(Connection::Postgres))?,
        "spark" => server(servers::spark(output).map(Connection::Spark))?,
        _ => Connection::DuckDb,
    };
    let default_schema = match connection {
        Connection::DuckDb => "main",
        Connection::Postgres(_) => "public",
        Connection::Spark(_) => "default",
    };
    let db_path = match connection {
        Connection::DuckDb => duckdb_path(
            output,
            path,
            &target_name,
            key_line("path"),
            output_line,
            &mut warnings,
        )?,
        _ => None,
    };
    Ok(ProfileTarget {
        file: path.into(),
        profile_name: profile.into(),
        schema: text_of(output, "schema").unwrap_or_else(|| default_schema.into()),
        database: match &connection {
            Connection::Postgres(pg) => Some(pg.dbname.clone()),
            _ => text_of(output, "database"),
        },
        threads,
        settings: settings_of(output).map_err(|m| invalid(key_line("settings"), m))?,
        extensions: extensions_of(output).map_err(|m| invalid(key_line("extensions"), m))?,
        attach: attach_of(output).map_err(|m| invalid(key_line("attach"), m))?,
        external_root: text_of(output, "external_root"),
        path: db_path,
        connection,
        target_name,
        warnings,
    })
}

/// A DuckDB output's `path`: refused when in memory, a warning when
/// missing (jgt's default file is used).
fn duckdb_path(
    output: &Mapping,
    path: &Path,
    target_name: &str,
    path_line: usize,
    output_line: usize,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, ProfileError> {
    let db_path = text_of(output, "path");
    if db_path.as_deref() == Some(":memory:") {
        return Err(ProfileError::InMemory {
            path: path.into(),
            line: path_line,
        });
    }
    if db_path.is_none() {
        warnings.push(format!(
            "{}: target '{target_name}' has no path (dbt-duckdb would use an in-memory database); jgt builds into target/jgt.duckdb",
            position(path, output_line, 0)
        ));
    }
    Ok(db_path)
}

fn profile_names(file: &Value) -> String {
    file.as_mapping()
        .map(|map| {
            let mut names: Vec<_> = map
                .keys()
                .filter_map(Value::as_str)
                .filter(|k| *k != "config")
                .collect();
            names.sort();
            names.join(", ")
        })
        .unwrap_or_default()
}

fn keys_of(map: &Mapping) -> String {
    map.keys()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn text_of(map: &Mapping, key: &str) -> Option<String> {
    map.get(key).and_then(scalar)
}

fn settings_of(output: &Mapping) -> Result<Vec<(String, String)>, String> {
    let Some(settings) = output.get("settings") else {
        return Ok(Vec::new());
    };
    let map = settings
        .as_mapping()
        .ok_or("settings must be a mapping of setting names to values")?;
    map.iter()
        .map(|(key, value)| match (key.as_str(), scalar(value)) {
            (Some(key), Some(value)) => Ok((key.to_string(), value)),
            _ => Err(format!(
                "setting {key:?} must have a single value (text, number or true/false)"
            )),
        })
        .collect()
}

fn extensions_of(output: &Mapping) -> Result<Vec<String>, String> {
    let Some(list) = output.get("extensions") else {
        return Ok(Vec::new());
    };
    let items = list
        .as_sequence()
        .ok_or("extensions must be a list of extension names")?;
    items
        .iter()
        .map(|item| match item {
            Value::String(name) => Ok(name.clone()),
            Value::Mapping(map) => text_of(map, "name")
                .ok_or_else(|| "an extension given as a mapping needs a 'name'".to_string()),
            _ => Err("extensions must be a list of extension names".into()),
        })
        .collect()
}

fn attach_of(output: &Mapping) -> Result<Vec<Attachment>, String> {
    let Some(list) = output.get("attach") else {
        return Ok(Vec::new());
    };
    let items = list
        .as_sequence()
        .ok_or("attach must be a list of {path, alias, type, read_only} entries")?;
    items
        .iter()
        .map(|item| {
            let map = item
                .as_mapping()
                .ok_or("each attach entry must be a mapping with a path")?;
            for key in map.keys().filter_map(Value::as_str) {
                if !["path", "alias", "type", "read_only"].contains(&key) {
                    return Err(format!(
                        "attach entry key '{key}' is not supported (use path, alias, type, read_only)"
                    ));
                }
            }
            let path = text_of(map, "path").ok_or("each attach entry needs a path")?;
            let alias = text_of(map, "alias").unwrap_or_else(|| {
                Path::new(&path)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
            Ok(Attachment {
                path,
                alias,
                kind: text_of(map, "type"),
                read_only: map.get("read_only").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

fn strip_at(message: &str) -> String {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
        .to_string()
}

#[cfg(test)]
mod tests;
