//! Reading what a project asks for: its project file's install path and
//! name, and the `packages:` list of `packages.yml` or `dependencies.yml`.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};
use serde_yaml::Value;

use crate::error::DepsError;

/// Where a package entry was written (a file and line, or a hub URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file (or URL) holding the entry.
    pub file: PathBuf,
    /// The 1-based line of the entry (0 when unknown, as in hub JSON).
    pub line: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => write!(f, "{}", self.file.display()),
            line => write!(f, "{}:{line}", self.file.display()),
        }
    }
}

/// Where a package comes from, as a packages file says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `local: <path>`, relative to the root project's folder.
    Local {
        /// The path as written.
        path: String,
    },
    /// `git: <url>`.
    Git {
        /// The repository URL.
        url: String,
        /// A tag, branch or commit; `None` is the remote's HEAD.
        revision: Option<String>,
        /// A folder inside the repository holding the package.
        subdirectory: Option<String>,
        /// Warn when the revision is not pinned (`warn-unpinned`, default true).
        warn_unpinned: bool,
    },
    /// `package: org/name` from the package hub.
    Hub {
        /// `org/name`.
        package: String,
        /// The version ranges, each like `">=1.0.0"` or `"1.3.0"`.
        versions: Vec<String>,
        /// Whether prereleases may be picked (`install_prerelease`).
        install_prerelease: bool,
    },
}

/// One entry of a `packages:` list.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// What to install.
    pub source: Source,
    /// Where it was asked for.
    pub origin: Origin,
    /// The entry as dbt serialises it for `sha1_hash` (defaults filled in,
    /// the entry as written under `unrendered`).
    pub contract: Json,
}

/// The few keys of a project file `jgt deps` needs.
#[derive(Debug, Clone, Default, serde::Deserialize)]
struct ProjectHead {
    name: Option<String>,
    #[serde(rename = "packages-install-path")]
    packages_install_path: Option<String>,
}

/// A project folder's name and package install folder.
#[derive(Debug, Clone)]
pub struct ProjectInfo {
    /// The `name:` of its project file, if it has one.
    pub name: Option<String>,
    /// `packages-install-path`, default `dbt_packages`, relative to the folder.
    pub install_path: String,
}

/// Reads `dbt_project.yml` (or `project.yml`) in `dir`; `None` when neither exists.
pub fn read_project(dir: &Path) -> Result<Option<ProjectInfo>, DepsError> {
    let Some(file) = ["dbt_project.yml", "project.yml"]
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
    else {
        return Ok(None);
    };
    let text = read(&file)?;
    let head: ProjectHead = if text.trim().is_empty() {
        ProjectHead::default()
    } else {
        serde_yaml::from_str(&text).map_err(|err| yaml_error(&file, &err))?
    };
    Ok(Some(ProjectInfo {
        name: head.name,
        install_path: head
            .packages_install_path
            .unwrap_or_else(|| "dbt_packages".to_string()),
    }))
}

/// The packages a folder asks for: its `packages.yml` or `dependencies.yml`
/// list (empty when it has neither), and warnings about what is ignored.
pub fn read_packages(dir: &Path) -> Result<(Vec<Spec>, Vec<String>), DepsError> {
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    for name in ["packages.yml", "dependencies.yml"] {
        let file = dir.join(name);
        if !file.is_file() {
            continue;
        }
        let text = read(&file)?;
        let doc: Value = serde_yaml::from_str(&text).map_err(|err| yaml_error(&file, &err))?;
        let Some(map) = doc.as_mapping() else {
            if doc.is_null() {
                continue;
            }
            return Err(yaml(
                &file,
                1,
                "the file must be a mapping with a `packages:` list",
            ));
        };
        for key in map.keys() {
            let key = key.as_str().unwrap_or_default();
            match (name, key) {
                (_, "packages") => {}
                ("dependencies.yml", "projects") => warnings.push(format!(
                    "{}: `projects:` (dbt Mesh cross-project references) is ignored by jgt deps",
                    file.display()
                )),
                _ => {
                    return Err(yaml(
                        &file,
                        line_of_top_key(&text, key),
                        &format!("unknown key '{key}'; this file holds only a `packages:` list"),
                    ))
                }
            }
        }
        if let Some(list) = map.get("packages") {
            found.push((file, text, list.clone()));
        }
    }
    if found.len() > 1 {
        return Err(DepsError::BothFiles {
            folder: dir.to_path_buf(),
        });
    }
    let Some((file, text, list)) = found.pop() else {
        return Ok((Vec::new(), warnings));
    };
    let lines = item_lines(&text, "packages");
    let specs = parse_list(&list, &file, |i| lines.get(i).copied().unwrap_or(1))?;
    Ok((specs, warnings))
}

/// Parses a `packages:` list (from YAML or a hub's JSON).
pub fn parse_list(
    list: &Value,
    file: &Path,
    line_of: impl Fn(usize) -> usize,
) -> Result<Vec<Spec>, DepsError> {
    if list.is_null() {
        return Ok(Vec::new());
    }
    let Some(items) = list.as_sequence() else {
        return Err(yaml(
            file,
            line_of(0),
            "`packages:` must be a list of package entries",
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let origin = Origin {
                file: file.to_path_buf(),
                line: line_of(i),
            };
            parse_entry(item, origin)
        })
        .collect()
}

/// The keys each kind of entry may have.
const LOCAL_KEYS: &[&str] = &["local", "name"];
const GIT_KEYS: &[&str] = &["git", "revision", "subdirectory", "warn-unpinned", "name"];
const HUB_KEYS: &[&str] = &["package", "version", "install_prerelease", "name"];

/// Parses one package entry.
fn parse_entry(item: &Value, origin: Origin) -> Result<Spec, DepsError> {
    let err = |message: &str| yaml(&origin.file, origin.line, message);
    let Some(map) = item.as_mapping() else {
        return Err(err(
            "a package entry must be a mapping such as `- package: dbt-labs/dbt_utils`",
        ));
    };
    let keys: Vec<&str> = map.keys().map(|k| k.as_str().unwrap_or("")).collect();
    for unsupported in ["tarball", "private"] {
        if keys.contains(&unsupported) {
            return Err(DepsError::Unsupported {
                file: origin.file.clone(),
                line: origin.line,
                message: format!(
                    "`{unsupported}:` packages are not supported by jgt deps; use `git:`, `package:` or `local:`"
                ),
            });
        }
    }
    let allowed = if keys.contains(&"local") {
        LOCAL_KEYS
    } else if keys.contains(&"git") {
        GIT_KEYS
    } else if keys.contains(&"package") {
        HUB_KEYS
    } else {
        return Err(err(
            "a package entry needs `local:`, `git:` or `package:` (a dbt hub package such as dbt-labs/dbt_utils)",
        ));
    };
    if let Some(key) = keys.iter().find(|k| !allowed.contains(k)) {
        let all = LOCAL_KEYS.iter().chain(GIT_KEYS).chain(HUB_KEYS).copied();
        return Err(DepsError::UnknownKey {
            file: origin.file.clone(),
            line: origin.line,
            key: key.to_string(),
            suggestion: nearest(key, all),
        });
    }
    let raw = to_json(item, &origin)?;
    let text = |key: &str| -> Result<Option<String>, DepsError> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.contains("{{") || s.contains("{%") => {
                Err(DepsError::Unsupported {
                    file: origin.file.clone(),
                    line: origin.line,
                    message: format!(
                        "`{key}: {s}` holds Jinja; jgt deps does not render packages files, write the value out"
                    ),
                })
            }
            Some(Value::String(s)) if s.is_empty() => Err(err(&format!("`{key}:` is empty"))),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) if key == "revision" || key == "version" => Ok(Some(n.to_string())),
            Some(_) => Err(err(&format!("`{key}:` must be a string"))),
        }
    };
    let flag = |key: &str| -> Result<Option<bool>, DepsError> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(err(&format!("`{key}:` must be true or false"))),
        }
    };
    let mut contract = Map::new();
    let source = if let Some(path) = text("local")? {
        contract.insert("local".into(), Json::String(path.clone()));
        Source::Local { path }
    } else if let Some(url) = text("git")? {
        let revision = text("revision")?;
        let subdirectory = text("subdirectory")?;
        let warn = flag("warn-unpinned")?;
        contract.insert("git".into(), Json::String(url.clone()));
        contract.insert("revision".into(), raw_or_null(&raw, "revision"));
        contract.insert("subdirectory".into(), raw_or_null(&raw, "subdirectory"));
        contract.insert("warn-unpinned".into(), raw_or_null(&raw, "warn-unpinned"));
        Source::Git {
            url,
            revision,
            subdirectory,
            warn_unpinned: warn != Some(false),
        }
    } else {
        let package = text("package")?.unwrap_or_default();
        let versions = hub_versions(map.get("version"), &origin)?;
        let install_prerelease = flag("install_prerelease")?;
        contract.insert("package".into(), Json::String(package.clone()));
        contract.insert("version".into(), raw_or_null(&raw, "version"));
        contract.insert(
            "install_prerelease".into(),
            match map.get("install_prerelease") {
                Some(_) => raw_or_null(&raw, "install_prerelease"),
                None => Json::Bool(false),
            },
        );
        Source::Hub {
            package,
            versions,
            install_prerelease: install_prerelease.unwrap_or(false),
        }
    };
    if let Some(name) = raw.get("name").filter(|n| !n.is_null()) {
        contract.insert("name".into(), name.clone());
    }
    contract.insert("unrendered".into(), raw);
    Ok(Spec {
        source,
        origin,
        contract: Json::Object(contract),
    })
}

/// A hub entry's `version:`: a string, a number or a list of them.
fn hub_versions(value: Option<&Value>, origin: &Origin) -> Result<Vec<String>, DepsError> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let missing = || {
        yaml(
            &origin.file,
            origin.line,
            "a hub package needs `version:`, such as `version: [\">=1.0.0\", \"<2.0.0\"]` or `version: 1.3.0`",
        )
    };
    match value {
        None | Some(Value::Null) => Err(missing()),
        Some(Value::Sequence(items)) => items.iter().map(|v| one(v).ok_or_else(missing)).collect(),
        Some(v) => Ok(vec![one(v).ok_or_else(missing)?]),
    }
}

/// The entry's raw value for `key`, or JSON null.
fn raw_or_null(raw: &Json, key: &str) -> Json {
    raw.get(key).cloned().unwrap_or(Json::Null)
}

/// A YAML value as JSON (for the lock hash).
fn to_json(value: &Value, origin: &Origin) -> Result<Json, DepsError> {
    serde_json::to_value(value).map_err(|e| {
        yaml(
            &origin.file,
            origin.line,
            &format!("the entry cannot be read: {e}"),
        )
    })
}

/// The 1-based lines of the items of the top-level list under `key:`.
pub fn item_lines(text: &str, key: &str) -> Vec<usize> {
    let start = line_of_top_key(text, key);
    let mut indent = None;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate().skip(start) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let this = line.len() - trimmed.len();
        if this == 0 && !trimmed.starts_with('-') {
            break;
        }
        let is_item = trimmed == "-" || trimmed.starts_with("- ");
        match indent {
            None if is_item => {
                indent = Some(this);
                lines.push(i + 1);
            }
            Some(n) if is_item && this == n => lines.push(i + 1),
            _ => {}
        }
    }
    lines
}

/// The 1-based line of a top-level `key:` (1 when not found).
fn line_of_top_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|line| {
            let rest = line
                .strip_prefix(key)
                .or_else(|| line.strip_prefix(&format!("\"{key}\"")))
                .or_else(|| line.strip_prefix(&format!("'{key}'")));
            rest.is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map_or(1, |i| i + 1)
}

/// The candidate closest to `name`, when it is a plausible typo.
pub(crate) fn nearest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, c)| *d <= limit && *c != name)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c.to_string())
}

/// Reads a file as text.
pub(crate) fn read(file: &Path) -> Result<String, DepsError> {
    std::fs::read_to_string(file).map_err(DepsError::io(format!("cannot read {}", file.display())))
}

/// A [`DepsError::Yaml`].
pub(crate) fn yaml(file: &Path, line: usize, message: &str) -> DepsError {
    DepsError::Yaml {
        file: file.to_path_buf(),
        line: line.max(1),
        message: message.to_string(),
    }
}

/// A serde_yaml error as a [`DepsError::Yaml`] with its line.
pub(crate) fn yaml_error(file: &Path, err: &serde_yaml::Error) -> DepsError {
    let line = err.location().map_or(1, |l| l.line());
    let message = err.to_string();
    let message = match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message,
    };
    yaml(file, line, &message)
}
